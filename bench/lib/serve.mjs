// `portolan serve` as a benchmark drives it: the real CLI in a child process, and a client
// that speaks the web transport the served UI speaks (electron/shared/wire.ts): JSON
// frames `{t:'call', id, channel, input}` over one WebSocket at /api/ws?token=…, with the
// Origin of the server itself; results `{t:'result', id, ok, value|error}` and events
// `{t:'event', event, payload}` come back on the same socket.
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { CLI, ROOT, waitText } from './sys.mjs';

/**
 * Starts `portolan serve --db DB` with `env` added; resolves once it prints its URL.
 * `onStderrLine` sees every stderr line (stats lines included); `nodeArgs` go to Node
 * itself (e.g. `--cpu-prof`).
 */
export async function startServe(db, { env = {}, nodeArgs = [], onStderrLine = () => {} } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--db', db, '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop();
    for (const l of lines) if (l) onStderrLine(l);
  });
  const text = await waitText(child, 'stdout', /serving on (http:\/\/\S+)/, 30_000);
  const url = new URL(/serving on (http:\/\/\S+)/.exec(text)[1]);
  return { child, url };
}

/**
 * A client of the served API. `call` resolves `{ok, value|error, ms}`: the latency is
 * from the frame's send to its result's arrival, as the UI would feel it.
 */
export function connectServe(url) {
  const ws = new WebSocket(`ws://${url.host}/api/ws?token=${url.searchParams.get('token')}`, { headers: { origin: `http://${url.host}` } });
  const pending = new Map();
  const listeners = new Map();
  let nextId = 1;
  let eventFrames = 0;
  let eventBytes = 0;
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.t === 'event') {
      eventFrames++;
      eventBytes += data.length;
      for (const fn of listeners.get(frame.event) ?? []) fn(frame.payload);
      return;
    }
    const p = pending.get(frame.id);
    if (!p) return;
    pending.delete(frame.id);
    p({ ok: frame.ok, value: frame.value, error: frame.error, ms: Number(process.hrtime.bigint() - p.t0) / 1e6 });
  });
  const closed = new Promise((r) => ws.once('close', r));
  ws.on('close', () => {
    for (const p of pending.values()) p({ ok: false, error: { name: 'Closed', message: 'the connection closed' }, ms: NaN });
    pending.clear();
  });
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket refused: HTTP ${res.statusCode}`)));
  });
  return {
    opened,
    closed,
    call(channel, input) {
      const id = nextId++;
      return new Promise((resolve) => {
        resolve.t0 = process.hrtime.bigint();
        pending.set(id, resolve);
        ws.send(JSON.stringify({ t: 'call', id, channel, input }));
      });
    },
    /** Like `call`, but throws `Name: message` when the engine refused. */
    async must(channel, input) {
      const r = await this.call(channel, input);
      if (!r.ok) throw new Error(`${channel}: ${r.error.name}: ${r.error.message}`);
      return r.value;
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return () => listeners.get(event).delete(fn);
    },
    events: () => ({ frames: eventFrames, bytes: eventBytes }),
    close() {
      ws.close();
      return closed;
    },
  };
}
