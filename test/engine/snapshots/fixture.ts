/**
 * A small inventory written straight into a real SQLite file, with fixed times, so
 * snapshot tests state exactly what is sealed. Addresses are documentation ranges.
 * Rows are inserted with plain SQL (migration 1 columns, plus migration 3's hostnames
 * and mac when present) so the fixture does not depend on the inventory's write API.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostKey } from '../../../electron/engine/inventory/hostkey';
import { insecureLabel } from '../../../electron/engine/inventory/insecure';
import { Db } from '../../../electron/engine/store/db';

export const T0 = Date.UTC(2024, 2, 1, 10, 0, 0); // 2024-03-01T10:00:00Z

export interface SvcSeed {
  host: string;
  proto?: 'tcp' | 'udp';
  port: number;
  service?: string | null;
  banner?: string | null;
  status?: string;
  /** Reviews to record, oldest first. */
  reviews?: Array<{ action: 'approve' | 'flag'; reason: string; owner?: string; actor?: string; at?: number }>;
  hostnames?: string;
}

export async function freshDb(dir = mkdtempSync(join(tmpdir(), 'portolan-snap-'))): Promise<Db> {
  return Db.open(join(dir, 'p.db'));
}

export async function hasColumn(db: Db, table: string, col: string): Promise<boolean> {
  return (await db.query<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, [table])).some((r) => r.name === col);
}

/** Writes one capture, one scan run, one import and the services given. */
export async function seed(db: Db, services: SvcSeed[]): Promise<void> {
  await db.query(`INSERT INTO captures (id, source, file_sha256, file_bytes, format, link_types, filter, first_us, last_us, packets, bytes, flows, status, created_at)
    VALUES (1, '/captures/dmz.pcapng', ?, 4096, 'pcapng', '1,113', 'tcp or udp', ?, ?, 120, 40960, 12, 'complete', ?)`, ['ab'.repeat(32), T0 * 1000 + 123456, (T0 + 60_000) * 1000, T0 + 1000]);
  await db.query(`INSERT INTO scan_runs (id, targets, ports, params_json, started_by, source_addr, started_at, ended_at, status)
    VALUES (1, '192.0.2.0/24', 'top:100', '{"timeout":1500,"concurrency":200,"rate":0.5}', 'alice', '192.0.2.250', ?, ?, 'complete')`, [T0 - 86_400_000, T0 - 86_000_000]);
  await db.query(`INSERT INTO imports (id, tool, file, args, scan_started_at, complete, created_at) VALUES (1, 'nmap', '/scans/q1.xml', 'nmap -sT -p- 198.51.100.0/24', ?, 1, ?)`, [T0 - 3_600_000, T0 - 3_000_000]);
  const withNames = await hasColumn(db, 'services', 'hostnames');
  const withInsecure = await hasColumn(db, 'services', 'insecure');
  for (const s of services) {
    const proto = s.proto ?? 'tcp';
    const status = s.status ?? 'new';
    const rows = await db.query<{ id: number }>(
      `INSERT INTO services (host, host_key, proto, port, evidence, evidence_rank, confidence, status, service, banner, first_seen_ms, last_seen_ms, created_at, status_changed_at)
       VALUES (?, ?, ?, ?, 'handshake', 5, 'certain', ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [s.host, hostKey(s.host), proto, s.port, status, s.service ?? null, s.banner ?? null, T0, T0 + 50_000, T0 + 2000, T0 + 3000],
    );
    const id = rows[0]!.id;
    if (withInsecure) await db.query(`UPDATE services SET insecure = ? WHERE id = ?`, [insecureLabel(proto, s.port, s.service ?? null), id]);
    if (withNames && s.hostnames) await db.query(`UPDATE services SET hostnames = ? WHERE id = ?`, [s.hostnames, id]);
    await db.query(`INSERT INTO service_evidence (service_id, source_kind, source_id, evidence, confidence, first_seen_ms, last_seen_ms, flows, bytes) VALUES (?, 'capture', 1, 'handshake', 'certain', ?, ?, 3, 900)`, [id, T0, T0 + 50_000]);
    await db.query(`INSERT INTO service_evidence (service_id, source_kind, source_id, evidence, confidence, first_seen_ms, last_seen_ms, flows, bytes) VALUES (?, 'scan', 1, 'scan', 'certain', ?, ?, 0, 0)`, [id, T0 - 86_400_000, T0 - 86_400_000]);
    await db.query(`INSERT INTO reviews (service_id, action, status_from, status_to, reason, owner, actor, at) VALUES (?, 'seen', NULL, 'new', 'first seen', NULL, 'portolan', ?)`, [id, T0 + 2000]);
    let at = T0 + 2500;
    for (const r of s.reviews ?? []) {
      await db.query(`INSERT INTO reviews (service_id, action, status_from, status_to, reason, owner, actor, at) VALUES (?, ?, 'new', ?, ?, ?, ?, ?)`, [
        id, r.action, r.action === 'approve' ? 'approved' : 'flagged', r.reason, r.owner ?? null, r.actor ?? 'bob', r.at ?? (at += 100),
      ]);
    }
  }
}

/** The inventory most tests use: approved, flagged, new and insecure services on three hosts. */
export const BASE: SvcSeed[] = [
  { host: '192.0.2.10', port: 22, service: 'ssh', status: 'approved', reviews: [{ action: 'approve', reason: 'Admin SSH from the jump host', owner: 'Infra' }], hostnames: 'db1.example' },
  { host: '192.0.2.10', port: 443, service: 'https', status: 'approved', reviews: [{ action: 'approve', reason: 'Payments API', owner: 'Payments' }] },
  { host: '192.0.2.9', port: 23, service: 'telnet', status: 'flagged', reviews: [{ action: 'flag', reason: 'Telnet must be off' }] },
  { host: '192.0.2.9', proto: 'udp', port: 161, service: null, status: 'new' },
  { host: '2001:db8::5', port: 8080, service: 'http', status: 'new', banner: 'Server: test' },
];
