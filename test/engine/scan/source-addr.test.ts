/**
 * Every scan run records the local address its probes came from, also when nothing was
 * open (every probe refused): docs/scanner.md, `scan_runs.source_addr`. Real sockets on
 * 127.0.0.1 and ::1, through the engine, both probe engines where available.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { getScanRun } from '../../../electron/engine/scan';
import { routeSource } from '../../../electron/engine/scan/route';
import { openListeners, type Listeners } from './listeners';

let L: Listeners;
let engine: Engine;

beforeAll(async () => {
  L = await openListeners();
  engine = await Engine.open({ dbPath: join(mkdtempSync(join(tmpdir(), 'portolan-srcaddr-')), 's.db') });
});
afterAll(async () => {
  await engine.close();
  await L.close();
});

async function runOf(targets: string, ports: string): Promise<{ sourceAddr: string | null; open: number; closed: number }> {
  const started = await engine.handle('scan.start', { targets, ports, bannerWaitMs: 0 });
  const end = await engine.jobs.wait(started.jobId);
  expect(end.status).toBe('done');
  return (await getScanRun(engine.db, started.scanId))!;
}

describe('scan_runs.source_addr', () => {
  it('the route source address is learned without sending anything', async () => {
    expect(await routeSource('127.0.0.1', 4)).toBe('127.0.0.1');
    expect(await routeSource('::1', 6)).toBe('::1');
  });

  it('is stored for a 127.0.0.1 run where every port is closed', async () => {
    const run = await runOf('127.0.0.1', L.closed.join(','));
    expect(run).toMatchObject({ open: 0, closed: L.closed.length, sourceAddr: '127.0.0.1' });
  });

  it('is stored for a ::1 run where every port is closed', async () => {
    const run = await runOf('::1', L.closed.join(','));
    expect(run).toMatchObject({ open: 0, sourceAddr: '::1' });
  });

  it('is still the one address when ports are open too', async () => {
    const run = await runOf('127.0.0.1', `${L.ssh},${L.closed.join(',')}`);
    expect(run).toMatchObject({ open: 1, sourceAddr: '127.0.0.1' });
  });
});
