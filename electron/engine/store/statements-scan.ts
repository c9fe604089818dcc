/**
 * Named statements of the connect scanner (scan_runs, probe_results, scan_hosts; see
 * migration 2). Parameters are positional in the order each comment gives.
 */

/** Rows per multi-row insert of probe results: one statement per batch, not per port. */
export const PROBE_BATCH_ROWS = 100;
const PROBE_COLS = '(scan_id, host, port, proto, state, reason, rtt_us, banner, service, attempts, probed_at)';
const probeValues = (n: number): string => Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');

export const SCAN_STATEMENTS = {
  // (job_id, targets, ports, params_json, started_by, started_at, excludes, addresses, port_count, probes_total, started_host)
  scanRunInsert: `INSERT INTO scan_runs (job_id, targets, ports, params_json, started_by, started_at, status, excludes, addresses, port_count, probes_total, started_host)
    VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
  // (probes_done, open, closed, filtered, errors, source_addr, id) — progress, after each batch
  scanRunProgress: `UPDATE scan_runs SET probes_done = ?, open = ?, closed = ?, filtered = ?, errors = ?, source_addr = COALESCE(?, source_addr) WHERE id = ?`,
  // (status, ended_at, resolved_json, warnings_json, id)
  scanRunFinish: `UPDATE scan_runs SET status = ?, ended_at = ?, resolved_json = ?, warnings_json = ? WHERE id = ?`,
  // Runs left running by a process that died.
  // Runs whose job ended without finishing them (its process died, or it failed): never a
  // run another live process is still scanning.
  scanRunsInterrupt: `UPDATE scan_runs SET status = 'incomplete' WHERE status = 'running' AND (job_id IS NULL OR job_id IN (SELECT id FROM jobs WHERE status IN ('interrupted', 'failed', 'cancelled')))`,
  // (id)
  scanRunById: `SELECT * FROM scan_runs WHERE id = ?`,
  // (limit)
  scanRunsRecent: `SELECT * FROM scan_runs ORDER BY started_at DESC, id DESC LIMIT ?`,
  // one row: (scan_id, host, port, proto, state, reason, rtt_us, banner, service, attempts, probed_at)
  probeInsert1: `INSERT OR REPLACE INTO probe_results ${PROBE_COLS} VALUES ${probeValues(1)}`,
  // PROBE_BATCH_ROWS rows of the above, flattened
  probeInsertBatch: `INSERT OR REPLACE INTO probe_results ${PROBE_COLS} VALUES ${probeValues(PROBE_BATCH_ROWS)}`,
  // (scan_id, state, state, limit, offset) — results of a run, a state or all ('' for all)
  probeResults: `SELECT host, port, proto, state, reason, rtt_us, banner, service, attempts, probed_at FROM probe_results
    WHERE scan_id = ? AND (? = '' OR state = ?) ORDER BY host, port LIMIT ? OFFSET ?`,
  // (scan_id)
  probeClosed: `SELECT host, port, proto, probed_at FROM probe_results WHERE scan_id = ? AND state = 'closed'`,
  // (scan_id, host, open, closed, filtered, errors, flag)
  scanHostUpsert: `INSERT OR REPLACE INTO scan_hosts (scan_id, host, open, closed, filtered, errors, flag) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  // (scan_id)
  scanHostsFlagged: `SELECT host, open, closed, filtered, errors, flag FROM scan_hosts WHERE scan_id = ? AND flag IS NOT NULL ORDER BY host`,
} as const;
