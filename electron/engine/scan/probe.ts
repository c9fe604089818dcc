/**
 * One connect probe: a full TCP handshake with host:port through the OS (connect(2),
 * as `nmap -sT` does), then an optional short wait for a banner, then a reset (SO_LINGER
 * 0) so the probe leaves no TIME_WAIT behind to eat local ports.
 *
 * What the OS says becomes a port state (see docs/scanner.md):
 *   connected                        → open      (syn-ack)
 *   ECONNREFUSED, ECONNRESET         → closed    (conn-refused: the host sent a TCP reset)
 *   no answer within the timeout     → filtered  (no-response; retried first, see scanner.ts)
 *   EHOSTUNREACH                     → filtered  (host-unreach: ICMP host unreachable or
 *                                                 administratively prohibited; Linux maps both here)
 *   ENETUNREACH                      → filtered  (net-unreach: ICMP or no route)
 *   EACCES                           → filtered  (admin-prohibited: ICMPv6 administratively prohibited)
 *   EPERM                            → filtered  (local-firewall: this machine's own firewall dropped it)
 * Local failures are never a result: EMFILE, ENFILE, EADDRNOTAVAIL, ENOBUFS, ENOMEM,
 * EAGAIN, EADDRINUSE and a self-connect (on loopback the kernel can pick the destination
 * port as the source port and the socket connects to itself) come back as `local`, and
 * the scanner backs off and retries.
 */
import { Socket } from 'node:net';
import { BANNER_MAX_BYTES, HTTP_REQUEST } from './banner';

export type ProbeState = 'open' | 'closed' | 'filtered' | 'error';

export interface Answer {
  kind: 'answer';
  state: Exclude<ProbeState, 'error'>;
  reason: string;
  /** Time from connect() to the OS's answer, µs. */
  rttUs: number;
  banner: Buffer | null;
  localAddress: string | null;
}

export type Attempt =
  | Answer
  | { kind: 'timeout' }
  | { kind: 'local'; code: string }
  | { kind: 'error'; code: string; message: string };

export interface ProbeOptions {
  timeoutMs: number;
  /** How long to wait for a greeting on an open port, ms (0: none). */
  bannerWaitMs: number;
  /** Send a minimal HTTP HEAD on quiet HTTP-ish ports. */
  httpProbe: boolean;
}

export const LOCAL_ERRORS = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'ENOMEM', 'EAGAIN', 'EADDRINUSE', 'EINTR', 'ECONNABORTED']);

const STATE_OF_ERROR: Partial<Record<string, [Answer['state'], string]>> = {
  ECONNREFUSED: ['closed', 'conn-refused'],
  ECONNRESET: ['closed', 'conn-refused'],
  EHOSTUNREACH: ['filtered', 'host-unreach'],
  ENETUNREACH: ['filtered', 'net-unreach'],
  EPERM: ['filtered', 'local-firewall'],
  EACCES: ['filtered', 'admin-prohibited'],
  ETIMEDOUT: ['filtered', 'no-response'],
};

/**
 * What an errno from connect() means (shared by both engines, so the states table lives
 * in one place): a local shortage, a port state, or an error with the code.
 */
export function attemptOfError(code: string, rttUs: number, message: string | (() => string)): Attempt {
  if (LOCAL_ERRORS.has(code)) return { kind: 'local', code };
  const mapped = STATE_OF_ERROR[code];
  if (mapped) return { kind: 'answer', state: mapped[0], reason: mapped[1], rttUs, banner: null, localAddress: null };
  return { kind: 'error', code, message: typeof message === 'string' ? message : message() };
}

function elapsedUs(t0: bigint): number {
  return Number((process.hrtime.bigint() - t0) / 1000n);
}

/**
 * Probes once. `track` receives the socket so a cancelled sweep can destroy it.
 * Never rejects.
 */
export function probeOnce(host: string, port: number, family: 4 | 6, opts: ProbeOptions, track?: (s: Socket | null) => void): Promise<Attempt> {
  return new Promise((resolve) => {
    const s = new Socket();
    track?.(s);
    const t0 = process.hrtime.bigint();
    let settled = false;
    let timer: NodeJS.Timeout | null = null;

    const finish = (a: Attempt, reset: boolean): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      s.removeAllListeners();
      s.on('error', () => undefined);
      if (reset && !s.destroyed) {
        try {
          s.resetAndDestroy();
        } catch {
          s.destroy();
        }
      } else s.destroy();
      track?.(null);
      resolve(a);
    };

    timer = setTimeout(() => finish({ kind: 'timeout' }, false), opts.timeoutMs);

    s.once('error', (err: NodeJS.ErrnoException) => {
      finish(attemptOfError(err.code ?? 'EUNKNOWN', elapsedUs(t0), err.message), false);
    });

    s.once('connect', () => {
      const rttUs = elapsedUs(t0);
      if (timer) clearTimeout(timer);
      timer = null;
      // Simultaneous open with itself: nothing listens there; a new source port will tell.
      if (s.localPort === port && s.localAddress === s.remoteAddress) return finish({ kind: 'local', code: 'self-connect' }, true);
      const localAddress = s.localAddress ?? null;
      const open = (banner: Buffer | null): void => finish({ kind: 'answer', state: 'open', reason: 'syn-ack', rttUs, banner, localAddress }, true);
      if (opts.bannerWaitMs <= 0) return open(null);

      const chunks: Buffer[] = [];
      let size = 0;
      let asked = false;
      const done = (): void => open(size ? Buffer.concat(chunks).subarray(0, BANNER_MAX_BYTES) : null);
      s.removeAllListeners('error');
      s.on('error', done); // a reset after the handshake still means open
      s.on('end', done);
      s.on('close', done);
      s.on('data', (d: Buffer) => {
        chunks.push(d);
        size += d.length;
        if (size >= BANNER_MAX_BYTES) return done();
        // More of a greeting may follow in the next segment; wait a moment for it.
        if (timer) clearTimeout(timer);
        timer = setTimeout(done, Math.min(50, opts.bannerWaitMs));
      });
      timer = setTimeout(() => {
        if (size || asked || !opts.httpProbe) return done();
        asked = true;
        s.write(HTTP_REQUEST);
        timer = setTimeout(done, opts.bannerWaitMs);
      }, opts.bannerWaitMs);
    });

    try {
      s.connect({ host, port, family });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      finish({ kind: 'error', code: e.code ?? 'EINVAL', message: e.message }, false);
    }
  });
}
