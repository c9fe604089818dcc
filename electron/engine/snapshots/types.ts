/**
 * The sealed snapshot document: what `snapshot export --format json` writes and what
 * `snapshot verify` reads. Field meanings are documented in docs/snapshots.md; every time
 * is ISO 8601 UTC with the offset written out (`+00:00`).
 */

export const FORMAT = 'portolan-snapshot';
export const FORMAT_VERSION = 1;
export const SEAL_ALGORITHM = 'sha256';
export const CANONICALIZATION = 'RFC 8785 (JCS): keys sorted, no whitespace, integers only';

export interface SnapshotMeta {
  format: typeof FORMAT;
  formatVersion: typeof FORMAT_VERSION;
  /** The snapshot's number in its database (1, 2, …). */
  id: number;
  takenAt: string;
  takenBy: string;
  note: string;
  /** `all`, `subnet:<cidr>` or `tag:<name>`. */
  scope: string;
  portolanVersion: string;
  /** The previous snapshot's seal in the same database; null for the first. */
  prevSha256: string | null;
}

export interface SnapshotHost {
  address: string;
  hostnames: string[];
  mac: string | null;
  tags: string[];
}

export interface EvidenceBySource {
  /** `capture:3`, `scan:2`, `import:1` — an entry of `sources`. */
  source: string;
  evidence: string;
  confidence: string;
  firstSeen: string;
  lastSeen: string;
  /** Flows that showed it (captures), 0 for scans and imports. */
  flows: number;
  /** Wire bytes of those flows. */
  bytes: number;
}

export interface Approval {
  justification: string;
  owner: string | null;
  approvedBy: string;
  approvedAt: string;
}

export interface Flag {
  reason: string;
  flaggedBy: string;
  flaggedAt: string;
}

/** Why an ignored service is ignored: the review's or the rule's reason, who, when, until when. */
export interface Ignore {
  reason: string;
  /** The reviewer, or `rule:N` when a rule ignored it. */
  ignoredBy: string;
  ignoredAt: string;
  /** When it comes back to the review queue (the review's expiry or its rule's); null: never. */
  until: string | null;
  /** The rule (rules.id, also in the snapshot's `rules`) that ignored it; null when a review did. */
  rule: number | null;
}

export interface Insecure {
  /** Why it is insecure, e.g. `telnet (cleartext)`. */
  protocol: string;
  compensatingControl: string | null;
}

/**
 * A compensating-control note (`portolan control`), on any service it was recorded for.
 * Who and when come from the note's latest history event (null if the history lacks one).
 */
export interface CompensatingControl {
  note: string;
  recordedBy: string | null;
  recordedAt: string | null;
}

export interface SnapshotService {
  host: string;
  proto: string;
  port: number;
  service: string | null;
  banner: string | null;
  status: string;
  statusSince: string;
  /** Strongest evidence held and its confidence. */
  evidence: string;
  confidence: string;
  firstSeen: string;
  lastSeen: string;
  sources: EvidenceBySource[];
  approval: Approval | null;
  flag: Flag | null;
  insecure: Insecure | null;
  /**
   * Added after the first release of format 1: absent in snapshots sealed before it
   * (their seal covers what they hold, so they still verify); null when no note.
   */
  compensatingControl?: CompensatingControl | null;
  /**
   * Added after compensatingControl, the same way: set on an ignored service (null on
   * others); absent in snapshots sealed before it.
   */
  ignore?: Ignore | null;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface CaptureSource {
  id: string;
  source: string;
  fileSha256: string | null;
  fileBytes: number | null;
  format: string | null;
  linkTypes: number[];
  filter: string;
  windowStart: string | null;
  windowEnd: string | null;
  packets: number;
  bytes: number;
  flows: number;
  undecoded: number;
  warnings: JsonValue;
  status: string;
  recordedAt: string;
  /** Columns later migrations added (interface, drops, …), converted by naming convention. */
  extra: { [k: string]: JsonValue };
}

export interface ScanSource {
  id: string;
  targets: string;
  ports: string;
  params: JsonValue;
  startedBy: string;
  sourceAddress: string | null;
  startedAt: string;
  endedAt: string | null;
  status: string;
  extra: { [k: string]: JsonValue };
}

export interface ImportSource {
  id: string;
  tool: string;
  file: string;
  args: string | null;
  toolStartedAt: string | null;
  complete: boolean;
  recordedAt: string;
  extra: { [k: string]: JsonValue };
}

export interface SnapshotSources {
  captures: CaptureSource[];
  scans: ScanSource[];
  imports: ImportSource[];
}

/** Rules in force when the snapshot was taken: table name → rows (null: no rules tables). */
export type SnapshotRules = { [table: string]: Array<{ [k: string]: JsonValue }> } | null;

export interface SnapshotContent {
  meta: SnapshotMeta;
  hosts: SnapshotHost[];
  services: SnapshotService[];
  rules: SnapshotRules;
  sources: SnapshotSources;
}

export interface SealItems {
  meta: string;
  hosts: Record<string, string>;
  services: Record<string, string>;
  rules: string;
  sources: Record<string, string>;
}

export interface Seal {
  algorithm: typeof SEAL_ALGORITHM;
  canonicalization: typeof CANONICALIZATION;
  /** SHA-256 of each item's canonical form. */
  items: SealItems;
  /** SHA-256 of the canonical form of {algorithm, canonicalization, items}. */
  sha256: string;
}

export interface SealedSnapshot {
  snapshot: SnapshotContent;
  seal: Seal;
}

export function serviceKey(s: { host: string; proto: string; port: number }): string {
  return `${s.host} ${s.proto}/${s.port}`;
}
