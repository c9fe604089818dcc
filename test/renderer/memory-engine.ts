/**
 * An in-memory transport for renderer tests: `buildApi` over an invoke function that
 * checks every input against the contract's schema (as the real `handle()` does) and
 * answers from a small inventory, filtering, sorting and paging like the engine's
 * services.list. Outputs are parsed with the contract's output schemas, so nothing here
 * can hand the UI data the real engine could not.
 */
import {
  buildApi,
  events,
  JobSnapshot,
  parseInput,
  requests,
  toErrorInfo,
  type EventChannel,
  type EventPayload,
  type Invoke,
  type RequestChannel,
  type ServiceRow,
  type Subscribe,
} from '../../electron/shared';
import { EventHub } from '../../renderer/src/platform/wire-client';
import type { Connection, ConnectionState, Platform } from '../../renderer/src/platform/types';

export interface MemoryEngine {
  platform: Platform;
  rows: ServiceRow[];
  jobs: Map<string, JobSnapshot>;
  calls: Array<{ channel: RequestChannel; input: unknown }>;
  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void;
  /** Make the next calls of a channel fail with this error. */
  failNext(channel: RequestChannel, error: { name: string; message: string }): void;
  setConnection(state: ConnectionState): void;
}

export function serviceRow(over: Partial<ServiceRow> & Pick<ServiceRow, 'id' | 'host' | 'port'>): ServiceRow {
  return {
    proto: 'tcp',
    evidence: 'handshake',
    confidence: 'certain',
    status: 'new',
    service: null,
    firstSeen: '2024-03-01T10:00:00.000Z',
    lastSeen: '2024-03-02T11:30:00.000Z',
    sources: ['capture:1'],
    flows: 1,
    bytes: 100,
    ...over,
  };
}

export function jobSnapshot(over: Partial<JobSnapshot> & Pick<JobSnapshot, 'id'>): JobSnapshot {
  return JobSnapshot.parse({
    kind: 'ingest',
    status: 'running',
    progress: { done: 0, total: 1000, unit: 'bytes' },
    abortable: true,
    error: null,
    startedAt: '2024-03-03T09:00:00.000Z',
    endedAt: null,
    result: null,
    warnings: [],
    ...over,
  });
}

/** Numeric-aware comparison: hosts as dotted quads order by value, not by text. */
function hostKey(h: string): string {
  const parts = h.split('.');
  return parts.length === 4 && parts.every((p) => /^\d+$/.test(p)) ? parts.map((p) => p.padStart(3, '0')).join('.') : h;
}

export function createMemoryEngine(seed: ServiceRow[] = []): MemoryEngine {
  const rows = [...seed];
  const jobs = new Map<string, JobSnapshot>();
  const calls: MemoryEngine['calls'] = [];
  const failures = new Map<RequestChannel, { name: string; message: string }>();
  const hub = new EventHub();
  let nextJob = 1;

  const handlers: { [C in RequestChannel]: (input: ReturnType<typeof parseInput<C>>) => unknown } = {
    'app.info': () => ({ name: 'portolan', version: '0.0.0-test', dbPath: ':memory:', transport: 'memory' }),
    'services.list': (q) => {
      const needle = q.search.toLowerCase();
      const hit = rows.filter(
        (r) =>
          (q.status === 'all' || r.status === q.status) &&
          (!needle || [r.host, String(r.port), r.service ?? '', r.status].some((v) => v.toLowerCase().includes(needle))),
      );
      const key = (r: ServiceRow): string | number => (q.sort === 'host' ? hostKey(r.host) : (r[q.sort] ?? ''));
      hit.sort((a, b) => {
        const x = key(a);
        const y = key(b);
        const c = x < y ? -1 : x > y ? 1 : a.id - b.id;
        return q.dir === 'asc' ? c : -c;
      });
      const count = (s: ServiceRow['status']) => rows.filter((r) => r.status === s).length;
      return {
        rows: hit.slice(q.offset, q.offset + q.limit),
        total: hit.length,
        counts: { new: count('new'), approved: count('approved'), flagged: count('flagged'), gone: count('gone') },
      };
    },
    'ingest.start': () => {
      const job = jobSnapshot({ id: `job-${nextJob++}`, startedAt: new Date().toISOString() });
      jobs.set(job.id, job);
      return job;
    },
    'jobs.list': () => [...jobs.values()],
    'jobs.cancel': ({ id }) => {
      const job = jobs.get(id);
      if (!job) throw Object.assign(new Error(`no job ${id}`), { name: 'NotFound' });
      const done: JobSnapshot = { ...job, status: 'cancelled', abortable: false, endedAt: new Date().toISOString() };
      jobs.set(id, done);
      return done;
    },
  };

  const invoke = (async (channel: RequestChannel, input: unknown) => {
    calls.push({ channel, input });
    await Promise.resolve();
    const failure = failures.get(channel);
    if (failure) {
      failures.delete(channel);
      throw Object.assign(new Error(failure.message), { name: failure.name });
    }
    try {
      const parsed = parseInput(channel, input);
      const out = (handlers[channel] as (i: unknown) => unknown)(parsed);
      return requests[channel].output.parse(out);
    } catch (err) {
      // Errors cross transports as {name, message}, like the real handle() wrapper.
      const info = toErrorInfo(err);
      throw Object.assign(new Error(info.message), { name: info.name });
    }
  }) as Invoke;

  const subscribe: Subscribe = (event, listener) => hub.on(event, listener);

  let state: ConnectionState = 'open';
  const connListeners = new Set<(s: ConnectionState) => void>();
  const connection: Connection = {
    state: () => state,
    onChange: (l) => {
      connListeners.add(l);
      return () => connListeners.delete(l);
    },
  };

  const api = buildApi(invoke, subscribe);
  return {
    platform: {
      api,
      kind: 'web',
      connection,
      importCaptures: async () => api.ingest.start({ paths: ['/tmp/uploaded.pcap'] }),
    },
    rows,
    jobs,
    calls,
    emit(event, payload) {
      const problem = hub.emit(event, events[event].parse(payload));
      if (problem) throw new Error(problem);
    },
    failNext(channel, error) {
      failures.set(channel, error);
    },
    setConnection(next) {
      state = next;
      for (const l of connListeners) l(next);
    },
  };
}

/** Lets queued promise callbacks run (the memory invoke resolves on a microtask). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}
