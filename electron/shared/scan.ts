/**
 * The connect scanner's part of the contract: what starts a sweep, the estimate shown
 * while typing, runs and their per-port results, and the live events. Schemas only.
 *
 * Port states (docs/scanner.md has the full table):
 * - `open`: the handshake completed (reason `syn-ack`);
 * - `closed`: the host answered with a TCP reset (`conn-refused`);
 * - `filtered`: no answer after the retries (`no-response`), or an ICMP unreachable /
 *   administratively prohibited (`host-unreach`, `net-unreach`), or this machine's own
 *   firewall refused (`local-firewall`);
 * - `error`: no answer could be had, for a local reason that persisted after back-off
 *   (`local:EMFILE`, `local:EADDRNOTAVAIL`, …) or because the OS refused the address
 *   (`os-refused:…`, e.g. a broadcast address).
 */
import { z } from './zod';
import { SCAN_RATE, SCAN_TIMEOUT_MS } from './limits';

export const PortState = z.enum(['open', 'closed', 'filtered', 'error']);
export type PortState = z.infer<typeof PortState>;

/** Speed profiles: gentle for fragile networks, fast for loopback and labs. */
export const ScanProfileName = z.enum(['gentle', 'normal', 'fast']);
export type ScanProfileName = z.infer<typeof ScanProfileName>;

export interface ScanProfile {
  concurrency: number;
  perHost: number;
  timeoutMs: number;
  retries: number;
  rate: number | null;
}

export const SCAN_PROFILES: Record<ScanProfileName, ScanProfile> = {
  gentle: { concurrency: 64, perHost: 8, timeoutMs: 2000, retries: 2, rate: 100 },
  normal: { concurrency: 1000, perHost: 500, timeoutMs: 1000, retries: 1, rate: null },
  fast: { concurrency: 5000, perHost: 5000, timeoutMs: 750, retries: 1, rate: null },
};

const TargetText = z.string().max(65_536);
const PortText = z.string().trim().min(1, 'give the ports to probe').max(4096);

export const ScanEstimateInput = z
  .object({
    targets: TargetText,
    excludes: TargetText.default(''),
    ports: z.string().max(4096).default(''),
  })
  .strict();
export type ScanEstimateInput = z.input<typeof ScanEstimateInput>;

/** Counts are decimal strings: an IPv6 /64 does not fit a JSON number. */
export const ScanEstimate = z.object({
  addresses: z.string(),
  /** Hostnames still to resolve (each one or more addresses). */
  names: z.number().int(),
  ports: z.number().int().nullable(),
  probes: z.string(),
  /** True when the sweep needs an explicit confirmation. */
  large: z.boolean(),
  targetErrors: z.array(z.string()),
  portError: z.string().nullable(),
});
export type ScanEstimate = z.infer<typeof ScanEstimate>;

export const ScanStart = z
  .object({
    targets: TargetText.refine((s) => s.trim() !== '', 'give at least one target'),
    excludes: TargetText.default(''),
    ports: PortText,
    profile: ScanProfileName.default('normal'),
    concurrency: z.number().int().min(1).max(100_000).optional(),
    perHost: z.number().int().min(1).max(100_000).optional(),
    timeoutMs: z.number().int().min(SCAN_TIMEOUT_MS.min).max(SCAN_TIMEOUT_MS.max).optional(),
    retries: z.number().int().min(0).max(10).optional(),
    /** Probes per second; null or absent: no limit. */
    rate: z.number().int().min(SCAN_RATE.min).max(SCAN_RATE.max).nullable().optional(),
    bannerWaitMs: z.number().int().min(0).max(10_000).optional(),
    /** Send `HEAD / HTTP/1.0` to every open port, any number, that sent nothing within the banner wait. */
    httpProbe: z.boolean().optional(),
    /** Required for large sweeps (see ScanEstimate.large). */
    confirmLarge: z.boolean().default(false),
  })
  .strict();
export type ScanStart = z.input<typeof ScanStart>;

export const ScanRef = z.object({ id: z.string().min(1).max(64) }).strict();

export const ScanRunsQuery = z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict().optional();

export const ScanRun = z.object({
  id: z.number().int(),
  jobId: z.string().nullable(),
  targets: z.string(),
  excludes: z.string(),
  ports: z.string(),
  params: z.record(z.string(), z.unknown()),
  startedBy: z.string(),
  startedHost: z.string().nullable(),
  sourceAddr: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** running | complete | incomplete (cancelled, failed or interrupted; what was found is kept). */
  status: z.string(),
  addresses: z.string(),
  portCount: z.number().int(),
  probesTotal: z.number(),
  probesDone: z.number(),
  open: z.number().int(),
  closed: z.number().int(),
  filtered: z.number().int(),
  errors: z.number().int(),
  warnings: z.array(z.string()),
  /** Why an incomplete run stopped (its job's final status, from the store); null otherwise or when unknown. */
  stopReason: z.enum(['cancelled', 'failed', 'interrupted']).nullable(),
});
export type ScanRun = z.infer<typeof ScanRun>;

export const ScanStarted = z.object({ scanId: z.number().int(), jobId: z.string() });
export type ScanStarted = z.infer<typeof ScanStarted>;

export const ScanResultsQuery = z
  .object({
    scanId: z.number().int().min(1),
    state: z.enum(['open', 'closed', 'filtered', 'error', 'all']).default('open'),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(10_000).default(1000),
  })
  .strict();
export type ScanResultsQuery = z.input<typeof ScanResultsQuery>;

export const ScanResultRow = z.object({
  host: z.string(),
  port: z.number().int(),
  proto: z.literal('tcp'),
  state: PortState,
  reason: z.string(),
  rttUs: z.number().int().nullable(),
  banner: z.string().nullable(),
  service: z.string().nullable(),
  attempts: z.number().int(),
  probedAt: z.string(),
});
export type ScanResultRow = z.infer<typeof ScanResultRow>;

/** Live progress of a sweep, at most a few times a second. */
export const ScanProgress = z.object({
  jobId: z.string(),
  scanId: z.number().int(),
  done: z.number(),
  total: z.number(),
  open: z.number().int(),
  closed: z.number().int(),
  filtered: z.number().int(),
  errors: z.number().int(),
  /** Probes per second over the last few seconds. */
  rate: z.number(),
  /** Seconds left at that rate, null when unknown. */
  etaS: z.number().nullable(),
  paused: z.boolean(),
  /** Probes in flight allowed now (adapts to descriptors and drops). */
  window: z.number().int(),
  final: z.boolean(),
});
export type ScanProgress = z.infer<typeof ScanProgress>;

/** Results as they are stored, in batches (open ports, and every state for the grid). */
export const ScanResultsBatch = z.object({ jobId: z.string(), scanId: z.number().int(), rows: z.array(ScanResultRow) });
export type ScanResultsBatch = z.infer<typeof ScanResultsBatch>;
