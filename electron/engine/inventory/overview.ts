/** The Overview's numbers: counts per status, insecure services, and new services per day. */
import type { OverviewStats } from '../../shared/inventory';
import type { Db } from '../store/db';
import { statusCounts } from './inventory';

const DAY_MS = 86_400_000;

export async function overviewStats(db: Db, days = 30, now = Date.now()): Promise<OverviewStats> {
  const c = await statusCounts(db);
  const insecure = (await db.all<{ n: number }>('invInsecureCount'))[0]?.n ?? 0;
  const hosts = (await db.all<{ n: number }>('invHostCount'))[0]?.n ?? 0;
  const today = Math.floor(now / DAY_MS);
  const first = today - days + 1;
  const per = new Map((await db.all<{ day: number; n: number }>('invNewPerDay', [first * DAY_MS])).map((r) => [r.day, r.n]));
  const newPerDay = [];
  for (let d = first; d <= today; d++) newPerDay.push({ day: new Date(d * DAY_MS).toISOString().slice(0, 10), n: per.get(d) ?? 0 });
  const total = c.new + c.approved + c.flagged + c.gone + c.ignored;
  return { counts: { ...c, insecure, total }, newPerDay, hosts };
}
