/**
 * The review queue's state beside its rows (which live in the New ports services store):
 * grouping, the selection, the reason dialog, and the latest `services.new` notice for
 * the in-app toast. Actions go to the engine as `review.apply` — by ids for a selection,
 * by filter for "everything that matches".
 */
import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import { toErrorInfo, type ErrorInfo, type NewServicesEvent, type ReviewAction, type ReviewResult, type ServiceFilter, type ServiceRow } from '../../../electron/shared';
import { usePlatform } from '../platform/inject';

export type GroupBy = 'host' | 'port';

export interface ReviewRequest {
  action: ReviewAction;
  /** Ids to act on, or a filter for "all matching". */
  ids?: number[];
  filter?: ServiceFilter;
  /** How many services the request covers, for the dialog's title. */
  count: number;
  /**
   * Insecure-protocol services among them (ftp, telnet, snmp…), counted before an approval
   * so the dialog can say so (PCI DSS 1.2.6 wants a control per insecure service);
   * 'counting' while the engine is asked, null when it could not say, absent when
   * nobody asked.
   */
  insecure?: InsecureCount | null | 'counting';
}

export interface InsecureCount {
  count: number;
  /** Their protocol labels, each once (from at most one page of them). */
  labels: string[];
}

/** Distinct insecure labels of some rows, in first-seen order. */
export function insecureLabels(rows: readonly ServiceRow[]): string[] {
  return [...new Set(rows.map((r) => r.insecure).filter((l): l is string => !!l))];
}

export const useReviewStore = defineStore('review', () => {
  const { api } = usePlatform();

  const groupBy = ref<GroupBy>('host');
  const selected = ref<Set<number>>(new Set());
  const pending = ref<ReviewRequest | null>(null);
  const busy = ref(false);
  const error = ref<ErrorInfo | null>(null);
  const lastResult = shallowRef<ReviewResult | null>(null);
  /** The latest new-services notice (in-app toast), and a running count since it was dismissed. */
  const notice = shallowRef<NewServicesEvent | null>(null);
  const noticeTotal = ref(0);

  const selectedCount = computed(() => selected.value.size);

  function toggle(id: number): void {
    const next = new Set(selected.value);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    selected.value = next;
  }

  function selectOnly(ids: number[]): void {
    selected.value = new Set(ids);
  }

  function clearSelection(): void {
    selected.value = new Set();
  }

  /** Opens the reason dialog for an action. */
  function ask(req: ReviewRequest): void {
    error.value = null;
    pending.value = req;
  }

  /**
   * How many of the services a filter matches are insecure, asked of the engine (one page
   * of them for the labels). Null when the engine could not say.
   */
  async function countInsecure(filter: ServiceFilter): Promise<InsecureCount | null> {
    if (filter.insecure === false) return { count: 0, labels: [] };
    // The queue's filters (status, port, proto, subnet, since) are services.list's too.
    // A one-address filter (host) is a one-address subnet to services.list.
    const { status = 'all', port, proto, subnet, host, since } = filter;
    try {
      const page = await api.services.list({ status, port, proto, subnet: subnet ?? host, since, insecure: true, offset: 0, limit: 500 });
      return { count: page.total, labels: insecureLabels(page.rows) };
    } catch {
      return null;
    }
  }

  function cancel(): void {
    pending.value = null;
  }

  /** Sends the pending action with the analyst's reason (and owner / expiry). */
  async function submit(fields: { reason: string; owner?: string; expiresAt?: string | null }): Promise<ReviewResult | null> {
    const req = pending.value;
    if (!req) return null;
    busy.value = true;
    try {
      const r = await api.review.apply({
        ...(req.ids ? { ids: req.ids } : { filter: req.filter }),
        action: req.action,
        reason: fields.reason,
        ...(req.action === 'approve' || (req.action === 'flag' && fields.owner) ? { owner: fields.owner } : {}),
        ...(req.action === 'ignore' && fields.expiresAt ? { expiresAt: fields.expiresAt } : {}),
      });
      lastResult.value = r;
      pending.value = null;
      clearSelection();
      error.value = null;
      return r;
    } catch (err) {
      error.value = toErrorInfo(err);
      return null;
    } finally {
      busy.value = false;
    }
  }

  /** Forgets the "N changed" note of the last action (the queue's view was left). */
  function clearResult(): void {
    lastResult.value = null;
  }

  function dismissNotice(): void {
    notice.value = null;
    noticeTotal.value = 0;
  }

  const off = api.on('services.new', (e) => {
    notice.value = e;
    noticeTotal.value += e.total;
  });
  onScopeDispose(off);

  return { groupBy, selected, selectedCount, pending, busy, error, lastResult, notice, noticeTotal, toggle, selectOnly, clearSelection, ask, countInsecure, cancel, submit, clearResult, dismissNotice };
});
