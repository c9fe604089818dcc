/** Pure helpers about job snapshots: ordering of updates, progress and outcome text. */
import { JOB_FINAL, type JobSnapshot, type JobStatus } from '../../../electron/shared';
import { formatBytes } from './format';

export function isFinal(status: JobStatus): boolean {
  return JOB_FINAL.includes(status);
}

/**
 * Whether `next` should replace `prev` in the store. A job never leaves a final state,
 * so a late progress event (or a stale `jobs.list` reply) must not resurrect it.
 */
export function shouldReplace(prev: JobSnapshot | undefined, next: JobSnapshot): boolean {
  if (!prev) return true;
  return !(isFinal(prev.status) && !isFinal(next.status));
}

/** `done / total unit`, bytes made readable; `null` when the job has not reported yet. */
export function progressText(job: JobSnapshot): string | null {
  const p = job.progress;
  if (!p) return null;
  const fmt = (n: number) => (p.unit === 'bytes' ? formatBytes(n) : `${n.toLocaleString('en-US')} ${p.unit}`);
  return p.total === null ? fmt(p.done) : `${fmt(p.done)} / ${fmt(p.total)}`;
}

/**
 * The result record as label/value pairs, in the engine's order. Lists of records (e.g.
 * one per file) become one line per record of its plain fields; a `path` shows only its
 * file name, since upload paths are temporary names nobody needs to read.
 */
export function resultEntries(job: JobSnapshot): Array<[string, string]> {
  if (!job.result) return [];
  // Per-file outcomes (records with a path and a status) have their own table in words
  // (components/capture/summary.ts ingestFiles).
  return Object.entries(job.result)
    .filter(([k, v]) => !(k === 'files' && Array.isArray(v) && v.some(isFileOutcome)))
    .map(([k, v]) => [k, describeValue(v)]);
}

function isFileOutcome(f: unknown): boolean {
  return !!f && typeof f === 'object' && typeof (f as Record<string, unknown>).path === 'string' && typeof (f as Record<string, unknown>).status === 'string';
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map(describeValue).join('\n');
  if (v !== null && typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x === null || typeof x !== 'object' || (Array.isArray(x) && x.length > 0))
      .map(([k, x]) => (k === 'path' && typeof x === 'string' ? (x.split(/[\\/]/).pop() ?? x) : `${k} ${describeValue(x)}`))
      .join(', ');
  }
  return String(v);
}

/** Newest first by start time, then id, so the order is stable. */
export function byNewest(a: JobSnapshot, b: JobSnapshot): number {
  return b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id);
}
