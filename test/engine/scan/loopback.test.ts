/**
 * The scanner against real sockets on 127.0.0.1: listeners the test opens (open, with
 * and without banners) and ports nothing listens on (closed). Through the engine: runs
 * are recorded, results stream to the store, open ports feed the inventory, pause,
 * resume and cancel behave, and large sweeps need a confirmation.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { closedPortsOfScan, getScanRun, scanResults } from '../../../electron/engine/scan';
import { Scanner, type ProbeResult } from '../../../electron/engine/scan/scanner';
import { planTargets } from '../../../electron/engine/scan/targets';
import type { ScanProgress } from '../../../electron/shared/scan';
import { listeningPorts, openListeners, type Listeners } from './listeners';

const dir = mkdtempSync(join(tmpdir(), 'portolan-scan-'));

let L: Listeners;

beforeAll(async () => {
  L = await openListeners();
});
afterAll(async () => {
  await L.close();
});

async function sweep(ports: number[], tuning: Record<string, unknown> = {}): Promise<Map<number, ProbeResult>> {
  const out = new Map<number, ProbeResult>();
  const s = new Scanner(await planTargets(['127.0.0.1']), ports, { bannerWaitMs: 300, ...tuning }, { result: (r) => out.set(r.port, r), hostDone: () => undefined, warn: () => undefined });
  await s.run();
  return out;
}

describe('probe semantics on loopback', () => {
  it('open with the banner, open without one, closed by reset', async () => {
    const r = await sweep([L.ssh, L.smtp, L.quiet, ...L.closed]);
    expect(r.get(L.ssh)).toMatchObject({ state: 'open', reason: 'syn-ack', banner: 'SSH-2.0-PortolanTest_1.0\\r\\n', service: 'ssh', attempts: 1 });
    expect(r.get(L.smtp)).toMatchObject({ state: 'open', banner: '220 test.example ESMTP ready\\r\\n', service: 'smtp' });
    expect(r.get(L.quiet)).toMatchObject({ state: 'open', banner: null });
    for (const p of L.closed) expect(r.get(p)).toMatchObject({ state: 'closed', reason: 'conn-refused' });
    expect(r.get(L.ssh)!.rttUs).toBeGreaterThanOrEqual(0);
  });

  it('IPv6 loopback too', async () => {
    const s = new Scanner(await planTargets(['::1']), [L.closed[0]!], {}, { result: (x) => expect(x).toMatchObject({ host: '::1', state: 'closed' }), hostDone: () => undefined, warn: () => undefined });
    await s.run();
    expect(s.counters.done).toBe(1);
  });

  it('closed ports in the ephemeral range never come back open by connecting to themselves', async () => {
    const ports = Array.from({ length: 3000 }, (_, i) => 40000 + i).filter((p) => p !== L.ssh && p !== L.smtp && p !== L.quiet);
    // Other tests (and other programs) listen on ephemeral loopback ports too: a port
    // with a real listening socket before or after the sweep is rightly open.
    const before = listeningPorts();
    const r = await sweep(ports, { concurrency: 500, bannerWaitMs: 0 });
    const after = listeningPorts();
    const open = [...r.values()].filter((x) => x.state !== 'closed' && !before.has(x.port) && !after.has(x.port));
    expect(open).toEqual([]);
    expect(r.size).toBe(ports.length);
  });

  it('a rate limit spaces the probes', async () => {
    const t0 = Date.now();
    await sweep(L.closed.concat(L.closed.map((p) => p)), { rate: 20, bannerWaitMs: 0 });
    // 5 distinct ports at 20/s with a burst of 1: at least ~200 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });
});

describe('scan runs through the engine', () => {
  it('records the run, streams every result to the store, feeds open ports to the inventory', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'run.db') });
    const batches: number[] = [];
    engine.on('scan.results', (b) => batches.push(b.rows.length));
    const ports = [L.ssh, L.quiet, ...L.closed].join(',');
    const started = await engine.handle('scan.start', { targets: '127.0.0.1', ports, profile: 'fast', bannerWaitMs: 300 });
    const end = await engine.jobs.wait(started.jobId);
    expect(end.status).toBe('done');
    expect(end.result).toMatchObject({ scanId: started.scanId, open: 2, closed: 5, filtered: 0, errors: 0, added: 2 });

    const run = (await getScanRun(engine.db, started.scanId))!;
    expect(run).toMatchObject({ status: 'complete', targets: '127.0.0.1', ports, startedBy: userInfo().username, sourceAddr: '127.0.0.1', addresses: '1', portCount: 7, probesDone: 7, open: 2, closed: 5 });
    expect(run.params).toMatchObject({ profile: 'fast', concurrency: 5000, timeoutMs: 750, retries: 1 });
    expect(run.endedAt).not.toBeNull();
    expect((await engine.handle('scan.runs', {}))[0]!.id).toBe(started.scanId);

    const all = await scanResults(engine.db, started.scanId, 'all', 100, 0);
    expect(all).toHaveLength(7);
    expect((await engine.handle('scan.results', { scanId: started.scanId })).map((r) => r.port).sort()).toEqual([L.ssh, L.quiet].sort());
    expect((await closedPortsOfScan(engine.db, started.scanId)).map((c) => c.port)).toEqual(L.closed);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(2);

    const inv = await engine.handle('services.list', { status: 'all' });
    const scanned = inv.rows.filter((r) => r.evidence === 'scan');
    expect(scanned.map((r) => r.port).sort()).toEqual([L.ssh, L.quiet].sort());
    expect(scanned.find((r) => r.port === L.ssh)).toMatchObject({ host: '127.0.0.1', proto: 'tcp', confidence: 'certain', service: 'ssh', sources: [`scan:${started.scanId}`] });
    await engine.close();
  });

  it('pauses (no probe goes out), resumes, and finishes', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'pause.db') });
    // The released ports are random ephemeral ones: one may fall inside 41000-41095.
    const n = new Set([...L.closed, ...Array.from({ length: 96 }, (_, i) => 41000 + i)]).size;
    const started = await engine.handle('scan.start', { targets: '127.0.0.1', ports: L.closed.join(',') + ',' + '41000-41095', rate: 100, bannerWaitMs: 0 });
    await new Promise((r) => setTimeout(r, 150));
    const p1 = await engine.handle('scan.pause', { id: started.jobId });
    expect(p1.paused).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    const mid = (await engine.handle('scan.pause', { id: started.jobId })).done;
    await new Promise((r) => setTimeout(r, 400));
    const later = (await engine.handle('scan.pause', { id: started.jobId })).done;
    expect(later).toBe(mid);
    expect(later).toBeLessThan(n);
    const progress: ScanProgress[] = [];
    engine.on('scan.progress', (p) => progress.push(p));
    expect((await engine.handle('scan.resume', { id: started.jobId })).paused).toBe(false);
    const end = await engine.jobs.wait(started.jobId);
    expect(end.status).toBe('done');
    expect(end.result).toMatchObject({ probes: n, closed: n });
    expect(progress.at(-1)).toMatchObject({ final: true, done: n, total: n });
    expect(progress.some((p) => p.rate > 0 && p.etaS !== null)).toBe(true);
    await engine.close();
  });

  it('a cancelled sweep keeps what it found, and its run is marked incomplete', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'cancel.db') });
    const started = await engine.handle('scan.start', { targets: '127.0.0.1', ports: `${L.ssh},42000-42999`, rate: 200, bannerWaitMs: 0 });
    await new Promise((r) => setTimeout(r, 700));
    await engine.handle('jobs.cancel', { id: started.jobId });
    const end = await engine.jobs.wait(started.jobId);
    expect(end.status).toBe('cancelled');
    const run = (await getScanRun(engine.db, started.scanId))!;
    expect(run.status).toBe('incomplete');
    expect(run.probesDone).toBeGreaterThan(10);
    expect(run.probesDone).toBeLessThan(1001);
    const stored = await scanResults(engine.db, started.scanId, 'all', 5000, 0);
    expect(stored).toHaveLength(run.probesDone);
    expect(stored.find((r) => r.port === L.ssh)?.state).toBe('open');
    expect((await engine.handle('services.list', { status: 'all' })).rows.map((r) => r.port)).toContain(L.ssh);
    await engine.close();
  });

  it('refuses bad input before sending anything; large sweeps need a confirmation', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'bad.db') });
    await expect(engine.handle('scan.start', { targets: '127.0.0.1', ports: '0' })).rejects.toThrow(/outside 1-65535/);
    await expect(engine.handle('scan.start', { targets: '127.0.0.999', ports: '22' })).rejects.toThrow(/not a valid IP address/);
    await expect(engine.handle('scan.start', { targets: '127.0.0.0/8', ports: '9' })).rejects.toMatchObject({ name: 'ConfirmationRequired' });
    await expect(engine.handle('scan.start', { targets: '127.0.0.1', ports: '22', excludes: '127.0.0.0/8' })).rejects.toThrow(/no addresses left/);
    await expect(engine.handle('scan.start', { targets: '127.0.0.1', ports: '22', rate: -1 })).rejects.toThrow();
    expect(await engine.handle('scan.runs', {})).toEqual([]);
    await expect(engine.handle('scan.pause', { id: 'nope' })).rejects.toMatchObject({ name: 'NotFound' });
    await engine.close();
  });

  it('estimates addresses x ports while typing, with no DNS and no traffic', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'est.db') });
    expect(await engine.handle('scan.estimate', { targets: '127.0.0.0/24, ::1', excludes: '127.0.0.0', ports: 'top:100' })).toEqual({
      addresses: '256', names: 0, ports: 100, probes: '25600', large: false, targetErrors: [], portError: null,
    });
    const e = await engine.handle('scan.estimate', { targets: '2001:db8::/64 oops!', ports: '99999' });
    expect(e).toMatchObject({ addresses: (2n ** 64n).toString(), ports: null, large: false, targetErrors: [expect.stringMatching(/oops!/)], portError: expect.stringMatching(/outside/) });
    expect((await engine.handle('scan.estimate', { targets: '2001:db8::/64', ports: '443' })).large).toBe(true);
    await engine.close();
  });
});
