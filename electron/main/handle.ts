/**
 * The one way a renderer request reaches the engine: the sender must be our own window's
 * main frame showing our own page; the input is parsed by the channel's schema (inside
 * `engine.handle`); errors come back as `{name, message}` data.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { toErrorInfo, type RequestChannel } from '../shared/contract';
import { IPC_PREFIX, type IpcReply } from '../shared/api';

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

export function handle(channel: string, isTrusted: SenderCheck, fn: (input: unknown) => Promise<unknown>): void {
  ipcMain.handle(IPC_PREFIX + channel, async (event, input: unknown): Promise<IpcReply<unknown>> => {
    if (!isTrusted(event)) return { ok: false, error: { name: 'Forbidden', message: 'request from an untrusted frame' } };
    try {
      return { ok: true, value: await fn(input) };
    } catch (err) {
      return { ok: false, error: toErrorInfo(err) };
    }
  });
}

export type { RequestChannel };
