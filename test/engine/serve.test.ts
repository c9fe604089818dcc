/**
 * The web transport (`portolan serve`) with a real engine, a real SQLite file and real
 * sockets on 127.0.0.1: the token, Origin and Host checks, the contract over the
 * WebSocket, uploads as the only ingestible paths, and a static server that stays in
 * its folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from '../../electron/engine/engine';
import { serve, type Served } from '../../electron/engine/serve/server';
import type { JobSnapshot } from '../../electron/shared/model';
import { pcapFile, tcpFrame } from '../support/frames';

let engine: Engine;
let served: Served;
const dir = mkdtempSync(join(tmpdir(), 'portolan-serve-'));
const origin = (): string => `http://127.0.0.1:${served.port}`;

beforeAll(async () => {
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  engine = await Engine.open({ dbPath: join(dir, 's.db'), transport: 'web' });
  served = await serve(engine, { port: 0, staticDir });
});
afterAll(async () => {
  await served.close();
  await engine.close();
});

function http(path: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: served.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function connect(query: string, headers: Record<string, string> = { origin: origin() }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/api/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

let nextId = 1;
function call(ws: WebSocket, channel: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { name: string; message: string } }> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMsg = (data: WebSocket.RawData): void => {
      const f = JSON.parse(String(data));
      if (f.t === 'result' && f.id === id) {
        ws.off('message', onMsg);
        resolve(f);
      }
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ t: 'call', id, channel, input }));
  });
}

describe('serve', () => {
  it('listens on 127.0.0.1 only and prints a URL with a token', () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('refuses the WebSocket without the token, with a wrong token, or from a foreign Origin', async () => {
    await expect(connect('')).rejects.toThrow(/401/);
    await expect(connect('?token=nope')).rejects.toThrow(/401/);
    await expect(connect(`?token=${served.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(connect(`?token=${served.token}`, {})).rejects.toThrow(/403/);
  });

  it('survives protocol abuse: an oversize frame ends only that connection', async () => {
    const ws = await connect(`?token=${served.token}`);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send(JSON.stringify({ t: 'call', id: 1, channel: 'app.info', input: 'x'.repeat(2 << 20) }));
    expect(await closed).toBe(1009);
    const again = await connect(`?token=${served.token}`);
    expect(await call(again, 'app.info', {})).toMatchObject({ ok: true });
    again.close();
  });

  it('answers bad requests with 400, never 500', async () => {
    expect((await http('/%')).status).toBe(400);
    const up = await http('/api/upload?name=..', { method: 'POST', headers: { origin: origin(), 'x-portolan-token': served.token }, body: Buffer.from('x') });
    expect(up.status).toBe(200);
    expect(JSON.parse(up.body).path).toMatch(/capture$/);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const r = await http('/', { headers: { host: `attacker.example:${served.port}` } });
    expect(r.status).toBe(421);
  });

  it('serves the UI with a strict CSP and never leaves its folder', async () => {
    const ok = await http('/');
    expect(ok.status).toBe(200);
    expect(String(ok.headers['content-security-policy'])).toMatch(/default-src 'self'/);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd']) {
      const r = await http(p);
      expect([403, 404]).toContain(r.status);
      expect(r.body).not.toContain('secret');
    }
  });

  it('answers contract calls, and rejects bad input and unknown channels as {name, message}', async () => {
    const ws = await connect(`?token=${served.token}`);
    const info = await call(ws, 'app.info', {});
    expect(info).toMatchObject({ ok: true, value: { name: 'Portolan', transport: 'web' } });
    expect(await call(ws, 'services.list', { limit: -1 })).toMatchObject({ ok: false, error: { name: 'InvalidInput' } });
    expect(await call(ws, 'services.list', { __proto__: { admin: true }, extra: 1 })).toMatchObject({ ok: false, error: { name: 'InvalidInput' } });
    expect(await call(ws, 'shell.exec', { cmd: 'id' })).toMatchObject({ ok: false, error: { name: 'UnknownChannel' } });
    expect(await call(ws, 'ingest.start', { paths: ['/etc/passwd'] })).toMatchObject({ ok: false, error: { name: 'PathNotGranted' } });
    ws.close();
  });

  it('ingests an uploaded capture, streams job events, and lists what it found', async () => {
    const ws = await connect(`?token=${served.token}`);
    const C = '192.0.2.10';
    const S = '198.51.100.20';
    const capture = pcapFile([
      { tsUs: 1e15, data: tcpFrame({ src: C, dst: S, sport: 50000, dport: 8443, flags: 'S' }) },
      { tsUs: 1e15 + 10, data: tcpFrame({ src: S, dst: C, sport: 8443, dport: 50000, flags: 'SA', ack: 1001 }) },
    ]);
    const noToken = await http('/api/upload?name=x.pcap', { method: 'POST', headers: { origin: origin() }, body: capture });
    expect(noToken.status).toBe(401);
    const up = await http('/api/upload?name=../../x.pcap', { method: 'POST', headers: { origin: origin(), 'x-portolan-token': served.token }, body: capture });
    expect(up.status).toBe(200);
    const { path } = JSON.parse(up.body) as { path: string };
    expect(path.endsWith('x.pcap')).toBe(true);
    expect(readFileSync(path).equals(capture)).toBe(true);

    const finished = new Promise<JobSnapshot>((resolve) =>
      ws.on('message', (d) => {
        const f = JSON.parse(String(d));
        if (f.t === 'event' && f.event === 'job.updated' && f.payload.status !== 'running') resolve(f.payload);
      }),
    );
    const started = await call(ws, 'ingest.start', { paths: [path] });
    expect(started.ok).toBe(true);
    const end = await finished;
    expect(end.status).toBe('done');
    // The evidence names the user's file, not the server's temporary copy.
    expect(await engine.db.query('SELECT source FROM captures')).toEqual([{ source: 'upload: x.pcap' }]);
    const list = await call(ws, 'services.list', {});
    expect(list.value).toMatchObject({ total: 1, rows: [{ host: S, port: 8443, proto: 'tcp', evidence: 'handshake', status: 'new' }] });
    ws.close();
  });
});
