/** Pure helpers for the services query: sorting rules and the header's aria-sort. */
import type { SortKey } from '../../../electron/shared';

export type SortDir = 'asc' | 'desc';

/** Time columns open newest first; everything else opens ascending. */
const DESC_FIRST: ReadonlySet<SortKey> = new Set<SortKey>(['firstSeen', 'lastSeen']);

/** Clicking the active column flips its direction; clicking another starts it fresh. */
export function nextSort(current: { sort: SortKey; dir: SortDir }, key: SortKey): { sort: SortKey; dir: SortDir } {
  if (current.sort === key) return { sort: key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { sort: key, dir: DESC_FIRST.has(key) ? 'desc' : 'asc' };
}

export function ariaSort(current: { sort: SortKey; dir: SortDir }, key: SortKey): 'ascending' | 'descending' | 'none' {
  if (current.sort !== key) return 'none';
  return current.dir === 'asc' ? 'ascending' : 'descending';
}

/** Offset of the previous / next page, clamped to the result. */
export function pageOffset(offset: number, limit: number, total: number, step: -1 | 1): number {
  if (step < 0) return Math.max(0, offset - limit);
  const next = offset + limit;
  return next < total ? next : offset;
}
