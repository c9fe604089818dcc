/**
 * Opt-in runtime figures of a serving engine: with `PORTOLAN_STATS_INTERVAL=MS` in its
 * environment, `portolan serve` writes one JSON line to stderr every MS milliseconds
 * (100 to 3,600,000). The load benchmark (bench/load.bench.mjs) reads them; anyone
 * watching a sensor can too. Nothing is measured unless the variable is set.
 *
 * A line (`t` is always "stats"; memory in bytes, times in milliseconds):
 *   {"t":"stats","at":ISO,"uptimeS":s,"rss":B,"heapUsed":B,"heapTotal":B,"external":B,
 *    "arrayBuffers":B,"liveHeap":B|null,"majorGcs":n,"gcMs":ms,"elu":0..1,
 *    "lag":{"p50","p99","max","mean","n"},"lagAll":{"p50","p99","max","n"},
 *    "requests":{CHANNEL:{"p50","p99","max","n"}}}
 * `lag` covers the interval since the previous line, `lagAll` everything since the
 * reporter started; `elu` is the event loop's utilisation over the interval (1 = never idle);
 * `gcMs` the time spent in garbage collection over the interval; `requests` how long the
 * engine took to answer each channel called in the interval, from the frame's arrival to
 * its reply (a client's latency minus this is time spent waiting for the loop or the wire).
 *
 * `liveHeap` is the heap in use just after the latest full (mark-compact) collection,
 * null before the first: what the process really holds. `rss` and `heapUsed` also carry
 * garbage not yet collected and heap V8 keeps for later, which rise and fall by a hundred
 * MiB under a high allocation rate; a leak shows as `liveHeap` (or `rss - heapTotal`, the
 * memory outside the JS heap) climbing, run after run of collections.
 *
 * Why lag is measured the way it is: `monitorEventLoopDelay` times a timer that should
 * fire every `RESOLUTION_MS`; what it records is the whole gap between firings, so an idle
 * loop reads ~10 ms. The figures here subtract the resolution, so 0 means "on time" and
 * 250 means a request arriving then waited up to a quarter of a second for the loop.
 */
import { constants, monitorEventLoopDelay, performance, PerformanceObserver, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';

export const STATS_ENV = 'PORTOLAN_STATS_INTERVAL';
const RESOLUTION_MS = 10;
const MIN_MS = 100;
const MAX_MS = 3_600_000;

export interface LagFigures {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

export interface StatsLine {
  t: 'stats';
  at: string;
  uptimeS: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  liveHeap: number | null;
  majorGcs: number;
  gcMs: number;
  elu: number;
  lag: LagFigures & { mean: number };
  lagAll: LagFigures;
  requests: Record<string, LagFigures>;
}

/** Handling times of the current interval, by channel; null while no reporter runs. */
let handled: Map<string, number[]> | null = null;

/** Records how long a request took to answer (ms); nothing happens unless stats are on. */
export function noteRequest(channel: string, ms: number): void {
  if (!handled) return;
  let list = handled.get(channel);
  if (!list) handled.set(channel, (list = []));
  list.push(ms);
}

function timesOf(list: number[]): LagFigures {
  const sorted = [...list].sort((a, b) => a - b);
  const at = (p: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! * 100) / 100;
  return { p50: at(50), p99: at(99), max: at(100), n: sorted.length };
}

/**
 * The interval named by the environment, or null when it is unset or empty. A value that
 * is not a whole number of milliseconds in range is an error, said at start, not ignored.
 */
export function statsInterval(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env[STATS_ENV];
  if (raw === undefined || raw.trim() === '') return null;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw Object.assign(new Error(`${STATS_ENV} must be a whole number of milliseconds from ${MIN_MS} to ${MAX_MS} (got ${JSON.stringify(raw.slice(0, 20))})`), { name: 'InvalidInput' });
  }
  return ms;
}

const ms = (ns: number): number => Math.round(Math.max(0, ns / 1e6 - RESOLUTION_MS) * 100) / 100;

function figures(h: IntervalHistogram): LagFigures {
  if (h.count === 0) return { p50: 0, p99: 0, max: 0, n: 0 };
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), n: h.count };
}

/** Starts reporting every `intervalMs`; returns the stop function (which writes nothing more). */
export function startStats(intervalMs: number, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): () => void {
  const interval = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const all = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  interval.enable();
  all.enable();
  const started = performance.now();
  let elu = performance.eventLoopUtilization();
  let liveHeap: number | null = null;
  let majorGcs = 0;
  let gcMs = 0;
  // Entries arrive shortly after each collection; a full one leaves only live objects.
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      if (((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0) & constants.NODE_PERFORMANCE_GC_MAJOR) {
        majorGcs++;
        liveHeap = process.memoryUsage().heapUsed;
      }
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const requests = new Map<string, number[]>();
  handled = requests;
  const report = (): void => {
    const mem = process.memoryUsage();
    const nextElu = performance.eventLoopUtilization();
    const line: StatsLine = {
      t: 'stats',
      at: new Date().toISOString(),
      uptimeS: Math.round((performance.now() - started) / 100) / 10,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      liveHeap,
      majorGcs,
      gcMs: Math.round(gcMs * 10) / 10,
      elu: Math.round(performance.eventLoopUtilization(nextElu, elu).utilization * 1000) / 1000,
      lag: { ...figures(interval), mean: interval.count ? ms(interval.mean) : 0 },
      lagAll: figures(all),
      requests: Object.fromEntries([...requests].map(([ch, list]) => [ch, timesOf(list)])),
    };
    requests.clear();
    elu = nextElu;
    gcMs = 0;
    interval.reset();
    write(JSON.stringify(line));
  };
  const timer = setInterval(report, intervalMs);
  // The reporter never keeps a process alive that has nothing else to do.
  timer.unref();
  return () => {
    clearInterval(timer);
    if (handled === requests) handled = null;
    gc.disconnect();
    interval.disable();
    all.disable();
  };
}
