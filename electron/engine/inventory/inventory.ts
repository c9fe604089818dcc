/**
 * The listening-service inventory: one entry per (host, proto, port). Evidence from any
 * source merges into it (strongest evidence wins, the seen window only widens); a first
 * sighting creates the entry as `new` and writes a `seen` event to the review history.
 */
import { EVIDENCE_RANK, type Confidence, type Evidence, type Proto, type ServiceRow, type SourceKind, type ServiceStatus } from '../../shared/model';
import type { ServicesPage, ServicesQuery } from '../../shared/contract';
import { ServicesQuery as ServicesQuerySchema } from '../../shared/contract';
import type { Db } from '../store/db';
import { hostKey } from './hostkey';

export interface Sighting {
  host: string;
  proto: Proto;
  port: number;
  evidence: Evidence;
  confidence: Confidence;
  service: string | null;
  firstSeenMs: number;
  lastSeenMs: number;
  flows: number;
  bytes: number;
}

const CONF_RANK: Record<Confidence, number> = { certain: 3, high: 2, medium: 1, low: 0 };

/** Merges sightings from one source. Call inside a transaction. */
export async function recordSightings(db: Db, kind: SourceKind, sourceId: number, sightings: Sighting[], nowMs = Date.now()): Promise<{ added: number; updated: number }> {
  let added = 0;
  let updated = 0;
  for (const s of sightings) {
    const existing = await db.get<{ id: number; status: ServiceStatus }>('serviceFind', [s.host, s.proto, s.port]);
    let id: number;
    if (!existing) {
      const r = await db.run('serviceInsert', [s.host, hostKey(s.host), s.proto, s.port, s.evidence, EVIDENCE_RANK[s.evidence], s.confidence, s.service, s.firstSeenMs, s.lastSeenMs, nowMs, nowMs]);
      id = r.lastID;
      await db.run('reviewInsert', [id, 'seen', null, 'new', `first seen by ${kind} ${sourceId} (${s.evidence})`, null, 'portolan', nowMs]);
      added++;
    } else {
      id = existing.id;
      await db.run('serviceMerge', [s.evidence, EVIDENCE_RANK[s.evidence], s.confidence, CONF_RANK[s.confidence], s.service, s.firstSeenMs, s.lastSeenMs, id]);
      updated++;
    }
    await db.run('evidenceUpsert', [id, kind, sourceId, s.evidence, s.confidence, s.firstSeenMs, s.lastSeenMs, s.flows, s.bytes]);
  }
  return { added, updated };
}

/** Sort keys → SQL; the only text that reaches ORDER BY. */
const SORT_SQL: Record<NonNullable<ServicesQuery['sort']>, string> = {
  host: 's.host_key',
  port: 's.port',
  proto: 's.proto',
  evidence: 's.evidence_rank',
  status: 's.status',
  service: 's.service',
  firstSeen: 's.first_seen_ms',
  lastSeen: 's.last_seen_ms',
};

interface RowDb {
  id: number;
  host: string;
  proto: Proto;
  port: number;
  evidence: Evidence;
  confidence: Confidence;
  status: ServiceStatus;
  service: string | null;
  first_seen_ms: number;
  last_seen_ms: number;
  sources: string | null;
  flows: number | null;
  bytes: number | null;
}

export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}

/** Pages through the inventory with a server-side filter and sort. */
export async function listServices(db: Db, input: ServicesQuery): Promise<ServicesPage> {
  const q = ServicesQuerySchema.parse(input);
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.status !== 'all') {
    where.push('s.status = ?');
    params.push(q.status);
  }
  const search = q.search.trim();
  if (search) {
    const like = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(`(s.host LIKE ? ESCAPE '\\' OR CAST(s.port AS TEXT) = ? OR s.service LIKE ? ESCAPE '\\' OR s.status = ? OR s.proto = ? OR s.evidence = ?)`);
    params.push(like, search, like, search.toLowerCase(), search.toLowerCase(), search.toLowerCase());
  }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const dir = q.dir === 'desc' ? 'DESC' : 'ASC';
  // Tie-breakers make paging stable.
  const order = `${SORT_SQL[q.sort]} ${dir}, s.host_key ${dir}, s.proto, s.port`;
  const rows = await db.query<RowDb>(
    `SELECT s.id, s.host, s.proto, s.port, s.evidence, s.confidence, s.status, s.service, s.first_seen_ms, s.last_seen_ms,
       (SELECT group_concat(label, ' ') FROM (SELECT DISTINCT e.source_kind || ':' || e.source_id AS label FROM service_evidence e WHERE e.service_id = s.id ORDER BY e.last_seen_ms)) AS sources,
       (SELECT SUM(e.flows) FROM service_evidence e WHERE e.service_id = s.id) AS flows,
       (SELECT SUM(e.bytes) FROM service_evidence e WHERE e.service_id = s.id) AS bytes
     FROM services s ${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?`,
    [...params, q.limit, q.offset],
  );
  const total = (await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM services s ${whereSql}`, params))[0]?.n ?? 0;
  const counts = { new: 0, approved: 0, flagged: 0, gone: 0 };
  for (const c of await db.all<{ status: ServiceStatus; n: number }>('serviceCounts')) counts[c.status] = c.n;
  return { rows: rows.map(toRow), total, counts };
}

function toRow(r: RowDb): ServiceRow {
  return {
    id: r.id,
    host: r.host,
    port: r.port,
    proto: r.proto,
    evidence: r.evidence,
    confidence: r.confidence,
    status: r.status,
    service: r.service,
    firstSeen: isoMs(r.first_seen_ms),
    lastSeen: isoMs(r.last_seen_ms),
    sources: r.sources ? r.sources.split(' ') : [],
    flows: r.flows ?? 0,
    bytes: r.bytes ?? 0,
  };
}
