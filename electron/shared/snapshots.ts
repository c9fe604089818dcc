/**
 * Compliance snapshots as the renderer and the CLI see them: the list entry with its seal
 * status, the diff of two snapshots, and an export. The sealed document itself is built
 * and checked in electron/engine/snapshots; docs/snapshots.md describes its format.
 * Times are ISO 8601 UTC with the offset written out (`+00:00`).
 */
import { z } from './zod';
import { SNAPSHOT_BY_MAX, SNAPSHOT_NOTE_MAX, SNAPSHOT_SCOPE_MAX } from './limits';

/** A scope as typed: `all`, a subnet (`192.0.2.0/24`, `subnet:2001:db8::/32`) or a tag (`tag:CDE`). */
export const SnapshotScope = z.string().trim().min(1).max(SNAPSHOT_SCOPE_MAX);

export const SnapshotTake = z
  .object({
    note: z.string().max(SNAPSHOT_NOTE_MAX).default(''),
    /** Who takes it; the engine's OS user name when empty. */
    by: z.string().max(SNAPSHOT_BY_MAX).default(''),
    scope: SnapshotScope.default('all'),
  })
  .strict();
export type SnapshotTake = z.input<typeof SnapshotTake>;

export const SnapshotRef = z.object({ id: z.number().int().min(1) }).strict();

/**
 * Seal status of a stored snapshot, checked when listed:
 * - `intact`: every item hash and the seal match, and the chain link names the previous seal;
 * - `broken`: something does not match (`problems` says what);
 * - `chain-broken`: the snapshot is intact but its link to the previous one is not.
 */
export const SealStatus = z.enum(['intact', 'broken', 'chain-broken']);
export type SealStatus = z.infer<typeof SealStatus>;

export const SnapshotSummary = z.object({
  id: z.number().int(),
  takenAt: z.string(),
  takenBy: z.string(),
  note: z.string(),
  scope: z.string(),
  sha256: z.string(),
  prevSha256: z.string().nullable(),
  hosts: z.number().int(),
  services: z.number().int(),
  seal: SealStatus,
  problems: z.array(z.string()),
});
export type SnapshotSummary = z.infer<typeof SnapshotSummary>;

export const SnapshotDiffInput = z.object({ a: z.number().int().min(1), b: z.number().int().min(1) }).strict();

const ServiceRef = z.object({ host: z.string(), proto: z.string(), port: z.number().int(), service: z.string().nullable(), status: z.string() });
export type DiffServiceRef = z.infer<typeof ServiceRef>;

export const DiffFieldChange = z.object({ field: z.string(), before: z.string(), after: z.string() });
export type DiffFieldChange = z.infer<typeof DiffFieldChange>;

const DiffSide = z.object({ id: z.number().int().nullable(), takenAt: z.string(), sha256: z.string(), scope: z.string() });

export const SnapshotDiff = z.object({
  a: DiffSide,
  b: DiffSide,
  same: z.boolean(),
  /** Cautions about the comparison itself, e.g. the two snapshots cover different scopes. */
  warnings: z.array(z.string()),
  hosts: z.object({ new: z.array(z.string()), gone: z.array(z.string()) }),
  services: z.object({
    new: z.array(ServiceRef),
    gone: z.array(ServiceRef),
    changed: z.array(ServiceRef.extend({ changes: z.array(DiffFieldChange) })),
  }),
});
export type SnapshotDiff = z.infer<typeof SnapshotDiff>;

export const ExportFormat = z.enum(['csv', 'json', 'html', 'pdf']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const SnapshotExportInput = z.object({ id: z.number().int().min(1), format: ExportFormat }).strict();

/** An export travels as data (text, or base64 for PDF); the renderer saves it as a file. */
export const SnapshotExport = z.object({
  filename: z.string(),
  mime: z.string(),
  encoding: z.enum(['utf8', 'base64']),
  data: z.string(),
});
export type SnapshotExport = z.infer<typeof SnapshotExport>;
