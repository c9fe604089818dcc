/**
 * `portolan serve`: the built renderer and the contract over HTTP + WebSocket, bound to
 * 127.0.0.1 only. Every API request needs the session token printed in the URL; the
 * Host and Origin headers must name this server (no other site, no DNS rebinding).
 * Uploaded captures land in a private temp folder; `ingest.start` over this transport
 * accepts only paths that an upload produced.
 *
 * Hostile input never ends the process: the Host header is checked first, a request
 * target that is not a plain path answers 400 (on the WebSocket upgrade too, where the
 * socket is answered and destroyed), and every handler runs inside a catch.
 *
 * Back-pressure, per WebSocket connection: at most `inFlight` calls are handled at once;
 * while that many run, or while more than `pauseBytes` of replies wait unsent (a client
 * that does not read), the connection's socket is not read (frames already read wait in
 * order) and reading resumes when the replies drain. A connection whose unsent data
 * still passes `closeBytes` (events keep coming to a client that never reads), or whose
 * unsent replies have not moved for `stallMs`, is closed with 1008. A client that reads
 * its replies (the UI) sees no difference.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import type { Duplex } from 'node:stream';
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
  /** Back-pressure limits of one WebSocket connection (defaults: SERVE_LIMITS). */
  limits?: Partial<ServeLimits>;
}

export interface ServeLimits {
  /** Calls of one connection handled at once; further frames wait, unread. */
  inFlight: number;
  /** Unsent bytes above which a connection's requests are no longer read. */
  pauseBytes: number;
  /** Unsent bytes above which a connection is closed (1008). */
  closeBytes: number;
  /** WebSocket connections open at once; more are refused (503). */
  clients: number;
  /** Calls handled at once over all connections (each may hold a whole page of the inventory). */
  totalInFlight: number;
  /** Unsent bytes over all connections above which no connection's next call starts. */
  totalPauseBytes: number;
  /** A connection whose unsent replies have not moved for this long (ms) is closed (1008). */
  stallMs: number;
}

export const SERVE_LIMITS: Readonly<ServeLimits> = Object.freeze({
  inFlight: 16,
  pauseBytes: 4 * 1024 ** 2,
  closeBytes: 64 * 1024 ** 2,
  clients: 64,
  totalInFlight: 32,
  totalPauseBytes: 64 * 1024 ** 2,
  stallMs: 60_000,
});

/** Unsent bytes up to which a connection counts as reading its replies (not held by the shared limit). */
const READING_CLIENT_BYTES = 256 * 1024;

/** Close code and reason for a connection that stopped reading what it asked for. */
export const CLOSE_UNREAD = { code: 1008, reason: 'too much unsent data: the client is not reading' } as const;

/** One WebSocket connection's back-pressure state (diagnostics and tests). */
export interface ConnectionState {
  inFlight: number;
  /** Frames read but not yet handled. */
  queued: number;
  /** True while the connection's socket is not read. */
  paused: boolean;
  bufferedAmount: number;
  readyState: number;
}

export interface Served {
  url: string;
  port: number;
  token: string;
  /** The WebSocket connections open now, with their back-pressure state. */
  connections(): ConnectionState[];
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

const BASE = 'http://127.0.0.1';

/**
 * The request target as a URL, or null when it is not a plain path (origin-form): no
 * absolute URLs, no `//authority`, nothing the URL parser refuses. Never throws.
 */
export function parseTarget(raw: string | undefined): URL | null {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//')) return null;
  try {
    const url = new URL(raw, BASE);
    // A backslash counts as a slash to the parser: `/\evil` would name another host.
    return url.origin === BASE ? url : null;
  } catch {
    return null;
  }
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
  const limits: ServeLimits = { ...SERVE_LIMITS, ...opts.limits };
  const uploadDir = await mkdtemp(join(tmpdir(), 'portolan-upload-'));
  // The folder goes with the process however it ends (an exception, process.exit), not
  // only with close(); a failed start removes it below.
  const removeOnExit = (): void => {
    try {
      rmSync(uploadDir, { recursive: true, force: true });
    } catch {
      // Exiting anyway: nothing more to do about a folder that will not go.
    }
  };
  process.once('exit', removeOnExit);
  const cleanups: Array<() => void> = [];
  try {
    return await start();
  } catch (err) {
    for (const c of cleanups.reverse()) {
      try {
        c();
      } catch {
        // Best effort: the start's own error is the one to report.
      }
    }
    process.off('exit', removeOnExit);
    await rm(uploadDir, { recursive: true, force: true });
    throw err;
  }

  async function start(): Promise<Served> {
    const granted = new Set<string>();
    let port = 0;

    const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
    /**
     * Node keeps the first of repeated Host or Origin headers and drops the rest; a request
     * naming two is not one a browser sends, and a proxy in between might read the other
     * one, so it is refused rather than judged by its first.
     */
    const once = (req: IncomingMessage, name: string): boolean => {
      let n = 0;
      for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) n++;
      return n === 1;
    };
    const hostOk = (req: IncomingMessage): boolean => typeof req.headers.host === 'string' && once(req, 'host') && allowedHosts().includes(req.headers.host);
    /** Browsers send Origin on WebSocket and POST; it must be this server. */
    const originOk = (req: IncomingMessage): boolean => {
      const o = req.headers.origin;
      return typeof o === 'string' && once(req, 'origin') && allowedHosts().some((h) => o === `http://${h}`);
    };
    const tokenHeader = (req: IncomingMessage): string | undefined => {
      const v = req.headers[TOKEN_HEADER];
      return typeof v === 'string' ? v : undefined;
    };

    const send = (res: ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      res.writeHead(code, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...extra });
      res.end(body);
    };

    const server = createServer((req, res) => {
      void (async () => {
        if (!hostOk(req)) return send(res, 421, 'wrong host');
        const url = parseTarget(req.url);
        if (!url) return send(res, 400, 'bad request');
        if (url.pathname === UPLOAD_PATH) return upload(req, res, url);
        // A browser cannot read why a WebSocket handshake was refused, so a page whose
        // socket never opens asks here whether its token is still this server's (it is not
        // after serve restarts with a new one): 401 no, 426 yes (connect over WebSocket).
        if (url.pathname === WS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
          return sameToken(tokenHeader(req), token) ? send(res, 426, 'upgrade required') : send(res, 401, 'missing or wrong token');
        }
        if (url.pathname.startsWith('/api/')) return send(res, 404, 'not found');
        if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
        return staticFile(res, url.pathname);
      })().catch(() => {
        // What failed is not the client's to read (paths, internals); the server goes on.
        try {
          send(res, 500, 'internal error');
        } catch {
          res.destroy();
        }
      });
    });
    // After the start, a server error (e.g. too many open files on accept) must not end
    // the process; before it, the listen below reports it.
    let listening = false;
    server.on('error', (err) => {
      if (listening) process.stderr.write(`portolan: serve: ${err.message}\n`);
    });
    cleanups.push(() => {
      server.closeAllConnections();
      server.close();
    });

    async function staticFile(res: ServerResponse, pathname: string): Promise<void> {
      let rel: string;
      try {
        rel = decodeURIComponent(pathname);
      } catch {
        return send(res, 400, 'bad request');
      }
      if (rel.includes('\0')) return send(res, 400, 'bad request');
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
      if (!sameToken(tokenHeader(req), token)) return send(res, 401, 'missing or wrong token');
      const declared = Number(req.headers['content-length'] ?? 0);
      if (!Number.isFinite(declared) || declared < 0) return send(res, 400, 'bad content-length');
      if (declared > MAX_UPLOAD_BYTES) return send(res, 413, 'file too large', undefined, { connection: 'close' });
      // A plain file name only: no separators, never '.' or '..'.
      const given = url.searchParams.get('name') ?? '';
      const raw = basename(given).replace(/[^\w.\-]+/g, '_').slice(0, 100);
      const name = /^\.*$/.test(raw) ? 'capture' : raw;
      const folder = await mkdtemp(join(uploadDir, 'u-'));
      const dest = join(folder, name);
      let bytes = 0;
      let tooLarge = false;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes > MAX_UPLOAD_BYTES && !tooLarge) {
          tooLarge = true;
          req.destroy(new Error('file too large'));
        }
      });
      try {
        await pipeline(req, createWriteStream(dest, { mode: 0o600 }));
      } catch {
        // An upload cut short (client gone, too large) leaves nothing behind.
        await rm(folder, { recursive: true, force: true });
        return tooLarge ? send(res, 413, 'file too large', undefined, { connection: 'close' }) : void res.destroy();
      }
      granted.add(dest);
      // The evidence names the user's file, not this temporary copy.
      engine.labelSource(dest, `upload: ${basename(given || name).slice(0, 200)}`);
      send(res, 200, JSON.stringify({ path: dest, bytes }), 'application/json');
    }

    // Loaded here, not at start-up: every other CLI command runs without it.
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
    cleanups.push(() => wss.close());
    const clients = new Map<WebSocket, Connection>();

    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node hands the socket over without an error listener: a reset would be uncaught.
      socket.on('error', () => socket.destroy());
      const reject = (code: number, text: string): void => {
        if (!socket.writable) return void socket.destroy();
        socket.once('finish', () => socket.destroy());
        socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
      };
      try {
        if (!hostOk(req)) return reject(403, 'Forbidden');
        const url = parseTarget(req.url);
        if (!url) return reject(400, 'Bad Request');
        if (url.pathname !== WS_PATH) return reject(404, 'Not Found');
        if (!originOk(req)) return reject(403, 'Forbidden');
        if (!sameToken(url.searchParams.get(TOKEN_PARAM), token)) return reject(401, 'Unauthorized');
        if (clients.size >= limits.clients) return reject(503, 'Service Unavailable');
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      } catch {
        reject(400, 'Bad Request');
      }
    });

    /**
     * One connection: frames read wait in `queue` (in order) until fewer than
     * `limits.inFlight` calls run and its unsent replies are under `limits.pauseBytes`;
     * the socket is read only while nothing waits.
     */
    /** Calls running over all connections (bounded by `limits.totalInFlight`). */
    let running = 0;
    /** Where the next round of `pumpAll` starts, so no connection always goes last. */
    let turn = 0;
    const unsentTotal = (): number => {
      let n = 0;
      for (const c of clients.values()) n += c.ws.bufferedAmount;
      return n;
    };
    /**
     * Lets every connection start what it may: a call ending or replies draining on one
     * connection can free the shared limits another one waits for.
     */
    const pumpAll = (): void => {
      const all = [...clients.values()];
      if (!all.length) return;
      turn = (turn + 1) % all.length;
      for (let i = 0; i < all.length; i++) {
        const c = all[(turn + i) % all.length]!;
        if (c.queue.length > 0 || c.ws.isPaused) c.pump();
      }
    };

    class Connection {
      readonly queue: Array<{ data: Buffer; isBinary: boolean }> = [];
      inFlight = 0;
      /** Frames written out to the socket so far, at the last stall check, and since when none has been. */
      private flushed = 0;
      private lastFlushed = 0;
      private stuckSince = 0;

      constructor(readonly ws: WebSocket) {}

      /**
       * Closes a connection that has stopped reading: replies wait unsent and not one
       * frame has been written out to its socket for `limits.stallMs` (such a client
       * would hold a connection slot for ever).
       */
      checkStall(now: number): void {
        if (this.ws.bufferedAmount === 0 || this.flushed !== this.lastFlushed) this.stuckSince = 0;
        else if (!this.stuckSince) this.stuckSince = now;
        this.lastFlushed = this.flushed;
        if (this.stuckSince && now - this.stuckSince >= limits.stallMs && this.ws.readyState === this.ws.OPEN) {
          this.queue.length = 0;
          this.ws.close(CLOSE_UNREAD.code, CLOSE_UNREAD.reason);
          this.ws.resume();
          // A client that reads nothing will not answer the close either.
          setTimeout(() => this.ws.terminate(), 5_000).unref();
        }
      }

      /** Sends a frame; past the hard limit of unsent data the connection is closed. */
      send(text: string): void {
        if (this.ws.readyState !== this.ws.OPEN) return;
        this.ws.send(text, () => {
          this.flushed++;
          pumpAll();
        });
        if (this.ws.bufferedAmount > limits.closeBytes) {
          this.queue.length = 0;
          this.ws.close(CLOSE_UNREAD.code, CLOSE_UNREAD.reason);
          // Read on, to see the client's close frame; ws ends the socket after 30 s anyway.
          this.ws.resume();
        }
      }

      /** Starts what may start now, then reads on or stops reading. */
      pump(): void {
        const ws = this.ws;
        if (ws.readyState !== ws.OPEN) {
          this.queue.length = 0;
          if (ws.isPaused) ws.resume();
          return;
        }
        // The shared unsent limit stops only connections that are themselves behind on
        // reading: a client that reads its replies (the UI) is never held up by others.
        const mayStart = (): boolean =>
          this.inFlight < limits.inFlight &&
          ws.bufferedAmount <= limits.pauseBytes &&
          running < limits.totalInFlight &&
          (ws.bufferedAmount <= READING_CLIENT_BYTES || unsentTotal() <= limits.totalPauseBytes);
        while (this.queue.length > 0 && mayStart()) {
          const { data, isBinary } = this.queue.shift()!;
          this.inFlight++;
          running++;
          void this.handle(data, isBinary)
            .catch(() => undefined)
            .finally(() => {
              this.inFlight--;
              running--;
              pumpAll();
            });
        }
        const full = this.queue.length > 0 || this.inFlight >= limits.inFlight || ws.bufferedAmount > limits.pauseBytes;
        if (full && !ws.isPaused) ws.pause();
        else if (!full && ws.isPaused) ws.resume();
      }

      async handle(data: Buffer, isBinary: boolean): Promise<void> {
        let id = -1;
        try {
          if (isBinary) throw Object.assign(new Error('binary frames are not accepted'), { name: 'InvalidInput' });
          const frame = ClientFrame.parse(JSON.parse(data.toString('utf8')));
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
          this.send(JSON.stringify(reply));
          noteRequest(frame.channel, performance.now() - t0);
        } catch (err) {
          let error: { name: string; message: string };
          try {
            error = toErrorInfo(err);
          } catch {
            error = { name: 'Error', message: 'the call failed' };
          }
          const reply: ServerFrame = { t: 'result', id, ok: false, error };
          this.send(JSON.stringify(reply));
        }
      }
    }

    const offs = EVENT_CHANNELS.map((event) =>
      engine.on(event, (payload) => {
        let text: string;
        try {
          text = JSON.stringify({ t: 'event', event, payload } satisfies ServerFrame);
        } catch {
          return;
        }
        for (const c of clients.values()) c.send(text);
      }),
    );
    cleanups.push(() => {
      for (const off of offs) off();
    });

    wss.on('connection', (ws: WebSocket) => {
      const conn = new Connection(ws);
      clients.set(ws, conn);
      ws.on('close', () => {
        clients.delete(ws);
        conn.queue.length = 0;
      });
      // A protocol violation (oversize frame, bad RSV bits, broken UTF-8) ends this one
      // connection; ws has already sent the close code. The server keeps serving.
      ws.on('error', () => {
        clients.delete(ws);
        conn.queue.length = 0;
        ws.terminate();
      });
      ws.on('message', (data, isBinary) => {
        // Text and binary frames arrive as one Buffer (the default binaryType).
        const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        if (ws.readyState !== ws.OPEN) return;
        conn.queue.push({ data: buf, isBinary });
        conn.pump();
      });
    });
    cleanups.push(() => {
      for (const ws of clients.keys()) ws.terminate();
    });
    const stallTimer = setInterval(() => {
      const now = Date.now();
      for (const c of clients.values()) c.checkStall(now);
    }, Math.max(10, Math.min(5_000, limits.stallMs / 4)));
    stallTimer.unref();
    cleanups.push(() => clearInterval(stallTimer));

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    listening = true;
    const addr = server.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
    const stopStats = statsMs ? startStats(statsMs) : () => {};

    let closing: Promise<void> | null = null;
    return {
      url: `http://127.0.0.1:${port}/?${TOKEN_PARAM}=${token}`,
      port,
      token,
      connections: () =>
        [...clients.values()].map((c) => ({ inFlight: c.inFlight, queued: c.queue.length, paused: c.ws.isPaused, bufferedAmount: c.ws.bufferedAmount, readyState: c.ws.readyState })),
      close: () =>
        (closing ??= (async () => {
          try {
            stopStats();
            clearInterval(stallTimer);
            for (const off of offs) off();
            for (const ws of clients.keys()) ws.terminate();
            wss.close();
            // Open uploads and keep-alive connections must not hold the shutdown.
            const closed = new Promise<void>((resolve) => server.close(() => resolve()));
            server.closeAllConnections();
            await closed;
          } finally {
            process.off('exit', removeOnExit);
            await rm(uploadDir, { recursive: true, force: true });
          }
        })()),
    };
  }
}
