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
  type CaptureInterfaces,
  type CaptureProfile,
  type FoundService,
  type SnapshotSummary,
  type Rule,
} from '../../electron/shared';
import { EventHub } from '../../renderer/src/platform/wire-client';
import type { Connection, ConnectionState, Platform } from '../../renderer/src/platform/types';

export interface MemoryEngine {
  platform: Platform;
  rows: ServiceRow[];
  /** Rules as saved (rules.save keeps them; rules.delete returns the services they ignore to the queue). */
  rules: Rule[];
  jobs: Map<string, JobSnapshot>;
  calls: Array<{ channel: RequestChannel; input: unknown }>;
  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void;
  /** Make the next calls of a channel fail with this error. */
  failNext(channel: RequestChannel, error: { name: string; message: string }): void;
  setConnection(state: ConnectionState): void;
  /** What the capture channels answer; tests change it. */
  capture: { interfaces: CaptureInterfaces; found: FoundService[]; profiles: Map<string, CaptureProfile> };
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
  const rules: Rule[] = [];
  const jobs = new Map<string, JobSnapshot>();
  const calls: MemoryEngine['calls'] = [];
  const failures = new Map<RequestChannel, { name: string; message: string }>();
  const hub = new EventHub();
  let nextJob = 1;
  const capture: MemoryEngine['capture'] = {
    interfaces: { ok: true, libpcap: 'libpcap version 1.10.4 (test)', problem: null, interfaces: [{ name: 'eth0', description: null, addresses: ['192.0.2.2'], loopback: false }, { name: 'lo', description: null, addresses: ['127.0.0.1'], loopback: true }] },
    found: [],
    profiles: new Map(),
  };

  const snapshotList: SnapshotSummary[] = [];
  const handlers: { [C in RequestChannel]: (input: ReturnType<typeof parseInput<C>>) => unknown } = {
    'app.info': () => ({ name: 'portolan', version: '0.0.0-test', dbPath: ':memory:', transport: 'memory', reviewer: 'tester' }),
    'services.list': (q) => {
      const needle = q.search.toLowerCase();
      const hit = rows.filter(
        (r) =>
          (q.status === 'all' || r.status === q.status || (q.status === 'listening' && r.status !== 'gone')) &&
          (q.insecure === undefined || !!r.insecure === q.insecure) &&
          (q.port === undefined || r.port === q.port) &&
          (q.proto === undefined || r.proto === q.proto) &&
          (q.subnet === undefined || q.subnet.includes('/') || r.host === q.subnet) &&
          (!q.since || Date.parse(r.createdAt ?? r.firstSeen) >= Date.parse(q.since)) &&
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
    // Canned (the engine's own export is tested in test/engine and the e2e): the query it was asked for, as text.
    'services.export': (q) => ({ filename: `portolan-services.${q.format}`, mime: 'text/csv', encoding: 'utf8' as const, data: JSON.stringify(q) }),
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
    // The review queue's channels, enough for renderer tests: status changes by id or by
    // status filter, an empty rule list, and history / host / overview built from `rows`.
    'review.apply': (input) => {
      const to = { approve: 'approved', flag: 'flagged', ignore: 'ignored', reopen: 'new' } as const;
      const hit = rows.filter((r) => (input.ids ? input.ids.includes(r.id) : input.filter?.status === undefined || input.filter.status === 'all' || r.status === input.filter.status));
      for (const r of hit) Object.assign(r, { status: to[input.action], reason: input.reason, owner: input.owner ?? null, reviewedBy: 'tester' });
      return { changed: hit.length, skipped: 0, ids: hit.map((r) => r.id) };
    },
    'rules.list': () => rules,
    // Kept, not applied: a rule saved here acts on nothing (the engine's rules are tested in test/engine).
    'rules.save': (input) => {
      const rule: Rule = { id: rules.length ? Math.max(...rules.map((r) => r.id)) + 1 : 1, kind: input.kind, host: input.host ?? null, subnet: input.subnet ?? null, port: input.port ?? null, proto: input.proto ?? null, reason: input.reason, owner: input.owner ?? null, expiresAt: input.expiresAt ?? null, createdBy: 'tester', createdAt: new Date().toISOString(), hits: 0, active: true };
      rules.push(rule);
      return { rule, applied: 0 };
    },
    'rules.delete': ({ id }) => {
      const at = rules.findIndex((r) => r.id === id);
      if (at < 0) throw Object.assign(new Error(`no rule with id ${id}`), { name: 'NotFound' });
      const [gone] = rules.splice(at, 1);
      let released = 0;
      for (const r of rows) {
        if (r.ruleId === id && r.status === 'ignored' && gone!.kind === 'ignore') {
          Object.assign(r, { status: 'new', ruleId: null, ignoreUntil: null });
          released++;
        }
      }
      return { id, released };
    },
    'service.history': ({ id }) => {
      const service = rows.find((r) => r.id === id);
      if (!service) throw Object.assign(new Error(`no service ${id}`), { name: 'NotFound' });
      return { service, events: [], evidence: [] };
    },
    'service.control': ({ id }) => {
      if (!rows.some((r) => r.id === id)) throw Object.assign(new Error(`no service with id ${id}`), { name: 'NotFound' });
      return { changed: true };
    },
    'host.get': ({ host }) => ({ host, hostnames: [], mac: null, services: rows.filter((r) => r.host === host), events: [] }),
    'overview.stats': () => {
      const count = (s: ServiceRow['status']) => rows.filter((r) => r.status === s).length;
      return {
        counts: { new: count('new'), approved: count('approved'), flagged: count('flagged'), gone: count('gone'), ignored: count('ignored'), insecure: rows.filter((r) => r.insecure && r.status !== 'gone').length, total: rows.length },
        newPerDay: [],
        hosts: new Set(rows.map((r) => r.host)).size,
      };
    },
    // Live capture: interfaces and found services from `capture`, profiles kept in memory,
    // jobs of kind capture that tests advance by emitting job.updated.
    'capture.interfaces': () => capture.interfaces,
    'capture.compile': (sel) => {
      const parts = [...sel.transports, ...sel.apps, ...sel.ignore.map((i) => `not ${i}`)];
      return { bpf: parts.length ? `(${parts.join(' and ')})` : '', summary: parts.length ? parts.join(' · ') : 'everything' };
    },
    'capture.start': () => {
      const job = jobSnapshot({ id: `job-${nextJob++}`, kind: 'capture', startedAt: new Date().toISOString(), progress: { done: 0, total: null, unit: 'packets', counters: { packets: 0 } } });
      jobs.set(job.id, job);
      return job;
    },
    'capture.stop': ({ id }) => {
      const job = jobs.get(id);
      if (!job) throw Object.assign(new Error(`no capture job with id ${id}`), { name: 'NotFound' });
      const done: JobSnapshot = { ...job, status: 'done', abortable: false, endedAt: new Date().toISOString() };
      jobs.set(id, done);
      return done;
    },
    'capture.found': () => capture.found,
    'capture.profiles.list': () => [...capture.profiles.values()].sort((a, b) => a.name.localeCompare(b.name)),
    'capture.profiles.save': ({ name, selection }) => {
      const now = new Date().toISOString();
      const p = { name, selection, createdAt: capture.profiles.get(name)?.createdAt ?? now, updatedAt: now };
      capture.profiles.set(name, p);
      return p;
    },
    'capture.profiles.delete': ({ name }) => ({ deleted: capture.profiles.delete(name) }),
    // Snapshots: a list kept in memory; diff and export are canned (the engine's own are tested in test/engine/snapshots).
    'snapshots.list': () => snapshotList,
    'snapshots.take': ({ note, by, scope }) => {
      const id = snapshotList.length + 1;
      const entry = { id, takenAt: new Date(Date.UTC(2024, 2, id)).toISOString(), takenBy: by || 'tester', note, scope, sha256: String(id).repeat(64).slice(0, 64), prevSha256: snapshotList.at(-1)?.sha256 ?? null, hosts: new Set(rows.map((r) => r.host)).size, services: rows.length, seal: 'intact' as const, problems: [] };
      snapshotList.push(entry);
      return entry;
    },
    'snapshots.diff': ({ a, b }) => ({ a: { id: a, takenAt: '', sha256: '', scope: 'all' }, b: { id: b, takenAt: '', sha256: '', scope: 'all' }, same: a === b, warnings: [], hosts: { new: [], gone: [] }, services: { new: [], gone: [], changed: [] } }),
    'snapshots.export': ({ id, format }) => ({ filename: `portolan-snapshot-${id}.${format}`, mime: 'text/plain', encoding: 'utf8' as const, data: `snapshot ${id} as ${format}` }),
    // Scan: canned (the Scan view has its own fake in scan-view.test.ts; the engine's scanner is tested in test/engine/scan).
    'scan.estimate': () => ({ addresses: '0', names: 0, ports: null, probes: '0', large: false, targetErrors: [], portError: null }),
    'scan.start': () => {
      throw Object.assign(new Error('the memory engine does not scan'), { name: 'NotSupported' });
    },
    'scan.pause': ({ id }) => {
      throw Object.assign(new Error(`no running scan with job id ${id}`), { name: 'NotFound' });
    },
    'scan.resume': ({ id }) => {
      throw Object.assign(new Error(`no running scan with job id ${id}`), { name: 'NotFound' });
    },
    'scan.runs': () => [],
    'scan.results': () => [],
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
    rules,
    jobs,
    calls,
    capture,
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
