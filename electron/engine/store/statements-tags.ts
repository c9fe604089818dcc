/** Named statements for host tags and compensating-control notes (migration 5). */
export const TAG_STATEMENTS = {
  // (host, tag, added_by, added_at)
  tagAdd: `INSERT OR IGNORE INTO host_tags (host, tag, added_by, added_at) VALUES (?, ?, ?, ?)`,
  // (host, tag) — tags match case-insensitively
  tagRemove: `DELETE FROM host_tags WHERE host = ? AND lower(tag) = lower(?)`,
  tagList: `SELECT host, tag, added_by, added_at FROM host_tags`,
  // (id)
  controlGet: `SELECT status, compensating_control FROM services WHERE id = ?`,
  // (compensating_control, id)
  controlSet: `UPDATE services SET compensating_control = ? WHERE id = ?`,
} as const;
