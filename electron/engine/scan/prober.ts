/**
 * Who sends the probes. Two engines give the same answers (the same Attempt, mapped by
 * the same table in probe.ts); the scanner (scanner.ts) does not care which one runs:
 *
 * - `native`: the portolan_scan addon (native/scanner, see native.ts): non-blocking
 *   connect() and epoll on a thread of its own, probes submitted and answered in
 *   batches. A full loopback sweep takes about a sixth of the JS path's time in the
 *   scanner and a third end to end through the CLI (docs/scanner.md); Linux only.
 * - `js`: one net.Socket per probe (probe.ts). Works everywhere Node does; the fallback.
 *
 * PORTOLAN_SCAN_ENGINE=js|native forces one (tests, the benchmark); otherwise (`auto`)
 * the addon is used when it is built and loads, else the JS path.
 */
import type { Socket } from 'node:net';
import { loadAddon, NativeProber } from './native';
import { probeOnce, type Attempt, type ProbeOptions } from './probe';

export type ScanEngine = 'js' | 'native';
export type ScanEngineChoice = ScanEngine | 'auto';

export interface Prober {
  readonly engine: ScanEngine;
  /** Starts one probe; `done` is called exactly once (unless the prober is closed first). */
  probe(host: string, port: number, family: 4 | 6, opts: ProbeOptions, done: (a: Attempt) => void): void;
  /** Cancel: every probe in flight ends soon (its `done` still comes, with any outcome). */
  abort(): void;
  /** Frees what the prober holds; call once the last `done` came. */
  close(): void;
}

/** One net.Socket per probe. */
export class JsProber implements Prober {
  readonly engine = 'js' as const;
  private readonly sockets = new Set<Socket>();

  probe(host: string, port: number, family: 4 | 6, opts: ProbeOptions, done: (a: Attempt) => void): void {
    let sock: Socket | null = null;
    void probeOnce(host, port, family, opts, (s) => {
      if (s) {
        sock = s;
        this.sockets.add(s);
      } else if (sock) this.sockets.delete(sock);
    }).then(done);
  }

  abort(): void {
    for (const s of this.sockets) s.destroy();
  }

  close(): void {
    this.sockets.clear();
  }
}

/** The engine asked for: an explicit choice, else PORTOLAN_SCAN_ENGINE, else auto. */
export function engineChoice(explicit?: ScanEngineChoice): ScanEngineChoice {
  const v = explicit ?? process.env.PORTOLAN_SCAN_ENGINE ?? 'auto';
  if (v === 'js' || v === 'native' || v === 'auto') return v;
  throw new Error(`PORTOLAN_SCAN_ENGINE must be js, native or auto, not '${v}'`);
}

/**
 * A prober for the choice. `native` when the addon cannot be loaded throws (a forced
 * choice must not quietly measure or test the other engine); `auto` falls back to JS.
 * `maxInflight` caps the native engine's sockets (the scanner's descriptor ceiling).
 */
export function createProber(choice: ScanEngineChoice, maxInflight: number): Prober {
  if (choice === 'js') return new JsProber();
  const addon = loadAddon();
  if (addon.ok) return new NativeProber(addon.addon, maxInflight, new JsProber());
  if (choice === 'native') throw new Error(`PORTOLAN_SCAN_ENGINE=native, but the scanner addon is not available: ${addon.why} (build it with npm run build:native)`);
  return new JsProber();
}
