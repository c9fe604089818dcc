/**
 * Reads the inventory and its evidence trail into a snapshot's content. Pure reads: call
 * inside the transaction that also inserts the snapshot, so what is sealed is one
 * consistent moment. Adapts to the schema it finds: optional tables (rules, host_tags)
 * and columns (hostnames, mac, insecure, compensating_control) are used when present.
 */
import { hostKey, inKeyRange, keyRange } from '../inventory/hostkey';
import type { Db } from '../store/db';
import { VERSION } from '../version';
import { isoUtc } from './canonical';
import { insecureOf } from './insecure';
import { convertColumn, int, isoOrNull, listOf, restOf, str, strOrNull, type Row } from './rows';
import { inScope, ScopeError, type Scope } from './scope';
import {
  FORMAT,
  FORMAT_VERSION,
  type Approval,
  type CaptureSource,
  type CompensatingControl,
  type EvidenceBySource,
  type Flag,
  type Ignore,
  type ImportSource,
  type JsonValue,
  type ScanSource,
  type SnapshotContent,
  type SnapshotHost,
  type SnapshotRules,
  type SnapshotService,
} from './types';

export interface BuildOptions {
  id: number;
  takenAtMs: number;
  takenBy: string;
  note: string;
  scope: Scope;
  prevSha256: string | null;
}

async function tableExists(db: Db, name: string): Promise<boolean> {
  return (await db.get('snapTableExists', [name])) !== undefined;
}

/** Rules tables a snapshot records, when a migration created them. */
const RULE_TABLES = ['rules'] as const;

export async function buildContent(db: Db, o: BuildOptions): Promise<SnapshotContent> {
  const services = await db.all<Row>('snapServices');
  const evidence = await db.all<Row>('snapEvidence');
  const reviews = await db.all<Row>('snapReviews');
  const tags = await hostTags(db);
  const controls = services.length && 'compensating_control' in services[0]! ? await latestControls(db) : null;
  const ruleEnds = services.length && 'rule_id' in services[0]! ? await ruleExpiries(db) : null;

  // Hosts: every address with a service, plus names and MAC wherever a row knows them.
  const hostMap = new Map<string, SnapshotHost>();
  for (const s of services) {
    const address = str(s.host);
    let h = hostMap.get(address);
    if (!h) hostMap.set(address, (h = { address, hostnames: [], mac: null, tags: tags.get(address) ?? [] }));
    for (const n of listOf(s.hostnames ?? s.hostname)) if (!h.hostnames.includes(n)) h.hostnames.push(n);
    if (!h.mac && s.mac) h.mac = macOf(s.mac);
  }
  const hosts = [...hostMap.values()].filter((h) => inScope(o.scope, h.address, h.tags));
  if (o.scope.kind !== 'all' && hosts.length === 0) {
    const why = o.scope.kind === 'tag' && tags.size === 0 ? ' (no host carries a tag in this database)' : '';
    throw new ScopeError(`scope ${o.scope.text} matches no host in the inventory${why}`);
  }
  for (const h of hosts) {
    h.hostnames.sort();
    h.tags = [...new Set(h.tags)].sort();
  }
  // Ties of the key (one host stored as IPv4 and as IPv4-mapped IPv6 by an older version) go by the text.
  hosts.sort((a, b) => cmp(hostKey(a.address), hostKey(b.address)) || cmp(a.address, b.address));
  const wanted = new Set(hosts.map((h) => h.address));

  const evBy = groupBy(evidence, (e) => int(e.service_id));
  const decisions = latestDecisions(reviews);

  const out: SnapshotService[] = [];
  for (const s of services) {
    if (!wanted.has(str(s.host))) continue;
    const id = int(s.id);
    const status = str(s.status);
    const d = decisions.get(id);
    const sources: EvidenceBySource[] = (evBy.get(id) ?? []).map((e) => ({
      source: `${str(e.source_kind)}:${int(e.source_id)}`,
      evidence: str(e.evidence),
      confidence: str(e.confidence),
      firstSeen: isoUtc(int(e.first_seen_ms)),
      lastSeen: isoUtc(int(e.last_seen_ms)),
      flows: int(e.flows),
      bytes: int(e.bytes),
    }));
    sources.sort((a, b) => cmp(sourceSortKey(a.source), sourceSortKey(b.source)) || cmp(a.evidence, b.evidence));
    out.push({
      host: str(s.host),
      proto: str(s.proto),
      port: int(s.port),
      service: strOrNull(s.service),
      banner: strOrNull(s.banner),
      status,
      statusSince: isoUtc(int(s.status_changed_at)),
      evidence: str(s.evidence),
      confidence: str(s.confidence),
      firstSeen: isoUtc(int(s.first_seen_ms)),
      lastSeen: isoUtc(int(s.last_seen_ms)),
      sources,
      approval: approvalOf(s, status, d),
      flag: flagOf(s, status, d),
      insecure: insecureOf(s),
      ...(controls ? { compensatingControl: controlOf(s, controls.get(id)) } : {}),
      ...(ruleEnds ? { ignore: ignoreOf(s, status, ruleEnds) } : {}),
    });
  }
  // Already in host_key, proto, port order from SQL; sort again so the order never rests on a query plan.
  out.sort((a, b) => cmp(hostKey(a.host), hostKey(b.host)) || cmp(a.host, b.host) || cmp(a.proto, b.proto) || a.port - b.port);

  return {
    meta: {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      id: o.id,
      takenAt: isoUtc(o.takenAtMs),
      takenBy: o.takenBy,
      note: o.note,
      scope: o.scope.text,
      portolanVersion: VERSION,
      prevSha256: o.prevSha256,
    },
    hosts,
    services: out,
    rules: scopedRules(await rulesInForce(db, o.takenAtMs), o.scope, hosts),
    sources: await sourcesFor(db, o.scope, wanted, out),
  };
}

/**
 * The evidence sources a snapshot names: all of them for scope `all`; for a scoped one,
 * those that say something about its hosts — a capture or import that holds evidence for
 * one of its services, a scan run or import that probed one of its hosts (a closed
 * result is evidence of scanning too). A scan of other hosts is not evidence for this
 * scope (PCI DSS 11.3.1's "most recent scan" counts only these).
 */
async function sourcesFor(db: Db, scope: Scope, hosts: ReadonlySet<string>, services: readonly SnapshotService[]): Promise<SnapshotContent['sources']> {
  const captures = (await db.all<Row>('snapCaptures')).map(captureOf);
  const scans = (await db.all<Row>('snapScans')).map(scanOf);
  const imports = (await db.all<Row>('snapImports')).map(importOf);
  if (scope.kind === 'all') return { captures, scans, imports };
  const named = new Set<string>();
  for (const s of services) for (const e of s.sources) named.add(e.source);
  if (await tableExists(db, 'scan_hosts')) {
    for (const r of await db.query<Row>('SELECT DISTINCT scan_id, host FROM scan_hosts')) if (hosts.has(str(r.host))) named.add(`scan:${int(r.scan_id)}`);
  }
  if (await tableExists(db, 'import_ports')) {
    for (const r of await db.query<Row>('SELECT DISTINCT import_id, host FROM import_ports')) if (hosts.has(str(r.host))) named.add(`import:${int(r.import_id)}`);
  }
  return { captures: captures.filter((c) => named.has(c.id)), scans: scans.filter((s) => named.has(s.id)), imports: imports.filter((i) => named.has(i.id)) };
}

/** A scoped snapshot's rules: those that can act on one of its hosts (any-host rules, and host / subnet rules covering one). */
function scopedRules(rules: SnapshotRules, scope: Scope, hosts: readonly SnapshotHost[]): SnapshotRules {
  if (!rules || scope.kind === 'all') return rules;
  const keys = hosts.map((h) => hostKey(h.address));
  const out: NonNullable<SnapshotRules> = {};
  for (const [table, rows] of Object.entries(rules)) {
    out[table] = rows.filter((r) => {
      const target = typeof r.subnet === 'string' ? r.subnet : typeof r.host === 'string' ? r.host : null;
      if (target === null) return true;
      try {
        const range = keyRange(target);
        return keys.some((k) => inKeyRange(k, range));
      } catch {
        return true; // a rule this code cannot read is shown, not hidden
      }
    });
  }
  return out;
}

/**
 * A MAC as snapshots write it (six lowercase hex octets joined by colons), or null for a
 * stored value that is not one (an imported report can hold any text there): verify
 * refuses anything else.
 */
function macOf(v: unknown): string | null {
  const m = String(v).trim().toLowerCase().replace(/-/g, ':');
  return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(m) ? m : null;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `capture:3` sorts before `capture:10`. */
function sourceSortKey(s: string): string {
  const [kind, id] = s.split(':');
  return `${kind}:${(id ?? '').padStart(12, '0')}`;
}

function groupBy<T>(rows: T[], key: (r: T) => number): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

interface Decision {
  approve?: Row;
  flag?: Row;
  /** Which came last. */
  last: 'approve' | 'flag';
}

/**
 * The latest approve and flag of each service, from the append-only review history. Only
 * `approve` and `flag` events are decisions: a `returned` event restores an earlier one,
 * and a `control` event (a compensating-control note) keeps the status it found, so its
 * status_to may read `approved` without it being an approval.
 */
function latestDecisions(reviews: Row[]): Map<number, Decision> {
  const m = new Map<number, Decision>();
  for (const r of reviews) {
    const action = str(r.action);
    if (action !== 'approve' && action !== 'flag') continue;
    const id = int(r.service_id);
    const d = m.get(id) ?? { last: 'approve' };
    if (str(r.status_to) === 'approved') {
      d.approve = r;
      d.last = 'approve';
    } else {
      d.flag = r;
      d.last = 'flag';
    }
    m.set(id, d);
  }
  return m;
}

function approvalOf(s: Row, status: string, d: Decision | undefined): Approval | null {
  const current = status === 'approved' || (status === 'gone' && s.prev_status === 'approved') || (status === 'gone' && d?.last === 'approve');
  if (!current) return null;
  if (d?.approve) {
    return {
      justification: str(d.approve.reason),
      owner: strOrNull(d.approve.owner),
      approvedBy: str(d.approve.actor),
      approvedAt: isoUtc(int(d.approve.at)),
    };
  }
  // Approved without a history entry (should not happen; kept visible rather than hidden).
  if (s.reason === undefined) return null;
  return { justification: str(s.reason), owner: strOrNull(s.owner), approvedBy: str(s.reviewed_by), approvedAt: isoOrNull(s.reviewed_at) ?? '' };
}

function flagOf(s: Row, status: string, d: Decision | undefined): Flag | null {
  const current = status === 'flagged' || (status === 'gone' && s.prev_status === 'flagged') || (status === 'gone' && d?.last === 'flag' && s.prev_status === undefined);
  if (!current) return null;
  if (d?.flag) return { reason: str(d.flag.reason), flaggedBy: str(d.flag.actor), flaggedAt: isoUtc(int(d.flag.at)) };
  if (s.reason === undefined) return null;
  return { reason: str(s.reason), flaggedBy: str(s.reviewed_by), flaggedAt: isoOrNull(s.reviewed_at) ?? '' };
}

/** Every rule's expiry (ms or null) by id, deleted ones included: an ignore names the rule that made it. */
async function ruleExpiries(db: Db): Promise<Map<number, number | null>> {
  const m = new Map<number, number | null>();
  if (!(await tableExists(db, 'rules'))) return m;
  for (const r of await db.query<Row>('SELECT id, expires_at FROM rules')) m.set(int(r.id), typeof r.expires_at === 'number' ? r.expires_at : null);
  return m;
}

/** An ignored service's ignore as the services row records it now (reason, who, when, until, rule). */
function ignoreOf(s: Row, status: string, ruleEnds: Map<number, number | null>): Ignore | null {
  if (status !== 'ignored') return null;
  const rule = typeof s.rule_id === 'number' ? s.rule_id : null;
  const end = rule !== null ? (ruleEnds.get(rule) ?? null) : typeof s.ignore_until === 'number' ? s.ignore_until : null;
  return {
    reason: str(s.reason),
    ignoredBy: strOrNull(s.reviewed_by) ?? (rule !== null ? `rule:${rule}` : ''),
    ignoredAt: isoOrNull(s.reviewed_at) ?? isoUtc(int(s.status_changed_at)),
    until: end === null ? null : isoUtc(end),
    rule,
  };
}

/** The latest compensating-control event of each service (who recorded the note, when). */
async function latestControls(db: Db): Promise<Map<number, Row>> {
  const m = new Map<number, Row>();
  const rows = await db.query<Row>(`SELECT service_id, action, reason, actor, at FROM reviews WHERE action IN ('control', 'control-cleared') ORDER BY service_id, at, id`);
  for (const r of rows) m.set(int(r.service_id), r);
  return m;
}

/** The service's compensating-control note as recorded now, with who recorded it and when. */
function controlOf(s: Row, event: Row | undefined): CompensatingControl | null {
  const note = strOrNull(s.compensating_control);
  if (!note) return null;
  const current = event && str(event.action) === 'control' && strOrNull(event.reason) === note;
  return { note, recordedBy: current ? str(event.actor) : null, recordedAt: current ? isoUtc(int(event.at)) : null };
}

/** Tags per host, from a `host_tags (host, tag)` table when one exists. */
async function hostTags(db: Db): Promise<Map<string, string[]>> {
  const m = new Map<string, string[]>();
  if (!(await tableExists(db, 'host_tags'))) return m;
  for (const r of await db.query<Row>('SELECT host, tag FROM host_tags ORDER BY host, tag')) {
    const list = m.get(str(r.host)) ?? [];
    list.push(str(r.tag));
    m.set(str(r.host), list);
  }
  return m;
}

/** Rules not deleted and not expired at the moment of the snapshot. */
async function rulesInForce(db: Db, atMs: number): Promise<SnapshotRules> {
  let any = false;
  const out: NonNullable<SnapshotRules> = {};
  for (const table of RULE_TABLES) {
    if (!(await tableExists(db, table))) continue;
    any = true;
    const rows = await db.query<Row>(`SELECT * FROM ${table} ORDER BY id`);
    out[table] = rows
      .filter((r) => (r.deleted_at === undefined || r.deleted_at === null) && (typeof r.expires_at !== 'number' || r.expires_at > atMs))
      // lo_key / hi_key are the matcher's index of host / subnet, not information.
      .map((r) => restOf(r, new Set(['lo_key', 'hi_key', 'deleted_at'])));
  }
  return any ? out : null;
}

const CAPTURE_COLS = new Set(['id', 'job_id', 'source', 'file_sha256', 'file_bytes', 'format', 'link_types', 'filter', 'first_us', 'last_us', 'packets', 'bytes', 'undecoded', 'flows', 'warnings_json', 'status', 'created_at']);
const SCAN_COLS = new Set(['id', 'job_id', 'targets', 'ports', 'params_json', 'started_by', 'source_addr', 'started_at', 'ended_at', 'status']);
const IMPORT_COLS = new Set(['id', 'job_id', 'tool', 'file', 'args', 'scan_started_at', 'complete', 'created_at']);

function captureOf(r: Row): CaptureSource {
  return {
    id: `capture:${int(r.id)}`,
    source: str(r.source),
    fileSha256: strOrNull(r.file_sha256),
    fileBytes: typeof r.file_bytes === 'number' ? r.file_bytes : null,
    format: strOrNull(r.format),
    linkTypes: listOf(r.link_types).map((x) => int(x)),
    filter: str(r.filter),
    windowStart: r.first_us === null || r.first_us === undefined ? null : (convertColumn('first_us', r.first_us) as string),
    windowEnd: r.last_us === null || r.last_us === undefined ? null : (convertColumn('last_us', r.last_us) as string),
    packets: int(r.packets),
    bytes: int(r.bytes),
    flows: int(r.flows),
    undecoded: int(r.undecoded),
    warnings: convertColumn('warnings_json', r.warnings_json ?? '[]'),
    status: str(r.status),
    recordedAt: isoUtc(int(r.created_at)),
    extra: restOf(r, CAPTURE_COLS),
  };
}

function scanOf(r: Row): ScanSource {
  return {
    id: `scan:${int(r.id)}`,
    targets: str(r.targets),
    ports: str(r.ports),
    params: convertColumn('params_json', r.params_json ?? '{}') as JsonValue,
    startedBy: str(r.started_by),
    sourceAddress: strOrNull(r.source_addr),
    startedAt: isoUtc(int(r.started_at)),
    endedAt: isoOrNull(r.ended_at),
    status: str(r.status),
    extra: restOf(r, SCAN_COLS),
  };
}

function importOf(r: Row): ImportSource {
  return {
    id: `import:${int(r.id)}`,
    tool: str(r.tool),
    file: str(r.file),
    args: strOrNull(r.args),
    toolStartedAt: isoOrNull(r.scan_started_at),
    complete: int(r.complete) !== 0,
    recordedAt: isoUtc(int(r.created_at)),
    extra: restOf(r, IMPORT_COLS),
  };
}
