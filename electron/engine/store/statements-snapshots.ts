/**
 * Statements of compliance snapshots (electron/engine/snapshots). Reads use `SELECT *`
 * on purpose: a snapshot records every column later migrations add to the evidence
 * tables (an interface on captures, more scan parameters), converted by the naming
 * convention of docs/schema.md, so nothing new is silently left out of the evidence.
 * Snapshots are only ever inserted; triggers refuse UPDATE and DELETE.
 */
export const SNAPSHOT_STATEMENTS = {
  // (name) — whether a table exists (optional tables of later migrations: hosts, rules)
  snapTableExists: `SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`,
  // (table) — its column names
  snapColumns: `SELECT name FROM pragma_table_info(?)`,
  snapServices: `SELECT * FROM services ORDER BY host_key, proto, port`,
  snapEvidence: `SELECT * FROM service_evidence ORDER BY service_id, source_kind, source_id, evidence`,
  // Review decisions, oldest first (the latest approve/flag per service wins).
  snapReviews: `SELECT * FROM reviews WHERE status_to IN ('approved', 'flagged') ORDER BY service_id, at, id`,
  snapCaptures: `SELECT * FROM captures ORDER BY id`,
  snapScans: `SELECT * FROM scan_runs ORDER BY id`,
  snapImports: `SELECT * FROM imports ORDER BY id`,
  snapLast: `SELECT id, sha256 FROM snapshots ORDER BY id DESC LIMIT 1`,
  // (id, taken_at, taken_by, note, scope, canonical_json, sha256, prev_sha256)
  snapInsert: `INSERT INTO snapshots (id, taken_at, taken_by, note, scope, canonical_json, sha256, prev_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  snapList: `SELECT * FROM snapshots ORDER BY id`,
  // (id)
  snapGet: `SELECT * FROM snapshots WHERE id = ?`,
  // (id) — the snapshot before this one
  snapPrev: `SELECT id, sha256, canonical_json FROM snapshots WHERE id < ? ORDER BY id DESC LIMIT 1`,
  // The latest earlier snapshot of the same scope (the report's baseline): (id, id)
  snapPrevSameScope: `SELECT id, sha256, canonical_json FROM snapshots WHERE id < ?1 AND lower(scope) = lower((SELECT scope FROM snapshots WHERE id = ?1)) ORDER BY id DESC LIMIT 1`,
  // (id) — the snapshot after this one (its link must name this one's seal)
  snapNext: `SELECT id, prev_sha256 FROM snapshots WHERE id > ? ORDER BY id LIMIT 1`,
} as const;
