/** The store against a real SQLite file in a temp folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Db } from '../../electron/engine/store/db';
import { MIGRATIONS } from '../../electron/engine/store/migrations';
import { listServices, recordSightings, type Sighting } from '../../electron/engine/inventory/inventory';
import { hostKey } from '../../electron/engine/inventory/hostkey';
import { defaultDbPath } from '../../electron/engine/store/paths';

const opened: Db[] = [];
async function fresh(): Promise<Db> {
  const db = await Db.open(join(mkdtempSync(join(tmpdir(), 'portolan-store-')), 'p.db'));
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close().catch(() => undefined);
});

const sight = (o: Partial<Sighting>): Sighting => ({ host: '192.0.2.10', proto: 'tcp', port: 22, evidence: 'handshake', confidence: 'certain', service: null, firstSeenMs: 1000, lastSeenMs: 2000, flows: 1, bytes: 100, ...o });

async function captureId(db: Db): Promise<number> {
  return (await db.run('captureInsert', [null, '/x.pcap', null, 0, 'pcap', '', Date.now()])).lastID;
}

describe('store', () => {
  it('opens in WAL mode with every migration applied once', async () => {
    const db = await fresh();
    const [mode] = await db.query<{ journal_mode: string }>('PRAGMA journal_mode');
    expect(mode!.journal_mode).toBe('wal');
    const versions = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    const path = db.path;
    await db.close();
    opened.pop();
    const again = await Db.open(path); // re-open: nothing re-applied
    opened.push(again);
    expect((await again.query('SELECT * FROM schema_migrations')).length).toBe(MIGRATIONS.length);
  });

  it('keeps one entry per (host, proto, port): strongest evidence wins, the seen window widens', async () => {
    const db = await fresh();
    const cap = await captureId(db);
    await db.tx(() => recordSightings(db, 'capture', cap, [sight({ evidence: 'data', confidence: 'low', firstSeenMs: 5000, lastSeenMs: 6000 })]));
    const r = await db.tx(() => recordSightings(db, 'capture', cap, [sight({ firstSeenMs: 1000, lastSeenMs: 2000 })]));
    expect(r).toMatchObject({ added: 0, updated: 1 });
    const page = await listServices(db, {});
    expect(page.total).toBe(1);
    expect(page.rows[0]).toMatchObject({ evidence: 'handshake', confidence: 'certain', status: 'new', firstSeen: new Date(1000).toISOString(), lastSeen: new Date(6000).toISOString(), sources: ['capture:1'] });
    // Weaker evidence later never downgrades.
    await db.tx(() => recordSightings(db, 'capture', cap, [sight({ evidence: 'data', confidence: 'low' })]));
    expect((await listServices(db, {})).rows[0]!.evidence).toBe('handshake');
  });

  it('writes a "seen" event to the append-only review history, which refuses edits', async () => {
    const db = await fresh();
    const cap = await captureId(db);
    await db.tx(() => recordSightings(db, 'capture', cap, [sight({})]));
    const events = await db.query<{ action: string; status_to: string }>('SELECT action, status_to FROM reviews');
    expect(events).toEqual([{ action: 'seen', status_to: 'new' }]);
    await expect(db.exec("UPDATE reviews SET reason = 'x'")).rejects.toThrow(/append-only/);
    await expect(db.exec('DELETE FROM reviews')).rejects.toThrow(/append-only/);
  });

  it('get() on a statement without parameters starts over each time', async () => {
    const db = await fresh();
    const cap = await captureId(db);
    await db.tx(() => recordSightings(db, 'capture', cap, [sight({ port: 1 }), sight({ port: 2, status: undefined } as Partial<Sighting>)]));
    const a = await db.get<{ status: string; n: number }>('serviceCounts');
    const b = await db.get<{ status: string; n: number }>('serviceCounts');
    expect(b).toEqual(a);
  });

  it('refuses to change or delete a snapshot', async () => {
    const db = await fresh();
    await db.exec("INSERT INTO snapshots (taken_at, taken_by, canonical_json, sha256) VALUES (1, 'a', '{}', 'x')");
    await expect(db.exec("UPDATE snapshots SET note = 'x'")).rejects.toThrow(/immutable/);
    await expect(db.exec('DELETE FROM snapshots')).rejects.toThrow(/immutable/);
  });

  it('rolls a failed transaction back completely', async () => {
    const db = await fresh();
    const cap = await captureId(db);
    await expect(
      db.tx(async () => {
        await recordSightings(db, 'capture', cap, [sight({ port: 1 })]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await listServices(db, {})).total).toBe(0);
  });

  it('filters and sorts on the server side; hosts sort by address, not text', async () => {
    const db = await fresh();
    const cap = await captureId(db);
    await db.tx(() =>
      recordSightings(db, 'capture', cap, [
        sight({ host: '192.0.2.10', port: 80, service: 'http' }),
        sight({ host: '192.0.2.9', port: 22 }),
        sight({ host: '2001:db8::1', port: 443 }),
        sight({ host: '192.0.2.9', port: 53, proto: 'udp', evidence: 'reply' }),
      ]),
    );
    const hosts = (await listServices(db, { sort: 'host' })).rows.map((r) => `${r.host}:${r.port}/${r.proto}`);
    expect(hosts).toEqual(['192.0.2.9:22/tcp', '192.0.2.9:53/udp', '192.0.2.10:80/tcp', '2001:db8::1:443/tcp']);
    expect((await listServices(db, { search: 'http' })).rows.map((r) => r.port)).toEqual([80]);
    expect((await listServices(db, { search: 'udp' })).total).toBe(1);
    expect((await listServices(db, { sort: 'port', dir: 'desc', limit: 2 })).rows.map((r) => r.port)).toEqual([443, 80]);
    expect((await listServices(db, { status: 'approved' })).total).toBe(0);
    expect((await listServices(db, {})).counts).toMatchObject({ new: 4, approved: 0, flagged: 0, gone: 0 });
    // LIKE wildcards in a search are literal.
    expect((await listServices(db, { search: '%' })).total).toBe(0);
  });

  it('gives a clear error for a path it cannot create, and for a file that is not a database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-store-'));
    writeFileSync(join(dir, 'plain'), 'x');
    await expect(Db.open(join(dir, 'plain', 'sub', 'p.db'))).rejects.toThrow(/not a folder/);
    await expect(Db.open(join(dir, 'missing', 'p.db'))).rejects.toThrow(/does not exist/);
    writeFileSync(join(dir, 'notdb.db'), 'this is not sqlite, just text that is long enough to be read as a header...........');
    await expect(Db.open(join(dir, 'notdb.db'))).rejects.toThrow(/cannot use the database/);
  });

  it('defaults to the user-data folder, overridable by PORTOLAN_DB', () => {
    expect(defaultDbPath({ HOME: '/home/a', XDG_CONFIG_HOME: '/home/a/.config' })).toBe('/home/a/.config/Portolan/portolan.db');
    expect(defaultDbPath({ PORTOLAN_DB: '/tmp/x.db' })).toBe('/tmp/x.db');
  });

  it('host sort keys order IPv4 numerically and before IPv6', () => {
    const keys = ['192.0.2.10', '192.0.2.9', '2001:db8::1', '198.51.100.1'].map((h) => [h, hostKey(h)] as const);
    expect(keys.sort((a, b) => (a[1] < b[1] ? -1 : 1)).map((k) => k[0])).toEqual(['192.0.2.9', '192.0.2.10', '198.51.100.1', '2001:db8::1']);
  });
});
