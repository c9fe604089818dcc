/**
 * Pure helpers of the service detail panel: which review actions a status allows, the
 * compensating control in force, and the history newest first. Tested without Vue.
 */
import type { HistoryEvent, ReviewAction, ServiceHistory, ServiceRow, ServiceStatus } from '../../../../electron/shared';
import { formatUtc } from '../../lib/format';

/**
 * The review actions offered for a status, in the order the panel shows them. Mirrors
 * the engine's table (electron/engine/inventory/review.ts), which has the last word: an
 * action it does not allow is skipped there, never applied. Repeating an action on its
 * own status (approve an approved service) replaces its reason, owner or expiry.
 */
export const ACTIONS_FOR: Record<ServiceStatus, readonly ReviewAction[]> = {
  new: ['approve', 'flag', 'ignore'],
  approved: ['approve', 'flag', 'ignore', 'reopen'],
  flagged: ['approve', 'flag', 'ignore', 'reopen'],
  ignored: ['approve', 'flag', 'ignore', 'reopen'],
  gone: ['reopen'],
};

/** What a button says: "Edit approval" on an approved service, "Approve" elsewhere. */
export function actionLabel(action: ReviewAction, status: ServiceStatus): string {
  const again: Partial<Record<ReviewAction, string>> = { approve: 'Edit approval', flag: 'Edit flag', ignore: 'Edit ignore' };
  const same = (action === 'approve' && status === 'approved') || (action === 'flag' && status === 'flagged') || (action === 'ignore' && status === 'ignored');
  if (same) return again[action]!;
  return { approve: 'Approve', flag: 'Flag', ignore: 'Ignore', reopen: 'Reopen' }[action];
}

/**
 * The fields of the review an action edits (approve an approved service, flag a flagged
 * one, ignore an ignored one), to prefill its dialog; null for an action that makes a new
 * review (its reason would be another decision's). An ignore's end is the review's or its
 * rule's (`ignoreUntil`).
 */
export function editedReview(action: ReviewAction, s: Pick<ServiceRow, 'status' | 'reason' | 'owner' | 'ignoreUntil'>): { reason: string | null; owner: string | null; expiresAt: string | null } | null {
  if (actionLabel(action, s.status).startsWith('Edit ')) {
    return { reason: s.reason ?? null, owner: s.owner ?? null, expiresAt: action === 'ignore' ? (s.ignoreUntil ?? null) : null };
  }
  return null;
}

/** The compensating control in force: the note of the latest control event, unless a later one cleared it. */
export function currentControl(events: readonly HistoryEvent[]): { note: string; actor: string; at: string } | null {
  const latest = newestFirst(events).find((e) => e.action === 'control' || e.action === 'control-cleared');
  return latest && latest.action === 'control' && latest.reason ? { note: latest.reason, actor: latest.actor, at: latest.at } : null;
}

/** History events newest first (ties by id), whatever order they came in. */
export function newestFirst(events: readonly HistoryEvent[]): HistoryEvent[] {
  return [...events].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.id - a.id));
}

/** What a review dialog was opened over: the status and the review in force then. */
export interface ReviewStamp {
  status: ServiceStatus;
  reviewedAt: string | null;
  reviewedBy: string | null;
}

export function reviewStamp(h: Pick<ServiceHistory, 'service'>): ReviewStamp {
  const s = h.service;
  return { status: s.status, reviewedAt: s.reviewedAt ?? null, reviewedBy: s.reviewedBy ?? null };
}

/**
 * Null when the service's review is still the one a dialog was opened over; else what
 * the analyst is told before anything is applied: "Changed by bob at 2024-05-01 10:00:00Z:
 * now approved (was new) — review again?". Who and when come from the review in force,
 * else from the latest history event (a service that went gone has no reviewer).
 */
export function changedSince(before: ReviewStamp, now: Pick<ServiceHistory, 'service' | 'events'>): string | null {
  const after = reviewStamp(now);
  if (after.status === before.status && after.reviewedAt === before.reviewedAt) return null;
  const latest = newestFirst(now.events)[0];
  const who = (after.reviewedAt !== before.reviewedAt ? after.reviewedBy : null) ?? latest?.actor ?? after.reviewedBy ?? 'someone';
  const at = (after.reviewedAt !== before.reviewedAt ? after.reviewedAt : null) ?? latest?.at ?? after.reviewedAt;
  const what = after.status === before.status ? `still ${after.status}, with another review` : `now ${after.status} (was ${before.status})`;
  return `Changed by ${who}${at ? ` at ${formatUtc(at)}` : ''}: ${what} — review again?`;
}
