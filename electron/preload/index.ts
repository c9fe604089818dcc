/**
 * The sandboxed preload: exposes one domain API as `window.portolan`, built from the
 * contract's channel list. No generic invoke, no process.env, no Node.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { buildApi, EVENT_NAMES, IPC_CHOOSE_CAPTURES, IPC_INGEST_DROPPED, IPC_PREFIX, type ElectronPortolanApi, type Invoke, type IpcReply, type Subscribe } from '../shared/api';
import type { JobSnapshot } from '../shared/model';
import { DropLedger, type DropEventLike } from './drop-ledger';

function unwrap<T>(reply: IpcReply<T>): T {
  if (reply.ok) return reply.value;
  const err = new Error(reply.error.message);
  err.name = reply.error.name;
  throw err;
}

const invoke: Invoke = async (channel, input) => unwrap(await ipcRenderer.invoke(IPC_PREFIX + channel, input));

const subscribe: Subscribe = (event, listener) => {
  if (!EVENT_NAMES.includes(event)) throw new Error(`unknown event ${String(event)}`);
  const wrapped = (_e: IpcRendererEvent, payload: unknown): void => listener(payload as Parameters<typeof listener>[0]);
  ipcRenderer.on(IPC_PREFIX + event, wrapped);
  return () => {
    ipcRenderer.removeListener(IPC_PREFIX + event, wrapped);
  };
};

/**
 * Drops the user makes, seen from this isolated world before the page's own handlers
 * (capture phase). The page never names a path: it offers File objects, and only those of
 * the last trusted drop are turned into paths and sent to main.
 */
const drops = new DropLedger((file) => webUtils.getPathForFile(file as File));
(globalThis as unknown as { addEventListener(type: 'drop', fn: (ev: DropEventLike) => void, capture: boolean): void }).addEventListener('drop', (ev) => drops.record(ev), true);

const base = buildApi(invoke, subscribe);
const api: ElectronPortolanApi = {
  ...base,
  ingest: {
    ...base.ingest,
    choose: async () => unwrap<JobSnapshot | null>(await ipcRenderer.invoke(IPC_CHOOSE_CAPTURES)),
    drop: async (files) => unwrap<JobSnapshot>(await ipcRenderer.invoke(IPC_INGEST_DROPPED, { paths: drops.take(files) })),
  },
};

contextBridge.exposeInMainWorld('portolan', api);
