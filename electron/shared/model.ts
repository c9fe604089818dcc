/**
 * Domain types shared by the engine, the Electron glue and the renderer.
 * Every enum lives here once, as a zod schema, so no process copies it by hand.
 * This folder imports nothing from Electron or Node.
 */
import { z } from './zod';

/** Transport of a listening service. */
export const Proto = z.enum(['tcp', 'udp']);
export type Proto = z.infer<typeof Proto>;

/**
 * How we know a service listens, strongest first within a protocol:
 * - `handshake`: the host sent a SYN-ACK from the TCP port (seen on the wire);
 * - `reply`: the host answered a UDP datagram sent to the port (seen on the wire);
 * - `scan`: our connect scanner completed a handshake with it;
 * - `import`: another tool's report (nmap XML) says it is open;
 * - `data`: no handshake seen, but the host acknowledged data sent to the port, and
 *   flags / fan-in / well-known ports point to it as the server (carries a confidence).
 */
export const Evidence = z.enum(['handshake', 'reply', 'scan', 'import', 'data']);
export type Evidence = z.infer<typeof Evidence>;

/** Rank used to pick the strongest evidence held for a service (higher wins). */
export const EVIDENCE_RANK: Record<Evidence, number> = {
  handshake: 5,
  reply: 5,
  scan: 4,
  import: 2,
  data: 1,
};

/**
 * Review status of an inventory entry:
 * - `new`: seen for the first time, not yet reviewed (the review queue);
 * - `approved`: reviewed, with a business justification and an owner;
 * - `flagged`: unexpected, with a reason; stays visible until resolved;
 * - `gone`: an approved or flagged service no longer seen (for the gone period), or found
 *   closed by a later scan; seen again, it returns to its previous status;
 * - `ignored`: noise, by an ignore rule or review (reason, optional expiry); kept in the
 *   inventory, out of the queue. See docs/inventory.md.
 */
export const ServiceStatus = z.enum(['new', 'approved', 'flagged', 'gone', 'ignored']);
export type ServiceStatus = z.infer<typeof ServiceStatus>;

/** Filter values only: `all`, and `listening` (every status but gone: what still listens). */
export const StatusFilter = z.enum(['new', 'approved', 'flagged', 'gone', 'ignored', 'all', 'listening']);
export type StatusFilter = z.infer<typeof StatusFilter>;

/** How sure an inference is: `certain` for handshake/reply/scan, lower for `data`. */
export const Confidence = z.enum(['certain', 'high', 'medium', 'low']);
export type Confidence = z.infer<typeof Confidence>;

/** Where a piece of evidence came from. */
export const SourceKind = z.enum(['capture', 'scan', 'import']);
export type SourceKind = z.infer<typeof SourceKind>;

/** One row of the inventory as the UI and the CLI show it. Times: ISO 8601 UTC. */
export const ServiceRow = z.object({
  id: z.number().int(),
  host: z.string(),
  port: z.number().int().min(0).max(65535),
  proto: Proto,
  evidence: Evidence,
  confidence: Confidence,
  status: ServiceStatus,
  service: z.string().nullable(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  /** Source labels, e.g. `capture:3`, most recent last. */
  sources: z.array(z.string()),
  flows: z.number().int(),
  bytes: z.number().int(),
  /** Insecure protocol label (e.g. `telnet`), null when none is known. See docs/inventory.md. */
  insecure: z.string().nullable().optional(),
  /** The current review: justification or flag reason, owner, who and when (ISO). */
  reason: z.string().nullable().optional(),
  owner: z.string().nullable().optional(),
  reviewedBy: z.string().nullable().optional(),
  reviewedAt: z.string().nullable().optional(),
  /** When Portolan first stored it (ISO), which `--since` and the "new per day" chart use. */
  createdAt: z.string().optional(),
  /** Names and MAC of the host, where an import or capture told us. */
  hostnames: z.array(z.string()).optional(),
  mac: z.string().nullable().optional(),
  banner: z.string().nullable().optional(),
  /** The rule (rules.id) that ignored or approved it, null when a review did or nothing has. */
  ruleId: z.number().int().nullable().optional(),
  /** An ignored service's end (ISO): the review's expiry, or its rule's; null when it has none. */
  ignoreUntil: z.string().nullable().optional(),
  /** The compensating-control note of an insecure service (PCI DSS 1.2.6), null when none. */
  compensatingControl: z.string().nullable().optional(),
});
export type ServiceRow = z.infer<typeof ServiceRow>;

export const SortKey = z.enum(['host', 'port', 'proto', 'evidence', 'status', 'service', 'firstSeen', 'lastSeen']);
export type SortKey = z.infer<typeof SortKey>;

/** Kinds of long work. */
export const JobKind = z.enum(['ingest', 'capture', 'scan', 'import']);
export type JobKind = z.infer<typeof JobKind>;

/**
 * Job lifecycle: `queued` → `running` → one of `done` | `failed` | `cancelled`.
 * `interrupted` marks a job found `running` in the database at start-up: the process
 * that ran it died (crash, kill, power cut); what it committed before is kept.
 */
export const JobStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);
export type JobStatus = z.infer<typeof JobStatus>;

export const ErrorInfo = z.object({ name: z.string(), message: z.string() });
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const JobProgress = z.object({
  /** Units done so far, e.g. bytes read. */
  done: z.number(),
  /** Units in all, when known. */
  total: z.number().nullable(),
  unit: z.string(),
  /** A short human line, e.g. "file 2 of 3: synscan.pcapng". */
  message: z.string().optional(),
  /** Named live counters of the job, e.g. a capture's packets, flows, newServices, kernelDrops. */
  counters: z.record(z.string(), z.number()).optional(),
});
export type JobProgress = z.infer<typeof JobProgress>;

/** The JSON face of a job, as sent in events and returned by calls. */
export const JobSnapshot = z.object({
  id: z.string(),
  kind: JobKind,
  status: JobStatus,
  progress: JobProgress.nullable(),
  abortable: z.boolean(),
  error: ErrorInfo.nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** Kind-specific outcome, e.g. counts of flows and services for an ingest. */
  result: z.record(z.string(), z.unknown()).nullable(),
  warnings: z.array(z.string()),
});
export type JobSnapshot = z.infer<typeof JobSnapshot>;

export const JOB_FINAL: readonly JobStatus[] = ['done', 'failed', 'cancelled', 'interrupted'];
