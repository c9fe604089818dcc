/**
 * Named statements of the inventory: review state, rules, gone sweeps, imports.
 * Parameters are positional in the order each comment gives. Lists with a filter chosen
 * by the user are built in inventory/filter.ts from whitelisted fragments only.
 */
export const INVENTORY_STATEMENTS = {
  // (host, proto, port)
  invFind: `SELECT id, status, service, service_method, insecure, last_seen_ms, prev_status, hostnames, mac FROM services WHERE host = ? AND proto = ? AND port = ?`,
  // (keys_json): a JSON array of [host, proto, port] — invFind for many keys at once
  invFindMany: `SELECT id, host, proto, port, status, service, service_method, insecure, last_seen_ms, prev_status, hostnames, mac FROM services
    WHERE (host, proto, port) IN (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?1))`,
  // (host, host_key, proto, port, evidence, evidence_rank, confidence, service, banner, first_seen_ms, last_seen_ms,
  //  created_at, status_changed_at, insecure, hostnames, mac, service_method)
  invInsert: `INSERT INTO services (host, host_key, proto, port, evidence, evidence_rank, confidence, status, service, banner, first_seen_ms, last_seen_ms, created_at, status_changed_at, insecure, hostnames, mac, service_method)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // Merge new evidence: strongest evidence (then surest confidence) wins, the seen window only widens.
  // The service name is chosen by inventory.ts (a name from evidence beats a port-table guess).
  // (evidence, evidence_rank, confidence, conf_rank, service, first_seen_ms, last_seen_ms, id, banner, insecure, hostnames, mac, service_method)
  invMerge: `UPDATE services SET
      evidence = CASE WHEN ?2 > evidence_rank OR (?2 = evidence_rank AND ?4 > (CASE confidence WHEN 'certain' THEN 3 WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END)) THEN ?1 ELSE evidence END,
      confidence = CASE WHEN ?2 > evidence_rank OR (?2 = evidence_rank AND ?4 > (CASE confidence WHEN 'certain' THEN 3 WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END)) THEN ?3 ELSE confidence END,
      evidence_rank = MAX(evidence_rank, ?2),
      service = ?5,
      service_method = ?13,
      first_seen_ms = MIN(first_seen_ms, ?6),
      last_seen_ms = MAX(last_seen_ms, ?7),
      banner = COALESCE(banner, ?9),
      insecure = ?10,
      hostnames = ?11,
      mac = COALESCE(?12, mac)
    WHERE id = ?8`,
  // Many at once, one JSON text each (recordSightings): node's sqlite3 makes every call a
  // round trip to its thread, and a capture's hundreds of sightings cost as many of them.
  // (rows_json): rows of invInsert's values → the new ids with their keys
  invInsertMany: `INSERT INTO services (host, host_key, proto, port, evidence, evidence_rank, confidence, status, service, banner, first_seen_ms, last_seen_ms, created_at, status_changed_at, insecure, hostnames, mac, service_method)
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, 'new', value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11, value ->> 12, value ->> 13, value ->> 14, value ->> 15, value ->> 16
    FROM json_each(?1) RETURNING id, host, proto, port`,
  // (rows_json): rows of invMerge's values, in its order (one row per service id)
  invMergeMany: `UPDATE services SET
      evidence = CASE WHEN m.m_rank > evidence_rank OR (m.m_rank = evidence_rank AND m.m_conf_rank > (CASE confidence WHEN 'certain' THEN 3 WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END)) THEN m.m_evidence ELSE evidence END,
      confidence = CASE WHEN m.m_rank > evidence_rank OR (m.m_rank = evidence_rank AND m.m_conf_rank > (CASE confidence WHEN 'certain' THEN 3 WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END)) THEN m.m_conf ELSE confidence END,
      evidence_rank = MAX(evidence_rank, m.m_rank),
      service = m.m_service,
      service_method = m.m_method,
      first_seen_ms = MIN(first_seen_ms, m.m_first),
      last_seen_ms = MAX(last_seen_ms, m.m_last),
      banner = COALESCE(banner, m.m_banner),
      insecure = m.m_insecure,
      hostnames = m.m_hostnames,
      mac = COALESCE(m.m_mac, mac)
    FROM (SELECT value ->> 0 AS m_evidence, value ->> 1 AS m_rank, value ->> 2 AS m_conf, value ->> 3 AS m_conf_rank, value ->> 4 AS m_service,
                 value ->> 5 AS m_first, value ->> 6 AS m_last, value ->> 7 AS m_id, value ->> 8 AS m_banner, value ->> 9 AS m_insecure,
                 value ->> 10 AS m_hostnames, value ->> 11 AS m_mac, value ->> 12 AS m_method FROM json_each(?1)) AS m
    WHERE services.id = m.m_id`,
  // (rows_json): rows of reviewInsert's values
  reviewInsertMany: `INSERT INTO reviews (service_id, action, status_from, status_to, reason, owner, actor, at)
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7 FROM json_each(?1)`,
  // A review: (status, reason, owner, reviewed_by, reviewed_at, rule_id, ignore_until, status_changed_at, id)
  invSetReview: `UPDATE services SET status = ?, prev_status = NULL, reason = ?, owner = ?, reviewed_by = ?, reviewed_at = ?, rule_id = ?, ignore_until = ?, status_changed_at = ? WHERE id = ?`,
  // gone / returned: the review (reason, owner) stays. (status, prev_status, status_changed_at, id)
  invSetStatusOnly: `UPDATE services SET status = ?, prev_status = ?, status_changed_at = ? WHERE id = ?`,
  // (id)
  invById: `SELECT id, host, host_key, proto, port, status, prev_status, reason, owner, rule_id, ignore_until, insecure FROM services WHERE id = ?`,
  // (service_id)
  invHistory: `SELECT id, service_id, action, status_from, status_to, reason, owner, actor, at, until FROM reviews WHERE service_id = ? ORDER BY at, id`,
  // (host_key)
  invHostEvents: `SELECT r.id, r.service_id, r.action, r.status_from, r.status_to, r.reason, r.owner, r.actor, r.at, r.until, s.port, s.proto
    FROM reviews r JOIN services s ON s.id = r.service_id WHERE s.host_key = ? ORDER BY r.at DESC, r.id DESC LIMIT 1000`,
  // (service_id)
  invEvidence: `SELECT source_kind, source_id, evidence, confidence, first_seen_ms, last_seen_ms, flows, bytes FROM service_evidence WHERE service_id = ? ORDER BY last_seen_ms, source_kind, source_id`,
  invMaxId: `SELECT COALESCE(MAX(id), 0) AS id FROM services`,
  invNewestSeen: `SELECT MAX(last_seen_ms) AS ms FROM services`,
  // (host) — the newest sighting of any service of one host
  invNewestSeenHost: `SELECT MAX(last_seen_ms) AS ms FROM services WHERE host = ?`,
  // (rule_id) — services a rule ignored that are still ignored
  invIgnoredByRule: `SELECT id, host_key, port, proto, insecure FROM services WHERE status = 'ignored' AND rule_id = ?`,
  // (after_id)
  invNewSince: `SELECT id, host, port, proto, service, insecure FROM services WHERE id > ? AND status = 'new' ORDER BY id LIMIT 100`,
  // (after_id)
  invNewSinceCount: `SELECT COUNT(*) AS n FROM services WHERE id > ? AND status = 'new'`,
  invCounts: `SELECT status, COUNT(*) AS n FROM services GROUP BY status`,
  // Insecure services that listen (ignored included, gone not): the count snapshots give for PCI DSS 1.2.6.
  invInsecureCount: `SELECT COUNT(*) AS n FROM services WHERE insecure IS NOT NULL AND status <> 'gone'`,
  invHostCount: `SELECT COUNT(DISTINCT host_key) AS n FROM services`,
  // (from_ms) — services first stored per UTC day
  invNewPerDay: `SELECT (created_at / 86400000) AS day, COUNT(*) AS n FROM services WHERE created_at >= ? GROUP BY day ORDER BY day`,

  // Gone: approved/flagged services with no sighting since (cutoff_ms). (cutoff_ms)
  // (period_ms) — approved/flagged services not seen for the period while their host was
  goneStale: `SELECT s.id, s.status, s.last_seen_ms, h.newest FROM services s
    JOIN (SELECT host, MAX(last_seen_ms) AS newest FROM services GROUP BY host) h ON h.host = s.host
    WHERE s.status IN ('approved', 'flagged') AND s.last_seen_ms < h.newest - ?`,
  // Gone: approved/flagged services a later scan or import found closed (filtered never counts).
  goneClosed: `SELECT s.id, s.status, s.last_seen_ms, c.at AS closed_at, c.source AS source FROM services s
    JOIN (
      SELECT p.host, p.proto, p.port, MAX(p.probed_at) AS at, 'scan:' || MAX(p.scan_id) AS source FROM probe_results p WHERE p.state = 'closed' GROUP BY p.host, p.proto, p.port
      UNION ALL
      SELECT i.host, i.proto, i.port, MAX(i.seen_at) AS at, 'import:' || MAX(i.import_id) AS source FROM import_ports i WHERE i.state = 'closed' GROUP BY i.host, i.proto, i.port
    ) c ON c.host = s.host AND c.proto = s.proto AND c.port = s.port
    WHERE s.status IN ('approved', 'flagged') AND c.at > s.last_seen_ms`,
  // Latest closed result for one key after a time: (host, proto, port, after_ms, host, proto, port, after_ms)
  closedAfter: `SELECT MAX(at) AS at FROM (
      SELECT probed_at AS at FROM probe_results WHERE host = ? AND proto = ? AND port = ? AND state = 'closed' AND probed_at > ?
      UNION ALL
      SELECT seen_at AS at FROM import_ports WHERE host = ? AND proto = ? AND port = ? AND state = 'closed' AND seen_at > ?)`,
  // Ignored services whose rule has expired or was deleted: (now_ms)
  ignoredReleased: `SELECT s.id, s.rule_id, r.deleted_at FROM services s LEFT JOIN rules r ON r.id = s.rule_id
    WHERE s.status = 'ignored' AND (
      (s.rule_id IS NOT NULL AND (r.id IS NULL OR r.deleted_at IS NOT NULL OR (r.expires_at IS NOT NULL AND r.expires_at <= ?1)))
      OR (s.rule_id IS NULL AND s.ignore_until IS NOT NULL AND s.ignore_until <= ?1))`,

  // (key)
  settingGet: `SELECT value FROM inventory_settings WHERE key = ?`,
  // (key, value)
  settingSet: `INSERT INTO inventory_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,

  // (now_ms)
  rulesActive: `SELECT * FROM rules WHERE deleted_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY CASE kind WHEN 'ignore' THEN 0 ELSE 1 END, id`,
  rulesAll: `SELECT r.*, (SELECT COUNT(DISTINCT service_id) FROM reviews v WHERE v.actor = 'rule:' || r.id) AS hits FROM rules r WHERE r.deleted_at IS NULL ORDER BY r.id`,
  // (id)
  ruleById: `SELECT r.*, (SELECT COUNT(DISTINCT service_id) FROM reviews v WHERE v.actor = 'rule:' || r.id) AS hits FROM rules r WHERE r.id = ? AND r.deleted_at IS NULL`,
  // (kind, host, subnet, lo_key, hi_key, port, proto, reason, owner, expires_at, created_by, created_at, updated_at)
  ruleInsert: `INSERT INTO rules (kind, host, subnet, lo_key, hi_key, port, proto, reason, owner, expires_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // (kind, host, subnet, lo_key, hi_key, port, proto, reason, owner, expires_at, updated_at, id)
  ruleUpdate: `UPDATE rules SET kind = ?, host = ?, subnet = ?, lo_key = ?, hi_key = ?, port = ?, proto = ?, reason = ?, owner = ?, expires_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL`,
  // (deleted_at, id)
  ruleDelete: `UPDATE rules SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`,

  // (file_sha256)
  importBySha: `SELECT id FROM imports WHERE file_sha256 = ?`,
  // (job_id, tool, file, args, scan_started_at, scan_ended_at, complete, created_at, file_sha256, scanner_version, hosts, open_ports, warnings_json)
  importInsert: `INSERT INTO imports (job_id, tool, file, args, scan_started_at, scan_ended_at, complete, created_at, file_sha256, scanner_version, hosts, open_ports, warnings_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // (import_id, host, proto, port, state, reason, seen_at)
  importPortInsert: `INSERT OR IGNORE INTO import_ports (import_id, host, proto, port, state, reason, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
} as const;
