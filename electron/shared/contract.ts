/**
 * The one contract between the renderer and the engine, whatever carries it
 * (Electron IPC in the app, a WebSocket in `portolan serve`, direct calls in tests).
 * Every request channel has a zod schema for its input, checked at the door, and one
 * for its output. Events flow engine → renderer only.
 */
import { z } from './zod';
import { JobSnapshot, Proto, ServiceRow, SortKey, StatusFilter } from './model';
import {
  HostDetail,
  HostQuery,
  NewServicesEvent,
  OverviewQuery,
  OverviewStats,
  ReviewApply,
  ReviewResult,
  Rule,
  RuleDeleted,
  RuleInput,
  RuleSaved,
  ServiceHistory,
} from './inventory';
import {
  CaptureInterfaces,
  CaptureProfile,
  CaptureSelection,
  CaptureStart,
  CompiledFilter,
  FoundService,
  JobRefCapture,
  ProfileRef,
  ProfileSave,
} from './capture';
import { SnapshotDiff, SnapshotDiffInput, SnapshotExport, SnapshotExportInput, SnapshotSummary, SnapshotTake } from './snapshots';
import { ScanEstimate, ScanEstimateInput, ScanProgress, ScanRef, ScanResultRow, ScanResultsBatch, ScanResultsQuery, ScanRun, ScanRunsQuery, ScanStart, ScanStarted } from './scan';
import { TEXT_MAX } from './limits';
import { hasUnsafeChars, UNSAFE_MESSAGE } from './text';


export const ServicesQuery = z
  .object({
    status: StatusFilter.default('all'),
    /** Free text matched against host, port, service, status, protocol, evidence, insecure mark, owner, review reason, host names and banner. */
    search: z.string().max(TEXT_MAX).default(''),
    sort: SortKey.default('host'),
    dir: z.enum(['asc', 'desc']).default('asc'),
    offset: z.number().int().min(0).max(10_000_000).default(0),
    limit: z.number().int().min(1).max(5000).default(500),
    /** Narrower filters (review queue, bulk review, CLI); checked again by the engine. */
    port: z.number().int().min(0).max(65535).optional(),
    proto: Proto.optional(),
    /** CIDR or single address. */
    subnet: z.string().trim().max(64).regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, 'must be an IP address or a CIDR subnet').optional(),
    insecure: z.boolean().optional(),
    /** ISO 8601: only services first stored at or after it. */
    since: z.string().max(40).refine((v) => /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time').optional(),
  })
  .strict();
export type ServicesQuery = z.input<typeof ServicesQuery>;

/**
 * The whole of a services list as a file (the Inventory's "Export CSV"): the same filter
 * and order as services.list, every matching row instead of a page. The columns are the
 * CLI's (`portolan services --format csv|tsv`).
 */
export const ServicesExportInput = ServicesQuery.omit({ offset: true, limit: true })
  .extend({ format: z.enum(['csv', 'tsv']).default('csv') })
  .strict();
export type ServicesExportInput = z.input<typeof ServicesExportInput>;

export const ServicesPage = z.object({
  rows: z.array(ServiceRow),
  total: z.number().int(),
  counts: z.object({
    new: z.number().int(),
    approved: z.number().int(),
    flagged: z.number().int(),
    gone: z.number().int(),
    ignored: z.number().int().default(0),
  }),
});
export type ServicesPage = z.infer<typeof ServicesPage>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  dbPath: z.string(),
  transport: z.enum(['electron', 'web', 'memory']),
  /** The name reviews are recorded under ($PORTOLAN_USER, else the login running the engine). */
  reviewer: z.string().optional(),
});
export type AppInfo = z.infer<typeof AppInfo>;

/** A capture file the host side has been allowed to read (by a dialog or an upload). */
export const IngestStart = z
  .object({
    paths: z.array(z.string().min(1).max(4096)).min(1).max(1000),
    /** Protocol choice applied to the files exactly as to a live capture (docs/capture.md). */
    selection: CaptureSelection.optional(),
  })
  .strict();
export type IngestStart = z.infer<typeof IngestStart>;

export const JobRef = z.object({ id: z.string().min(1).max(64) }).strict();

const Empty = z.object({}).strict().optional();

/**
 * The compensating control of one service (PCI DSS 1.2.6: what makes up for an insecure
 * protocol that has to stay), as `portolan control` records it; an empty note clears it.
 * The status is left as it was; the service's history keeps a `control` (or
 * `control-cleared`) event with who and when.
 */
export const ServiceControl = z
  .object({
    id: z.number().int().min(1),
    note: z
      .string()
      .max(512)
      .refine((s) => !hasUnsafeChars(s), UNSAFE_MESSAGE),
  })
  .strict();
export type ServiceControl = z.infer<typeof ServiceControl>;
/** `changed`: false when the note was already that (nothing recorded). */
export const ServiceControlResult = z.object({ changed: z.boolean() });
export type ServiceControlResult = z.infer<typeof ServiceControlResult>;

/** Request channels: name → input and output schemas. */
export const requests = {
  'app.info': { input: Empty, output: AppInfo },
  'services.list': { input: ServicesQuery, output: ServicesPage },
  'services.export': { input: ServicesExportInput, output: SnapshotExport },
  'ingest.start': { input: IngestStart, output: JobSnapshot },
  'jobs.list': { input: Empty, output: z.array(JobSnapshot) },
  'jobs.cancel': { input: JobRef, output: JobSnapshot },
  'review.apply': { input: ReviewApply, output: ReviewResult },
  'rules.list': { input: Empty, output: z.array(Rule) },
  'rules.save': { input: RuleInput, output: RuleSaved },
  'rules.delete': { input: z.object({ id: z.number().int().min(1) }).strict(), output: RuleDeleted },
  'service.history': { input: z.object({ id: z.number().int().min(1) }).strict(), output: ServiceHistory },
  'service.control': { input: ServiceControl, output: ServiceControlResult },
  'host.get': { input: HostQuery, output: HostDetail },
  'overview.stats': { input: OverviewQuery, output: OverviewStats },
  'scan.estimate': { input: ScanEstimateInput, output: ScanEstimate },
  'scan.start': { input: ScanStart, output: ScanStarted },
  'scan.pause': { input: ScanRef, output: ScanProgress },
  'scan.resume': { input: ScanRef, output: ScanProgress },
  'scan.runs': { input: ScanRunsQuery, output: z.array(ScanRun) },
  'scan.results': { input: ScanResultsQuery, output: z.array(ScanResultRow) },
  'capture.interfaces': { input: Empty, output: CaptureInterfaces },
  'capture.compile': { input: CaptureSelection, output: CompiledFilter },
  'capture.start': { input: CaptureStart, output: JobSnapshot },
  'capture.stop': { input: JobRefCapture, output: JobSnapshot },
  'capture.found': { input: JobRefCapture, output: z.array(FoundService) },
  'capture.profiles.list': { input: Empty, output: z.array(CaptureProfile) },
  'capture.profiles.save': { input: ProfileSave, output: CaptureProfile },
  'capture.profiles.delete': { input: ProfileRef, output: z.object({ deleted: z.boolean() }) },
  'snapshots.list': { input: Empty, output: z.array(SnapshotSummary) },
  'snapshots.take': { input: SnapshotTake, output: SnapshotSummary },
  'snapshots.diff': { input: SnapshotDiffInput, output: SnapshotDiff },
  'snapshots.export': { input: SnapshotExportInput, output: SnapshotExport },
} as const;

export type RequestChannel = keyof typeof requests;
export type RequestInput<C extends RequestChannel> = z.input<(typeof requests)[C]['input']>;
export type RequestOutput<C extends RequestChannel> = z.infer<(typeof requests)[C]['output']>;

/** Event channels: name → payload schema. Progress events are batched (≤10/s per job). */
export const events = {
  'job.updated': JobSnapshot,
  /** The inventory changed; `added` counts services seen for the first time. */
  'services.changed': z.object({ added: z.number().int(), updated: z.number().int() }),
  /** Services that entered the review queue (grouped; for notifications and the badge). */
  'services.new': NewServicesEvent,
  /** A sweep's live counts, rate and ETA (a few per second). */
  'scan.progress': ScanProgress,
  /** Probe results as they are stored, in batches. */
  'scan.results': ScanResultsBatch,
} as const;

export type EventChannel = keyof typeof events;
export type EventPayload<E extends EventChannel> = z.infer<(typeof events)[E]>;

export const REQUEST_CHANNELS = Object.keys(requests) as RequestChannel[];
export const EVENT_CHANNELS = Object.keys(events) as EventChannel[];


/** Errors cross every transport as plain `{name, message}`. */
export function toErrorInfo(err: unknown): { name: string; message: string } {
  if (err instanceof z.ZodError) {
    const first = err.issues[0];
    const where = first && first.path.length ? ` at ${first.path.join('.')}` : '';
    return { name: 'InvalidInput', message: `${first?.message ?? 'invalid input'}${where}` };
  }
  if (err instanceof Error) return { name: err.name || 'Error', message: err.message };
  return { name: 'Error', message: String(err) };
}

/** Parse a request's input against its channel schema; throws ZodError on bad input. */
export function parseInput<C extends RequestChannel>(channel: C, input: unknown): z.infer<(typeof requests)[C]['input']> {
  const spec = requests[channel];
  return spec.input.parse(input) as z.infer<(typeof requests)[C]['input']>;
}

export function isRequestChannel(name: unknown): name is RequestChannel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}

export * from './api';
