/**
 * The domain API the renderer sees, and how it is built over a transport. This file
 * imports no runtime code (types only), so the sandboxed preload can bundle it alone.
 */
import type { AppInfo, EventChannel, EventPayload, IngestStart, RequestChannel, RequestOutput, ServicesPage, ServicesQuery } from './contract';
import type { JobSnapshot } from './model';

/** Prefix of IPC channel names in Electron, so they never clash with Electron's own. */
export const IPC_PREFIX = 'portolan:';

/** Calls one request channel; each transport supplies its own. */
export type Invoke = <C extends RequestChannel>(channel: C, input: unknown) => Promise<RequestOutput<C>>;
/** Subscribes to one event channel; returns the unsubscribe function. */
export type Subscribe = <E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void) => () => void;

/**
 * The domain API the renderer sees, whatever the transport: `window.portolan` in
 * Electron (built by the preload), the same shape over a WebSocket in `portolan serve`.
 * Nothing generic: one method per channel of the contract.
 */
export interface PortolanApi {
  app: { info(): Promise<AppInfo> };
  services: { list(query: ServicesQuery): Promise<ServicesPage> };
  ingest: { start(input: IngestStart): Promise<JobSnapshot> };
  jobs: { list(): Promise<JobSnapshot[]>; cancel(id: string): Promise<JobSnapshot> };
  on: Subscribe;
}

/** Builds the domain API over a transport's invoke/subscribe pair. */
export function buildApi(invoke: Invoke, subscribe: Subscribe): PortolanApi {
  return {
    app: { info: () => invoke('app.info', {}) },
    services: { list: (query) => invoke('services.list', query) },
    ingest: { start: (input) => invoke('ingest.start', input) },
    jobs: { list: () => invoke('jobs.list', {}), cancel: (id) => invoke('jobs.cancel', { id }) },
    on: subscribe,
  };
}

/** Event names, for transports that must refuse others (checked against `events` in tests). */
export const EVENT_NAMES: readonly EventChannel[] = ['job.updated', 'services.changed'];

/** Electron-only extra: main opens the native file dialog and starts the ingest itself. */
export const IPC_CHOOSE_CAPTURES = `${IPC_PREFIX}ingest.choose`;

/** What travels back over Electron IPC: errors as data, never thrown across the bridge. */
export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: { name: string; message: string } };

/** `window.portolan` in the Electron app. */
export interface ElectronPortolanApi extends PortolanApi {
  ingest: PortolanApi['ingest'] & { choose(): Promise<JobSnapshot | null> };
}
