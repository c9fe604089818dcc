/**
 * The inventory's part of the engine: contract handlers for review, rules, history,
 * hosts and the overview; the import job; and the housekeeping that keeps statuses true
 * without anyone asking — a gone/unignore sweep when the engine opens, after every job
 * and every ten minutes, and the new-service watcher behind `services.new`.
 */
import { userInfo } from 'node:os';
import type { EventChannel, EventPayload, parseInput, RequestOutput } from '../../shared/contract';
import { JOB_FINAL, type JobSnapshot } from '../../shared/model';
import { isInvisible, withoutUnsafeChars } from '../../shared/text';
import { importFiles } from '../importers/import';
import type { JobManager } from '../jobs/jobs';
import type { Db } from '../store/db';
import { setGoneAfterDays, sweepInventory, type SweepResult } from './gone';
import { NewServiceWatcher } from './notify';
import { overviewStats } from './overview';
import { applyReview, hostDetail, serviceHistory } from './review';
import { deleteRule, listRules, saveRule } from './rules';

type InvChannel = 'review.apply' | 'rules.list' | 'rules.save' | 'rules.delete' | 'service.history' | 'host.get' | 'overview.stats';
export type InventoryHandlers = { [C in InvChannel]: (input: ReturnType<typeof parseInput<C>>) => Promise<RequestOutput<C>> };

export interface Bus {
  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void;
  listeners(event: EventChannel): number;
}

const SWEEP_EVERY_MS = 10 * 60_000;
/** How often the app looks for services another process (CLI, cron) added. */
const POLL_EVERY_MS = 5_000;

/**
 * The reviewer's name: given, else $PORTOLAN_USER, else the OS account; without control
 * or bidirectional-text characters. The names Portolan writes for its own entries in the
 * history (`portolan`, `rule:N`) are never a person's: such a person is recorded as
 * `user:NAME`, so `PORTOLAN_USER=rule:1` cannot pass a review off as a rule's (nor add to
 * that rule's count of services).
 */
export function defaultActor(given?: string): string {
  let name = given ?? process.env.PORTOLAN_USER;
  if (!name) {
    try {
      name = userInfo().username;
    } catch {
      name = 'unknown';
    }
  }
  const clean = withoutUnsafeChars(name).trim().slice(0, 64);
  if (!clean || isInvisible(clean)) return 'unknown';
  return /^(portolan$|rule:|user:)/i.test(clean) ? `user:${clean}` : clean;
}

export class InventoryService {
  readonly actor: string;
  private readonly watcher: NewServiceWatcher;
  private readonly offs: Array<() => void> = [];
  private timers: NodeJS.Timeout[] = [];
  private sweeping: Promise<SweepResult | null> = Promise.resolve(null);
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly jobs: JobManager,
    private readonly bus: Bus,
    user?: string,
  ) {
    this.actor = defaultActor(user);
    this.watcher = new NewServiceWatcher(db, (e) => bus.emit('services.new', e));
  }

  handlers(): InventoryHandlers {
    return {
      'review.apply': async (input) => {
        const r = await applyReview(this.db, input, this.actor);
        if (r.changed) this.bus.emit('services.changed', { added: 0, updated: r.changed });
        return r;
      },
      'rules.list': () => listRules(this.db),
      'rules.save': async (input) => {
        const r = await saveRule(this.db, input, this.actor);
        this.bus.emit('services.changed', { added: 0, updated: r.applied });
        return r;
      },
      'rules.delete': async (input) => {
        const r = await deleteRule(this.db, input.id, this.actor);
        this.bus.emit('services.changed', { added: 0, updated: r.released });
        return r;
      },
      'service.history': (input) => serviceHistory(this.db, input.id),
      'host.get': (input) => hostDetail(this.db, input.host),
      'overview.stats': (input) => overviewStats(this.db, input?.days ?? 30),
    };
  }

  /** Call once the engine is open: first sweep, watcher, timers. */
  async start(): Promise<void> {
    await this.watcher.start();
    await this.sweep().catch(() => null);
    this.offs.push(
      this.bus.on('services.changed', (e) => {
        if (e.added > 0) void this.watcher.check();
      }),
      this.bus.on('job.updated', (j: JobSnapshot) => {
        if (JOB_FINAL.includes(j.status)) void this.sweep().then(() => this.watcher.check()).catch(() => undefined);
      }),
    );
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(SWEEP_EVERY_MS, () => void this.sweep().catch(() => undefined));
    every(POLL_EVERY_MS, () => {
      if (this.bus.listeners('services.new') > 0) void this.watcher.check();
    });
  }

  /** Runs the gone / unignore sweep (one at a time) and tells listeners if anything moved. */
  sweep(): Promise<SweepResult | null> {
    this.sweeping = this.sweeping.then(async () => {
      if (this.stopped) return null;
      const r = await sweepInventory(this.db);
      if (r.gone || r.released) this.bus.emit('services.changed', { added: 0, updated: r.gone + r.released });
      return r;
    });
    const out = this.sweeping;
    this.sweeping = out.catch(() => null);
    return out;
  }

  setGoneAfterDays(days: number): Promise<void> {
    return setGoneAfterDays(this.db, days);
  }

  /** Starts an import job over report files the caller has checked the user may read. */
  startImport(paths: string[]): Promise<JobSnapshot> {
    return this.jobs.start('import', { paths }, async (ctx) => {
      const r = await importFiles(this.db, paths, ctx, (added, updated) => this.bus.emit('services.changed', { added, updated }));
      return r as unknown as Record<string, unknown>;
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const off of this.offs.splice(0)) off();
  }

  /** Waits for a running sweep (tests, shutdown). */
  async idle(): Promise<void> {
    await this.sweeping;
  }
}
