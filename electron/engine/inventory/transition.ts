/**
 * The only place a service's status changes. Every change writes one event to the
 * append-only `reviews` table in the same transaction (who, when, why), so the current
 * status on the row and its history can never disagree. Call inside a transaction.
 */
import type { HistoryAction } from '../../shared/inventory';
import type { ServiceStatus } from '../../shared/model';
import type { Db } from '../store/db';

export interface ReviewFields {
  reason: string;
  owner: string | null;
  actor: string;
  ruleId?: number | null;
  ignoreUntil?: number | null;
  /** What the history records as the ignore's end when it differs from ignoreUntil (a rule's expiry). */
  historyUntil?: number | null;
}

/** An analyst's (or a rule's) decision: status plus the review shown on the row. */
export async function setReview(db: Db, id: number, from: ServiceStatus | null, to: ServiceStatus, action: HistoryAction, f: ReviewFields, now: number): Promise<void> {
  await db.run('invSetReview', [to, f.reason, f.owner, f.actor, now, f.ruleId ?? null, f.ignoreUntil ?? null, now, id]);
  await db.run('reviewInsertDecision', [id, action, from, to, f.reason, f.owner, f.actor, now, to === 'ignored' ? (f.historyUntil ?? f.ignoreUntil ?? null) : null]);
}

/** gone / returned: the engine's own observation; the review (reason, owner) is kept. */
export async function setObserved(db: Db, id: number, from: ServiceStatus, to: ServiceStatus, prev: ServiceStatus | null, action: 'gone' | 'returned', reason: string, now: number): Promise<void> {
  await db.run('invSetStatusOnly', [to, prev, now, id]);
  await db.run('reviewInsert', [id, action, from, to, reason, null, 'portolan', now]);
}
