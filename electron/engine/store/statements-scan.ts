/**
 * Named statements of the connect scanner (scan_runs, probe_results, scan_hosts; see
 * migration 2). Parameters are positional in the order each comment gives.
 */

const PROBE_COLS = '(scan_id, host, port, proto, state, reason, rtt_us, banner, service, attempts, probed_at)';

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
  scanRunById: `SELECT r.*, j.status AS job_status FROM scan_runs r LEFT JOIN jobs j ON j.id = r.job_id WHERE r.id = ?`,
  // (limit)
  scanRunsRecent: `SELECT r.*, j.status AS job_status FROM scan_runs r LEFT JOIN jobs j ON j.id = r.job_id ORDER BY r.started_at DESC, r.id DESC LIMIT ?`,
  // one row: (scan_id, host, port, proto, state, reason, rtt_us, banner, service, attempts, probed_at)
  // (scan_id, rows_json): rows_json is a JSON array of [host, port, state, reason, rtt_us,
  // banner, service, attempts, probed_at] — one statement per batch, the rows parsed on
  // SQLite's thread rather than bound one value at a time on the event loop's.
  probeInsertJson: `INSERT OR REPLACE INTO probe_results ${PROBE_COLS}
    SELECT ?1, value ->> 0, value ->> 1, 'tcp', value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8 FROM jsonb_each(jsonb(?2))`,
  // (scan_id, host, state, reason, attempts, rows_json): a run of one host's ports with
  // one state and reason and no banner or service (nearly every row of a sweep: closed or
  // filtered ports); rows_json is a JSON array of [port, rtt_us, probed_at]. Three values
  // a row to pick out instead of nine: a third less of SQLite's time per row.
  probeInsertRunJson: `INSERT OR REPLACE INTO probe_results ${PROBE_COLS}
    SELECT ?1, ?2, value ->> 0, 'tcp', ?3, ?4, value ->> 1, NULL, NULL, ?5, value ->> 2 FROM jsonb_each(jsonb(?6))`,
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
