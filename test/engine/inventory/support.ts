/** Shared set-up for inventory tests: a real SQLite file per test, sightings, sources. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Db } from '../../../electron/engine/store/db';
import type { Sighting } from '../../../electron/engine/inventory/inventory';

const opened: Db[] = [];

export async function freshDb(): Promise<Db> {
  const db = await Db.open(join(mkdtempSync(join(tmpdir(), 'portolan-inv-')), 'p.db'));
  opened.push(db);
  return db;
}

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close().catch(() => undefined);
});

export const DAY = 86_400_000;
/** A fixed "packet time" base: 2024-03-01T00:00:00Z. */
export const T0 = Date.UTC(2024, 2, 1);

export const sight = (o: Partial<Sighting>): Sighting => ({
  host: '192.0.2.10',
  proto: 'tcp',
  port: 22,
  evidence: 'handshake',
  confidence: 'certain',
  service: null,
  firstSeenMs: T0,
  lastSeenMs: T0 + 1000,
  flows: 1,
  bytes: 100,
  ...o,
});

export async function captureId(db: Db): Promise<number> {
  return (await db.run('captureInsert', [null, '/x.pcap', null, 0, 'pcap', '', Date.now()])).lastID;
}

/** A scan run with per-port results, as the connect scanner stores them. */
export async function scanWith(db: Db, at: number, results: Array<{ host: string; port: number; proto?: string; state: string }>): Promise<number> {
  const id = (await db.query<{ id: number }>(`INSERT INTO scan_runs (targets, ports, params_json, started_by, started_at, status) VALUES ('t', 'p', '{}', 'test', ?, 'complete') RETURNING id`, [at]))[0]!.id;
  for (const r of results) {
    await db.query(`INSERT INTO probe_results (scan_id, host, port, proto, state, reason, probed_at) VALUES (?, ?, ?, ?, ?, 'test', ?)`, [id, r.host, r.port, r.proto ?? 'tcp', r.state, at]);
  }
  return id;
}

export async function statusOf(db: Db, host: string, port: number, proto = 'tcp'): Promise<string | undefined> {
  return (await db.query<{ status: string }>('SELECT status FROM services WHERE host = ? AND port = ? AND proto = ?', [host, port, proto]))[0]?.status;
}

export async function idOf(db: Db, host: string, port: number, proto = 'tcp'): Promise<number> {
  const r = (await db.query<{ id: number }>('SELECT id FROM services WHERE host = ? AND port = ? AND proto = ?', [host, port, proto]))[0];
  if (!r) throw new Error(`no ${host}:${port}/${proto}`);
  return r.id;
}

export async function events(db: Db, id: number): Promise<Array<{ action: string; status_from: string | null; status_to: string; actor: string; reason: string | null; owner: string | null }>> {
  return db.query('SELECT action, status_from, status_to, actor, reason, owner FROM reviews WHERE service_id = ? ORDER BY id', [id]);
}
