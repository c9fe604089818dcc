/**
 * Pure helpers of the review queue: rows (already sorted by the engine) cut into groups
 * by host or by port, as one flat list of fixed-height items so the windowing that keeps
 * 5,000-row pages light works unchanged; and which keys do what.
 */
import type { ReviewAction, ServiceRow } from '../../../../electron/shared';

export type GroupBy = 'host' | 'port';

export type QueueItem = { kind: 'group'; key: string; label: string; count: number } | { kind: 'row'; row: ServiceRow; index: number };

export function groupKey(row: ServiceRow, by: GroupBy): string {
  return by === 'host' ? row.host : String(row.port);
}

export function groupItems(rows: readonly ServiceRow[], by: GroupBy): QueueItem[] {
  const out: QueueItem[] = [];
  let current: Extract<QueueItem, { kind: 'group' }> | null = null;
  rows.forEach((row, index) => {
    const key = groupKey(row, by);
    if (!current || current.key !== key) {
      current = { kind: 'group', key, label: by === 'host' ? row.host : `port ${row.port}`, count: 0 };
      out.push(current);
    }
    current.count++;
    out.push({ kind: 'row', row, index });
  });
  return out;
}

/** Single-key shortcuts of the queue (no modifier): movement, selection, actions. */
export type KeyCommand = { move: 1 | -1 } | { toggle: true } | { action: ReviewAction } | { selectAll: true } | null;

export function keyCommand(ev: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>): KeyCommand {
  if (ev.altKey || ev.metaKey) return null;
  if (ev.ctrlKey) return ev.key === 'a' ? { selectAll: true } : null;
  switch (ev.key) {
    case 'ArrowDown':
    case 'j':
      return { move: 1 };
    case 'ArrowUp':
    case 'k':
      return { move: -1 };
    case ' ':
    case 'x':
      return { toggle: true };
    case 'a':
      return { action: 'approve' };
    case 'f':
      return { action: 'flag' };
    case 'i':
      return { action: 'ignore' };
    default:
      return null;
  }
}

/**
 * The key legend shown above the queue: the keys `keyCommand` knows, in words. `join` is
 * what goes between an entry's keys: '/' for alternatives, '+' for a chord.
 */
export const KEY_LEGEND: ReadonlyArray<{ keys: string[]; join?: '/' | '+'; does: string }> = [
  { keys: ['↑', '↓'], join: '/', does: 'move (or j / k)' },
  { keys: ['Space'], does: 'select (or x)' },
  { keys: ['a'], does: 'approve' },
  { keys: ['f'], does: 'flag' },
  { keys: ['i'], does: 'ignore' },
  { keys: ['Ctrl', 'A'], join: '+', does: 'select the page' },
];

const TYPING_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
const PRESSABLE_TAGS = new Set(['BUTTON', 'A', 'SUMMARY']);

/**
 * Whether a key press that reached the window belongs to the queue. The queue listens on
 * the whole window while its view is open, so the keys work without clicking the table
 * first; but never while the user types in a field (the filters, the rules form, the
 * reason dialog), never for a key another control already handled (the sidebar's arrows),
 * and Space / Enter on a focused button or link still press it.
 */
export function isQueueKey(ev: Pick<KeyboardEvent, 'key' | 'target' | 'defaultPrevented'>): boolean {
  if (ev.defaultPrevented) return false;
  const t = ev.target as Partial<HTMLElement> | null;
  const tag = typeof t?.tagName === 'string' ? t.tagName.toUpperCase() : '';
  if (TYPING_TAGS.has(tag) || t?.isContentEditable) return false;
  if ((ev.key === ' ' || ev.key === 'Enter') && (PRESSABLE_TAGS.has(tag) || t?.getAttribute?.('role') === 'button')) return false;
  return true;
}

export const ACTION_LABEL: Record<ReviewAction, string> = { approve: 'Approve', flag: 'Flag', ignore: 'Ignore', reopen: 'Reopen' };

/** `192.0.2.1:443/tcp`, IPv6 in brackets. */
export function serviceKey(r: Pick<ServiceRow, 'host' | 'port'> & { proto: string }): string {
  return `${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}/${r.proto}`;
}

/**
 * An example date for an expiry field's placeholder: `days` after today, as an ISO date
 * (UTC), so the example is never already past. Computed when the field renders.
 */
export function exampleDate(days = 30, nowMs = Date.now()): string {
  return new Date(nowMs + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Where the queue's cursor goes once the rows `ids` have left it (reviewed): the first row
 * after the last of them that stays in the queue (after `from`, the cursor, when none of
 * them is on the page); when none follows, the nearest one before. Its id, found again after the
 * reload, since every index below the acted-on rows moves up; null when nothing stays.
 */
export function nextAfter(items: readonly QueueItem[], ids: ReadonlySet<number>, from: number): number | null {
  let lastActed = -1;
  items.forEach((it, i) => {
    if (it.kind === 'row' && ids.has(it.row.id)) lastActed = i;
  });
  const start = lastActed >= 0 ? lastActed : from;
  for (let i = start + 1; i < items.length; i++) {
    const it = items[i]!;
    if (it.kind === 'row' && !ids.has(it.row.id)) return it.row.id;
  }
  for (let i = Math.min(start, items.length - 1); i >= 0; i--) {
    const it = items[i]!;
    if (it.kind === 'row' && !ids.has(it.row.id)) return it.row.id;
  }
  return null;
}
