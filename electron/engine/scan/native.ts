/**
 * The native engine: the portolan_scan addon (native/scanner/src/scan.c) behind the
 * Prober interface. The addon knows sockets, not port states: it answers each probe
 * with "connected" (plus the source address), an errno, a timeout or a self-connect,
 * and this file turns that into the same Attempt the JS path gives (attemptOfError).
 *
 * Batching: probe() only appends a 32-byte record; the batch goes to the addon once the
 * current turn of the event loop is done (a microtask), so a pump() that starts 5000
 * probes makes one call. Answers come back as one ArrayBuffer per wake-up of the JS
 * thread, however many finished meanwhile.
 *
 * Banners: the addon only knocks. For an open port with a banner wait, the JS path
 * connects once more and reads the greeting (as `nmap -sV` reconnects); the port stays
 * open whatever that second connection finds, since the handshake already completed.
 *
 * Loading: PORTOLAN_SCAN_ADDON names the file, else native/scanner/build/Release/
 * portolan_scan.node is looked for above this module (the sources in tests, out/main
 * in a build). It is loaded with process.dlopen, so bundling never touches it. Node-API
 * keeps one build loadable by Node and Electron alike.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, constants } from 'node:os';
import { dirname, join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { attemptOfError, type Attempt, type ProbeOptions } from './probe';
import type { Prober } from './prober';

/** The addon's exports (native/scanner/src/scan.c). */
export interface ScanAddon {
  abiVersion: number;
  createEngine(onResults: (results: ArrayBuffer) => void, maxInflight: number, threads?: number): object;
  submit(engine: object, probes: Uint8Array): void;
  cancel(engine: object): void;
  close(engine: object): void;
}

const ADDON_REL = join('native', 'scanner', 'build', 'Release', 'portolan_scan.node');
/** The record layout both sides share: 8 native-endian 32-bit words. */
const RECORD_WORDS = 8;
const RECORD_BYTES = 32;
/** Outcomes besides an errno (> 0) and 0, connected. */
const ST_OPEN = 0;
const ST_TIMEOUT = -1;
const ST_SELF = -2;
const ST_CANCELLED = -3;
/** Probes handed to the addon at once, at most, while more are being started. */
const EARLY_FLUSH = 256;

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));
const TIMEOUT: Attempt = Object.freeze({ kind: 'timeout' });
const SELF_CONNECT: Attempt = Object.freeze({ kind: 'local', code: 'self-connect' });

/**
 * An errno as an Attempt (probe.ts's table). The error text is made only for an errno
 * that is an error, not for the refusals that are nearly every answer of a sweep.
 */
function attemptOfErrno(errno: number, rttUs: number, p: Pending): Attempt {
  const code = ERRNO_NAMES.get(errno) ?? `E${errno}`;
  return attemptOfError(code, rttUs, () => `connect ${code} ${p.host}:${p.port}`);
}

export type AddonLoad = { ok: true; addon: ScanAddon; path: string } | { ok: false; why: string };
let loaded: AddonLoad | null = null;

/** Where the built addon is, or null. */
export function addonPath(): string | null {
  const env = process.env.PORTOLAN_SCAN_ADDON;
  if (env) return existsSync(env) ? env : null;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const c = join(dir, ADDON_REL);
    if (existsSync(c)) return c;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** Loads the addon once; never throws. */
export function loadAddon(): AddonLoad {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { ok: false, why: `the native engine is Linux only (this is ${process.platform})` });
  const path = addonPath();
  if (!path) return (loaded = { ok: false, why: `${ADDON_REL} not found` });
  try {
    const m = { exports: {} as ScanAddon };
    process.dlopen(m, path);
    if (m.exports.abiVersion !== 1) return (loaded = { ok: false, why: `${path}: unexpected addon version ${String(m.exports.abiVersion)}` });
    return (loaded = { ok: true, addon: m.exports, path });
  } catch (err) {
    return (loaded = { ok: false, why: `${path}: ${(err as Error).message}` });
  }
}

interface Pending {
  host: string;
  port: number;
  family: 4 | 6;
  opts: ProbeOptions;
  done: (a: Attempt) => void;
}

function addressBytes(host: string): Uint8Array {
  const out = new Uint8Array(16);
  out.set(ipaddr.parse(host).toByteArray());
  return out;
}

function addressText(b: Uint8Array, family: number): string | null {
  if (family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  return family === 6 ? ipaddr.fromByteArray([...b.subarray(0, 16)]).toString() : null;
}

/** One addon thread per core, at most 4 (more only contend for the same sockets' locks), overridable with PORTOLAN_SCAN_THREADS. */
export function defaultThreads(): number {
  const forced = Number(process.env.PORTOLAN_SCAN_THREADS);
  if (Number.isInteger(forced) && forced >= 1 && forced <= 64) return forced;
  return Math.max(1, Math.min(4, availableParallelism()));
}

export class NativeProber implements Prober {
  readonly engine = 'native' as const;
  private handle: object | null = null;
  private closed = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private bytes = new Uint8Array(RECORD_BYTES * 1024);
  private words = new Uint32Array(this.bytes.buffer);
  private count = 0;
  private flushQueued = false;
  private readonly addrs = new Map<string, Uint32Array>();

  constructor(
    private readonly addon: ScanAddon,
    private readonly maxInflight: number,
    /** The JS path, for banners of open ports. */
    private readonly banners: Prober,
    /**
     * The addon's worker threads, each with its own epoll set. Most of a sweep's cost is
     * the kernel's connect() and close(), which run on the calling thread: two threads on
     * two cores halve a loopback sweep (680 → 350 ms for 65,535 ports here).
     */
    private readonly threads = defaultThreads(),
  ) {}

  probe(host: string, port: number, family: 4 | 6, opts: ProbeOptions, done: (a: Attempt) => void): void {
    if (this.closed) throw new Error('the native scan engine is closed');
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    this.pending.set(id, { host, port, family, opts, done });
    if ((this.count + 1) * RECORD_BYTES > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
      this.words = new Uint32Array(bigger.buffer);
    }
    let addr = this.addrs.get(host);
    if (!addr) {
      // The address bytes as the record's words 3-6 hold them (native byte order).
      addr = new Uint32Array(addressBytes(host).buffer);
      if (this.addrs.size > 4096) this.addrs.clear();
      this.addrs.set(host, addr);
    }
    const w = this.count * RECORD_WORDS;
    const words = this.words;
    words[w] = id;
    words[w + 1] = port | (family << 16);
    words[w + 2] = Math.max(1, Math.round(opts.timeoutMs));
    words[w + 3] = addr[0]!;
    words[w + 4] = addr[1]!;
    words[w + 5] = addr[2]!;
    words[w + 6] = addr[3]!;
    this.count++;
    // Hand over early in a long burst, so the addon's thread probes while this one still
    // works through the answers that started the burst (overlap, not turns).
    if (this.count >= EARLY_FLUSH) return this.flush();
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (!this.count || this.closed) return;
    if (!this.handle) this.handle = this.addon.createEngine((ab) => this.onResults(ab), this.maxInflight, Math.max(1, Math.min(this.threads, this.maxInflight)));
    this.addon.submit(this.handle, this.bytes.subarray(0, this.count * RECORD_BYTES));
    this.count = 0;
  }

  private onResults(ab: ArrayBuffer): void {
    if (this.closed) return;
    const u = new Uint32Array(ab);
    const s = new Int32Array(ab);
    const b = new Uint8Array(ab);
    try {
      for (let w = 0; w < u.length; w += RECORD_WORDS) {
        const p = this.pending.get(u[w]!);
        if (!p) continue;
        this.pending.delete(u[w]!);
        const status = s[w + 1]!;
        const rttUs = u[w + 2]!;
        if (status === ST_OPEN) this.opened(p, rttUs, addressText(b.subarray(w * 4 + 16, w * 4 + 32), b[w * 4 + 12]!));
        else if (status === ST_TIMEOUT || status === ST_CANCELLED) p.done(TIMEOUT);
        else if (status === ST_SELF) p.done(SELF_CONNECT);
        else p.done(attemptOfErrno(status, rttUs, p));
      }
    } finally {
      // Probes the callbacks started go out now, not a microtask later.
      this.flush();
    }
  }

  private opened(p: Pending, rttUs: number, localAddress: string | null): void {
    const answer = (banner: Buffer | null): Attempt => ({ kind: 'answer', state: 'open', reason: 'syn-ack', rttUs, banner, localAddress });
    if (p.opts.bannerWaitMs <= 0) return p.done(answer(null));
    this.banners.probe(p.host, p.port, p.family, p.opts, (a) => p.done(answer(a.kind === 'answer' && a.state === 'open' ? a.banner : null)));
  }

  abort(): void {
    if (this.handle && !this.closed) this.addon.cancel(this.handle);
    this.banners.abort();
    // Probes still in the batch never reached the addon: answer them here.
    const queued = this.count;
    this.count = 0;
    if (queued) {
      const ids = Array.from({ length: queued }, (_, i) => this.words[i * RECORD_WORDS]!);
      for (const id of ids) {
        const p = this.pending.get(id);
        this.pending.delete(id);
        p?.done({ kind: 'timeout' });
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.handle) this.addon.close(this.handle);
    this.handle = null;
    this.pending.clear();
    this.banners.close();
  }
}
