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

export const ACTION_LABEL: Record<ReviewAction, string> = { approve: 'Approve', flag: 'Flag', ignore: 'Ignore', reopen: 'Reopen' };

/** `192.0.2.1:443/tcp`, IPv6 in brackets. */
export function serviceKey(r: Pick<ServiceRow, 'host' | 'port' | 'proto'>): string {
  return `${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}/${r.proto}`;
}
