/**
 * The scanner's rows in the store: runs, per-port results (written in multi-row
 * batches), per-host summaries. Only named statements (statements-scan.ts).
 */
import type { ScanResultRow, ScanRun } from '../../shared/scan';
import type { Db } from '../store/db';
import type { ProbeResult } from './scanner';

interface RunDb {
  id: number;
  job_id: string | null;
  targets: string;
  excludes: string;
  ports: string;
  params_json: string;
  started_by: string;
  started_host: string | null;
  source_addr: string | null;
  started_at: number;
  ended_at: number | null;
  status: string;
  addresses: string;
  port_count: number;
  probes_total: number;
  probes_done: number;
  open: number;
  closed: number;
  filtered: number;
  errors: number;
  warnings_json: string;
  /** The status of the job that ran it (jobs table), when that job is still recorded. */
  job_status?: string | null;
}

const STOP_REASONS = new Set(['cancelled', 'failed', 'interrupted']);

function parseJson<T>(text: string | null, fallback: T): T {
  try {
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function toScanRun(r: RunDb): ScanRun {
  return {
    id: r.id,
    jobId: r.job_id,
    targets: r.targets,
    excludes: r.excludes,
    ports: r.ports,
    params: parseJson<Record<string, unknown>>(r.params_json, {}),
    startedBy: r.started_by,
    startedHost: r.started_host,
    sourceAddr: r.source_addr,
    startedAt: new Date(r.started_at).toISOString(),
    endedAt: r.ended_at === null ? null : new Date(r.ended_at).toISOString(),
    status: r.status,
    addresses: r.addresses,
    portCount: r.port_count,
    probesTotal: r.probes_total,
    probesDone: r.probes_done,
    open: r.open,
    closed: r.closed,
    filtered: r.filtered,
    errors: r.errors,
    warnings: parseJson<string[]>(r.warnings_json, []),
    stopReason: r.status === 'incomplete' && r.job_status && STOP_REASONS.has(r.job_status) ? (r.job_status as NonNullable<ScanRun['stopReason']>) : null,
  };
}

export async function listScanRuns(db: Db, limit = 50): Promise<ScanRun[]> {
  return (await db.all<RunDb>('scanRunsRecent', [limit])).map(toScanRun);
}

export async function getScanRun(db: Db, id: number): Promise<ScanRun | null> {
  const r = await db.get<RunDb>('scanRunById', [id]);
  return r ? toScanRun(r) : null;
}

/** probe_results' key order (host as SQLite compares TEXT, then port): see insertProbeResults. */
function byKey(a: ProbeResult, b: ProbeResult): number {
  return a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port;
}

/** Rows per statement: one JSON text each, small enough to keep memory flat. */
const ROWS_PER_STATEMENT = 5000;

/**
 * Stores results, at most ROWS_PER_STATEMENT rows per statement as one JSON text (V8
 * writes it natively; SQLite parses it on its own thread, so a full sweep's 65,535 rows
 * cost the event loop almost nothing). Call inside a transaction.
 *
 * The rows go in key order: a sweep answers port by port across a group of hosts, so in
 * arrival order every row lands on a different page of the primary key and of
 * probe_results_key; sorted, they append host by host (3-4x fewer page touches). Runs of
 * one host with one state and reason and nothing else to say (no banner, no service)
 * go through probeInsertRunJson, which reads three values a row instead of nine.
 */
export async function insertProbeResults(db: Db, scanId: number, unsorted: ProbeResult[]): Promise<void> {
  const rows = unsorted.slice().sort(byKey);
  let other: unknown[][] = [];
  const flushOther = async (): Promise<void> => {
    if (!other.length) return;
    const batch = other;
    other = [];
    await db.run('probeInsertJson', [scanId, JSON.stringify(batch)]);
  };
  for (let i = 0; i < rows.length; ) {
    const r = rows[i]!;
    let j = i;
    if (r.banner === null && r.service === null) {
      while (j < rows.length && j - i < ROWS_PER_STATEMENT && sameRun(rows[j]!, r)) j++;
    }
    if (j - i >= 2) {
      await flushOther();
      const run = rows.slice(i, j).map((x) => [x.port, x.rttUs, x.at]);
      await db.run('probeInsertRunJson', [scanId, r.host, r.state, r.reason, r.attempts, JSON.stringify(run)]);
      i = j;
      continue;
    }
    other.push([r.host, r.port, r.state, r.reason, r.rttUs, r.banner, r.service, r.attempts, r.at]);
    if (other.length >= ROWS_PER_STATEMENT) await flushOther();
    i++;
  }
  await flushOther();
}

/** Rows that probeInsertRunJson can store together with `first`. */
function sameRun(r: ProbeResult, first: ProbeResult): boolean {
  return r.host === first.host && r.state === first.state && r.reason === first.reason && r.attempts === first.attempts && r.banner === null && r.service === null;
}

export function toResultRow(r: ProbeResult): ScanResultRow {
  return { host: r.host, port: r.port, proto: 'tcp', state: r.state, reason: r.reason, rttUs: r.rttUs, banner: r.banner, service: r.service, attempts: r.attempts, probedAt: new Date(r.at).toISOString() };
}

interface ProbeDb {
  host: string;
  port: number;
  proto: 'tcp';
  state: ScanResultRow['state'];
  reason: string;
  rtt_us: number | null;
  banner: string | null;
  service: string | null;
  attempts: number;
  probed_at: number;
}

/** A page of a run's stored results (`state` 'all' for every state). */
export async function scanResults(db: Db, scanId: number, state: ScanResultRow['state'] | 'all', limit: number, offset: number): Promise<ScanResultRow[]> {
  const s = state === 'all' ? '' : state;
  const rows = await db.all<ProbeDb>('probeResults', [scanId, s, s, limit, offset]);
  return rows.map((r) => ({ host: r.host, port: r.port, proto: r.proto, state: r.state, reason: r.reason, rttUs: r.rtt_us, banner: r.banner, service: r.service, attempts: r.attempts, probedAt: new Date(r.probed_at).toISOString() }));
}

/**
 * Ports a scan found closed (the host answered with a reset), for "gone" detection:
 * an approved or flagged service whose port a later scan found closed is gone.
 */
export async function closedPortsOfScan(db: Db, scanId: number): Promise<Array<{ host: string; proto: 'tcp'; port: number; probedAtMs: number }>> {
  const rows = await db.all<{ host: string; port: number; proto: 'tcp'; probed_at: number }>('probeClosed', [scanId]);
  return rows.map((r) => ({ host: r.host, proto: r.proto, port: r.port, probedAtMs: r.probed_at }));
}
