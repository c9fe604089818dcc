/**
 * `PORTOLAN_STATS_INTERVAL`: the opt-in runtime figures of a serving engine (memory,
 * event-loop lag and utilisation as JSON lines on stderr), which the load benchmark reads.
 * The reporter runs for real in this process (a loop blocked on purpose must show as lag)
 * and in the built `portolan serve`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStats, statsInterval, type StatsLine } from '../../electron/engine/serve/stats';
import { ensureBuilt, portolan } from '../support/cli';
import { REPO_ROOT } from '../support/require';

describe('statsInterval', () => {
  it('is off when unset or empty, a number of milliseconds when set', () => {
    expect(statsInterval({})).toBeNull();
    expect(statsInterval({ PORTOLAN_STATS_INTERVAL: ' ' })).toBeNull();
    expect(statsInterval({ PORTOLAN_STATS_INTERVAL: '1000' })).toBe(1000);
  });

  it('refuses what is not a whole number of milliseconds in range, naming the variable', () => {
    for (const bad of ['abc', '99', '1.5', '-1000', '3600001']) {
      expect(() => statsInterval({ PORTOLAN_STATS_INTERVAL: bad })).toThrow(/PORTOLAN_STATS_INTERVAL must be a whole number of milliseconds/);
    }
  });
});

describe('startStats', () => {
  it('reports memory, utilisation and a blocked loop as lag', async () => {
    const lines: StatsLine[] = [];
    const stop = startStats(300, (l) => lines.push(JSON.parse(l) as StatsLine));
    await new Promise((r) => setTimeout(r, 50));
    const t = Date.now();
    while (Date.now() - t < 120) {
      // Block the loop on purpose: the timer behind the histogram cannot fire.
    }
    await new Promise((r) => setTimeout(r, 700));
    stop();
    const count = lines.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(lines.length).toBe(count);
    expect(count).toBeGreaterThanOrEqual(2);
    const first = lines[0]!;
    expect(first.t).toBe('stats');
    expect(first.rss).toBeGreaterThan(first.heapUsed);
    expect(first.heapUsed).toBeGreaterThan(0);
    expect(first.elu).toBeGreaterThan(0.1);
    // The block was 120 ms; the loop was late by about that much, once.
    expect(first.lag.max).toBeGreaterThanOrEqual(100);
    expect(first.lag.max).toBeLessThan(1000);
    const last = lines[lines.length - 1]!;
    expect(last.lagAll.max).toBeGreaterThanOrEqual(first.lag.max);
    expect(last.lagAll.n).toBeGreaterThan(last.lag.n);
    // Nothing forced a full collection yet, or one did and left less than the heap in use.
    expect(last.liveHeap === null || last.liveHeap <= last.heapTotal).toBe(true);
    // An idle interval: on time, give or take what the machine's other work costs.
    expect(last.lag.p50).toBeLessThan(50);
  });
});

describe('liveHeap', () => {
  it('is the heap in use right after a full collection', async () => {
    // A full collection on demand, without starting Node with --expose-gc.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const lines: StatsLine[] = [];
    const stop = startStats(200, (l) => lines.push(JSON.parse(l) as StatsLine));
    await new Promise((r) => setTimeout(r, 50));
    gc();
    await new Promise((r) => setTimeout(r, 500));
    stop();
    const last = lines[lines.length - 1]!;
    expect(last.majorGcs).toBeGreaterThanOrEqual(1);
    expect(last.liveHeap).toBeGreaterThan(0);
    expect(last.liveHeap!).toBeLessThanOrEqual(last.heapTotal);
    expect(lines.some((l) => l.gcMs > 0)).toBe(true);
  });
});

describe('portolan serve with PORTOLAN_STATS_INTERVAL', () => {
  it('writes one JSON line per interval on stderr and stops with the server', async () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'portolan-stats-'));
    const child = spawn(process.execPath, [resolve(REPO_ROOT, 'bin/portolan.js'), 'serve', '--db', join(dir, 's.db')], {
      env: { ...process.env, PORTOLAN_STATS_INTERVAL: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const stats = (): StatsLine[] => stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as StatsLine);
    const deadline = Date.now() + 15_000;
    while (!/serving on \S+/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Two calls over the served API: the engine's handling time is reported per channel.
    const url = new URL(/serving on (\S+)/.exec(stdout)![1]!);
    const ws = new WebSocket(`ws://${url.host}/api/ws?token=${url.searchParams.get('token')}`, { headers: { origin: `http://${url.host}` } });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    for (const id of [1, 2]) ws.send(JSON.stringify({ t: 'call', id, channel: 'app.info', input: {} }));
    while ((replies.length < 2 || stats().length < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    ws.close();
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = stats();
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) expect(Object.keys(l).sort()).toEqual(['arrayBuffers', 'at', 'elu', 'external', 'gcMs', 'heapTotal', 'heapUsed', 'lag', 'lagAll', 'liveHeap', 'majorGcs', 'requests', 'rss', 't', 'uptimeS'].sort());
    expect(stderr.split('\n').filter((l) => l && !l.startsWith('{'))).toEqual([]);
    const info = lines.map((l) => l.requests['app.info']).filter((x) => x !== undefined);
    expect(info.reduce((n, x) => n + x.n, 0)).toBe(2);
    for (const x of info) expect(x.max).toBeLessThan(1000);
  }, 30_000);

  it('refuses a bad interval in one line, before serving', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-stats-'));
    const r = portolan(['serve', '--db', join(dir, 's.db')], { PORTOLAN_STATS_INTERVAL: 'often' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toMatch(/^portolan: usage: PORTOLAN_STATS_INTERVAL must be a whole number/);
  });
});
