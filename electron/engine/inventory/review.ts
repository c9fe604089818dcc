/**
 * Review actions on services, one at a time or in bulk by filter, and the read side of
 * the history: a service's events and evidence, a host's services and timeline.
 *
 * Which action applies to which status (anything else is skipped, not an error, so a
 * bulk action over a mixed selection does what it can and says how many it skipped):
 *
 *   approve  new, flagged, ignored, approved (re-approving replaces reason / owner)
 *   flag     new, approved, ignored, flagged (re-flagging replaces the reason)
 *   ignore   new, approved, flagged, ignored (replaces reason / expiry)
 *   reopen   approved, flagged, ignored, gone
 *
 * A gone service is not reviewed until it is back, except to reopen it. Repeating an
 * action with the same reason and owner changes nothing and writes no event.
 */
import type { HostDetail, ReviewApply, ReviewResult, ServiceHistory } from '../../shared/inventory';
import { ReviewApply as ReviewApplySchema } from '../../shared/inventory';
import type { Proto, ServiceStatus } from '../../shared/model';
import type { Db } from '../store/db';
import { filterWhere } from './filter';
import { hostKey, normalizeHost } from './hostkey';
import { isoMs, ROW_SELECT, toRow, type RowDb } from './inventory';
import { setReview } from './transition';

const ALLOWED: Record<ReviewApply['action'], readonly ServiceStatus[]> = {
  approve: ['new', 'flagged', 'ignored', 'approved'],
  flag: ['new', 'approved', 'ignored', 'flagged'],
  ignore: ['new', 'approved', 'flagged', 'ignored'],
  reopen: ['approved', 'flagged', 'ignored', 'gone'],
};
const TARGET: Record<ReviewApply['action'], ServiceStatus> = { approve: 'approved', flag: 'flagged', ignore: 'ignored', reopen: 'new' };

export class NotFoundError extends Error {
  override name = 'NotFound';
}

interface ById {
  id: number;
  status: ServiceStatus;
  reason: string | null;
  owner: string | null;
  rule_id: number | null;
  ignore_until: number | null;
}

/** Ids a filter selects (never an empty filter: bulk actions must say what they mean). */
export async function idsByFilter(db: Db, filter: NonNullable<ReviewApply['filter']>): Promise<number[]> {
  if (!Object.values(filter).some((v) => v !== undefined)) throw Object.assign(new Error('a bulk review needs at least one filter'), { name: 'InvalidInput' });
  const w = filterWhere(filter);
  return (await db.query<{ id: number }>(`SELECT s.id FROM services s ${w.sql} ORDER BY s.id`, w.params)).map((r) => r.id);
}

export async function applyReview(db: Db, input: ReviewApply, actor: string, now = Date.now()): Promise<ReviewResult> {
  const v = ReviewApplySchema.parse(input);
  const ids = v.ids ? [...new Set(v.ids)] : await idsByFilter(db, v.filter!);
  const to = TARGET[v.action];
  const owner = v.action === 'approve' || v.action === 'flag' ? (v.owner ?? null) : null;
  const until = v.action === 'ignore' && v.expiresAt ? Date.parse(v.expiresAt) : null;
  if (until !== null && until <= now) throw Object.assign(new Error('the ignore expiry is in the past'), { name: 'InvalidInput' });
  return db.tx(async () => {
    const changed: number[] = [];
    let skipped = 0;
    for (const id of ids) {
      const s = await db.get<ById>('invById', [id]);
      if (!s) {
        if (v.ids) throw new NotFoundError(`no service with id ${id}`);
        continue;
      }
      const same = s.status === to && s.reason === v.reason && s.owner === owner && s.rule_id === null && (v.action !== 'ignore' || s.ignore_until === until);
      if (!ALLOWED[v.action].includes(s.status) || same) {
        skipped++;
        continue;
      }
      await setReview(db, id, s.status, to, v.action, { reason: v.reason, owner, actor, ignoreUntil: until }, now);
      changed.push(id);
    }
    return { changed: changed.length, skipped, ids: changed };
  });
}

interface EventDb {
  id: number;
  service_id: number;
  action: ServiceHistory['events'][number]['action'];
  status_from: string | null;
  status_to: string;
  reason: string | null;
  owner: string | null;
  actor: string;
  at: number;
  until: number | null;
}

function eventOut(e: EventDb) {
  return { id: e.id, serviceId: e.service_id, action: e.action, from: e.status_from, to: e.status_to, reason: e.reason, owner: e.owner, actor: e.actor, at: isoMs(e.at), until: e.until == null ? null : isoMs(e.until) };
}

export async function serviceHistory(db: Db, id: number): Promise<ServiceHistory> {
  const row = (await db.query<RowDb>(`${ROW_SELECT} WHERE s.id = ?`, [id]))[0];
  if (!row) throw new NotFoundError(`no service with id ${id}`);
  const events = (await db.all<EventDb>('invHistory', [id])).map(eventOut);
  const evidence = (
    await db.all<{ source_kind: string; source_id: number; evidence: string; confidence: string; first_seen_ms: number; last_seen_ms: number; flows: number; bytes: number }>('invEvidence', [id])
  ).map((e) => ({ source: `${e.source_kind}:${e.source_id}`, evidence: e.evidence, confidence: e.confidence, firstSeen: isoMs(e.first_seen_ms), lastSeen: isoMs(e.last_seen_ms), flows: e.flows, bytes: e.bytes }));
  return { service: toRow(row), events, evidence };
}

/** Finds a service by its key, for the CLI's HOST:PORT/PROTO. */
export async function findServiceId(db: Db, host: string, proto: Proto, port: number): Promise<number | null> {
  const r = await db.get<{ id: number }>('invFind', [normalizeHost(host), proto, port]);
  return r?.id ?? null;
}

export async function hostDetail(db: Db, host: string): Promise<HostDetail> {
  const h = normalizeHost(host);
  const key = hostKey(h);
  const rows = await db.query<RowDb>(`${ROW_SELECT} WHERE s.host_key = ? ORDER BY s.proto, s.port`, [key]);
  if (!rows.length) throw new NotFoundError(`no services of ${h} in the inventory`);
  const names = new Set<string>();
  let mac: string | null = null;
  for (const r of rows) {
    for (const n of r.hostnames ? r.hostnames.split(' ') : []) names.add(n);
    mac ??= r.mac;
  }
  const events = (await db.all<EventDb & { port: number; proto: Proto }>('invHostEvents', [key])).map((e) => ({ ...eventOut(e), port: e.port, proto: e.proto }));
  return { host: h, hostnames: [...names], mac, services: rows.map(toRow), events };
}
