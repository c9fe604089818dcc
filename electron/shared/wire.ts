/**
 * The web transport of the contract (`portolan serve`): JSON frames over one WebSocket,
 * plus one HTTP endpoint to upload capture files. The token printed in the served URL
 * must accompany every request; the server also checks the Origin.
 */
import { z } from './zod';

export const WS_PATH = '/api/ws';
export const UPLOAD_PATH = '/api/upload';
/** Query parameter (page URL, WebSocket URL) and header carrying the session token. */
export const TOKEN_PARAM = 'token';
export const TOKEN_HEADER = 'x-portolan-token';
/** Largest capture file accepted by upload, in bytes (4 GiB). */
export const MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

/** Client → server. `id` pairs a call with its result. */
export const ClientFrame = z
  .object({
    t: z.literal('call'),
    id: z.number().int().min(0),
    channel: z.string().max(64),
    input: z.unknown(),
  })
  .strict();
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Server → client. */
export type ServerFrame =
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: { name: string; message: string } }
  | { t: 'event'; event: string; payload: unknown };

/** Reply of a successful upload: the server-side path the ingest may read. */
export const UploadReply = z.object({ path: z.string(), bytes: z.number().int() });
export type UploadReply = z.infer<typeof UploadReply>;
