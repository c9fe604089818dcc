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
export function serviceKey(r: Pick<ServiceRow, 'host' | 'port' | 'proto'>): string {
  return `${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}/${r.proto}`;
}
