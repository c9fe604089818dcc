/**
 * Pure pieces of the web transport (`portolan serve`): URLs, frame parsing, the table of
 * calls awaiting a result, and event fan-out. No I/O here, so all of it is unit-tested
 * without a socket; `bridge.ts` wires it to a real WebSocket.
 */
import { z } from '../../../electron/shared/zod';
import {
  events,
  requests,
  TOKEN_PARAM,
  UPLOAD_PATH,
  WS_PATH,
  type ErrorInfo,
  type EventChannel,
  type EventPayload,
  type RequestChannel,
  type RequestOutput,
  type ServerFrame,
} from '../../../electron/shared';

/** The session token from the page URL's query string (`?token=…`), or null. */
export function readToken(search: string): string | null {
  const token = new URLSearchParams(search).get(TOKEN_PARAM);
  return token ? token : null;
}

/** WebSocket URL on the page's own origin; `wss:` when the page came over https. */
export function buildWsUrl(loc: { protocol: string; host: string }, token: string): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
}

/** Upload endpoint for one file, relative to the page's origin. */
export function buildUploadUrl(fileName: string): string {
  return `${UPLOAD_PATH}?name=${encodeURIComponent(fileName)}`;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from `base`, capped at
 * `max`, with jitter in [50 %, 100 %] so many tabs do not reconnect in lockstep.
 */
export function backoffDelay(attempt: number, base = 500, max = 15_000, random: () => number = Math.random): number {
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(raw * (0.5 + random() / 2));
}

const ErrorInfoShape = z.object({ name: z.string(), message: z.string() });
const ServerFrameShape = z.union([
  z.object({ t: z.literal('result'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ t: z.literal('result'), id: z.number().int(), ok: z.literal(false), error: ErrorInfoShape }),
  z.object({ t: z.literal('event'), event: z.string(), payload: z.unknown() }),
]);

/** Parses one text frame from the server; null when it is not JSON or not a known frame. */
export function parseServerFrame(raw: unknown): ServerFrame | null {
  if (typeof raw !== 'string') return null;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = ServerFrameShape.safeParse(data);
  return parsed.success ? (parsed.data as ServerFrame) : null;
}

/** An error reported by the other side (or the transport), keeping its `{name, message}`. */
export class RemoteError extends Error {
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = info.name;
  }
}

interface Pending {
  channel: RequestChannel;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * Calls awaiting their result, by frame id. Results are checked against the channel's
 * output schema, so a server that drifts from the contract fails loudly, at the door.
 */
export class PendingCalls {
  private readonly calls = new Map<number, Pending>();

  get size(): number {
    return this.calls.size;
  }

  add<C extends RequestChannel>(id: number, channel: C): Promise<RequestOutput<C>> {
    return new Promise<RequestOutput<C>>((resolve, reject) => {
      this.calls.set(id, { channel, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /** Settles the call a result frame answers; false when no call has that id. */
  settle(frame: Extract<ServerFrame, { t: 'result' }>): boolean {
    const call = this.calls.get(frame.id);
    if (!call) return false;
    this.calls.delete(frame.id);
    if (!frame.ok) {
      call.reject(new RemoteError(frame.error));
      return true;
    }
    const checked = requests[call.channel].output.safeParse(frame.value);
    if (checked.success) call.resolve(checked.data);
    else call.reject(new RemoteError({ name: 'ProtocolError', message: `bad ${call.channel} result from server: ${checked.error.issues[0]?.message ?? 'invalid'}` }));
    return true;
  }

  rejectAll(err: Error): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) call.reject(err);
  }
}

type AnyListener = (payload: never) => void;

/** Event listeners by channel; payloads are checked against the contract before delivery. */
export class EventHub {
  private readonly listeners = new Map<EventChannel, Set<AnyListener>>();

  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as AnyListener);
    return () => {
      set.delete(listener as AnyListener);
    };
  }

  /** Delivers an event; returns an error text when the frame is not a valid event. */
  emit(event: string, payload: unknown): string | null {
    if (!Object.prototype.hasOwnProperty.call(events, event)) return `unknown event ${event}`;
    const name = event as EventChannel;
    const parsed = events[name].safeParse(payload);
    if (!parsed.success) return `bad ${name} payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        (listener as (p: unknown) => void)(parsed.data);
      } catch (err) {
        // One broken listener must not starve the others; report it, keep going.
        console.error(`listener for ${name} failed`, err);
      }
    }
    return null;
  }
}

/** Reads an upload failure body (`{name,message}`, `{error:{name,message}}` or text). */
export function uploadError(status: number, body: string, fileName: string): ErrorInfo {
  try {
    const data: unknown = JSON.parse(body);
    const direct = ErrorInfoShape.safeParse(data);
    if (direct.success) return direct.data;
    const nested = z.object({ error: ErrorInfoShape }).safeParse(data);
    if (nested.success) return nested.data.error;
  } catch {
    // not JSON: fall through to the text
  }
  const text = body.trim().slice(0, 300);
  return { name: 'UploadFailed', message: `upload of ${fileName} failed (HTTP ${status})${text ? `: ${text}` : ''}` };
}
