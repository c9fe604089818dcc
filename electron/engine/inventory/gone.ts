/**
 * Gone and back. An approved or flagged service is `gone` when
 * - it has not been seen for the gone period (default 35 days, CIP-010 R2.1's cadence)
 *   while other services of the same host were: the period is measured back from the
 *   newest sighting of that host, not the wall clock nor other hosts' evidence, so
 *   analysing old captures works, a scan of one host never ages another host's
 *   reviews, and a host that is simply out of view does not vanish; or
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

/** The sighting time before which a service of `host` counts as gone; -Infinity when off. */
export async function staleCutoff(db: Db, host: string): Promise<number> {
  const days = await goneAfterDays(db);
  if (days === 0) return -Infinity;
  const newest = (await db.all<{ ms: number | null }>('invNewestSeenHost', [host]))[0]?.ms ?? null;
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
    const days = await goneAfterDays(db);
    if (days > 0) {
      for (const s of await db.all<{ id: number; status: ServiceStatus; last_seen_ms: number; newest: number }>('goneStale', [days * DAY_MS])) {
        if (done.has(s.id)) continue;
        await setObserved(db, s.id, s.status, 'gone', s.status, 'gone', `not seen for ${days} days while its host was: last seen ${iso(s.last_seen_ms)}, host seen up to ${iso(s.newest)}`, now);
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
