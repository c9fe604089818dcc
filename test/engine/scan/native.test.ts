/**
 * The native engine (the portolan_scan addon, electron/engine/scan/native.ts) gives
 * exactly the answers of the JS path (net.Socket) on real sockets on loopback: the
 * listeners this file opens (open, with the banner read by the JS reconnect), ports
 * nothing listens on (closed), a sweep of the ephemeral range (never open by connecting
 * to itself), IPv6 loopback; and a cancelled sweep ends with nothing left in flight.
 * The addon must be built (npm run build:native); in CI (PORTOLAN_REQUIRE_ALL=1) a
 * missing or unloadable addon fails here instead of skipping.
 *
 * The listeners live on 127.0.0.2, so sweeps of 127.0.0.1 in other test files never
 * meet them; the ephemeral-range sweep (127.0.0.1, where the kernel picks source ports)
 * leaves out ports something on this machine listens on, since other processes come and go.
 */
import { listeningPorts } from './listeners';
import { createServer, type Server } from 'node:net';
import { constants } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddon } from '../../../electron/engine/scan/native';
import { createProber, engineChoice } from '../../../electron/engine/scan/prober';
import { Scanner, type ProbeResult, type ScanTuning } from '../../../electron/engine/scan/scanner';
import { planTargets } from '../../../electron/engine/scan/targets';
import { requireOrSkip } from '../../support/require';

const HOST = '127.0.0.2';

interface Listeners {
  ssh: number;
  smtp: number;
  quiet: number;
  closed: number[];
  close(): Promise<void>;
}

function listen(greeting: string | null): Promise<Server> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    if (greeting) s.write(greeting);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve(server));
  });
}

const portOf = (s: Server): number => (s.address() as { port: number }).port;

async function openListeners(): Promise<Listeners> {
  const servers = [await listen('SSH-2.0-PortolanTest_1.0\r\n'), await listen('220 test.example ESMTP ready\r\n'), await listen(null)];
  // Ports nothing listens on: bound to learn a free number, then released.
  const gone = await Promise.all(Array.from({ length: 5 }, () => listen(null)));
  const closed = gone.map(portOf).sort((a, b) => a - b);
  await Promise.all(gone.map((g) => new Promise((r) => g.close(r))));
  return {
    ssh: portOf(servers[0]!),
    smtp: portOf(servers[1]!),
    quiet: portOf(servers[2]!),
    closed,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}


const addon = loadAddon();
const ok = requireOrSkip(addon.ok, `the scanner addon is not available (${addon.ok ? '' : addon.why}); run npm run build:native`);

type States = Record<string, string>;

async function sweep(engine: 'js' | 'native', targets: string[], ports: number[], tuning: Partial<ScanTuning> = {}): Promise<{ states: States; results: ProbeResult[]; scanner: Scanner }> {
  const results: ProbeResult[] = [];
  const s = new Scanner(await planTargets(targets), ports, { bannerWaitMs: 0, engine, ...tuning }, { result: (r) => results.push(r), hostDone: () => undefined, warn: () => undefined });
  expect(s.engine).toBe(engine);
  await s.run();
  const states: States = {};
  for (const r of results) states[`${r.host} ${r.port}`] = `${r.state} ${r.reason}`;
  return { states, results, scanner: s };
}

describe.skipIf(!ok)('the native scan engine', () => {
  let L: Listeners;
  beforeAll(async () => {
    L = await openListeners();
  });
  afterAll(async () => {
    await L.close();
  });

  it('gives the same states as the JS path: listeners open, the rest closed', async () => {
    const ports = [L.ssh, L.smtp, L.quiet, ...L.closed];
    const js = await sweep('js', [HOST], ports);
    const native = await sweep('native', [HOST], ports);
    expect(native.states).toEqual(js.states);
    expect(native.states[`${HOST} ${L.quiet}`]).toBe('open syn-ack');
    for (const p of L.closed) expect(native.states[`${HOST} ${p}`]).toBe('closed conn-refused');
    expect(native.scanner.counters.sourceAddresses).toEqual(js.scanner.counters.sourceAddresses);
  });

  it('reads banners of open ports (through the JS path, on a second connection)', async () => {
    const { results } = await sweep('native', [HOST], [L.ssh, L.smtp, L.quiet, L.closed[0]!], { bannerWaitMs: 300 });
    const by = new Map(results.map((r) => [r.port, r]));
    expect(by.get(L.ssh)).toMatchObject({ state: 'open', reason: 'syn-ack', banner: 'SSH-2.0-PortolanTest_1.0\\r\\n', service: 'ssh', attempts: 1 });
    expect(by.get(L.smtp)).toMatchObject({ state: 'open', banner: '220 test.example ESMTP ready\\r\\n', service: 'smtp' });
    expect(by.get(L.quiet)).toMatchObject({ state: 'open', banner: null });
    expect(by.get(L.closed[0]!)).toMatchObject({ state: 'closed', banner: null });
    expect(by.get(L.ssh)!.rttUs).toBeGreaterThanOrEqual(0);
  });

  it('never reports a self-connect as open: the ephemeral range, same as the JS path', async () => {
    const ports = Array.from({ length: 4000 }, (_, i) => 40000 + i);
    const before = listeningPorts();
    const native = await sweep('native', ['127.0.0.1'], ports, { concurrency: 1000 });
    const js = await sweep('js', ['127.0.0.1'], ports, { concurrency: 500 });
    const busy = new Set([...before, ...listeningPorts()]);
    expect(Object.keys(native.states)).toHaveLength(ports.length);
    // Open only where something really listens (a self-connect would be open anywhere).
    const open = native.results.filter((r) => r.state === 'open').map((r) => r.port);
    expect(open.filter((p) => !busy.has(p))).toEqual([]);
    const quiet = (st: States): States => Object.fromEntries(Object.entries(st).filter(([k]) => !busy.has(Number(k.split(' ')[1]))));
    expect(Object.values(quiet(native.states)).every((v) => v === 'closed conn-refused')).toBe(true);
    expect(quiet(native.states)).toEqual(quiet(js.states));
  });

  it('IPv6 loopback gives the same states as the JS path', async () => {
    const ports = [...L.closed];
    const js = await sweep('js', ['::1'], ports);
    const native = await sweep('native', ['::1'], ports);
    expect(native.states).toEqual(js.states);
    // Every port has its state (results come in the order probes finish).
    expect(Object.keys(native.states).sort()).toEqual(ports.map((p) => `::1 ${p}`).sort());
  });

  it('a cancelled sweep stops with nothing in flight and fewer results than probes', async () => {
    const ac = new AbortController();
    let n = 0;
    const s = new Scanner(await planTargets(['127.0.0.1']), Array.from({ length: 20000 }, (_, i) => 20000 + i), { bannerWaitMs: 0, engine: 'native', concurrency: 2000 }, {
      result: () => {
        if (++n === 50) ac.abort();
      },
      hostDone: () => undefined,
      warn: () => undefined,
    }, ac.signal);
    await s.run();
    expect(s.counters.inflight).toBe(0);
    expect(s.counters.done).toBeGreaterThanOrEqual(50);
    expect(s.counters.done).toBeLessThan(20000);
  });

  it('the addon itself: 32-byte records in, one answer per probe out, spread over two threads', async () => {
    if (!addon.ok) return;
    const a = addon.addon;
    const ports = [L.quiet, ...L.closed, L.quiet, ...L.closed];
    const bytes = new Uint8Array(32 * ports.length);
    const words = new Uint32Array(bytes.buffer);
    ports.forEach((port, i) => {
      words[i * 8] = 100 + i; // id
      words[i * 8 + 1] = port | (4 << 16);
      words[i * 8 + 2] = 2000; // timeout, ms
      bytes.set([127, 0, 0, 2], i * 32 + 12);
    });
    const answers = new Map<number, number>();
    let engine: object | null = null;
    await new Promise<void>((resolve) => {
      engine = a.createEngine((ab) => {
        const u = new Uint32Array(ab);
        const st = new Int32Array(ab);
        for (let w = 0; w < u.length; w += 8) {
          expect(answers.has(u[w]!)).toBe(false);
          answers.set(u[w]!, st[w + 1]!);
        }
        if (answers.size === ports.length) resolve();
      }, 4, 2);
      a.submit(engine, bytes);
    });
    a.close(engine!);
    ports.forEach((port, i) => expect(answers.get(100 + i), `port ${port}`).toBe(port === L.quiet ? 0 : constants.errno.ECONNREFUSED));
    expect(() => a.submit(engine!, bytes)).toThrow(/closed/);
  });

  it('PORTOLAN_SCAN_ENGINE picks the engine; a forced native engine is the addon', () => {
    expect(engineChoice('js')).toBe('js');
    expect(() => engineChoice('fast' as never)).toThrow(/js, native or auto/);
    const p = createProber('native', 16);
    expect(p.engine).toBe('native');
    p.close();
    expect(createProber('auto', 16).engine).toBe('native');
  });
});
