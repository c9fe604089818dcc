/**
 * The one contract between the renderer and the engine, whatever carries it
 * (Electron IPC in the app, a WebSocket in `portolan serve`, direct calls in tests).
 * Every request channel has a zod schema for its input, checked at the door, and one
 * for its output. Events flow engine → renderer only.
 */
import { z } from 'zod';
import { JobSnapshot, ServiceRow, SortKey, StatusFilter } from './model';

const MAX_TEXT = 512;

export const ServicesQuery = z
  .object({
    status: StatusFilter.default('all'),
    /** Free text matched against host, port, service and status. */
    search: z.string().max(MAX_TEXT).default(''),
    sort: SortKey.default('host'),
    dir: z.enum(['asc', 'desc']).default('asc'),
    offset: z.number().int().min(0).max(10_000_000).default(0),
    limit: z.number().int().min(1).max(5000).default(500),
  })
  .strict();
export type ServicesQuery = z.input<typeof ServicesQuery>;

export const ServicesPage = z.object({
  rows: z.array(ServiceRow),
  total: z.number().int(),
  counts: z.object({
    new: z.number().int(),
    approved: z.number().int(),
    flagged: z.number().int(),
    gone: z.number().int(),
  }),
});
export type ServicesPage = z.infer<typeof ServicesPage>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  dbPath: z.string(),
  transport: z.enum(['electron', 'web', 'memory']),
});
export type AppInfo = z.infer<typeof AppInfo>;

/** A capture file the host side has been allowed to read (by a dialog or an upload). */
export const IngestStart = z
  .object({
    paths: z.array(z.string().min(1).max(4096)).min(1).max(1000),
  })
  .strict();
export type IngestStart = z.infer<typeof IngestStart>;

export const JobRef = z.object({ id: z.string().min(1).max(64) }).strict();

const Empty = z.object({}).strict().optional();

/** Request channels: name → input and output schemas. */
export const requests = {
  'app.info': { input: Empty, output: AppInfo },
  'services.list': { input: ServicesQuery, output: ServicesPage },
  'ingest.start': { input: IngestStart, output: JobSnapshot },
  'jobs.list': { input: Empty, output: z.array(JobSnapshot) },
  'jobs.cancel': { input: JobRef, output: JobSnapshot },
} as const;

export type RequestChannel = keyof typeof requests;
export type RequestInput<C extends RequestChannel> = z.input<(typeof requests)[C]['input']>;
export type RequestOutput<C extends RequestChannel> = z.infer<(typeof requests)[C]['output']>;

/** Event channels: name → payload schema. Progress events are batched (≤10/s per job). */
export const events = {
  'job.updated': JobSnapshot,
  /** The inventory changed; `added` counts services seen for the first time. */
  'services.changed': z.object({ added: z.number().int(), updated: z.number().int() }),
} as const;

export type EventChannel = keyof typeof events;
export type EventPayload<E extends EventChannel> = z.infer<(typeof events)[E]>;

export const REQUEST_CHANNELS = Object.keys(requests) as RequestChannel[];
export const EVENT_CHANNELS = Object.keys(events) as EventChannel[];


/** Errors cross every transport as plain `{name, message}`. */
export function toErrorInfo(err: unknown): { name: string; message: string } {
  if (err instanceof z.ZodError) {
    const first = err.issues[0];
    const where = first && first.path.length ? ` at ${first.path.join('.')}` : '';
    return { name: 'InvalidInput', message: `${first?.message ?? 'invalid input'}${where}` };
  }
  if (err instanceof Error) return { name: err.name || 'Error', message: err.message };
  return { name: 'Error', message: String(err) };
}

/** Parse a request's input against its channel schema; throws ZodError on bad input. */
export function parseInput<C extends RequestChannel>(channel: C, input: unknown): z.infer<(typeof requests)[C]['input']> {
  const spec = requests[channel];
  return spec.input.parse(input) as z.infer<(typeof requests)[C]['input']>;
}

export function isRequestChannel(name: unknown): name is RequestChannel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}

export * from './api';
