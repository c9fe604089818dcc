/**
 * `portolan serve`: the built renderer and the contract over HTTP + WebSocket, bound to
 * 127.0.0.1 only. Every API request needs the session token printed in the URL; the
 * Host and Origin headers must name this server (no other site, no DNS rebinding).
 * Uploaded captures land in a private temp folder; `ingest.start` over this transport
 * accepts only paths that an upload produced.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { WebSocket } from 'ws';
import { EVENT_CHANNELS, isRequestChannel, toErrorInfo } from '../../shared/contract';
import { ClientFrame, MAX_UPLOAD_BYTES, TOKEN_HEADER, TOKEN_PARAM, UPLOAD_PATH, WS_PATH, type ServerFrame } from '../../shared/wire';
import type { Engine } from '../engine';
import { noteRequest, startStats, statsInterval } from './stats';

export interface ServeOptions {
  port?: number;
  /** Folder with the built renderer (index.html). Defaults to out/renderer beside the build. */
  staticDir?: string;
  token?: string;
  /** Runtime figures on stderr every N ms (stats.ts); absent: from PORTOLAN_STATS_INTERVAL, null: off. */
  statsIntervalMs?: number | null;
}

export interface Served {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function defaultStaticDir(): string {
  // In the build, this file is out/main/cli.js; the renderer is out/renderer.
  return join(__dirname, '..', 'renderer');
}

function sameToken(a: string | null | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function serve(engine: Engine, opts: ServeOptions = {}): Promise<Served> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  const statsMs = opts.statsIntervalMs === undefined ? statsInterval() : opts.statsIntervalMs;
  const staticDir = opts.staticDir ?? defaultStaticDir();
  const uploadDir = await mkdtemp(join(tmpdir(), 'portolan-upload-'));
  const granted = new Set<string>();
  let port = 0;

  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const hostOk = (req: IncomingMessage): boolean => allowedHosts().includes(req.headers.host ?? '');
  /** Browsers send Origin on WebSocket and POST; it must be this server. */
  const originOk = (req: IncomingMessage): boolean => {
    const o = req.headers.origin;
    return o !== undefined && allowedHosts().some((h) => o === `http://${h}`);
  };

  const send = (res: ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(code, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    res.end(body);
  };

  const server = createServer((req, res) => {
    void (async () => {
      if (!hostOk(req)) return send(res, 421, 'wrong host');
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      if (url.pathname === UPLOAD_PATH) return upload(req, res, url);
      // A browser cannot read why a WebSocket handshake was refused, so a page whose
      // socket never opens asks here whether its token is still this server's (it is not
      // after serve restarts with a new one): 401 no, 426 yes (connect over WebSocket).
      if (url.pathname === WS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
        return sameToken(req.headers[TOKEN_HEADER] as string | undefined, token) ? send(res, 426, 'upgrade required') : send(res, 401, 'missing or wrong token');
      }
      if (url.pathname.startsWith('/api/')) return send(res, 404, 'not found');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
      return staticFile(res, url.pathname);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, (err as Error).message);
      else res.destroy();
    });
  });

  async function staticFile(res: ServerResponse, pathname: string): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return send(res, 400, 'bad request');
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const full = normalize(join(staticDir, rel));
    if (!full.startsWith(staticDir + sep)) return send(res, 403, 'forbidden');
    const st = await stat(full).catch(() => null);
    if (!st || !st.isFile()) {
      if (!existsSync(join(staticDir, 'index.html'))) return send(res, 503, "the UI is not built: run 'npm run build'");
      return send(res, 404, 'not found');
    }
    res.writeHead(200, {
      'content-type': MIME[extname(full)] ?? 'application/octet-stream',
      'content-length': st.size,
      'x-content-type-options': 'nosniff',
      'content-security-policy': CSP,
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    await pipeline(createReadStream(full), res);
  }

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return send(res, 405, 'method not allowed');
    if (!originOk(req)) return send(res, 403, 'foreign origin');
    if (!sameToken(req.headers[TOKEN_HEADER] as string | undefined, token)) return send(res, 401, 'missing or wrong token');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (Number.isNaN(declared)) return send(res, 400, 'bad content-length');
    if (declared > MAX_UPLOAD_BYTES) return send(res, 413, 'file too large');
    // A plain file name only: no separators, never '.' or '..'.
    const raw = basename(url.searchParams.get('name') ?? '').replace(/[^\w.\-]+/g, '_').slice(0, 100);
    const name = /^\.*$/.test(raw) ? 'capture' : raw;
    const dest = join(await mkdtemp(join(uploadDir, 'u-')), name);
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > MAX_UPLOAD_BYTES) req.destroy(new Error('file too large'));
    });
    await pipeline(req, createWriteStream(dest, { mode: 0o600 }));
    granted.add(dest);
    // The evidence names the user's file, not this temporary copy.
    engine.labelSource(dest, `upload: ${basename(url.searchParams.get('name') ?? name).slice(0, 200)}`);
    send(res, 200, JSON.stringify({ path: dest, bytes }), 'application/json');
  }

  // Loaded here, not at start-up: every other CLI command runs without it.
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reject = (code: number, text: string): void => {
      socket.write(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (url.pathname !== WS_PATH) return reject(404, 'Not Found');
    if (!hostOk(req) || !originOk(req)) return reject(403, 'Forbidden');
    if (!sameToken(url.searchParams.get(TOKEN_PARAM), token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const clients = new Set<WebSocket>();
  const offs = EVENT_CHANNELS.map((event) =>
    engine.on(event, (payload) => {
      const frame: ServerFrame = { t: 'event', event, payload };
      const text = JSON.stringify(frame);
      for (const c of clients) if (c.readyState === c.OPEN) c.send(text);
    }),
  );

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    // A protocol violation (oversize frame, bad RSV bits, broken UTF-8) ends this one
    // connection; ws has already sent the close code. The server keeps serving.
    ws.on('error', () => {
      clients.delete(ws);
      ws.terminate();
    });
    ws.on('message', (data, isBinary) => {
      void (async () => {
        let id = -1;
        try {
          if (isBinary) throw Object.assign(new Error('binary frames are not accepted'), { name: 'InvalidInput' });
          const frame = ClientFrame.parse(JSON.parse(String(data)));
          id = frame.id;
          if (!isRequestChannel(frame.channel)) throw Object.assign(new Error(`unknown channel ${frame.channel.slice(0, 64)}`), { name: 'UnknownChannel' });
          if (frame.channel === 'ingest.start') {
            const paths = (frame.input as { paths?: unknown } | null)?.paths;
            if (Array.isArray(paths) && paths.some((p) => typeof p !== 'string' || !granted.has(p))) {
              throw Object.assign(new Error('only uploaded captures can be ingested over this transport'), { name: 'PathNotGranted' });
            }
          }
          const t0 = performance.now();
          const value = await engine.handle(frame.channel, frame.input);
          const reply: ServerFrame = { t: 'result', id, ok: true, value };
          ws.send(JSON.stringify(reply));
          noteRequest(frame.channel, performance.now() - t0);
        } catch (err) {
          const reply: ServerFrame = { t: 'result', id, ok: false, error: toErrorInfo(err) };
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
        }
      })();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const stopStats = statsMs ? startStats(statsMs) : () => {};

  return {
    url: `http://127.0.0.1:${port}/?${TOKEN_PARAM}=${token}`,
    port,
    token,
    close: async () => {
      stopStats();
      for (const off of offs) off();
      for (const c of clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(uploadDir, { recursive: true, force: true });
    },
  };
}
