// @vitest-environment node
/**
 * The web transport against a real WebSocket and a real HTTP server on 127.0.0.1.
 * The server end answers with the contract's own frames and errors; it stands in for
 * `portolan serve`, which the e2e test covers with the real engine.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient, WebSocketServer } from 'ws';
import { buildApi, type ServerFrame } from '../../electron/shared';
import { checkToken, createWsTransport, importViaUpload, uploadCapture, type WsTransport } from '../../renderer/src/platform/bridge';
import { jobSnapshot } from './memory-engine';

type Handler = (channel: string, input: unknown) => unknown;

interface Harness {
  url: string;
  wss: WebSocketServer;
  sockets: Set<import('ws').WebSocket>;
  received: unknown[];
  broadcast(frame: ServerFrame): void;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function wsServer(handler: Handler): Promise<Harness> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const sockets = new Set<import('ws').WebSocket>();
  const received: unknown[] = [];
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data) => {
      const call = JSON.parse(String(data)) as { id: number; channel: string; input: unknown };
      received.push(call);
      try {
        const value = handler(call.channel, call.input);
        if (value !== undefined) ws.send(JSON.stringify({ t: 'result', id: call.id, ok: true, value }));
      } catch (err) {
        const e = err as Error;
        ws.send(JSON.stringify({ t: 'result', id: call.id, ok: false, error: { name: e.name, message: e.message } }));
      }
    });
  });
  cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/api/ws?token=t`,
    wss,
    sockets,
    received,
    broadcast: (frame) => sockets.forEach((s) => s.send(JSON.stringify(frame))),
  };
}

function transport(url: string, backoff = () => 20): WsTransport {
  const t = createWsTransport({ url, WebSocketImpl: WsClient as unknown as new (url: string) => WebSocket, backoff });
  cleanups.push(() => t.close());
  return t;
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('createWsTransport', () => {
  it('queues calls made while connecting and pairs results by id', async () => {
    const h = await wsServer((channel) => (channel === 'app.info' ? { name: 'portolan', version: '1', dbPath: '/x', transport: 'web' } : []));
    const t = transport(h.url);
    const api = buildApi(t.invoke, t.subscribe);
    const [info, jobs] = await Promise.all([api.app.info(), api.jobs.list()]);
    expect(info.version).toBe('1');
    expect(jobs).toEqual([]);
    expect(h.received).toEqual([
      { t: 'call', id: 1, channel: 'app.info', input: {} },
      { t: 'call', id: 2, channel: 'jobs.list', input: {} },
    ]);
    expect(t.connection.state()).toBe('open');
  });

  it('rejects with the server error as {name, message}', async () => {
    const h = await wsServer(() => {
      throw Object.assign(new Error('paths: at least one'), { name: 'InvalidInput' });
    });
    const t = transport(h.url);
    const api = buildApi(t.invoke, t.subscribe);
    await expect(api.ingest.start({ paths: [] as unknown as string[] })).rejects.toMatchObject({ name: 'InvalidInput', message: 'paths: at least one' });
  });

  it('delivers events to subscribers', async () => {
    const h = await wsServer(() => []);
    const t = transport(h.url);
    const got: unknown[] = [];
    t.subscribe('job.updated', (job) => got.push(job.id));
    await t.invoke('jobs.list', {});
    h.broadcast({ t: 'event', event: 'job.updated', payload: jobSnapshot({ id: 'j9' }) });
    await until(() => got.length === 1);
    expect(got).toEqual(['j9']);
  });

  it('rejects pending calls when the socket drops, then reconnects', async () => {
    // jobs.list never answers: it is in flight when the server drops the socket.
    const h = await wsServer((channel) => (channel === 'jobs.list' ? undefined : { name: 'p', version: '2', dbPath: '/x', transport: 'web' }));
    const t = transport(h.url);
    const states: string[] = [];
    t.connection.onChange((s) => states.push(s));
    const inflight = t.invoke('jobs.list', {});
    await until(() => h.received.length === 1);
    h.sockets.forEach((s) => s.terminate());
    await expect(inflight).rejects.toMatchObject({ name: 'Disconnected' });
    await until(() => t.connection.state() === 'open');
    expect(states).toEqual(['open', 'closed', 'connecting', 'open']);
    await expect(t.invoke('app.info', {})).resolves.toMatchObject({ version: '2' });
  });

  it('keeps retrying with backoff while the server is away', async () => {
    const h = await wsServer(() => []);
    const port = (h.wss.address() as AddressInfo).port;
    await new Promise<void>((r) => h.wss.close(() => r()));
    h.sockets.forEach((s) => s.terminate());
    const delays: number[] = [];
    const t = transport(`ws://127.0.0.1:${port}/api/ws?token=t`, () => {
      delays.push(delays.length);
      return 10;
    });
    await until(() => delays.length >= 3);
    expect(t.connection.state()).not.toBe('open');
  });
});

describe('a refused session token', () => {
  /**
   * Stands in for `portolan serve` after a restart: every WebSocket handshake is refused
   * with HTTP 401 (a browser sees only "closed, 1006"), and a plain GET on the socket's
   * path says whether the token is accepted (426) or not (401).
   */
  async function refusingServer(goodToken: string): Promise<{ port: number; upgrades: () => number }> {
    let upgrades = 0;
    const server = createServer((req, res) => {
      const ok = req.url === '/api/ws' && req.headers['x-portolan-token'] === goodToken;
      res.writeHead(req.url === '/api/ws' ? (ok ? 426 : 401) : 404).end();
    });
    server.on('upgrade', (_req, socket) => {
      upgrades++;
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    return { port: (server.address() as AddressInfo).port, upgrades: () => upgrades };
  }

  it('checkToken reads 401 as refused, 426 as accepted, no server as no answer', async () => {
    const { port } = await refusingServer('new');
    const at = ((url: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${url}`, init)) as typeof fetch;
    await expect(checkToken('old', at)).resolves.toBe(false);
    await expect(checkToken('new', at)).resolves.toBe(true);
    const gone = ((url: string, init?: RequestInit) => fetch(`http://127.0.0.1:1${url}`, init)) as typeof fetch;
    await expect(checkToken('new', gone)).resolves.toBeNull();
  });

  it('says unauthorized, fails calls with that reason, and retries only slowly', async () => {
    const { port, upgrades } = await refusingServer('new');
    const at = ((url: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${url}`, init)) as typeof fetch;
    const t = createWsTransport({
      url: `ws://127.0.0.1:${port}/api/ws?token=old`,
      WebSocketImpl: WsClient as unknown as new (url: string) => WebSocket,
      backoff: () => 5,
      checkToken: () => checkToken('old', at),
      refusedRetryMs: 300,
    });
    cleanups.push(() => t.close());
    const states: string[] = [];
    t.connection.onChange((s) => states.push(s));
    await until(() => t.connection.state() === 'unauthorized');
    await expect(t.invoke('app.info', {})).rejects.toMatchObject({ name: 'Unauthorized', message: expect.stringContaining('portolan serve') });
    // With a 5 ms backoff a plain retry loop would knock hundreds of times in a second.
    const before = upgrades();
    await new Promise((r) => setTimeout(r, 1000));
    expect(upgrades() - before).toBeGreaterThanOrEqual(2);
    expect(upgrades() - before).toBeLessThanOrEqual(4);
    // It stays unauthorized between attempts: no flicker through connecting / closed.
    expect(states).toEqual(['unauthorized']);
  });
});

describe('upload', () => {
  async function httpServer(reply: (req: { url: string; token: string | undefined; body: Buffer }) => { status: number; body: string }): Promise<{ base: string; server: Server }> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = reply({ url: req.url ?? '', token: req.headers['x-portolan-token'] as string | undefined, body: Buffer.concat(chunks) });
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }
  const fetchAt = (base: string): typeof fetch => ((url: string, init?: RequestInit) => fetch(base + url, init)) as typeof fetch;

  it('posts the raw bytes with the token and returns the server path', async () => {
    const seen: Array<{ url: string; token: string | undefined; body: string }> = [];
    const { base } = await httpServer((req) => {
      seen.push({ url: req.url, token: req.token, body: req.body.toString() });
      return { status: 200, body: JSON.stringify({ path: '/tmp/up/1-a.pcap', bytes: req.body.length }) };
    });
    const file = new File(['\xd4\xc3\xb2\xa1rest'], 'a b.pcap');
    await expect(uploadCapture(file, 'tok', fetchAt(base))).resolves.toEqual({ path: '/tmp/up/1-a.pcap', bytes: file.size });
    expect(seen).toEqual([{ url: '/api/upload?name=a%20b.pcap', token: 'tok', body: '\xd4\xc3\xb2\xa1rest' }]);
  });

  it('turns a refused upload into a clear error', async () => {
    const { base } = await httpServer(() => ({ status: 400, body: JSON.stringify({ name: 'InvalidCapture', message: 'not a capture file' }) }));
    await expect(uploadCapture(new File(['x'], 'x.pcap'), 'tok', fetchAt(base))).rejects.toMatchObject({ name: 'InvalidCapture', message: 'not a capture file' });
  });

  it('uploads every chosen file, then starts one ingest with all paths', async () => {
    let n = 0;
    const { base } = await httpServer(() => ({ status: 200, body: JSON.stringify({ path: `/tmp/up/${++n}.pcap`, bytes: 1 }) }));
    const started: unknown[] = [];
    const api = buildApi(
      (async (channel: string, input: unknown) => {
        started.push({ channel, input });
        return jobSnapshot({ id: 'ing-1' });
      }) as never,
      () => () => {},
    );
    const stages: string[] = [];
    const job = await importViaUpload(api, 'tok', [new File(['a'], 'a.pcap'), new File(['b'], 'b.pcapng')], (s) => stages.push(s), fetchAt(base));
    expect(job?.id).toBe('ing-1');
    expect(started).toEqual([{ channel: 'ingest.start', input: { paths: ['/tmp/up/1.pcap', '/tmp/up/2.pcap'] } }]);
    expect(stages).toEqual(['Uploading a.pcap (1 of 2)', 'Uploading b.pcapng (2 of 2)', 'Starting ingest']);
    await expect(importViaUpload(api, 'tok', [])).resolves.toBeNull();
  });
});
