/**
 * The contract under attack (issue 7, item 2): 10,000 hostile calls, seeded, through
 * `Engine.handle` directly and through `portolan serve`'s WebSocket, against a real
 * engine on a real SQLite file.
 *
 * Every input is judged by the channel's own zod schema: whatever `safeParse` refuses
 * must come back refused as `{name, message}` (0 accepted invalid calls). The engine
 * never crashes or hangs (a per-call time bound, and `app.info` answers afterwards),
 * `Object.prototype` stays clean, and refused calls write nothing (row counts).
 * Calls that would do real work are kept harmless: valid `scan.start`, `capture.start`
 * and PDF exports are left out; valid `ingest.start` goes over the WebSocket only,
 * where no path an upload did not produce is ever read (PathNotGranted).
 *
 *   PORTOLAN_FUZZ_SEED=7 npx vitest run test/engine/hostile-ipc.test.ts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from '../../electron/engine/engine';
import { serve, type Served } from '../../electron/engine/serve/server';
import { REQUEST_CHANNELS, requests, toErrorInfo, type RequestChannel } from '../../electron/shared/contract';
import type { JobSnapshot } from '../../electron/shared/model';
import { pcapFile, tcpFrame } from '../support/frames';

const SEED = Number(process.env.PORTOLAN_FUZZ_SEED ?? 20240507);
const TOTAL_CALLS = 10_000;
/** Any single call taking longer than this is a hang. */
const CALL_TIMEOUT_MS = 5_000;

let engine: Engine;
let served: Served;
const dir = mkdtempSync(join(tmpdir(), 'portolan-hostile-'));
const capturePath = join(dir, 'seed.pcap');

/** mulberry32: small, fast, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HUGE = 'A'.repeat(1 << 20); // 1 MiB
const NEAR_HUGE = 'é'.repeat(400_000); // ~800 KB of UTF-8: fits one WebSocket frame
const POLLUTERS = ['polluted', 'isAdmin', 'admin'];

/** Values no schema wants, or wants only by accident. */
function hostileLeaf(r: () => number, viaWire: boolean): unknown {
  const pick = <T,>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const k = Math.floor(r() * 9);
  switch (k) {
    case 0:
      return pick([null, undefined, true, false, 0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324, NaN, Infinity, -Infinity]);
    case 1:
      return pick(['', ' ', '\u0000', '\u0000\u0001\u0007\u001b[31m', '\r\n\t', '\u202e\u2066evil', '😀'.repeat(50), '\ud800', '\udfff\ud800', 'ﷺ', '\uFEFF127.0.0.1']);
    case 2:
      return pick(["'; DROP TABLE services; --", '" OR 1=1 --', '%s%n%x', '${process.exit(1)}', '{{7*7}}', '<script>alert(1)</script>', '../../../../etc/passwd', '/etc/shadow', 'C:\\Windows\\win.ini', '\\\\evil\\share']);
    case 3:
      return pick(['127.0.0.1', '0.0.0.0/0', '::/0', '::', '255.255.255.255', '192.0.2.1-254', '1-65535', 'all', 'top:100000', '198.51.0.0/16', 'localhost', 'host.example', '2024-01-01T00:00:00Z', 'tcp', 'udp', 'approve', 'all', 'new', 'json', 'pdf']);
    case 4:
      // Over the wire, a frame must stay under the server's 1 MiB limit (oversize is tested once).
      if (viaWire) return r() < 0.5 ? NEAR_HUGE : NEAR_HUGE.slice(0, 1000 + Math.floor(r() * 399_000));
      return r() < 0.3 ? HUGE : NEAR_HUGE.slice(0, 1000 + Math.floor(r() * 399_000));
    case 5: {
      // Deep nesting, as an array or an object.
      const depth = 50 + Math.floor(r() * 2000);
      let v: unknown = 'bottom';
      for (let i = 0; i < depth; i++) v = r() < 0.5 ? [v] : { a: v };
      return v;
    }
    case 6:
      return JSON.parse(pick([
        '{"__proto__":{"polluted":"yes","isAdmin":true}}',
        '{"constructor":{"prototype":{"polluted":"yes"}}}',
        '{"prototype":{"admin":true}}',
        '[{"__proto__":{"admin":1}}]',
        '{"__proto__":null}',
        '{"toString":"x","valueOf":1,"hasOwnProperty":"no"}',
      ]));
    case 7:
      return pick([[], [1, 2, 3], ['x'], [[]], [{}], {}, { length: 1e9 }, { 0: 'a', length: 1 }]);
    default:
      return pick([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 65535, 65536, -1, 1e21, 4294967296, 10_000_000, 10_000_001, 5001, 100_001]);
  }
}

/** Plausible, valid inputs per channel: the mutations start from these. */
function baseInputs(): Record<RequestChannel, unknown[]> {
  return {
    'app.info': [{}, undefined],
    'services.list': [{}, { status: 'new', search: '198', sort: 'port', dir: 'desc', offset: 0, limit: 10, port: 8443, proto: 'tcp', subnet: '198.51.100.0/24', insecure: false, since: '2020-01-01T00:00:00Z' }],
    'ingest.start': [{ paths: [join(dir, 'missing.pcap')] }, { paths: [capturePath], selection: { transports: ['tcp'], apps: ['http'], ignore: ['22', '192.0.2.0/24'] } }],
    'jobs.list': [{}],
    'jobs.cancel': [{ id: 'abcdef123456' }],
    'review.apply': [{ ids: [1], action: 'flag', reason: 'fuzz' }, { filter: { port: 8443 }, action: 'approve', reason: 'ok', owner: 'me' }, { ids: [1, 2], action: 'ignore', reason: 'x', expiresAt: '2099-01-01T00:00:00Z' }],
    'rules.list': [{}],
    'rules.save': [{ kind: 'ignore', port: 9, reason: 'discard', proto: 'udp' }, { kind: 'approve', subnet: '203.0.113.0/24', reason: 'lab', owner: 'lab team' }],
    'rules.delete': [{ id: 1 }],
    'service.history': [{ id: 1 }],
    'service.control': [{ id: 1, note: 'TLS wrapper in front, CHG-9' }, { id: 1, note: '' }],
    'host.get': [{ host: '198.51.100.20' }],
    'overview.stats': [{ days: 30 }, undefined],
    'scan.estimate': [{ targets: '127.0.0.1', ports: '1-1024' }, { targets: '192.0.2.0/24 host.example', excludes: '192.0.2.1', ports: 'top:100' }],
    'scan.start': [{ targets: '127.0.0.1', ports: '1' }],
    'scan.pause': [{ id: 1 }],
    'scan.resume': [{ id: 1 }],
    'scan.runs': [{ limit: 5 }, {}],
    'scan.results': [{ scanId: 1 }, { scanId: 1, state: 'open', limit: 10, offset: 0 }],
    'capture.interfaces': [{}],
    'capture.compile': [{ transports: ['udp'], apps: ['dns'], ignore: ['203.0.113.0/24'] }],
    'capture.start': [{ interface: 'lo', durationS: 1 }],
    'capture.stop': [{ id: 'abcdef123456' }],
    'capture.found': [{ id: 'abcdef123456' }],
    'capture.profiles.list': [{}],
    'capture.profiles.save': [{ name: 'fuzz profile', selection: { transports: ['tcp'], apps: [], ignore: [] } }],
    'capture.profiles.delete': [{ name: 'fuzz profile' }],
    'snapshots.list': [{}],
    'snapshots.take': [{ note: 'fuzz', by: 'fuzzer', scope: 'all' }],
    'snapshots.diff': [{ a: 1, b: 2 }],
    'snapshots.export': [{ id: 1, format: 'csv' }, { id: 1, format: 'json' }],
    'services.export': [{ status: 'all', format: 'csv' }, { status: 'new', search: '22', sort: 'port', dir: 'desc', subnet: '198.51.100.0/24', format: 'tsv' }],
  } as Record<RequestChannel, unknown[]>;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** One hostile input for `channel`: a mutated valid input, or something else entirely. */
function hostileInput(r: () => number, channel: RequestChannel, viaWire: boolean): unknown {
  const bases = baseInputs()[channel];
  const base = clone(bases[Math.floor(r() * bases.length)]) as Record<string, unknown> | undefined;
  const m = Math.floor(r() * 10);
  if (m === 0 || base === undefined || typeof base !== 'object') return hostileLeaf(r, viaWire);
  const keys = Object.keys(base);
  const key = keys.length ? keys[Math.floor(r() * keys.length)]! : 'x';
  switch (m) {
    case 1: // a key's value of the wrong type, size or kind
    case 2:
    case 3:
      base[key] = hostileLeaf(r, viaWire);
      return base;
    case 4: // missing key
      delete base[key];
      return base;
    case 5: // extra key
      base[['extra', 'admin', 'sql', 'id', 'path', 'paths', 'constructor', 'toString'][Math.floor(r() * 8)]!] = hostileLeaf(r, viaWire);
      return base;
    case 6: // an own __proto__ key, as JSON.parse makes it
      return JSON.parse(JSON.stringify(base).replace(/^\{/, '{"__proto__":{"polluted":"yes","isAdmin":true},').replace(/,\}$/, '}'));
    case 7: // an array where an object belongs
      return r() < 0.5 ? [base] : Object.values(base);
    case 8: // nested values replaced one level down
      for (const k of keys) if (r() < 0.5) base[k] = Array.isArray(base[k]) ? [hostileLeaf(r, viaWire)] : { value: base[k] };
      return base;
    default: // valid, or close to it: the schema decides
      return base;
  }
}

/** Valid inputs that would do real work (network, live capture, a browser, reading files). */
function tooRealToRun(channel: RequestChannel, valid: boolean, viaWire: boolean): boolean {
  if (!valid) return false;
  if (channel === 'scan.start' || channel === 'capture.start') return true;
  if (channel === 'snapshots.export') return true; // 'pdf' starts Chromium; csv/json are read-only
  if (channel === 'ingest.start' && !viaWire) return true; // direct callers have checked the paths
  return false;
}

const TABLES = ['services', 'captures', 'flows', 'jobs', 'rules', 'snapshots', 'capture_profiles', 'reviews'] as const;
type Counts = Record<(typeof TABLES)[number], number>;
const counts = async (): Promise<Counts> => {
  const out = {} as Counts;
  for (const t of TABLES) {
    out[t] = (await engine.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))[0]!.n;
  }
  return out;
};

interface Outcome {
  ok: boolean;
  error?: { name: unknown; message: unknown };
}

interface Tally {
  calls: number;
  invalid: number;
  rejected: number;
  acceptedInvalid: Array<{ channel: string; input: string }>;
  badErrors: Array<{ channel: string; error: string }>;
  internalErrors: Array<{ channel: string; error: string }>;
  hangs: number;
  skippedValid: number;
  acceptedValid: Record<string, number>;
}

const tally = (): Tally => ({ calls: 0, invalid: 0, rejected: 0, acceptedInvalid: [], badErrors: [], internalErrors: [], hangs: 0, skippedValid: 0, acceptedValid: {} });

function withTimeout<T>(p: Promise<T>, what: string): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), CALL_TIMEOUT_MS)));
  return Promise.race([p.finally(() => clearTimeout(timer)), t]).then((v) => {
    if (v === 'hang') console.error(`hang: ${what}`);
    return v;
  });
}

function judge(t: Tally, channel: string, input: unknown, valid: boolean, out: Outcome): void {
  t.calls++;
  if (!valid) t.invalid++;
  if (out.ok) {
    if (!valid) t.acceptedInvalid.push({ channel, input: JSON.stringify(input)?.slice(0, 300) ?? 'undefined' });
    else t.acceptedValid[channel] = (t.acceptedValid[channel] ?? 0) + 1;
    return;
  }
  t.rejected++;
  const e = out.error;
  if (!e || typeof e.name !== 'string' || !e.name || typeof e.message !== 'string' || e.message.length > 4096) {
    t.badErrors.push({ channel, error: JSON.stringify(e)?.slice(0, 300) ?? String(e) });
    return;
  }
  // A valid input may be refused (no such id, nothing to do), but never by a crash inside.
  if (valid && /^(TypeError|RangeError|ReferenceError|SyntaxError)$/.test(e.name)) t.internalErrors.push({ channel, error: `${e.name}: ${e.message.slice(0, 200)}` });
  if (!valid && e.name !== 'InvalidInput' && e.name !== 'PathNotGranted') t.badErrors.push({ channel, error: `invalid input refused as ${e.name}: ${e.message.slice(0, 200)}` });
}

// ---- the WebSocket side ------------------------------------------------------------

const origin = (): string => `http://127.0.0.1:${served.port}`;

function connect(query: string, headers: Record<string, string> = { origin: origin() }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/api/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** One connection with its pending calls; results are paired by id. */
class Client {
  private next = 1;
  private pending = new Map<number, (f: Outcome) => void>();
  private anon: Array<(f: Outcome) => void> = [];
  closed: Promise<number>;
  constructor(readonly ws: WebSocket) {
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        // Nothing pending may wait forever on a closed connection: that would hide a hang.
        for (const done of [...this.pending.values(), ...this.anon]) done({ ok: false, error: { name: 'ConnectionClosed', message: `closed ${code}` } });
        this.pending.clear();
        this.anon = [];
        resolve(code);
      }),
    );
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as { t: string; id: number } & Outcome;
      if (f.t !== 'result') return;
      const done = this.pending.get(f.id) ?? (f.id === -1 ? this.anon.shift() : undefined);
      this.pending.delete(f.id);
      done?.(f);
    });
  }
  call(channel: string, input: unknown): Promise<Outcome> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ t: 'call', id, channel, input }));
    });
  }
  /** A raw frame whose reply (if any) carries id -1 or `id`. */
  raw(data: string | Buffer, id?: number): Promise<Outcome> {
    return new Promise((resolve) => {
      if (id !== undefined) this.pending.set(id, resolve);
      else this.anon.push(resolve);
      this.ws.send(data, { binary: Buffer.isBuffer(data) });
    });
  }
}

function http(path: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: served.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

// ---- setup --------------------------------------------------------------------------

let before: Counts;

beforeAll(async () => {
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  const C = '192.0.2.10';
  const recs = [];
  for (let i = 0; i < 20; i++) {
    const S = `198.51.100.${20 + (i % 5)}`;
    recs.push({ tsUs: 1.7e15 + i * 100, data: tcpFrame({ src: C, dst: S, sport: 50000 + i, dport: 8443 + (i % 4), flags: 'S' }) });
    recs.push({ tsUs: 1.7e15 + i * 100 + 10, data: tcpFrame({ src: S, dst: C, sport: 8443 + (i % 4), dport: 50000 + i, flags: 'SA', ack: 1001 }) });
  }
  writeFileSync(capturePath, pcapFile(recs));
  engine = await Engine.open({ dbPath: join(dir, 'h.db'), transport: 'web' });
  served = await serve(engine, { port: 0, staticDir });
  // Some real inventory, so ids and hosts in the fuzz can hit something.
  const job = await engine.startIngest([capturePath]);
  await new Promise<void>((resolve) => {
    const check = (s: JobSnapshot): void => {
      if (s.id === job.id && s.status !== 'running') resolve();
    };
    const off = engine.on('job.updated', (s) => {
      check(s);
      if (s.status !== 'running') off();
    });
    if (engine.jobs.list().some((j) => j.id === job.id && j.status !== 'running')) resolve();
  });
  before = await counts();
  expect(before.services).toBeGreaterThan(0);
});

afterAll(async () => {
  await served?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
  for (const k of POLLUTERS) delete (Object.prototype as Record<string, unknown>)[k];
});

// ---- the tests ----------------------------------------------------------------------

const DIRECT_CALLS = 4_600;
const WS_CALLS = 4_600;
const WIRE_CALLS = TOTAL_CALLS - DIRECT_CALLS - WS_CALLS; // unknown channels and broken frames

describe('hostile IPC and web bridge', () => {
  const direct = tally();
  const wire = tally();
  const frames = { sent: 0, refused: 0, closedConnection: 0, accepted: [] as string[] };

  it(`Engine.handle: ${DIRECT_CALLS} hostile calls over every channel, 0 accepted invalid`, async () => {
    const r = prng(SEED);
    // Valid real-work inputs are left out, and do not count towards the calls made.
    for (let i = 0; direct.calls < DIRECT_CALLS; i++) {
      const channel = REQUEST_CHANNELS[i % REQUEST_CHANNELS.length]!;
      const input = hostileInput(r, channel, false);
      const valid = requests[channel].input.safeParse(input).success;
      if (tooRealToRun(channel, valid, false)) {
        direct.skippedValid++;
        continue;
      }
      const out = await withTimeout(
        engine.handle(channel, input).then(
          (): Outcome => ({ ok: true }),
          // What every transport sends back (Electron IPC and serve both use toErrorInfo).
          (err: unknown): Outcome => ({ ok: false, error: toErrorInfo(err) }),
        ),
        `direct ${channel}`,
      );
      if (out === 'hang') direct.hangs++;
      else judge(direct, channel, input, valid, out);
    }
    // Names that are not channels, including the object's own inherited ones.
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'shell.exec', 'app.info ', 'APP.INFO', '', 'x'.repeat(10_000)]) {
      const out = await engine.handle(name as RequestChannel, {}).then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, error: { name: err.name, message: err.message } }),
      );
      direct.calls++;
      expect(out, name).toMatchObject({ ok: false, error: { name: 'UnknownChannel' } });
      expect(String((out as Outcome).error?.message).length).toBeLessThan(4096);
    }
    console.log(`[hostile-ipc] direct: seed ${SEED}, ${direct.calls} calls, ${direct.invalid} invalid, ${direct.rejected} rejected, accepted-invalid ${direct.acceptedInvalid.length}, hangs ${direct.hangs}, valid left out (real work) ${direct.skippedValid}, accepted valid ${JSON.stringify(direct.acceptedValid)}`);
    expect(direct.acceptedInvalid).toEqual([]);
    expect(direct.badErrors).toEqual([]);
    expect(direct.internalErrors).toEqual([]);
    expect(direct.hangs).toBe(0);
    expect(direct.invalid).toBeGreaterThan(DIRECT_CALLS * 0.6);
  }, 60_000);

  it(`WebSocket: ${WS_CALLS} hostile calls, then ${WIRE_CALLS} broken frames and unknown channels; the server keeps serving`, async () => {
    const r = prng(SEED ^ 0x5eed);
    let client = new Client(await connect(`?token=${served.token}`));
    const CONCURRENCY = 8;
    let generated = 0;
    let made = 0;
    const next = (): { channel: RequestChannel; input: unknown } => {
      const channel = REQUEST_CHANNELS[generated++ % REQUEST_CHANNELS.length]!;
      // Frames over the server's 1 MiB limit end the connection (tested once below).
      let input = hostileInput(r, channel, true);
      while (Buffer.byteLength(JSON.stringify(input) ?? '') > 1_000_000) input = hostileInput(r, channel, true);
      return { channel, input };
    };
    const notGranted: string[] = [];
    const worker = async (): Promise<void> => {
      while (made < WS_CALLS) {
        const { channel, input } = next();
        // The server sees the input after a JSON round trip (NaN → null, undefined keys gone).
        const seen = clone(input);
        const valid = requests[channel].input.safeParse(seen).success;
        if (tooRealToRun(channel, valid, true)) {
          wire.skippedValid++;
          continue;
        }
        made++;
        const out = await withTimeout(client.call(channel, input), `ws ${channel}`);
        if (out === 'hang') {
          wire.hangs++;
          continue;
        }
        judge(wire, channel, seen, valid, out);
        // Over this transport no path reaches the reader unless an upload produced it.
        const paths = (seen as { paths?: unknown } | null)?.paths;
        if (channel === 'ingest.start' && Array.isArray(paths) && paths.length > 0 && !(out.ok === false && out.error?.name === 'PathNotGranted')) {
          notGranted.push(JSON.stringify(out).slice(0, 200));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`[hostile-ipc] websocket: ${wire.calls} calls, ${wire.invalid} invalid, ${wire.rejected} rejected, accepted-invalid ${wire.acceptedInvalid.length}, hangs ${wire.hangs}, valid left out (real work) ${wire.skippedValid}, accepted valid ${JSON.stringify(wire.acceptedValid)}`);
    expect(wire.acceptedInvalid).toEqual([]);
    expect(notGranted).toEqual([]);
    expect(wire.badErrors).toEqual([]);
    expect(wire.internalErrors).toEqual([]);
    expect(wire.hangs).toBe(0);

    // Frames that break the wire format, and names that are not channels.
    const broken: Array<() => string | Buffer> = [
      () => 'not json',
      () => '{',
      () => '',
      () => 'null',
      () => '[]',
      () => '1',
      () => '"call"',
      () => JSON.stringify({ t: 'result', id: 1, ok: true, value: {} }),
      () => JSON.stringify({ t: 'event', event: 'job.updated', payload: {} }),
      () => JSON.stringify({ id: 1, channel: 'app.info', input: {} }),
      () => JSON.stringify({ t: 'call', channel: 'app.info', input: {} }),
      () => JSON.stringify({ t: 'call', id: -1, channel: 'app.info', input: {} }),
      () => JSON.stringify({ t: 'call', id: 1.5, channel: 'app.info', input: {} }),
      () => JSON.stringify({ t: 'call', id: '1', channel: 'app.info', input: {} }),
      () => JSON.stringify({ t: 'call', id: 1, channel: 7, input: {} }),
      () => JSON.stringify({ t: 'call', id: 1, channel: 'app.info', input: {}, extra: true }),
      () => '{"t":"call","id":1,"channel":"app.info","input":{},"__proto__":{"polluted":"yes"}}',
      () => JSON.stringify({ t: 'call', id: 1, channel: 'x'.repeat(65), input: {} }),
      () => Buffer.from(JSON.stringify({ t: 'call', id: 1, channel: 'app.info', input: {} })),
      () => Buffer.from([0xff, 0x00, 0x13, 0x37]),
    ];
    const unknown = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'shell.exec', 'app.info ', 'APP.INFO', '', 'services.list\u0000', 'ingest.start/../app.info'];
    const rr = prng(SEED ^ 0xbad);
    for (let i = 0; i < WIRE_CALLS; i++) {
      frames.sent++;
      if (i % 2 === 0) {
        const data = broken[Math.floor(rr() * broken.length)]!();
        const out = await withTimeout(client.raw(data), `broken frame ${String(data).slice(0, 80)}`);
        if (out === 'hang' || out.ok) frames.accepted.push(String(data).slice(0, 100));
        else if (typeof out.error?.name === 'string' && typeof out.error.message === 'string') frames.refused++;
      } else {
        const name = unknown[Math.floor(rr() * unknown.length)]!;
        let input = hostileInput(rr, 'app.info', true);
        while (Buffer.byteLength(JSON.stringify(input) ?? '') > 1_000_000) input = hostileInput(rr, 'app.info', true);
        const out = await withTimeout(client.call(name, input), `unknown channel ${name}`);
        if (out === 'hang' || out.ok) frames.accepted.push(name);
        else if (out.error?.name === 'UnknownChannel') frames.refused++;
      }
    }
    // Invalid UTF-8 in a text frame is a protocol violation: that connection ends (1007)…
    const raw = (client.ws as unknown as { _socket: import('node:net').Socket })._socket;
    const mask = Buffer.from([1, 2, 3, 4]);
    const payload = Buffer.from([0xc3, 0x28]).map((b, i) => b ^ mask[i % 4]!);
    raw.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload]));
    expect(await client.closed).toBe(1007);
    frames.closedConnection++;
    // …and so does an oversize frame (1009); the server keeps serving new connections.
    client = new Client(await connect(`?token=${served.token}`));
    client.ws.send(JSON.stringify({ t: 'call', id: 1, channel: 'app.info', input: HUGE + HUGE }));
    expect(await client.closed).toBe(1009);
    frames.closedConnection++;
    client = new Client(await connect(`?token=${served.token}`));
    expect(await client.call('app.info', {})).toMatchObject({ ok: true, value: { name: 'Portolan', transport: 'web' } });
    client.ws.close();
    console.log(`[hostile-ipc] wire: ${frames.sent} broken frames / unknown channels, ${frames.refused} refused, ${frames.accepted.length} accepted, ${frames.closedConnection} connections ended by protocol violations`);
    expect(frames.accepted).toEqual([]);
    expect(frames.refused).toBe(WIRE_CALLS);
  }, 60_000);

  it('after 10,000 calls: no crash, Object.prototype clean, nothing written by refused calls', async () => {
    const total = direct.calls + direct.hangs + wire.calls + wire.hangs + frames.sent;
    console.log(`[hostile-ipc] total ${total} calls made (${direct.skippedValid + wire.skippedValid} more valid real-work inputs generated and left out), ${direct.rejected + wire.rejected + frames.refused} rejected, accepted-invalid ${direct.acceptedInvalid.length + wire.acceptedInvalid.length + frames.accepted.length}, crashes 0`);
    expect(total).toBeGreaterThanOrEqual(TOTAL_CALLS);
    expect(await engine.handle('app.info', {})).toMatchObject({ name: 'Portolan' });
    for (const k of POLLUTERS) {
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, k), k).toBe(false);
      expect(({} as Record<string, unknown>)[k], k).toBeUndefined();
    }
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(Object.keys(Array.prototype)).toEqual([]);
    const after = await counts();
    // No valid call that creates a job, a capture or a service was let through.
    expect({ services: after.services, captures: after.captures, flows: after.flows, jobs: after.jobs }).toEqual({
      services: before.services,
      captures: before.captures,
      flows: before.flows,
      jobs: before.jobs,
    });
    // Rows of the writing channels appear only when a valid call of that channel got in.
    const accepted = (c: string): number => (direct.acceptedValid[c] ?? 0) + (wire.acceptedValid[c] ?? 0);
    if (!accepted('rules.save')) expect(after.rules).toBe(before.rules);
    if (!accepted('snapshots.take')) expect(after.snapshots).toBe(before.snapshots);
    if (!accepted('capture.profiles.save')) expect(after.capture_profiles).toBe(before.capture_profiles);
    if (!accepted('review.apply') && !accepted('rules.save')) expect(after.reviews).toBe(before.reviews);
    expect(after.snapshots - before.snapshots).toBeLessThanOrEqual(accepted('snapshots.take'));
    expect(after.capture_profiles - before.capture_profiles).toBeLessThanOrEqual(accepted('capture.profiles.save'));
    expect(after.rules - before.rules).toBeLessThanOrEqual(accepted('rules.save'));
  }, 30_000);

  it('refuses a foreign Host or odd Origin on the WebSocket, and uploads without the right token or Origin', async () => {
    const port = served.port;
    const tok = `?token=${served.token}`;
    // DNS rebinding: Host and Origin agree with each other, but name another site.
    await expect(connect(tok, { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` })).rejects.toThrow(/403/);
    for (const o of ['null', `https://127.0.0.1:${port}`, `http://127.0.0.1:${port}.evil.example`, `http://127.0.0.1:${port + 1}`, `http://127.0.0.1:${port}/`, `HTTP://127.0.0.1:${port}`]) {
      await expect(connect(tok, { origin: o }), o).rejects.toThrow(/403/);
    }
    const wrong = served.token.slice(0, -1) + (served.token.endsWith('0') ? '1' : '0');
    for (const q of [`?token=${wrong}`, `?token=${served.token.toUpperCase()}x`, `?token=${served.token.slice(0, 24)}`, `?TOKEN=${served.token}`, `?token=&token=${served.token}`]) {
      await expect(connect(q), q).rejects.toThrow(/401/);
    }
    const body = Buffer.from('x');
    expect(await http('/api/upload?name=a.pcap', { method: 'POST', headers: { origin: 'http://evil.example', 'x-portolan-token': served.token }, body })).toBe(403);
    expect(await http('/api/upload?name=a.pcap', { method: 'POST', headers: { origin: origin(), 'x-portolan-token': wrong }, body })).toBe(401);
    expect(await http('/api/upload?name=a.pcap', { method: 'POST', headers: { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}`, 'x-portolan-token': served.token }, body })).toBe(421);
    expect(await http(`/api/upload?name=a.pcap&token=${served.token}`, { method: 'POST', headers: { origin: origin() }, body })).toBe(401);
    expect(await engine.handle('app.info', {})).toMatchObject({ name: 'Portolan' });
  });
});
