/**
 * Gone and back. An approved or flagged service is `gone` when
 * - it has not been seen for the gone period (default 35 days, CIP-010 R2.1's cadence)
 *   while the inventory holds newer evidence: the period is measured back from the
 *   newest sighting Portolan has, not the wall clock, so analysing old captures works
 *   and a sensor that stops feeding does not make everything vanish; or
 * - a scan (probe_results) or an imported report (import_ports) found its port
 *   `closed` after its last sighting. `filtered` never counts: silence is not absence.
 * Seen again by newer evidence that clears both tests, it returns to the status it had
 * (a `returned` event). The sweep also returns to the queue ignored services whose
 * ignore ended (rule expired or deleted, or the review's own expiry passed).
 */
import type { ServiceStatus } from '../../shared/model';
import type { Db } from '../store/db';
import { setObserved, setReview } from './transition';

export const DEFAULT_GONE_AFTER_DAYS = 35;
const DAY_MS = 86_400_000;

export async function goneAfterDays(db: Db): Promise<number> {
  const row = await db.get<{ value: string }>('settingGet', ['gone_after_days']);
  const n = row ? Number(row.value) : DEFAULT_GONE_AFTER_DAYS;
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_GONE_AFTER_DAYS;
}

/** 0 turns the period test off (only closed ports make a service gone). */
export async function setGoneAfterDays(db: Db, days: number): Promise<void> {
  if (!Number.isInteger(days) || days < 0 || days > 3650) throw Object.assign(new Error('the gone period is a whole number of days, 0 to 3650'), { name: 'InvalidInput' });
  await db.tx(() => db.run('settingSet', ['gone_after_days', String(days)]));
}

/** The sighting time before which an approved/flagged service counts as gone; -Infinity when off. */
export async function staleCutoff(db: Db, newestSeen?: number): Promise<number> {
  const days = await goneAfterDays(db);
  if (days === 0) return -Infinity;
  const newest = newestSeen ?? (await db.all<{ ms: number | null }>('invNewestSeen'))[0]?.ms ?? null;
  return newest === null ? -Infinity : newest - days * DAY_MS;
}

export interface SweepResult {
  gone: number;
  released: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Runs every time-based transition. Opens its own transaction: never call inside one. */
export async function sweepInventory(db: Db, now = Date.now()): Promise<SweepResult> {
  return db.tx(async () => {
    let gone = 0;
    const done = new Set<number>();
    for (const s of await db.all<{ id: number; status: ServiceStatus; last_seen_ms: number; closed_at: number; source: string }>('goneClosed')) {
      if (done.has(s.id)) continue;
      done.add(s.id);
      await setObserved(db, s.id, s.status, 'gone', s.status, 'gone', `found closed by ${s.source} at ${iso(s.closed_at)}; last seen open ${iso(s.last_seen_ms)}`, now);
      gone++;
    }
    const cutoff = await staleCutoff(db);
    if (cutoff > -Infinity) {
      const days = await goneAfterDays(db);
      for (const s of await db.all<{ id: number; status: ServiceStatus; last_seen_ms: number }>('goneStale', [cutoff])) {
        if (done.has(s.id)) continue;
        await setObserved(db, s.id, s.status, 'gone', s.status, 'gone', `not seen for ${days} days: last seen ${iso(s.last_seen_ms)}, newer evidence up to ${iso(cutoff + days * DAY_MS)}`, now);
        gone++;
      }
    }
    let released = 0;
    for (const s of await db.all<{ id: number; rule_id: number | null; deleted_at: number | null }>('ignoredReleased', [now])) {
      const why = s.rule_id === null ? 'ignore expired' : s.deleted_at !== null ? `rule ${s.rule_id} deleted` : `rule ${s.rule_id} expired`;
      await setReview(db, s.id, 'ignored', 'new', 'unignore', { reason: why, owner: null, actor: 'portolan' }, now);
      released++;
    }
    return { gone, released };
  });
}
