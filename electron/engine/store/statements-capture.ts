/**
 * Statements of capture, ingest and capture profiles (migration 4). Spread into
 * STATEMENTS (statements.ts); names start with `cap` so they never clash.
 */

/** Columns of a flow row, in the order every flow insert takes them. */
export const FLOW_COLUMNS = [
  'capture_id', 'transport', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'start_us', 'end_us',
  'packets_in', 'packets_out', 'bytes_in', 'bytes_out', 'ack_packets_in', 'ack_packets_out',
  'syn', 'syn_ack', 'fin', 'rst', 'conn_state', 'history', 'app_proto', 'vlan', 'direction_known',
  'server_name', 'flags',
] as const;

export const CAPTURE_STATEMENTS = {
  // (capture_id, json, count): json is an array of `count` flows, each FLOW_COLUMNS after
  // capture_id as an array; stored as one batch (migration 9) whose flows take the next
  // ids. One bound string, and one value for SQLite to store, however many flows it holds.
  capFlowInsertJson: `INSERT INTO flow_batches (capture_id, first_id, count, rows)
    SELECT ?1, COALESCE((SELECT first_id + count FROM flow_batches ORDER BY first_id DESC LIMIT 1), 1), ?3, ?2`,
  // (after_id, limit) — batches holding flows after after_id, oldest first; every capture
  capFlowBatchesPage: `SELECT b.capture_id, b.first_id, b.count, b.rows AS rows FROM flow_batches b
    WHERE b.first_id + b.count - 1 > ?1 ORDER BY b.first_id LIMIT ?2`,
  // (capture_id, after_id, limit) — the same for one capture
  capFlowBatchesPageOf: `SELECT b.capture_id, b.first_id, b.count, b.rows AS rows FROM flow_batches b
    WHERE b.capture_id = ?1 AND b.first_id + b.count - 1 > ?2 ORDER BY b.first_id LIMIT ?3`,

  // (file_sha256, filter): a complete ingest of the same bytes, unfiltered or under the same filter
  capCaptureBySha: `SELECT id, filter FROM captures WHERE file_sha256 = ? AND status = 'complete' AND (filter = '' OR filter = ?) ORDER BY filter = '' DESC LIMIT 1`,
  // (interface, selection_json, profile, filter, id)
  capCaptureChoice: `UPDATE captures SET interface = ?, selection_json = ?, profile = ?, filter = ? WHERE id = ?`,
  // (kernel_drops, if_drops, app_drops, filtered_out, id)
  capCaptureCounts: `UPDATE captures SET kernel_drops = ?, if_drops = ?, app_drops = ?, filtered_out = ? WHERE id = ?`,
  // (capture_id, host, proto, probed_ports, answered_ports, collapsed_ports, first_us, last_us)
  capAnsweringInsert: `INSERT OR REPLACE INTO answering_hosts (capture_id, host, proto, probed_ports, answered_ports, collapsed_ports, first_us, last_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  // (capture_id)
  capAnsweringOf: `SELECT * FROM answering_hosts WHERE capture_id = ? ORDER BY host`,
  // (host, proto, port)
  capServiceKnown: `SELECT id FROM services WHERE host = ? AND proto = ? AND port = ?`,

  capProfilesList: `SELECT name, selection_json, created_at, updated_at FROM capture_profiles ORDER BY name COLLATE NOCASE`,
  // (name)
  capProfileGet: `SELECT name, selection_json, created_at, updated_at FROM capture_profiles WHERE name = ?`,
  // (name, selection_json, created_at, updated_at)
  capProfileSave: `INSERT INTO capture_profiles (name, selection_json, created_at, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET selection_json = excluded.selection_json, updated_at = excluded.updated_at`,
  // (name)
  capProfileDelete: `DELETE FROM capture_profiles WHERE name = ?`,
} as const;
