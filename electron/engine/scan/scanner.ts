/**
 * The sweep loop: which probe goes next, how many are in flight, when to retry.
 *
 * - Order: hosts in groups (nmap's host groups, `hostGroup` addresses at a time), and
 *   inside a group every port across every host, so one host is never hammered while
 *   others wait and a /8 never holds per-host state for more than two groups.
 * - Concurrency: at most `concurrency` probes in flight, never more than the file
 *   descriptors allow (fdlimit.ts), at most `perHost` on one host. EMFILE and friends
 *   lower the ceiling; a port that timed out and then answered on retry is a dropped
 *   probe and halves the window (AIMD, as TCP congestion control); answers grow it back.
 * - Timeout: per host, from measured round trips (srtt + 4·rttvar, RFC 6298), between
 *   `minTimeoutMs` and `timeoutMs`; a retry always waits the full `timeoutMs`, so a slow
 *   moment never turns an answering port into `filtered`.
 * - Rate: optional probes per second (token bucket) for fragile networks.
 * - Pause stops new probes (those in flight finish); cancel destroys those in flight.
 * - Engine: the probes go out through a Prober (prober.ts), the native addon or
 *   net.Socket; both answer with the same Attempt, so nothing here depends on which.
 */
import { guessServiceMethod, printable, type ServiceMethod } from './banner';
import { fdCeiling } from './fdlimit';
import type { Attempt, ProbeOptions, ProbeState } from './probe';
import { createProber, engineChoice, type Prober, type ScanEngine, type ScanEngineChoice } from './prober';
import { routeSource } from './route';
import { hostBlocks, parseAddress, type TargetPlan } from './targets';

export interface ScanTuning {
  /** Probes in flight at most (before the descriptor ceiling). */
  concurrency: number;
  /** Probes in flight on one host at most. */
  perHost: number;
  /** The longest wait for an answer, ms; also the timeout of every retry. */
  timeoutMs: number;
  /** The shortest adaptive timeout, ms. */
  minTimeoutMs: number;
  /** Extra attempts for a port that did not answer. */
  retries: number;
  /** Probes per second, or null for no limit. */
  rate: number | null;
  bannerWaitMs: number;
  httpProbe: boolean;
  hostGroup: number;
  /** Which engine sends the probes (prober.ts); unset: PORTOLAN_SCAN_ENGINE, else auto. */
  engine?: ScanEngineChoice;
}

export const DEFAULT_TUNING: ScanTuning = {
  concurrency: 2000,
  perHost: 2000,
  timeoutMs: 1000,
  minTimeoutMs: 250,
  retries: 1,
  rate: null,
  bannerWaitMs: 500,
  httpProbe: false,
  hostGroup: 256,
};

export interface ProbeResult {
  host: string;
  port: number;
  state: ProbeState;
  reason: string;
  rttUs: number | null;
  banner: string | null;
  service: string | null;
  /** How `service` was found: from the banner (`evidence`) or the port's usual name (`table`). */
  serviceMethod?: ServiceMethod;
  attempts: number;
  /** When the final answer came, ms. */
  at: number;
}

export interface HostSummary {
  host: string;
  open: number;
  closed: number;
  filtered: number;
  error: number;
}

export interface ScanSink {
  result(r: ProbeResult): void;
  hostDone(h: HostSummary): void;
  warn(message: string): void;
}

export interface ScanCounters {
  done: number;
  total: number;
  open: number;
  closed: number;
  filtered: number;
  error: number;
  inflight: number;
  window: number;
  localRetries: number;
  drops: number;
  sourceAddresses: string[];
}

interface Probe {
  host: HostState;
  port: number;
  attempt: number;
  localTries: number;
}

interface HostState {
  addr: string;
  family: 4 | 6;
  remaining: number;
  inflight: number;
  deferred: Probe[];
  srttUs: number | null;
  rttvarUs: number;
  open: number;
  closed: number;
  filtered: number;
  error: number;
  edge: boolean;
  /** The route's source address was asked for (see route.ts). */
  routed: boolean;
}

const LOCAL_TRIES = 10;
/** Hosts whose route source address is looked up (the first ones probed); answered probes add theirs. */
const ROUTE_LOOKUPS = 16;
/** At most this many distinct source addresses are kept per run. */
const MAX_SOURCES = 8;
const LOOKAHEAD = 4096;

export class Scanner {
  readonly counters: ScanCounters;
  private readonly tune: ScanTuning;
  /** Host groups still to come, and the cursor in the current one (see nextInOrder). */
  private readonly blocks: Generator<string[]>;
  private group: HostState[] | null = null;
  private hostIdx = 0;
  private portIdx = 0;
  private genDone = false;
  private ready: Probe[] = [];
  private delayed = 0;
  private deferredCount = 0;
  private windowF: number;
  private ceiling: number;
  private paused = false;
  private tokens = 0;
  private tokenAt = Date.now();
  private rateTimer: NodeJS.Timeout | null = null;
  private lastDropAt = 0;
  private readonly prober: Prober;
  private readonly sources = new Set<string>();
  private routeLookups = 0;
  private routesPending = 0;
  private resolveRun: (() => void) | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly probeOptions = new Map<number, ProbeOptions>();

  constructor(
    private readonly plan: Pick<TargetPlan, 'ranges' | 'count' | 'edges'>,
    private readonly ports: number[],
    tuning: Partial<ScanTuning>,
    private readonly sink: ScanSink,
    private readonly signal?: AbortSignal,
  ) {
    this.tune = { ...DEFAULT_TUNING, ...tuning };
    this.ceiling = Math.max(1, Math.min(this.tune.concurrency, fdCeiling()));
    this.windowF = this.ceiling;
    this.prober = createProber(engineChoice(this.tune.engine), this.ceiling);
    const total = Number(plan.count) * ports.length;
    this.counters = { done: 0, total, open: 0, closed: 0, filtered: 0, error: 0, inflight: 0, window: this.ceiling, localRetries: 0, drops: 0, sourceAddresses: [] };
    this.blocks = hostBlocks(this.plan, this.tune.hostGroup);
  }

  /** The engine sending this sweep's probes. */
  get engine(): ScanEngine {
    return this.prober.engine;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pump();
  }

  /** Runs the sweep to the end, or until the signal aborts it. */
  run(): Promise<void> {
    return new Promise((resolve) => {
      this.resolveRun = resolve;
      const onAbort = (): void => {
        this.prober.abort();
        for (const t of this.timers) clearTimeout(t);
        this.timers.clear();
        this.delayed = 0;
        this.checkEnd();
      };
      if (this.signal?.aborted) {
        this.prober.close();
        return resolve();
      }
      this.signal?.addEventListener('abort', onAbort, { once: true });
      this.pump();
    });
  }

  /**
   * The next probe in sweep order (every port across every host of a group, group after
   * group), or null at the end. A cursor, not a generator: it runs once per probe.
   */
  private nextInOrder(): Probe | null {
    for (;;) {
      if (this.group && this.portIdx < this.ports.length) {
        const host = this.group[this.hostIdx]!;
        const probe: Probe = { host, port: this.ports[this.portIdx]!, attempt: 1, localTries: 0 };
        if (++this.hostIdx >= this.group.length) {
          this.hostIdx = 0;
          this.portIdx++;
        }
        return probe;
      }
      const next = this.blocks.next();
      if (next.done) return null;
      this.group = next.value.map((addr): HostState => ({
        addr,
        family: parseAddress(addr)!.family,
        remaining: this.ports.length,
        inflight: 0,
        deferred: [],
        srttUs: null,
        rttvarUs: 0,
        open: 0,
        closed: 0,
        filtered: 0,
        error: 0,
        edge: this.plan.edges.has(addr),
        routed: false,
      }));
      this.hostIdx = 0;
      this.portIdx = 0;
    }
  }

  private nextProbe(): Probe | null {
    if (this.ready.length) return this.ready.shift()!;
    while (!this.genDone && this.deferredCount < LOOKAHEAD) {
      const p = this.nextInOrder();
      if (!p) {
        this.genDone = true;
        break;
      }
      if (p.host.inflight < this.tune.perHost) return p;
      p.host.deferred.push(p);
      this.deferredCount++;
    }
    return null;
  }

  private takeToken(): boolean {
    if (!this.tune.rate) return true;
    const now = Date.now();
    const burst = Math.max(1, this.tune.rate / 20);
    this.tokens = Math.min(burst, this.tokens + ((now - this.tokenAt) * this.tune.rate) / 1000);
    this.tokenAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    if (!this.rateTimer) {
      const wait = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.tune.rate));
      this.rateTimer = setTimeout(() => {
        this.rateTimer = null;
        this.pump();
      }, wait);
    }
    return false;
  }

  private pump(): void {
    if (this.signal?.aborted) return this.checkEnd();
    while (!this.paused && this.counters.inflight < Math.floor(this.windowF)) {
      if (this.tune.rate && !this.takeToken()) break;
      const p = this.nextProbe();
      if (!p) break;
      this.launch(p);
    }
    this.checkEnd();
  }

  private timeoutFor(p: Probe): number {
    const h = p.host;
    if (p.attempt > 1 || h.srttUs === null) return this.tune.timeoutMs;
    const adaptive = (h.srttUs + 4 * h.rttvarUs) / 1000;
    return Math.round(Math.min(this.tune.timeoutMs, Math.max(this.tune.minTimeoutMs, adaptive)));
  }

  private launch(p: Probe): void {
    const h = p.host;
    if (!h.routed && this.routeLookups < ROUTE_LOOKUPS) this.lookUpRoute(h);
    h.inflight++;
    this.counters.inflight++;
    this.prober.probe(h.addr, p.port, h.family, this.optionsFor(this.timeoutFor(p)), (a) => this.settle(p, a));
  }

  /** Probe options differ only by timeout: one object per timeout, not one per probe. */
  private optionsFor(timeoutMs: number): ProbeOptions {
    let o = this.probeOptions.get(timeoutMs);
    if (!o) {
      if (this.probeOptions.size > 1024) this.probeOptions.clear();
      o = Object.freeze({ timeoutMs, bannerWaitMs: this.tune.bannerWaitMs, httpProbe: this.tune.httpProbe });
      this.probeOptions.set(timeoutMs, o);
    }
    return o;
  }

  private settle(p: Probe, a: Attempt): void {
    const h = p.host;
    h.inflight--;
    this.counters.inflight--;
    if (this.signal?.aborted) return this.checkEnd();
    if (h.deferred.length && h.inflight < this.tune.perHost) {
      this.ready.push(h.deferred.shift()!);
      this.deferredCount--;
    }

    switch (a.kind) {
      case 'answer': {
        this.sampleRtt(h, a.rttUs);
        if (p.attempt > 1) this.onDrop();
        else this.windowF = Math.min(this.ceiling, this.windowF + 4 / this.windowF);
        if (a.localAddress) this.addSource(a.localAddress);
        let state: ProbeState = a.state;
        let reason = a.reason;
        // The network or broadcast address of a block: the OS refusing it is not a port state.
        if (h.edge && state === 'filtered' && a.reason !== 'no-response' && a.rttUs < 50_000) {
          state = 'error';
          reason = `os-refused:${a.reason}`;
          if (p.port === this.ports[0]) this.sink.warn(`${h.addr} is a network or broadcast address; the OS refused to connect to it (${a.reason})`);
        }
        const banner = a.banner ? printable(a.banner) : null;
        const guess = state === 'open' ? guessServiceMethod(a.banner, p.port) : null;
        this.final(p, { state, reason, rttUs: a.rttUs, banner, service: guess?.service ?? null, ...(guess ? { serviceMethod: guess.method } : {}) });
        break;
      }
      case 'timeout':
        if (p.attempt <= this.tune.retries) this.ready.push({ ...p, attempt: p.attempt + 1 });
        else this.final(p, { state: 'filtered', reason: 'no-response', rttUs: null, banner: null, service: null });
        break;
      case 'local': {
        this.counters.localRetries++;
        if (a.code !== 'self-connect') {
          // Out of descriptors, buffers or local ports: fewer in flight, and try again later.
          this.ceiling = Math.max(1, Math.min(this.ceiling, this.counters.inflight + 1));
          this.windowF = Math.max(1, Math.min(this.windowF / 2, this.ceiling));
        }
        if (p.localTries + 1 >= LOCAL_TRIES) {
          this.final(p, { state: 'error', reason: `local:${a.code}`, rttUs: null, banner: null, service: null });
          break;
        }
        const delay = a.code === 'self-connect' ? 0 : Math.min(1000, 10 * 2 ** p.localTries);
        this.delayed++;
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.delayed--;
          this.ready.unshift({ ...p, localTries: p.localTries + 1 });
          this.pump();
        }, delay);
        this.timers.add(t);
        break;
      }
      case 'error':
        this.final(p, { state: 'error', reason: a.code, rttUs: null, banner: null, service: null });
        break;
    }
    this.pump();
  }

  /**
   * The source address of the route to this host, so a run where nothing is open (every
   * probe refused or unanswered) still records where it was sent from.
   */
  private lookUpRoute(h: HostState): void {
    h.routed = true;
    this.routeLookups++;
    this.routesPending++;
    void routeSource(h.addr, h.family).then((addr) => {
      this.routesPending--;
      if (addr) this.addSource(addr);
      this.checkEnd();
    });
  }

  private addSource(addr: string): void {
    if (this.sources.size >= MAX_SOURCES || this.sources.has(addr)) return;
    this.sources.add(addr);
    this.counters.sourceAddresses = [...this.sources];
  }

  private sampleRtt(h: HostState, us: number): void {
    if (h.srttUs === null) {
      h.srttUs = us;
      h.rttvarUs = us / 2;
    } else {
      h.rttvarUs = 0.75 * h.rttvarUs + 0.25 * Math.abs(h.srttUs - us);
      h.srttUs = 0.875 * h.srttUs + 0.125 * us;
    }
  }

  private onDrop(): void {
    this.counters.drops++;
    const now = Date.now();
    if (now - this.lastDropAt < this.tune.minTimeoutMs) return;
    this.lastDropAt = now;
    this.windowF = Math.max(Math.min(10, this.ceiling), this.windowF / 2);
  }

  private final(p: Probe, r: Omit<ProbeResult, 'host' | 'port' | 'attempts' | 'at'>): void {
    const h = p.host;
    const c = this.counters;
    c.done++;
    c[r.state]++;
    h[r.state]++;
    c.window = Math.floor(this.windowF);
    const out: ProbeResult = { host: h.addr, port: p.port, state: r.state, reason: r.reason, rttUs: r.rttUs, banner: r.banner, service: r.service, attempts: p.attempt, at: Date.now() };
    if (r.serviceMethod) out.serviceMethod = r.serviceMethod;
    this.sink.result(out);
    if (--h.remaining === 0) this.sink.hostDone({ host: h.addr, open: h.open, closed: h.closed, filtered: h.filtered, error: h.error });
  }

  private checkEnd(): void {
    if (!this.resolveRun || this.counters.inflight > 0 || this.routesPending > 0) return;
    const aborted = this.signal?.aborted ?? false;
    if (!aborted && (this.delayed > 0 || this.ready.length > 0 || this.deferredCount > 0 || !this.genDone)) return;
    if (this.rateTimer) clearTimeout(this.rateTimer);
    this.prober.close();
    const r = this.resolveRun;
    this.resolveRun = null;
    r();
  }
}
