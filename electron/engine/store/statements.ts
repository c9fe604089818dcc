/**
 * Every SQL statement the engine runs, by name. Parameters are positional (`?`) in the
 * order the comment gives. List queries with a user-chosen sort are built in
 * inventory.ts from whitelisted fragments only.
 */
import { TAG_STATEMENTS } from './statements-tags';
import { CAPTURE_STATEMENTS } from './statements-capture';
import { INVENTORY_STATEMENTS } from './statements-inventory';
import { SCAN_STATEMENTS } from './statements-scan';
import { SNAPSHOT_STATEMENTS } from './statements-snapshots';

export const STATEMENTS = {
  ...SNAPSHOT_STATEMENTS,
  ...INVENTORY_STATEMENTS,
  ...SCAN_STATEMENTS,
  ...CAPTURE_STATEMENTS,
  ...TAG_STATEMENTS,
  // (id, kind, status, params_json, started_at, owner_pid, owner_host)
  jobInsert: `INSERT INTO jobs (id, kind, status, params_json, started_at, owner_pid, owner_host) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  // (status, progress_json, result_json, warnings_json, error_json, ended_at, id)
  jobUpdate: `UPDATE jobs SET status = ?, progress_json = ?, result_json = ?, warnings_json = ?, error_json = ?, ended_at = ? WHERE id = ?`,
  jobsUnfinished: `SELECT id, owner_pid, owner_host FROM jobs WHERE status IN ('running', 'queued')`,
  // (ended_at, id) — a job left running by a process that died
  jobInterrupt: `UPDATE jobs SET status = 'interrupted', ended_at = ? WHERE id = ? AND status IN ('running', 'queued')`,
  // Captures whose job ended without finishing them (process died, or the job failed, e.g. disk full)
  capturesInterrupt: `UPDATE captures SET status = 'incomplete' WHERE status = 'running' AND (job_id IS NULL OR job_id IN (SELECT id FROM jobs WHERE status IN ('interrupted', 'failed', 'cancelled')))`,

  // (job_id, source, file_sha256, file_bytes, format, filter, created_at)
  captureInsert: `INSERT INTO captures (job_id, source, file_sha256, file_bytes, format, filter, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'running', ?)`,
  // (format, link_types, first_us, last_us, packets, bytes, undecoded, flows, warnings_json, status, id)
  captureFinish: `UPDATE captures SET format = ?, link_types = ?, first_us = ?, last_us = ?, packets = ?, bytes = ?, undecoded = ?, flows = ?, warnings_json = ?, status = ? WHERE id = ?`,
  // (id)
  captureDelete: `DELETE FROM captures WHERE id = ?`,
  // (file_sha256, filter) — a live job is ingesting the same file
  captureRunningBySha: `SELECT c.id FROM captures c JOIN jobs j ON j.id = c.job_id WHERE c.file_sha256 = ? AND c.filter = ? AND c.status = 'running' AND j.status = 'running'`,
  // (file_sha256, filter) — the evidence of partial ingests about to be replaced
  evidenceDeleteIncomplete: `DELETE FROM service_evidence WHERE source_kind = 'capture' AND source_id IN (SELECT id FROM captures WHERE file_sha256 = ? AND filter = ? AND status IN ('incomplete', 'running') AND (job_id IS NULL OR job_id NOT IN (SELECT id FROM jobs WHERE status = 'running')))`,
  // (file_sha256, filter) — partial ingests replaced by a new one (their flows cascade)
  captureDeleteIncomplete: `DELETE FROM captures WHERE file_sha256 = ? AND filter = ? AND status IN ('incomplete', 'running') AND (job_id IS NULL OR job_id NOT IN (SELECT id FROM jobs WHERE status = 'running'))`,

  // (host, proto, port)
  serviceFind: `SELECT id, status FROM services WHERE host = ? AND proto = ? AND port = ?`,
  // (service_id, source_kind, source_id, evidence, confidence, first_seen_ms, last_seen_ms, flows, bytes)
  evidenceUpsert: `INSERT INTO service_evidence (service_id, source_kind, source_id, evidence, confidence, first_seen_ms, last_seen_ms, flows, bytes)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (service_id, source_kind, source_id, evidence) DO UPDATE SET
      first_seen_ms = MIN(first_seen_ms, excluded.first_seen_ms),
      last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms),
      flows = flows + excluded.flows,
      bytes = bytes + excluded.bytes`,
  // (service_id, action, status_from, status_to, reason, owner, actor, at)
  reviewInsert: `INSERT INTO reviews (service_id, action, status_from, status_to, reason, owner, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  // An analyst's or a rule's decision, with an ignore's end: (service_id, action, from, to, reason, owner, actor, at, until)
  reviewInsertDecision: `INSERT INTO reviews (service_id, action, status_from, status_to, reason, owner, actor, at, until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // (rows_json): rows of evidenceUpsert's values, at most one per (service, source, evidence)
  evidenceUpsertMany: `INSERT INTO service_evidence (service_id, source_kind, source_id, evidence, confidence, first_seen_ms, last_seen_ms, flows, bytes)
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8 FROM json_each(?1) WHERE true
    ON CONFLICT (service_id, source_kind, source_id, evidence) DO UPDATE SET
      first_seen_ms = MIN(first_seen_ms, excluded.first_seen_ms),
      last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms),
      flows = flows + excluded.flows,
      bytes = bytes + excluded.bytes`,
  serviceCounts: `SELECT status, COUNT(*) AS n FROM services GROUP BY status`,
} as const;

export type StatementName = keyof typeof STATEMENTS;
