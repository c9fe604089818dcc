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
  // (capture_id, json): json is an array of rows, each FLOW_COLUMNS after capture_id as an
  // array. One bound string instead of 25 parameters a row: SQLite unpacks it on its own
  // thread, where binding thousands of parameters would cost the event loop. JSONB, so
  // each `->>` reads the row without parsing its text again (3x faster than json_each).
  capFlowInsertJson: `INSERT INTO flows (${FLOW_COLUMNS.join(', ')}) SELECT ?1, ${FLOW_COLUMNS.slice(1).map((_, i) => `value ->> ${i}`).join(', ')} FROM jsonb_each(jsonb(?2))`,
  // (after_id, limit) — every capture
  capFlowsPage: `SELECT f.*, c.source AS capture_source FROM flows f JOIN captures c ON c.id = f.capture_id WHERE f.id > ? ORDER BY f.id LIMIT ?`,
  // (capture_id, after_id, limit)
  capFlowsPageOf: `SELECT f.*, c.source AS capture_source FROM flows f JOIN captures c ON c.id = f.capture_id WHERE f.capture_id = ? AND f.id > ? ORDER BY f.id LIMIT ?`,

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
