/**
 * The engine's face: every contract channel has one handler here. Transports (Electron
 * IPC, the WebSocket server, tests) call `handle(channel, input)`, which validates the
 * input against the channel's schema before anything runs, and subscribe to events.
 * Plain Node: never imports Electron.
 */
import { EventEmitter } from 'node:events';
import {
  parseInput,
  requests,
  type EventChannel,
  type EventPayload,
  type RequestChannel,
  type RequestOutput,
} from '../shared/contract';
import type { AppInfo } from '../shared/contract';
import type { JobSnapshot } from '../shared/model';
import { ingestFiles } from './ingest/ingest';
import { listServices } from './inventory/inventory';
import { exportServices } from './inventory/export';
import { InventoryService } from './inventory/service';
import { JobManager } from './jobs/jobs';
import { estimateScan, listScanRuns, scanResults, ScanService } from './scan';
import { CaptureService } from './capture/service';
import { resolveSelection } from './filters/selection';
import type { CaptureSelectionInput } from '../shared/capture';
import { exportForContract } from './snapshots/exports';
import { diffSnapshots } from './snapshots/diff';
import { getSnapshot, listSnapshots, takeSnapshot } from './snapshots/store';
import { setControl } from './inventory/tags';
import { Db } from './store/db';
import { VERSION } from './version';

export interface EngineOptions {
  dbPath: string;
  transport?: AppInfo['transport'];
  /** Who reviews through this engine (history's actor); default $PORTOLAN_USER or the OS user. */
  user?: string;
  /**
   * Read only (a database that cannot be written): no migrations, no job recovery, no
   * gone sweep; the inventory is shown as stored. For commands that only read.
   */
  readOnly?: boolean;
  /**
   * Shortest gap between two progress events of a job, ms (default 100: about ten a
   * second). Tests that act on a mid-job event set it low: a file that now takes a tenth
   * of a second to ingest may otherwise end before its first event.
   */
  progressIntervalMs?: number;
}

type Handlers = { [C in RequestChannel]: (input: ReturnType<typeof parseInput<C>>) => Promise<RequestOutput<C>> };

export class Engine {
  readonly jobs: JobManager;
  /** Review queue, rules, gone sweeps, imports and new-service notices (inventory/service.ts). */
  readonly inventory: InventoryService;
  readonly scans: ScanService;
  /** Live capture jobs, capture profiles, interfaces (capture/service.ts). */
  readonly captures: CaptureService;
  private readonly bus = new EventEmitter();
  private readonly handlers: Handlers;
  private readonly sourceLabels = new Map<string, string>();

  private constructor(
    readonly db: Db,
    private readonly opts: EngineOptions,
  ) {
    this.bus.setMaxListeners(100);
    this.jobs = new JobManager(db, (snap) => this.emit('job.updated', snap), { progressIntervalMs: opts.progressIntervalMs });
    this.inventory = new InventoryService(db, this.jobs, { on: (e, l) => this.on(e, l), emit: (e, p) => this.emit(e, p), listeners: (e) => this.bus.listenerCount(e) }, opts.user);
    this.scans = new ScanService(db, this.jobs, (e, p) => this.emit(e, p));
    this.captures = new CaptureService(db, this.jobs, (e, p) => this.emit(e, p));
    this.handlers = {
      'app.info': async () => ({ name: 'Portolan', version: VERSION, dbPath: this.db.path, transport: this.opts.transport ?? 'memory', reviewer: this.inventory.actor }),
      'services.list': (q) => listServices(this.db, q),
      'services.export': (q) => exportServices(this.db, q),
      'ingest.start': (input) => this.startIngest(input.paths, input.selection),
      'jobs.list': async () => this.jobs.list(),
      'jobs.cancel': async (input) => this.jobs.cancel(input.id),
      'snapshots.list': () => listSnapshots(this.db),
      'snapshots.take': async (input) => {
        const { id } = await takeSnapshot(this.db, { note: input.note, by: input.by || opts.user, scope: input.scope });
        const entry = (await listSnapshots(this.db)).find((x) => x.id === id);
        if (!entry) throw new Error(`snapshot ${id} was not stored`);
        return entry;
      },
      'snapshots.diff': async (input) => diffSnapshots((await getSnapshot(this.db, input.a)).doc, (await getSnapshot(this.db, input.b)).doc),
      'snapshots.export': (input) => exportForContract(this.db, input.id, input.format),
      ...this.inventory.handlers(),
      'service.control': (input) => this.setControl(input.id, input.note),
      ...this.captures.handlers(),
      'scan.estimate': async (input) => estimateScan(input),
      'scan.start': (input) => this.scans.start(input),
      'scan.pause': async (input) => this.scans.pause(input.id),
      'scan.resume': async (input) => this.scans.resume(input.id),
      'scan.runs': (input) => listScanRuns(this.db, input?.limit ?? 50),
      'scan.results': (input) => scanResults(this.db, input.scanId, input.state, input.limit, input.offset),
    };
  }

  static async open(opts: EngineOptions): Promise<Engine> {
    const db = await Db.open(opts.dbPath, { readOnly: opts.readOnly });
    const engine = new Engine(db, opts);
    if (opts.readOnly) return engine;
    await engine.jobs.recover();
    await engine.inventory.start();
    await db.run('scanRunsInterrupt');
    return engine;
  }

  /** Validates `input` for `channel` and runs its handler. Throws on bad input. */
  async handle<C extends RequestChannel>(channel: C, input: unknown): Promise<RequestOutput<C>> {
    if (!Object.prototype.hasOwnProperty.call(requests, channel)) {
      throw Object.assign(new Error(`unknown channel ${String(channel).slice(0, 64)}`), { name: 'UnknownChannel' });
    }
    const parsed = parseInput(channel, input);
    const handler = this.handlers[channel] as (i: unknown) => Promise<RequestOutput<C>>;
    return handler(parsed);
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    this.bus.on(event, listener);
    return () => this.bus.off(event, listener);
  }

  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void {
    this.bus.emit(event, payload);
  }

  /** `service.control`: as `portolan control`, by the reviewing user; NotFound for an unknown id. */
  private async setControl(id: number, note: string): Promise<{ changed: boolean }> {
    const changed = await setControl(this.db, id, note, this.inventory.actor);
    if (!changed && !(await this.db.get('controlGet', [id]))) throw Object.assign(new Error(`no service with id ${id}`), { name: 'NotFound' });
    if (changed) this.emit('services.changed', { added: 0, updated: 1 });
    return { changed };
  }

  /** Starts an ingest job over files the caller has checked the user may read. */
  /**
   * How a file should be named in the evidence when its path is not meaningful (an
   * upload's temporary copy is stored as "upload: <the user's file name>").
   */
  labelSource(path: string, label: string): void {
    this.sourceLabels.set(path, label);
  }

  startIngest(paths: string[], selection?: CaptureSelectionInput): Promise<JobSnapshot> {
    // A protocol choice is checked before the job exists: a bad one is a refused request.
    const resolved = selection ? resolveSelection(selection) : undefined;
    return this.jobs.start('ingest', resolved && !resolved.all ? { paths, selection: resolved.selection } : { paths }, async (ctx) => {
      const result = await ingestFiles(this.db, paths, ctx, (added, updated) => this.emit('services.changed', { added, updated }), { selection: resolved, labels: this.sourceLabels });
      return result as unknown as Record<string, unknown>;
    });
  }

  async close(): Promise<void> {
    this.inventory.stop();
    await this.jobs.shutdown();
    await this.inventory.idle();
    await this.db.close();
  }
}
