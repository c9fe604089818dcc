/**
 * A sweep as a job: plan the targets, record the run (who, when, from where, with which
 * parameters), probe, and stream what comes back into the store in batches, so a
 * cancelled or crashed sweep keeps everything it found. Open ports feed the inventory
 * with evidence `scan` (certain); closed ones stay in probe_results for "gone".
 *
 * A host that completes the handshake on every port probed (8 or more) is flagged
 * `accepts-all`: something (a proxy, a tarpit, a firewall) answers for it, so its
 * "open" ports prove nothing. Its results are stored, but its ports are held back from
 * the inventory until one of them answers otherwise.
 */
import { hostname, userInfo } from 'node:os';
import type { EventChannel, EventPayload } from '../../shared/contract';
import { SCAN_PROFILES, type ScanEstimate, type ScanEstimateInput, type ScanProgress, type ScanStart, type ScanStarted } from '../../shared/scan';
import { recordSightings, type Sighting } from '../inventory/inventory';
import type { JobContext, JobManager } from '../jobs/jobs';
import type { Db } from '../store/db';
import { parsePortSpec } from './ports';
import { Scanner, DEFAULT_TUNING, type HostSummary, type ProbeResult, type ScanTuning } from './scanner';
import { insertProbeResults, toResultRow } from './store';
import { estimateTargets, isLargeSweep, planTargets, TargetError, UnresolvedTargets, type Lookup, type TargetPlan } from './targets';

/** Fewest ports that must all be open before a host is flagged accepts-all. */
export const ACCEPTS_ALL_MIN = 8;
const FLUSH_MS = 250;
const FLUSH_ROWS = 5000;
const PROGRESS_MS = 250;

export class ConfirmationRequired extends Error {
  override name = 'ConfirmationRequired';
}

type Emit = <E extends EventChannel>(event: E, payload: EventPayload<E>) => void;

export interface StartOptions {
  /** Every result, as it is stored (the CLI prints from here). */
  onResult?: (r: ProbeResult) => void;
  /** DNS for hostnames (tests pass a fake). */
  lookup?: Lookup;
}

interface LiveScan {
  scanner: Scanner;
  scanId: number;
  jobId: string;
  progress(final: boolean): ScanProgress;
}

interface HeldHost {
  nonOpen: number;
  held: ProbeResult[];
}

function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

export function estimateScan(input: ScanEstimateInput): ScanEstimate {
  const t = estimateTargets(input.targets, input.excludes ?? '');
  let ports: number | null = null;
  let portError: string | null = null;
  if ((input.ports ?? '').trim()) {
    try {
      ports = parsePortSpec(input.ports ?? '').length;
    } catch (err) {
      portError = (err as Error).message;
    }
  }
  const addresses = t.addresses + BigInt(t.names);
  const probes = ports === null ? 0n : addresses * BigInt(ports);
  return {
    addresses: t.addresses.toString(),
    names: t.names,
    ports,
    probes: probes.toString(),
    large: ports !== null && isLargeSweep(addresses, ports),
    targetErrors: t.errors,
    portError,
  };
}

export class ScanService {
  private readonly live = new Map<string, LiveScan>();

  constructor(
    private readonly db: Db,
    private readonly jobs: JobManager,
    private readonly emit: Emit,
  ) {}

  /** Plans and starts a sweep; resolves once the run is recorded. Bad input throws before anything is sent. */
  async start(input: z_ScanStart, opts: StartOptions = {}): Promise<ScanStarted> {
    const ports = parsePortSpec(input.ports);
    const plan = await planTargets([input.targets], input.excludes ? [input.excludes] : [], opts.lookup);
    if (plan.count === 0n) {
      // Names that did not resolve are a failed lookup, not a wrong target: a run that
      // fails (exit 1), reported like any missing name; exclusions covering every address are the user's input.
      if (plan.unresolved.length) throw new UnresolvedTargets(`nothing to scan: not resolved: ${plan.unresolved.map((u) => `${u.name} (${u.reason})`).join(', ')}`);
      throw new TargetError('no addresses left to scan (the exclusions cover every target)');
    }
    if (isLargeSweep(plan.count, ports.length) && !input.confirmLarge) {
      throw new ConfirmationRequired(
        // How to confirm is the caller's to say (the CLI's --confirm-large, the form's dialog).
        `this sweep is ${plan.count} ${plan.count === 1n ? 'address' : 'addresses'} x ${ports.length} ${ports.length === 1 ? 'port' : 'ports'} = ${plan.count * BigInt(ports.length)} probes; confirm it explicitly`,
      );
    }
    const profile = SCAN_PROFILES[input.profile ?? 'normal'];
    const tuning: ScanTuning = {
      ...DEFAULT_TUNING,
      concurrency: input.concurrency ?? profile.concurrency,
      perHost: input.perHost ?? input.concurrency ?? profile.perHost,
      timeoutMs: input.timeoutMs ?? profile.timeoutMs,
      retries: input.retries ?? profile.retries,
      rate: input.rate === undefined ? profile.rate : input.rate,
      bannerWaitMs: input.bannerWaitMs ?? DEFAULT_TUNING.bannerWaitMs,
      httpProbe: input.httpProbe ?? false,
    };
    tuning.minTimeoutMs = Math.min(tuning.minTimeoutMs, tuning.timeoutMs);
    const params = { profile: input.profile ?? 'normal', ...tuning, confirmLarge: input.confirmLarge ?? false };

    let recorded!: (v: ScanStarted) => void;
    let failed!: (e: unknown) => void;
    const started = new Promise<ScanStarted>((res, rej) => {
      recorded = res;
      failed = rej;
    });
    const jobParams = { targets: input.targets, excludes: input.excludes ?? '', ports: input.ports, ...params };
    const job = await this.jobs.start('scan', jobParams, async (ctx) => {
      let scanId: number;
      try {
        const total = Number(plan.count) * ports.length;
        const r = await this.db.run('scanRunInsert', [ctx.id, input.targets, input.ports, JSON.stringify(params), whoAmI(), Date.now(), input.excludes ?? '', plan.count.toString(), ports.length, Math.min(total, Number.MAX_SAFE_INTEGER), hostname()]);
        scanId = r.lastID;
      } catch (err) {
        failed(err);
        throw err;
      }
      recorded({ scanId, jobId: ctx.id });
      return this.runSweep(ctx, scanId, plan, ports, tuning, opts);
    });
    void job;
    return started;
  }

  private async runSweep(ctx: JobContext, scanId: number, plan: TargetPlan, ports: number[], tuning: ScanTuning, opts: StartOptions): Promise<Record<string, unknown>> {
    const warnings: string[] = [];
    const warn = (m: string): void => {
      if (warnings.length < 200) warnings.push(m);
      ctx.warn(m);
    };
    for (const u of plan.unresolved) warn(`${u.name}: not resolved (${u.reason}); skipped`);
    for (const r of plan.resolved) if (r.addresses.length > 1) warn(`${r.name} resolved to ${r.addresses.join(', ')}; each is scanned`);

    let pending: ProbeResult[] = [];
    let sightings: Sighting[] = [];
    let hostRows: unknown[][] = [];
    const held = new Map<string, HeldHost>();
    const flagged: string[] = [];
    let added = 0;
    let writeError: unknown = null;
    const inner = new AbortController();
    const onOuterAbort = (): void => inner.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onOuterAbort, { once: true });

    const sighting = (r: ProbeResult): Sighting => ({ host: r.host, proto: 'tcp', port: r.port, evidence: 'scan', confidence: 'certain', service: r.service, serviceMethod: r.serviceMethod ?? 'table', banner: r.banner, firstSeenMs: r.at, lastSeenMs: r.at, flows: 0, bytes: 0 });

    const scanner: Scanner = new Scanner(plan, ports, tuning, {
      result: (r) => {
        pending.push(r);
        opts.onResult?.(r);
        let h = held.get(r.host);
        if (!h) held.set(r.host, (h = { nonOpen: 0, held: [] }));
        if (r.state === 'open') {
          if (h.nonOpen > 0) sightings.push(sighting(r));
          else h.held.push(r);
        } else if (h.nonOpen++ === 0 && h.held.length) {
          for (const p of h.held) sightings.push(sighting(p));
          h.held = [];
        }
        if (pending.length >= FLUSH_ROWS) void flush();
      },
      hostDone: (s: HostSummary) => {
        const h = held.get(s.host);
        held.delete(s.host);
        let flag: string | null = null;
        if (h && h.held.length) {
          if (h.nonOpen === 0 && h.held.length >= ACCEPTS_ALL_MIN) {
            flag = 'accepts-all';
            flagged.push(s.host);
            warn(`${s.host} accepted a connection on every one of the ${h.held.length} ports probed: something answers for it (proxy, tarpit, firewall); its ports are stored but not added to the inventory`);
          } else for (const p of h.held) sightings.push(sighting(p));
        }
        if (s.open + s.closed > 0 || flag) hostRows.push([scanId, s.host, s.open, s.closed, s.filtered, s.error, flag]);
      },
      warn,
    }, inner.signal);

    let flushing: Promise<void> = Promise.resolve();
    // At most one flush waits behind the one writing: results arriving meanwhile join it.
    // (Chaining one per result while a write is busy made thousands of tiny transactions,
    // one statement per row, and the store fell seconds behind a fast sweep.)
    let flushQueued = false;
    const flush = (): Promise<void> => {
      if (flushQueued) return flushing;
      flushQueued = true;
      flushing = flushing.then(async () => {
        flushQueued = false;
        if (writeError) return;
        const rows = pending;
        const sees = sightings;
        const hostsNow = hostRows;
        pending = [];
        sightings = [];
        hostRows = [];
        if (!rows.length && !sees.length && !hostsNow.length) return;
        const c = scanner.counters;
        try {
          const res = await this.db.tx(async () => {
            await insertProbeResults(this.db, scanId, rows);
            for (const h of hostsNow) await this.db.run('scanHostUpsert', h);
            const out = sees.length ? await recordSightings(this.db, 'scan', scanId, sees) : { added: 0, updated: 0 };
            await this.db.run('scanRunProgress', [c.done, c.open, c.closed, c.filtered, c.error, c.sourceAddresses.join(',') || null, scanId]);
            return out;
          });
          added += res.added;
          if (sees.length) this.emit('services.changed', res);
          const shown = rows.filter((r) => r.state === 'open' || r.state === 'error');
          if (shown.length) this.emit('scan.results', { jobId: ctx.id, scanId, rows: shown.map(toResultRow) });
        } catch (err) {
          // The store refused (disk full, database gone): stop probing, keep what was committed.
          writeError = err;
          inner.abort(err);
        }
      });
      return flushing;
    };

    const rate = { samples: [] as Array<[number, number]> };
    const progress = (final: boolean): ScanProgress => {
      const c = scanner.counters;
      const now = Date.now();
      rate.samples.push([now, c.done]);
      while (rate.samples.length > 2 && now - rate.samples[0]![0] > 3000) rate.samples.shift();
      const [t0, d0] = rate.samples[0]!;
      const perS = now > t0 ? ((c.done - d0) * 1000) / (now - t0) : 0;
      const left = c.total - c.done;
      return {
        jobId: ctx.id,
        scanId,
        done: c.done,
        total: c.total,
        open: c.open,
        closed: c.closed,
        filtered: c.filtered,
        errors: c.error,
        rate: Math.round(perS),
        etaS: perS > 0 && !scanner.isPaused ? Math.ceil(left / perS) : null,
        paused: scanner.isPaused,
        window: c.window,
        final,
      };
    };
    const report = (final: boolean): void => {
      const p = progress(final);
      const msg = `${p.paused ? 'paused · ' : ''}${p.done}/${p.total} probes · ${p.open} open · ${p.rate}/s${p.etaS !== null ? ` · ETA ${p.etaS}s` : ''}`;
      ctx.progress({ done: p.done, total: p.total, unit: 'probes', message: msg });
      this.emit('scan.progress', p);
    };

    this.live.set(ctx.id, { scanner, scanId, jobId: ctx.id, progress });
    const flushTimer = setInterval(() => void flush(), FLUSH_MS);
    const progressTimer = setInterval(() => report(false), PROGRESS_MS);
    try {
      report(false);
      await scanner.run();
    } finally {
      clearInterval(flushTimer);
      clearInterval(progressTimer);
      ctx.signal.removeEventListener('abort', onOuterAbort);
      // Hosts the sweep did not finish (cancel): release what they held unless they look like accepts-all.
      for (const [host, h] of held) if (h.held.length && (h.nonOpen > 0 || h.held.length < ACCEPTS_ALL_MIN)) for (const p of h.held) sightings.push(sighting(p));
      else if (h.held.length) warn(`${host}: sweep stopped before its ports were all probed; its ${h.held.length} open ports (nothing else answered) are held back from the inventory`);
      await flush();
      await flushing;
      this.live.delete(ctx.id);
      const c = scanner.counters;
      const complete = !writeError && !ctx.signal.aborted && c.done === c.total;
      // The last counters and source addresses (a route lookup may have answered after the last batch).
      if (!writeError) await this.db.run('scanRunProgress', [c.done, c.open, c.closed, c.filtered, c.error, c.sourceAddresses.join(',') || null, scanId]).catch(() => undefined);
      await this.db
        .run('scanRunFinish', [complete ? 'complete' : 'incomplete', Date.now(), JSON.stringify({ resolved: plan.resolved, unresolved: plan.unresolved }), JSON.stringify(warnings), scanId])
        .catch(() => undefined);
      report(true);
    }
    if (writeError) throw Object.assign(new Error(`storing results failed: ${(writeError as Error).message}`), { name: 'StoreError' });
    const c = scanner.counters;
    return {
      scanId,
      addresses: plan.count.toString(),
      ports: ports.length,
      probes: c.done,
      open: c.open,
      closed: c.closed,
      filtered: c.filtered,
      errors: c.error,
      added,
      flagged,
      resolved: plan.resolved,
      unresolved: plan.unresolved,
      sourceAddresses: c.sourceAddresses,
      localRetries: c.localRetries,
      drops: c.drops,
      engine: scanner.engine,
    };
  }

  private liveScan(jobId: string): LiveScan {
    const l = this.live.get(jobId);
    if (!l) throw Object.assign(new Error(`no running scan with job id ${jobId}`), { name: 'NotFound' });
    return l;
  }

  pause(jobId: string): ScanProgress {
    const l = this.liveScan(jobId);
    l.scanner.pause();
    const p = l.progress(false);
    this.emit('scan.progress', p);
    return p;
  }

  resume(jobId: string): ScanProgress {
    const l = this.liveScan(jobId);
    l.scanner.resume();
    const p = l.progress(false);
    this.emit('scan.progress', p);
    return p;
  }
}

type z_ScanStart = Omit<ScanStart, 'excludes' | 'profile' | 'confirmLarge'> & { excludes?: string; profile?: ScanStart['profile']; confirmLarge?: boolean };
