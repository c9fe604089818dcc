/**
 * Long work as jobs. A job runs a function with an AbortSignal and a progress sink;
 * its JSON face (`JobSnapshot`) is emitted on every status change and, for progress, at
 * most every `progressIntervalMs` (≈10 per second), never once per packet.
 * Jobs are persisted, so a job found `running` at start-up is marked `interrupted`.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ErrorInfo, JobKind, JobProgress, JobSnapshot, JobStatus } from '../../shared/model';
import { JOB_FINAL } from '../../shared/model';
import { toErrorInfo } from '../../shared/contract';
import type { Db } from '../store/db';

export interface JobContext {
  id: string;
  signal: AbortSignal;
  progress(p: JobProgress): void;
  warn(message: string): void;
}

export type JobRunner = (ctx: JobContext) => Promise<Record<string, unknown>>;

export class CancelledError extends Error {
  override name = 'Cancelled';
  constructor() {
    super('cancelled by the user');
  }
}

interface Live {
  snap: JobSnapshot;
  controller: AbortController;
  done: Promise<JobSnapshot>;
  timer: NodeJS.Timeout | null;
  dirty: boolean;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class JobManager {
  private jobs = new Map<string, Live>();
  private readonly progressIntervalMs: number;

  constructor(
    private readonly db: Db,
    private readonly emit: (snap: JobSnapshot) => void,
    opts: { progressIntervalMs?: number } = {},
  ) {
    this.progressIntervalMs = opts.progressIntervalMs ?? 100;
  }

  /**
   * Marks jobs that a dead process left running as interrupted (and their captures as
   * incomplete). A job whose owning process is still alive on this host is left alone:
   * the app, the CLI and a sensor may share one database.
   */
  async recover(): Promise<number> {
    const here = hostname();
    let n = 0;
    for (const j of await this.db.all<{ id: string; owner_pid: number | null; owner_host: string | null }>('jobsUnfinished')) {
      if (j.owner_host && j.owner_host !== here) continue;
      if (j.owner_pid && j.owner_pid !== process.pid && processAlive(j.owner_pid)) continue;
      n += (await this.db.run('jobInterrupt', [Date.now(), j.id])).changes;
    }
    // Also captures of jobs that failed without finishing them (a full disk, say).
    await this.db.run('capturesInterrupt');
    return n;
  }

  async start(kind: JobKind, params: unknown, runner: JobRunner): Promise<JobSnapshot> {
    const id = randomBytes(6).toString('hex');
    const now = Date.now();
    const snap: JobSnapshot = {
      id,
      kind,
      status: 'running',
      progress: null,
      abortable: true,
      error: null,
      startedAt: new Date(now).toISOString(),
      endedAt: null,
      result: null,
      warnings: [],
    };
    await this.db.run('jobInsert', [id, kind, 'running', JSON.stringify(params ?? null), now, process.pid, hostname()]);
    const controller = new AbortController();
    const live: Live = { snap, controller, done: Promise.resolve(snap), timer: null, dirty: false };
    this.jobs.set(id, live);
    const ctx: JobContext = {
      id,
      signal: controller.signal,
      progress: (p) => {
        live.snap = { ...live.snap, progress: p };
        this.scheduleProgress(live);
      },
      warn: (m) => {
        live.snap = { ...live.snap, warnings: [...live.snap.warnings, m] };
      },
    };
    live.done = (async () => {
      let status: JobStatus = 'done';
      let error: ErrorInfo | null = null;
      let result: Record<string, unknown> | null = null;
      try {
        result = await runner(ctx);
        if (controller.signal.aborted) status = 'cancelled';
      } catch (err) {
        if (controller.signal.aborted) status = 'cancelled';
        else {
          status = 'failed';
          error = toErrorInfo(err);
        }
        result = (err as { partial?: Record<string, unknown> }).partial ?? null;
      }
      return this.finish(live, status, result, error);
    })();
    this.emit(snap);
    return snap;
  }

  private scheduleProgress(live: Live): void {
    live.dirty = true;
    if (live.timer) return;
    live.timer = setTimeout(() => {
      live.timer = null;
      if (!live.dirty || JOB_FINAL.includes(live.snap.status)) return;
      live.dirty = false;
      this.emit(live.snap);
    }, this.progressIntervalMs);
  }

  private async finish(live: Live, status: JobStatus, result: Record<string, unknown> | null, error: ErrorInfo | null): Promise<JobSnapshot> {
    if (live.timer) clearTimeout(live.timer);
    live.timer = null;
    const now = Date.now();
    live.snap = { ...live.snap, status, result, error, abortable: false, endedAt: new Date(now).toISOString() };
    const s = live.snap;
    await this.db
      .run('jobUpdate', [status, JSON.stringify(s.progress), JSON.stringify(result), JSON.stringify(s.warnings), error ? JSON.stringify(error) : null, now, s.id])
      .catch(() => undefined);
    // A capture or scan run the job left unfinished (it failed, say on a full disk) is
    // incomplete from now on, not running forever. Best effort: the store may be the fault.
    if (status !== 'done') {
      await this.db.run('capturesInterrupt').catch(() => undefined);
      await this.db.run('scanRunsInterrupt').catch(() => undefined);
    }
    this.emit(s);
    return s;
  }

  cancel(id: string): JobSnapshot {
    const live = this.jobs.get(id);
    if (!live) throw Object.assign(new Error(`no job with id ${id}`), { name: 'NotFound' });
    if (!JOB_FINAL.includes(live.snap.status)) live.controller.abort(new CancelledError());
    return live.snap;
  }

  get(id: string): JobSnapshot | undefined {
    return this.jobs.get(id)?.snap;
  }

  /** Resolves when the job has ended (whatever the outcome). */
  wait(id: string): Promise<JobSnapshot> {
    const live = this.jobs.get(id);
    if (!live) return Promise.reject(new Error(`no job with id ${id}`));
    return live.done;
  }

  list(): JobSnapshot[] {
    return [...this.jobs.values()].map((j) => j.snap).reverse();
  }

  /** Cancels every running job and waits for all of them to end. */
  async shutdown(): Promise<void> {
    for (const j of this.jobs.values()) if (!JOB_FINAL.includes(j.snap.status)) j.controller.abort(new CancelledError());
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }
}
