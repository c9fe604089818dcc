// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from 'vue';
import { PlatformKey } from '../../renderer/src/platform/inject';
import { useJobsStore } from '../../renderer/src/stores/jobs';
import { useNewPortsStore, useServicesStore } from '../../renderer/src/stores/services';
import { createMemoryEngine, jobSnapshot, serviceRow, settle, type MemoryEngine } from './memory-engine';

function inventory(): MemoryEngine {
  return createMemoryEngine([
    serviceRow({ id: 1, host: '192.0.2.10', port: 22, service: 'ssh', status: 'approved' }),
    serviceRow({ id: 2, host: '192.0.2.9', port: 80, service: 'http' }),
    serviceRow({ id: 3, host: '198.51.100.4', port: 53, proto: 'udp', evidence: 'reply', service: 'domain' }),
    serviceRow({ id: 4, host: '203.0.113.5', port: 8080, evidence: 'data', confidence: 'medium', status: 'flagged' }),
  ]);
}

let engine: MemoryEngine;
beforeEach(() => {
  engine = inventory();
  const app = createApp({});
  app.provide(PlatformKey, engine.platform);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
});
afterEach(() => vi.useRealTimers());

describe('useServicesStore', () => {
  it('loads the first page with counts, hosts in address order', async () => {
    const s = useServicesStore();
    await s.reload();
    expect(s.rows.map((r) => r.host)).toEqual(['192.0.2.9', '192.0.2.10', '198.51.100.4', '203.0.113.5']);
    expect(s.total).toBe(4);
    expect(s.counts).toEqual({ new: 2, approved: 1, flagged: 1, gone: 0, ignored: 0 });
    expect(engine.calls.at(-1)).toEqual({
      channel: 'services.list',
      input: { status: 'all', search: '', sort: 'host', dir: 'asc', offset: 0, limit: 500 },
    });
  });

  it('sorts server-side and flips direction on the same key', async () => {
    const s = useServicesStore();
    await s.sortBy('port');
    expect(s.rows.map((r) => r.port)).toEqual([22, 53, 80, 8080]);
    await s.sortBy('port');
    expect(s.dir).toBe('desc');
    expect(s.rows.map((r) => r.port)).toEqual([8080, 80, 53, 22]);
  });

  it('filters by status and search, back to the first page', async () => {
    const s = useServicesStore();
    s.offset = 2;
    await s.setStatus('new');
    expect(s.offset).toBe(0);
    expect(s.rows.map((r) => r.id).sort()).toEqual([2, 3]);
    await s.setSearch('domain');
    expect(s.rows.map((r) => r.id)).toEqual([3]);
    expect(s.total).toBe(1);
  });

  it('pages by limit and stays inside the result', async () => {
    const s = useServicesStore();
    s.limit = 3;
    await s.reload();
    expect(s.rows).toHaveLength(3);
    await s.page(1);
    expect(s.offset).toBe(3);
    expect(s.rows).toHaveLength(1);
    await s.page(1);
    expect(s.offset).toBe(3);
    await s.page(-1);
    expect(s.offset).toBe(0);
  });

  it('keeps the error from a failed call and clears it on the next success', async () => {
    const s = useServicesStore();
    engine.failNext('services.list', { name: 'DatabaseLocked', message: 'try again' });
    await s.reload();
    expect(s.error).toEqual({ name: 'DatabaseLocked', message: 'try again' });
    await s.reload();
    expect(s.error).toBeNull();
    expect(s.total).toBe(4);
  });

  it('reloads once, debounced, after a burst of services.changed events', async () => {
    vi.useFakeTimers();
    const s = useServicesStore();
    await s.reload();
    const before = engine.calls.length;
    engine.rows.push(serviceRow({ id: 5, host: '192.0.2.77', port: 443 }));
    for (let i = 0; i < 5; i++) engine.emit('services.changed', { added: 1, updated: 0 });
    expect(engine.calls.length).toBe(before);
    await vi.advanceTimersByTimeAsync(400);
    expect(engine.calls.length).toBe(before + 1);
    expect(s.total).toBe(5);
    expect(s.counts.new).toBe(3);
  });

  it('the review queue store is pinned to status new', async () => {
    const q = useNewPortsStore();
    await q.setStatus('approved');
    await q.reload();
    expect(q.status).toBe('new');
    expect(q.rows.every((r) => r.status === 'new')).toBe(true);
  });
});

describe('useJobsStore', () => {
  it('keeps jobs by id from events, never reviving a finished one', () => {
    const jobs = useJobsStore();
    engine.emit('job.updated', jobSnapshot({ id: 'j1', status: 'running' }));
    engine.emit('job.updated', jobSnapshot({ id: 'j1', status: 'done', abortable: false, endedAt: '2024-03-03T09:01:00Z' }));
    engine.emit('job.updated', jobSnapshot({ id: 'j1', status: 'running' }));
    expect(jobs.byId.j1?.status).toBe('done');
    expect(jobs.active).toHaveLength(0);
  });

  it('tracks the job it started and cancels it', async () => {
    const jobs = useJobsStore();
    const job = await engine.platform.api.ingest.start({ paths: ['/tmp/a.pcap'] });
    jobs.track(job);
    expect(jobs.lastStarted?.status).toBe('running');
    await jobs.cancel(job.id);
    expect(jobs.lastStarted?.status).toBe('cancelled');
    jobs.dismiss();
    expect(jobs.lastStarted).toBeNull();
  });

  it('reports a failed cancel', async () => {
    const jobs = useJobsStore();
    await jobs.cancel('nope');
    expect(jobs.error).toEqual({ name: 'NotFound', message: 'no job nope' });
  });

  it('merges jobs.list and refreshes when the connection comes back', async () => {
    const jobs = useJobsStore();
    engine.jobs.set('old', jobSnapshot({ id: 'old', status: 'interrupted', abortable: false }));
    await jobs.refresh();
    expect(Object.keys(jobs.byId)).toEqual(['old']);
    engine.jobs.set('j2', jobSnapshot({ id: 'j2' }));
    engine.setConnection('closed');
    engine.setConnection('open');
    await settle();
    expect(Object.keys(jobs.byId).sort()).toEqual(['j2', 'old']);
  });
});

describe('services store: listening status and invalid filters', () => {
  it('"listening" asks the engine for every status but gone', async () => {
    const s = useServicesStore();
    await s.reload();
    engine.rows[0]!.status = 'gone';
    await s.setStatus('listening');
    expect(s.rows.map((r) => r.id).sort()).toEqual([2, 3, 4]);
    expect(s.total).toBe(3);
    expect((engine.calls.filter((c) => c.channel === 'services.list').at(-1)?.input as { status: string }).status).toBe('listening');
  });

  it('an invalid filter empties the table and drops a reply still on its way; a valid one brings rows back', async () => {
    const s = useServicesStore();
    await s.reload();
    expect(s.rows).toHaveLength(4);
    const late = s.reload();
    s.setInvalid('Port: a number 0–65535');
    await late;
    await s.reload();
    expect(s.rows).toHaveLength(0);
    expect(s.total).toBe(0);
    expect(s.invalid).toBe('Port: a number 0–65535');
    await s.setFilters({});
    expect(s.invalid).toBeNull();
    expect(s.rows).toHaveLength(4);
  });

  it('show() opens one status and clears search and other filters', async () => {
    const s = useServicesStore();
    await s.setSearch('192.0.2');
    await s.setFilters({ port: 22 });
    await s.show({ status: 'flagged' });
    expect(engine.calls.at(-1)?.input).toEqual({ status: 'flagged', search: '', sort: 'host', dir: 'asc', offset: 0, limit: 500 });
    await s.show({ status: 'listening', insecure: true });
    expect(engine.calls.at(-1)?.input).toEqual({ status: 'listening', search: '', sort: 'host', dir: 'asc', offset: 0, limit: 500, insecure: true });
  });
});
