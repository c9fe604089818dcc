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
import { JobManager } from './jobs/jobs';
import { Db } from './store/db';
import { VERSION } from './version';

export interface EngineOptions {
  dbPath: string;
  transport?: AppInfo['transport'];
}

type Handlers = { [C in RequestChannel]: (input: ReturnType<typeof parseInput<C>>) => Promise<RequestOutput<C>> };

export class Engine {
  readonly jobs: JobManager;
  private readonly bus = new EventEmitter();
  private readonly handlers: Handlers;

  private constructor(
    readonly db: Db,
    private readonly opts: EngineOptions,
  ) {
    this.bus.setMaxListeners(100);
    this.jobs = new JobManager(db, (snap) => this.emit('job.updated', snap));
    this.handlers = {
      'app.info': async () => ({ name: 'Portolan', version: VERSION, dbPath: this.db.path, transport: this.opts.transport ?? 'memory' }),
      'services.list': (q) => listServices(this.db, q),
      'ingest.start': (input) => this.startIngest(input.paths),
      'jobs.list': async () => this.jobs.list(),
      'jobs.cancel': async (input) => this.jobs.cancel(input.id),
    };
  }

  static async open(opts: EngineOptions): Promise<Engine> {
    const db = await Db.open(opts.dbPath);
    const engine = new Engine(db, opts);
    await engine.jobs.recover();
    return engine;
  }

  /** Validates `input` for `channel` and runs its handler. Throws on bad input. */
  async handle<C extends RequestChannel>(channel: C, input: unknown): Promise<RequestOutput<C>> {
    if (!Object.prototype.hasOwnProperty.call(requests, channel)) {
      throw Object.assign(new Error(`unknown channel ${String(channel)}`), { name: 'UnknownChannel' });
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

  /** Starts an ingest job over files the caller has checked the user may read. */
  startIngest(paths: string[]): Promise<JobSnapshot> {
    return this.jobs.start('ingest', { paths }, async (ctx) => {
      const result = await ingestFiles(this.db, paths, ctx, (added, updated) => this.emit('services.changed', { added, updated }));
      return result as unknown as Record<string, unknown>;
    });
  }

  async close(): Promise<void> {
    await this.jobs.shutdown();
    await this.db.close();
  }
}
