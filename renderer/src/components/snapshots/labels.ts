/**
 * What the Snapshots view's controls say about a snapshot, in words a screen reader reads
 * out: a Compare choice names the snapshot, not a bare number, and an export button
 * (shown as just "CSV") names its format and snapshot. Pure, tested without Vue.
 */
import type { ExportFormat, SnapshotSummary } from '../../../../electron/shared';
import { formatUtc } from '../../lib/format';

/** Longest note a choice shows; the rest is cut with "…" (the list's Note column has it whole). */
const NOTE_MAX = 60;

/** `#3 · 2025-06-30T18:00:00Z · tag:CDE · Q2 review`: id, time taken (UTC), scope, note when there is one. */
export function snapshotChoice(s: Pick<SnapshotSummary, 'id' | 'takenAt' | 'scope' | 'note'>): string {
  const note = s.note.trim().replace(/\s+/g, ' ');
  const cut = note.length > NOTE_MAX ? `${note.slice(0, NOTE_MAX - 1)}…` : note;
  return [`#${s.id}`, formatUtc(s.takenAt), s.scope, cut].filter(Boolean).join(' · ');
}

/** "Export snapshot 3 as CSV": contains the button's visible text (CSV), as WCAG 2.5.3 asks. */
export function exportLabel(id: number, format: ExportFormat): string {
  return `Export snapshot ${id} as ${format.toUpperCase()}`;
}
