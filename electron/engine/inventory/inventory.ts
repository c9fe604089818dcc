/**
 * The listening-service inventory: one entry per (host, proto, port), nothing else in
 * the key. Evidence from any source merges into it (strongest evidence wins, the seen
 * window only widens). A first sighting creates the entry as `new` with a `seen` event,
 * then the rules may ignore or approve it; a gone service seen again by newer evidence
 * returns to its previous status. Merging the same evidence twice changes nothing but
 * what it must (last_seen can only grow), so re-ingest and re-import are idempotent.
 */
import { EVIDENCE_RANK, type Confidence, type Evidence, type Proto, type ServiceRow, type SourceKind, type ServiceStatus } from '../../shared/model';
import type { ServicesPage, ServicesQuery } from '../../shared/contract';
import { ServicesQuery as ServicesQuerySchema } from '../../shared/contract';
import type { Db } from '../store/db';
import { STATEMENTS } from '../store/statements';
import { filterWhere } from './filter';
import { staleCutoff } from './gone';
import { hostKey, plainHost } from './hostkey';
import { insecureLabel } from './insecure';
import { activeRules, applyRule, firstMatch, type RuleRow } from './rules';
import { setObserved } from './transition';
import type { ServiceMethod } from '../scan/banner';
import { portName } from '../scan/ports';

export interface Sighting {
  host: string;
  proto: Proto;
  port: number;
  evidence: Evidence;
  confidence: Confidence;
  service: string | null;
  /**
   * How `service` was found: `evidence` (a banner, payload sniffing, nmap method="probed")
   * or `table` (the port's usual name). Default `evidence`. Captures give the payload's
   * name as evidence, else the port's usual name as a table guess (flows/sighting.ts).
   */
  serviceMethod?: ServiceMethod;
  firstSeenMs: number;
  lastSeenMs: number;
  flows: number;
  bytes: number;
  /** Optional extras (imports): what the tool said about the port and the host. */
  banner?: string | null;
  hostnames?: string[];
  mac?: string | null;
}

export interface RecordResult {
  added: number;
  updated: number;
  /** Ids of services that entered the queue (`new` after the rules ran). */
  queued?: number[];
  returned?: number;
  /** Sightings dated after `nowMs` (a wrong clock, a damaged timestamp), stored at `nowMs`. */
  future?: number;
}

const CONF_RANK: Record<Confidence, number> = { certain: 3, high: 2, medium: 1, low: 0 };

interface Existing {
  id: number;
  status: ServiceStatus;
  service: string | null;
  service_method: ServiceMethod | null;
  insecure: string | null;
  last_seen_ms: number;
  prev_status: ServiceStatus | null;
  hostnames: string;
  mac: string | null;
}

function mergeNames(stored: string, more: string[] | undefined): string {
  if (!more?.length) return stored;
  const all = new Set(stored ? stored.split(' ') : []);
  for (const n of more) {
    const clean = n.trim().replace(/\s+/g, '');
    if (clean) all.add(clean.slice(0, 253));
  }
  return [...all].slice(0, 20).join(' ');
}

/**
 * The service name to keep: a name from evidence beats a port-table guess (ours or
 * nmap's method="table"); otherwise the name already stored stays (the first wins), and
 * a name fills an empty one. Rows stored before the method was recorded: a name equal to
 * the port list's name counts as a table guess.
 */
export function chooseService(
  stored: { service: string | null; method: ServiceMethod | null },
  incoming: { service: string | null; method: ServiceMethod },
  port: number,
): { service: string | null; method: ServiceMethod | null } {
  if (!incoming.service) return stored;
  if (!stored.service) return incoming;
  const storedMethod = stored.method ?? (stored.service === portName(port) ? 'table' : 'evidence');
  if (storedMethod === 'table' && incoming.method === 'evidence') return incoming;
  return { service: stored.service, method: storedMethod };
}

/**
 * Merges sightings from one source. Call inside a transaction (the caller's: ingest,
 * scan, capture and import each commit their source record with it).
 *
 * In bulk: the stored rows of every key come back from one query; the new services go in
 * with one statement, their `seen` events with another, the merges and the evidence with
 * one each (JSON texts, as flows are stored). node's sqlite3 makes every call a round trip
 * to its thread, so merging a capture's 800 services one statement at a time took a fifth
 * of a second. A key that comes more than once (one service seen with two kinds of
 * evidence) is merged in rounds: every key's first sighting, then every second one, each
 * round reading what the one before wrote. When a gone service is among the keys (its
 * return depends on what else of its host was seen, so order matters), the sightings are
 * merged one by one instead. Either way the result is that of merging them one by one.
 */
export async function recordSightings(db: Db, kind: SourceKind, sourceId: number, given: Sighting[], nowMs = Date.now()): Promise<RecordResult> {
  // One host is one entry: an IPv4-mapped IPv6 address is its IPv4 host (hostkey.ts).
  const sightings = given.map((s) => {
    const h = plainHost(s.host);
    return h === s.host ? s : { ...s, host: h };
  });
  const out: Required<RecordResult> = { added: 0, updated: 0, queued: [], returned: 0, future: 0 };
  // A sighting cannot be later than now: one dated in the future (a capture from a machine
  // whose clock was wrong, a damaged timestamp) would outrank every real sighting after it,
  // and a service it made gone could never return. It is stored at now, and counted.
  for (let i = 0; i < sightings.length; i++) {
    const s = sightings[i]!;
    if (s.lastSeenMs > nowMs || s.firstSeenMs > nowMs) {
      out.future++;
      sightings[i] = { ...s, firstSeenMs: Math.min(s.firstSeenMs, nowMs), lastSeenMs: Math.min(s.lastSeenMs, nowMs) };
    }
  }
  const ctx: MergeContext = { db, kind, sourceId, nowMs, rules: null, out };
  const rounds: Sighting[][] = [];
  const times = new Map<string, number>();
  for (const s of sightings) {
    const k = keyOf(s.host, s.proto, s.port);
    const n = times.get(k) ?? 0;
    times.set(k, n + 1);
    (rounds[n] ??= []).push(s);
  }
  let stored = await storedRows(db, rounds[0] ?? []);
  if ([...stored.values()].some((r) => r.status === 'gone')) {
    for (const s of sightings) await mergeOne(ctx, s, await db.get<Existing>('invFind', [s.host, s.proto, s.port]));
    return out;
  }
  for (let r = 0; r < rounds.length; r++) {
    if (r > 0) stored = await storedRows(db, rounds[r]!);
    await recordRound(ctx, rounds[r]!, stored);
  }
  return out;
}

const keyOf = (host: string, proto: string, port: number): string => `${proto}|${port}|${host}`;

/** The stored rows of the sightings' keys, by keyOf. */
async function storedRows(db: Db, sightings: Sighting[]): Promise<Map<string, Existing>> {
  const stored = new Map<string, Existing>();
  for (let i = 0; i < sightings.length; i += BULK) {
    const keys = sightings.slice(i, i + BULK).map((s) => [s.host, s.proto, s.port]);
    for (const row of await db.all<Existing & { host: string; proto: string; port: number }>('invFindMany', [JSON.stringify(keys)])) {
      stored.set(keyOf(row.host, row.proto, row.port), row);
    }
  }
  return stored;
}

/** One round of recordSightings: no key twice, none gone. */
async function recordRound(ctx: MergeContext, sightings: Sighting[], stored: Map<string, Existing>): Promise<void> {
  const { kind, sourceId, out } = ctx;
  const batch: Batch = { fresh: [], merges: [], evidence: [] };
  for (const s of sightings) {
    const existing = stored.get(keyOf(s.host, s.proto, s.port));
    if (existing) {
      batch.merges.push(mergeParams(s, existing));
      batch.evidence.push(evidenceParams(existing.id, s, kind, sourceId));
      out.updated++;
    } else {
      batch.fresh.push(s);
    }
    if (batch.fresh.length + batch.merges.length >= BULK) await writeBatch(batch, ctx);
  }
  await writeBatch(batch, ctx);
}

/** Rows per bulk statement. */
const BULK = 2000;

interface MergeContext {
  db: Db;
  kind: SourceKind;
  sourceId: number;
  nowMs: number;
  rules: RuleRow[] | null;
  out: Required<RecordResult>;
}

interface Batch {
  fresh: Sighting[];
  merges: unknown[][];
  evidence: unknown[][];
}

/**
 * Writes what `batch` holds: the merges, the new services with their `seen` events, their
 * rules (or their place in the queue) in sighting order, then every evidence row.
 */
async function writeBatch(batch: Batch, ctx: MergeContext): Promise<void> {
  const { db, kind, sourceId, nowMs, out } = ctx;
  const fresh = batch.fresh.splice(0);
  const merges = batch.merges.splice(0);
  const evidence = batch.evidence.splice(0);
  if (merges.length) await db.run('invMergeMany', [JSON.stringify(merges)]);
  if (fresh.length) {
    const rows = fresh.map((s) => {
      const key = hostKey(s.host);
      return { s, key, insecure: insecureLabel(s.proto, s.port, s.service) };
    });
    const inserted = await db.all<{ id: number; host: string; proto: string; port: number }>('invInsertMany', [
      JSON.stringify(
        rows.map(({ s, key, insecure }) => [
          s.host, key, s.proto, s.port, s.evidence, EVIDENCE_RANK[s.evidence], s.confidence, s.service, s.banner ?? null,
          s.firstSeenMs, s.lastSeenMs, nowMs, nowMs, insecure, mergeNames('', s.hostnames), s.mac ?? null, s.service ? (s.serviceMethod ?? 'evidence') : null,
        ]),
      ),
    ]);
    const idOf = new Map(inserted.map((r) => [`${r.proto}|${r.port}|${r.host}`, r.id]));
    const ids = rows.map(({ s }) => idOf.get(`${s.proto}|${s.port}|${s.host}`)!);
    await db.run('reviewInsertMany', [JSON.stringify(rows.map(({ s }, i) => [ids[i], 'seen', null, 'new', `first seen by ${kind} ${sourceId} (${s.evidence})`, null, 'portolan', nowMs]))]);
    for (let i = 0; i < rows.length; i++) {
      const { s, key, insecure } = rows[i]!;
      ctx.rules ??= await activeRules(db, nowMs);
      const rule = firstMatch(ctx.rules, { hostKey: key, port: s.port, proto: s.proto, insecure });
      if (rule) await applyRule(db, rule, ids[i]!, nowMs);
      else out.queued.push(ids[i]!);
      out.added++;
      evidence.push(evidenceParams(ids[i]!, s, kind, sourceId));
    }
  }
  if (evidence.length) await db.run('evidenceUpsertMany', [JSON.stringify(evidence)]);
}

function mergeParams(s: Sighting, existing: Existing): unknown[] {
  const named = chooseService({ service: existing.service, method: existing.service_method }, { service: s.service, method: s.serviceMethod ?? 'evidence' }, s.port);
  const insecure = insecureLabel(s.proto, s.port, named.service);
  return [s.evidence, EVIDENCE_RANK[s.evidence], s.confidence, CONF_RANK[s.confidence], named.service, s.firstSeenMs, s.lastSeenMs, existing.id, s.banner ?? null, insecure, mergeNames(existing.hostnames, s.hostnames), s.mac ?? null, named.method];
}

function evidenceParams(id: number, s: Sighting, kind: SourceKind, sourceId: number): unknown[] {
  return [id, kind, sourceId, s.evidence, s.confidence, s.firstSeenMs, s.lastSeenMs, s.flows, s.bytes];
}

/** One sighting, one awaited statement at a time (when a gone service is among them). */
async function mergeOne(ctx: MergeContext, s: Sighting, existing: Existing | undefined): Promise<void> {
  const { db, kind, sourceId, nowMs, out } = ctx;
  let id: number;
  if (!existing) {
    const key = hostKey(s.host);
    const insecure = insecureLabel(s.proto, s.port, s.service);
    const r = await db.run('invInsert', [
      s.host, key, s.proto, s.port, s.evidence, EVIDENCE_RANK[s.evidence], s.confidence, s.service, s.banner ?? null,
      s.firstSeenMs, s.lastSeenMs, nowMs, nowMs, insecure, mergeNames('', s.hostnames), s.mac ?? null, s.service ? (s.serviceMethod ?? 'evidence') : null,
    ]);
    id = r.lastID;
    await db.run('reviewInsert', [id, 'seen', null, 'new', `first seen by ${kind} ${sourceId} (${s.evidence})`, null, 'portolan', nowMs]);
    ctx.rules ??= await activeRules(db, nowMs);
    const rule = firstMatch(ctx.rules, { hostKey: key, port: s.port, proto: s.proto, insecure });
    if (rule) await applyRule(db, rule, id, nowMs);
    else out.queued.push(id);
    out.added++;
  } else {
    id = existing.id;
    await db.run('invMerge', mergeParams(s, existing));
    if (existing.status === 'gone' && s.lastSeenMs > existing.last_seen_ms) {
      const cutoff = await staleCutoff(db, s.host);
      const closed = await db.get<{ at: number | null }>('closedAfter', [s.host, s.proto, s.port, s.lastSeenMs, s.host, s.proto, s.port, s.lastSeenMs]);
      if (s.lastSeenMs >= cutoff && !closed?.at) {
        const back = existing.prev_status ?? 'approved';
        await setObserved(db, id, 'gone', back, null, 'returned', `seen again by ${kind} ${sourceId} at ${new Date(s.lastSeenMs).toISOString()}`, nowMs);
        out.returned++;
      }
    }
    out.updated++;
  }
  await db.run('evidenceUpsert', evidenceParams(id, s, kind, sourceId));
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

export interface RowDb {
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
  created_at: number;
  insecure: string | null;
  reason: string | null;
  owner: string | null;
  reviewed_by: string | null;
  reviewed_at: number | null;
  hostnames: string;
  mac: string | null;
  banner: string | null;
  rule_id: number | null;
  ignore_until: number | null;
  compensating_control: string | null;
  sources: string | null;
  flows: number | null;
  bytes: number | null;
}

/** The columns of a full row; evidence totals come from correlated subqueries on the page only. */
export const ROW_SELECT = `SELECT s.id, s.host, s.proto, s.port, s.evidence, s.confidence, s.status, s.service, s.first_seen_ms, s.last_seen_ms,
       s.created_at, s.insecure, s.reason, s.owner, s.reviewed_by, s.reviewed_at, s.hostnames, s.mac, s.banner, s.rule_id, s.compensating_control,
       CASE WHEN s.status <> 'ignored' THEN NULL WHEN s.rule_id IS NULL THEN s.ignore_until ELSE (SELECT r.expires_at FROM rules r WHERE r.id = s.rule_id) END AS ignore_until,
       (SELECT group_concat(label, ' ') FROM (SELECT DISTINCT e.source_kind || ':' || e.source_id AS label FROM service_evidence e WHERE e.service_id = s.id ORDER BY e.last_seen_ms)) AS sources,
       (SELECT SUM(e.flows) FROM service_evidence e WHERE e.service_id = s.id) AS flows,
       (SELECT SUM(e.bytes) FROM service_evidence e WHERE e.service_id = s.id) AS bytes
     FROM services s`;

export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}

export type StatusCounts = ServicesPage['counts'];

export async function statusCounts(db: Db): Promise<StatusCounts> {
  const counts = { new: 0, approved: 0, flagged: 0, gone: 0, ignored: 0 };
  for (const c of await db.all<{ status: ServiceStatus; n: number }>('invCounts')) if (c.status in counts) counts[c.status] = c.n;
  return counts;
}

/** Pages through the inventory with a server-side filter and sort. */
export async function listServices(db: Db, input: ServicesQuery): Promise<ServicesPage> {
  const q = ServicesQuerySchema.parse(input);
  const w = filterWhere({ status: q.status, search: q.search, port: q.port, proto: q.proto, subnet: q.subnet, insecure: q.insecure, since: q.since });
  const dir = q.dir === 'desc' ? 'DESC' : 'ASC';
  // Tie-breakers make paging stable (and match the indexes, so no sort of the whole table).
  const order = q.sort === 'host' ? `s.host_key ${dir}, s.proto, s.port` : `${SORT_SQL[q.sort]} ${dir}, s.host_key ${dir}, s.proto, s.port`;
  // Page the ids first, then compute the evidence columns for that page only: with the
  // correlated subqueries in one query SQLite evaluates them for every row before sorting.
  const rows = await db.read<RowDb>(
    `${ROW_SELECT} WHERE s.id IN (SELECT s.id FROM services s ${w.sql} ORDER BY ${order} LIMIT ? OFFSET ?) ORDER BY ${order}`,
    [...w.params, q.limit, q.offset],
  );
  const total = (await db.read<{ n: number }>(`SELECT COUNT(*) AS n FROM services s ${w.sql}`, w.params))[0]?.n ?? 0;
  const counts = { new: 0, approved: 0, flagged: 0, gone: 0, ignored: 0 };
  for (const c of await db.read<{ status: ServiceStatus; n: number }>(STATEMENTS.invCounts)) if (c.status in counts) counts[c.status] = c.n;
  return { rows: rows.map(toRow), total, counts };
}

export function toRow(r: RowDb): ServiceRow {
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
    insecure: r.insecure,
    reason: r.reason,
    owner: r.owner,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at === null ? null : isoMs(r.reviewed_at),
    createdAt: isoMs(r.created_at),
    hostnames: r.hostnames ? r.hostnames.split(' ') : [],
    mac: r.mac,
    banner: r.banner,
    ruleId: r.rule_id,
    ignoreUntil: r.ignore_until === null ? null : isoMs(r.ignore_until),
    compensatingControl: r.compensating_control ?? null,
  };
}
