/**
 * Links that open the Inventory on one status and filter set (the Overview's cards):
 * `#/inventory?status=flagged`, `#/inventory?insecure=1` (every listening insecure
 * service: all statuses but gone). Pure, tested without Vue.
 */
import type { ListStatus } from '../../stores/services';

const STATUSES: readonly ListStatus[] = ['all', 'listening', 'new', 'approved', 'flagged', 'gone', 'ignored'];

export interface InventoryLink {
  status: ListStatus;
  insecure?: boolean;
}

export function inventoryHref(link: Partial<InventoryLink>): string {
  const q = new URLSearchParams();
  if (link.status) q.set('status', link.status);
  if (link.insecure) q.set('insecure', '1');
  const s = q.toString();
  return s ? `#/inventory?${s}` : '#/inventory';
}

/**
 * What an Inventory hash asks for, or null when it asks for nothing (plain `#/inventory`
 * keeps the table as the analyst left it). `insecure=1` alone means every listening
 * insecure service, as the Overview counts them.
 */
export function parseInventoryLink(hash: string): InventoryLink | null {
  const m = /^#\/?inventory(?:\/[^?]*)?\?(.*)$/.exec(hash);
  if (!m) return null;
  const q = new URLSearchParams(m[1]);
  const raw = q.get('status');
  const status = raw !== null && (STATUSES as readonly string[]).includes(raw) ? (raw as ListStatus) : null;
  const insecure = ['1', 'true', 'yes'].includes(q.get('insecure') ?? '');
  if (!status && !insecure) return null;
  return insecure ? { status: status ?? 'listening', insecure: true } : { status: status! };
}
