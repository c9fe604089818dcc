/**
 * The platform bridge: the only module that touches a transport. Everything else in
 * the renderer sees `Platform` (the domain API plus an import action), so tests can
 * hand the stores a real engine over any transport.
 *
 * - Electron: the preload's `window.portolan`; importing opens the native dialog in main.
 * - Web (`portolan serve`): JSON frames over one WebSocket, file bytes over HTTP POST.
 */
import {
  buildApi,
  MAX_UPLOAD_BYTES,
  TOKEN_HEADER,
  UploadReply,
  WS_PATH,
  type Invoke,
  type JobSnapshot,
  type PortolanApi,
  type Subscribe,
} from '../../../electron/shared';
import type { Connection, ConnectionState, ImportStage, Platform, PreloadApi } from './types';
import {
  backoffDelay,
  buildUploadUrl,
  buildWsUrl,
  EventHub,
  parseServerFrame,
  PendingCalls,
  readToken,
  RemoteError,
  uploadError,
} from './wire-client';

/** File types offered by the picker; the engine sniffs the real format from the bytes. */
/** WebSocket.OPEN, spelled out so an injected implementation needs no statics. */
const WS_OPEN = 1;

export const CAPTURE_ACCEPT = '.pcap,.pcapng,.cap';

class StateCell implements Connection {
  private value: ConnectionState;
  private readonly listeners = new Set<(s: ConnectionState) => void>();
  constructor(initial: ConnectionState) {
    this.value = initial;
  }
  state(): ConnectionState {
    return this.value;
  }
  set(next: ConnectionState): void {
    if (next === this.value) return;
    this.value = next;
    for (const l of [...this.listeners]) l(next);
  }
  onChange(listener: (s: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface WsTransportOptions {
  url: string;
  /** The WebSocket class; the browser's by default, `ws` in node tests. */
  WebSocketImpl?: new (url: string) => WebSocket;
  /** Delay before reconnect attempt n (0-based), in ms. */
  backoff?: (attempt: number) => number;
  /**
   * Asked when a socket closes without ever opening: false when the server refuses this
   * session's token (serve restarted with a new one, or the link is wrong), true when it
   * accepts it, null when it cannot tell (server away).
   */
  checkToken?: () => Promise<boolean | null>;
  /** Delay between attempts while the token is refused, in ms (30 s). */
  refusedRetryMs?: number;
}

export interface WsTransport {
  invoke: Invoke;
  subscribe: Subscribe;
  connection: Connection;
  /** Closes for good: no reconnect, pending calls rejected. */
  close(): void;
}

/**
 * One WebSocket, reopened with backoff when it drops. Calls made while it is connecting
 * are queued; when the socket closes, every call awaiting a result is rejected (the
 * server may or may not have run it, so a silent replay would be wrong).
 *
 * A refused token never heals by retrying fast: the state turns `unauthorized`, calls
 * fail at once with that reason, and the socket is tried again only every
 * `refusedRetryMs` (a serve restarted with the same `--token`… would let it back in).
 */
export function createWsTransport(opts: WsTransportOptions): WsTransport {
  const Impl = opts.WebSocketImpl ?? WebSocket;
  const backoff = opts.backoff ?? ((n: number) => backoffDelay(n));
  const refusedRetryMs = opts.refusedRetryMs ?? 30_000;
  const pending = new PendingCalls();
  const hub = new EventHub();
  const conn = new StateCell('connecting');
  const outbox: string[] = [];
  let socket: WebSocket | null = null;
  let attempt = 0;
  let nextId = 1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  /** A token check is in flight: the next attempt is scheduled once it answers. */
  let checking = false;

  function connect(): void {
    timer = undefined;
    // A refused session keeps saying so while it quietly tries again.
    if (conn.state() !== 'unauthorized') conn.set('connecting');
    const ws = new Impl(opts.url);
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      attempt = 0;
      conn.set('open');
      for (const frame of outbox.splice(0)) ws.send(frame);
    };
    ws.onmessage = (ev: MessageEvent) => {
      const frame = parseServerFrame(ev.data);
      if (!frame) return console.error('portolan: unreadable frame from server', ev.data);
      if (frame.t === 'result') {
        if (!pending.settle(frame)) console.error(`portolan: result for unknown call ${frame.id}`);
      } else {
        const problem = hub.emit(frame.event, frame.payload);
        if (problem) console.error(`portolan: ${problem}`);
      }
    };
    ws.onerror = () => {
      // A close event always follows; that is where calls are rejected and retried.
    };
    ws.onclose = (ev: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      outbox.length = 0;
      const why = ev.reason ? `: ${ev.reason}` : '';
      pending.rejectAll(conn.state() === 'unauthorized' ? refused() : new RemoteError({ name: 'Disconnected', message: `lost the connection to the Portolan server (code ${ev.code}${why})` }));
      if (stopped) return;
      if (opened || !opts.checkToken) return retry(null);
      checking = true;
      opts.checkToken().then(retry, () => retry(null));
    };
  }

  /** Schedules the next attempt from what the token check said (null: no answer). */
  function retry(tokenOk: boolean | null): void {
    checking = false;
    if (stopped) return;
    if (tokenOk === false) {
      conn.set('unauthorized');
      timer = setTimeout(connect, refusedRetryMs);
      return;
    }
    conn.set('closed');
    timer = setTimeout(connect, backoff(attempt++));
  }

  const invoke = ((channel, input) => {
    if (stopped) return Promise.reject(new RemoteError({ name: 'Disconnected', message: 'the connection was closed' }));
    if (conn.state() === 'unauthorized') return Promise.reject(refused());
    const id = nextId++;
    const result = pending.add(id, channel);
    const frame = JSON.stringify({ t: 'call', id, channel, input: input ?? {} });
    if (socket && socket.readyState === WS_OPEN) socket.send(frame);
    else {
      outbox.push(frame);
      // Waiting out the backoff would leave the user staring at a spinner: try now.
      if (!socket && !checking) {
        if (timer !== undefined) clearTimeout(timer);
        connect();
      }
    }
    return result;
  }) as Invoke;

  connect();
  return {
    invoke,
    subscribe: ((event, listener) => hub.on(event, listener)) as Subscribe,
    connection: conn,
    close() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      socket?.close(1000, 'client closed');
    },
  };
}

function refused(): RemoteError {
  return new RemoteError({ name: 'Unauthorized', message: 'this session token is no longer valid: open the URL that `portolan serve` printed' });
}

/**
 * Whether the server still accepts `token`: a plain GET on the WebSocket path answers
 * 401 (refused) or 426 (accepted, upgrade to a WebSocket); anything else is no answer.
 */
export async function checkToken(token: string, fetchImpl: typeof fetch = fetch): Promise<boolean | null> {
  try {
    const res = await fetchImpl(WS_PATH, { headers: { [TOKEN_HEADER]: token }, cache: 'no-store' });
    return res.status === 401 ? false : res.status === 426 ? true : null;
  } catch {
    return null;
  }
}

/** Uploads one capture file's raw bytes; resolves with the server-side path. */
export async function uploadCapture(file: File, token: string, fetchImpl: typeof fetch = fetch): Promise<UploadReply> {
  if (file.size > MAX_UPLOAD_BYTES) {
    throw new RemoteError({ name: 'TooLarge', message: `${file.name} is ${file.size} bytes; the upload limit is ${MAX_UPLOAD_BYTES} bytes` });
  }
  const res = await fetchImpl(buildUploadUrl(file.name), {
    method: 'POST',
    headers: { [TOKEN_HEADER]: token, 'content-type': 'application/octet-stream' },
    body: file,
  });
  const body = await res.text();
  if (!res.ok) throw new RemoteError(uploadError(res.status, body, file.name));
  const parsed = UploadReply.safeParse(safeJson(body));
  if (!parsed.success) throw new RemoteError({ name: 'ProtocolError', message: `unexpected upload reply for ${file.name}` });
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Opens the browser's file picker; resolves with the chosen files, [] when cancelled. */
export function pickCaptureFiles(doc: Document = document): Promise<File[]> {
  return new Promise((resolve) => {
    const input = doc.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.accept = CAPTURE_ACCEPT;
    input.hidden = true;
    let settled = false;
    const done = (files: File[]) => {
      if (settled) return;
      settled = true;
      input.remove();
      resolve(files);
    };
    input.addEventListener('change', () => done(Array.from(input.files ?? [])));
    input.addEventListener('cancel', () => done([]));
    doc.body.append(input);
    input.click();
  });
}

/** Web import: pick, upload each file, then one ingest job over all uploaded paths. */
export async function importViaUpload(api: PortolanApi, token: string, files: File[], onStage?: ImportStage, fetchImpl?: typeof fetch): Promise<JobSnapshot | null> {
  if (files.length === 0) return null;
  const paths: string[] = [];
  for (const [i, file] of files.entries()) {
    onStage?.(`Uploading ${file.name} (${i + 1} of ${files.length})`);
    paths.push((await uploadCapture(file, token, fetchImpl)).path);
  }
  onStage?.('Starting ingest');
  return api.ingest.start({ paths });
}

function electronPlatform(preload: PreloadApi): Platform {
  return {
    api: preload,
    kind: 'electron',
    connection: new StateCell('open'),
    importCaptures: (_onStage, files) => (files ? preload.ingest.drop(files) : preload.ingest.choose()),
  };
}

function webPlatform(): Platform {
  const token = readToken(window.location.search);
  if (!token) {
    throw new RemoteError({ name: 'NoToken', message: 'this page needs the token from the URL printed by `portolan serve` (…/?token=…)' });
  }
  const transport = createWsTransport({ url: buildWsUrl(window.location, token), checkToken: () => checkToken(token) });
  const api = buildApi(transport.invoke, transport.subscribe);
  return {
    api,
    kind: 'web',
    connection: transport.connection,
    importCaptures: async (onStage, files) => importViaUpload(api, token, files ?? (await pickCaptureFiles()), onStage),
  };
}

let current: Platform | null = null;

/** The platform this page runs on, created once. Throws (with a readable message) when neither fits. */
export function getPlatform(): Platform {
  current ??= window.portolan ? electronPlatform(window.portolan) : webPlatform();
  return current;
}
