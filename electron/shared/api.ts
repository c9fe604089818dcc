/**
 * The domain API the renderer sees, and how it is built over a transport. This file
 * imports no runtime code (types only), so the sandboxed preload can bundle it alone.
 */
import type { AppInfo, EventChannel, EventPayload, IngestStart, RequestChannel, RequestOutput, ServiceControlResult, ServicesExportInput, ServicesPage, ServicesQuery } from './contract';
import type { JobSnapshot } from './model';
import type { ScanEstimate, ScanEstimateInput, ScanProgress, ScanResultRow, ScanResultsQuery, ScanRun, ScanStart, ScanStarted } from './scan';
import type { CaptureInterfaces, CaptureProfile, CaptureSelectionInput, CaptureStart, CompiledFilter, FoundService } from './capture';
import type { ExportFormat, SnapshotDiff, SnapshotExport, SnapshotSummary, SnapshotTake } from './snapshots';
import type { HostDetail, OverviewStats, ReviewApply, ReviewResult, Rule, RuleInput, ServiceHistory } from './inventory';

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
  services: { list(query: ServicesQuery): Promise<ServicesPage>; export(query: ServicesExportInput): Promise<SnapshotExport> };
  ingest: { start(input: IngestStart): Promise<JobSnapshot> };
  jobs: { list(): Promise<JobSnapshot[]>; cancel(id: string): Promise<JobSnapshot> };
  review: {
    apply(input: ReviewApply): Promise<ReviewResult>;
    history(id: number): Promise<ServiceHistory>;
    /** Records (empty note: clears) a service's compensating control. */
    control(id: number, note: string): Promise<ServiceControlResult>;
  };
  rules: {
    list(): Promise<Rule[]>;
    save(input: RuleInput): Promise<{ rule: Rule; applied: number }>;
    remove(id: number): Promise<{ id: number; released: number }>;
  };
  hosts: { get(host: string): Promise<HostDetail> };
  overview: { stats(days?: number): Promise<OverviewStats> };
  scan: {
    estimate(input: ScanEstimateInput): Promise<ScanEstimate>;
    start(input: ScanStart): Promise<ScanStarted>;
    pause(jobId: string): Promise<ScanProgress>;
    resume(jobId: string): Promise<ScanProgress>;
    runs(limit?: number): Promise<ScanRun[]>;
    results(query: ScanResultsQuery): Promise<ScanResultRow[]>;
  };
  capture: {
    interfaces(): Promise<CaptureInterfaces>;
    compile(selection: CaptureSelectionInput): Promise<CompiledFilter>;
    start(input: CaptureStart): Promise<JobSnapshot>;
    stop(jobId: string): Promise<JobSnapshot>;
    found(jobId: string): Promise<FoundService[]>;
    profiles: {
      list(): Promise<CaptureProfile[]>;
      save(name: string, selection: CaptureSelectionInput): Promise<CaptureProfile>;
      remove(name: string): Promise<{ deleted: boolean }>;
    };
  };
  snapshots: {
    list(): Promise<SnapshotSummary[]>;
    take(input: SnapshotTake): Promise<SnapshotSummary>;
    diff(a: number, b: number): Promise<SnapshotDiff>;
    export(id: number, format: ExportFormat): Promise<SnapshotExport>;
  };
  on: Subscribe;
}

/** Builds the domain API over a transport's invoke/subscribe pair. */
export function buildApi(invoke: Invoke, subscribe: Subscribe): PortolanApi {
  return {
    app: { info: () => invoke('app.info', {}) },
    services: { list: (query) => invoke('services.list', query), export: (query) => invoke('services.export', query) },
    ingest: { start: (input) => invoke('ingest.start', input) },
    jobs: { list: () => invoke('jobs.list', {}), cancel: (id) => invoke('jobs.cancel', { id }) },
    review: { apply: (input) => invoke('review.apply', input), history: (id) => invoke('service.history', { id }), control: (id, note) => invoke('service.control', { id, note }) },
    rules: { list: () => invoke('rules.list', {}), save: (input) => invoke('rules.save', input), remove: (id) => invoke('rules.delete', { id }) },
    hosts: { get: (host) => invoke('host.get', { host }) },
    overview: { stats: (days) => invoke('overview.stats', days === undefined ? {} : { days }) },
    scan: {
      estimate: (input) => invoke('scan.estimate', input),
      start: (input) => invoke('scan.start', input),
      pause: (id) => invoke('scan.pause', { id }),
      resume: (id) => invoke('scan.resume', { id }),
      runs: (limit) => invoke('scan.runs', limit === undefined ? {} : { limit }),
      results: (query) => invoke('scan.results', query),
    },
    capture: {
      interfaces: () => invoke('capture.interfaces', {}),
      compile: (selection) => invoke('capture.compile', selection),
      start: (input) => invoke('capture.start', input),
      stop: (id) => invoke('capture.stop', { id }),
      found: (id) => invoke('capture.found', { id }),
      profiles: {
        list: () => invoke('capture.profiles.list', {}),
        save: (name, selection) => invoke('capture.profiles.save', { name, selection }),
        remove: (name) => invoke('capture.profiles.delete', { name }),
      },
    },
    snapshots: {
      list: () => invoke('snapshots.list', {}),
      take: (input) => invoke('snapshots.take', input),
      diff: (a, b) => invoke('snapshots.diff', { a, b }),
      export: (id, format) => invoke('snapshots.export', { id, format }),
    },
    on: subscribe,
  };
}

/** Event names, for transports that must refuse others (checked against `events` in tests). */
export const EVENT_NAMES: readonly EventChannel[] = ['job.updated', 'services.changed', 'services.new', 'scan.progress', 'scan.results'];

/** Electron-only extra: main opens the native file dialog and starts the ingest itself. */
export const IPC_CHOOSE_CAPTURES = `${IPC_PREFIX}ingest.choose`;

/**
 * Electron-only extra: files dropped on the window. The preload sends the paths of files
 * the user really dropped (see electron/preload/drop-ledger.ts); main validates them
 * (`IngestDropped`), grants them like dialog-picked files and starts the ingest.
 */
export const IPC_INGEST_DROPPED = `${IPC_PREFIX}ingest.dropped`;

/**
 * File name endings taken as capture files by the drop zone and the drop grant (the
 * engine still reads the format from the bytes). The file dialog offers the same.
 */
export const CAPTURE_EXTENSIONS: readonly string[] = ['.pcap', '.pcapng', '.cap', '.dmp'];

/** Whether a file name ends like a capture file (any case); `notes.txt` does not. */
export function isCaptureFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return CAPTURE_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length && !/[\\/]$/.test(lower.slice(0, -ext.length)));
}

/** What travels back over Electron IPC: errors as data, never thrown across the bridge. */
export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: { name: string; message: string } };

/** `window.portolan` in the Electron app. */
export interface ElectronPortolanApi extends PortolanApi {
  ingest: PortolanApi['ingest'] & {
    choose(): Promise<JobSnapshot | null>;
    /** Ingests files the user dropped on the window; refused for any other File. */
    drop(files: File[]): Promise<JobSnapshot>;
  };
}
