/**
 * What a snapshot says about reviews and where its baseline comes from, on a real SQLite
 * file through the inventory's own write API: an ignored service carries its reason, who,
 * when, until when and rule (JSON, CSV, report); the report's changes section compares
 * with the previous snapshot of the same scope; PCI DSS 1.2.6 lists each insecure
 * service with its compensating control. And one host is one entry: IPv4-mapped IPv6
 * addresses are stored as IPv4, an older database holding both forms still seals and
 * verifies, and an IPv6 block (`::/0`) in a rule or filter never takes in IPv4 hosts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { listServices, recordSightings } from '../../../electron/engine/inventory/inventory';
import { applyReview } from '../../../electron/engine/inventory/review';
import { saveRule } from '../../../electron/engine/inventory/rules';
import { snapshotCsv, SNAPSHOT_CSV_COLUMNS } from '../../../electron/engine/snapshots/export-csv';
import { reportHtml } from '../../../electron/engine/snapshots/exports';
import { listSnapshots, previousOf, takeSnapshot } from '../../../electron/engine/snapshots/store';
import { diffSnapshots } from '../../../electron/engine/snapshots/diff';
import { parseScope } from '../../../electron/engine/snapshots/scope';
import { addTag } from '../../../electron/engine/inventory/tags';
import { sealContent } from '../../../electron/engine/snapshots/seal';
import type { SnapshotContent } from '../../../electron/engine/snapshots/types';
import { verifyDocument } from '../../../electron/engine/snapshots/verify';
import type { Db } from '../../../electron/engine/store/db';
import { captureId, sight } from '../inventory/support';
import { BASE, freshDb, seed, T0 } from './fixture';

const opened: Db[] = [];
async function open(): Promise<Db> {
  const db = await freshDb();
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close().catch(() => undefined);
});

const NOW = Date.UTC(2026, 0, 10);
const idOf = async (db: Db, host: string, port: number, proto = 'tcp'): Promise<number> =>
  (await db.query<{ id: number }>('SELECT id FROM services WHERE host = ? AND port = ? AND proto = ?', [host, port, proto]))[0]!.id;

describe('ignored services in a snapshot', () => {
  it('carry reason, who, when, until and rule in the JSON, the CSV and the report; the seal verifies', async () => {
    const db = await open();
    await db.tx(async () =>
      recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.30', port: 123, proto: 'udp' }), sight({ host: '192.0.2.30', port: 5223 }), sight({ host: '192.0.2.30', port: 22 })], NOW - 5000),
    );
    const until = new Date(NOW + 30 * 86_400_000).toISOString();
    await applyReview(db, { ids: [await idOf(db, '192.0.2.30', 123, 'udp')], action: 'ignore', reason: 'NTP pool noise', expiresAt: until }, 'carol', NOW - 4000);
    const { rule } = await saveRule(db, { kind: 'ignore', port: 5223, reason: 'push notifications', expiresAt: new Date(NOW + 86_400_000 * 90).toISOString() }, 'dave', NOW - 3000);
    const { doc } = await takeSnapshot(db, { by: 'erin', nowMs: NOW });
    expect(verifyDocument(doc).ok).toBe(true);
    const svc = (port: number) => doc.snapshot.services.find((s) => s.port === port)!;
    expect(svc(123).ignore).toEqual({ reason: 'NTP pool noise', ignoredBy: 'carol', ignoredAt: new Date(NOW - 4000).toISOString().replace('Z', '+00:00'), until: until.replace('Z', '+00:00'), rule: null });
    expect(svc(5223).ignore).toMatchObject({ reason: 'push notifications', ignoredBy: `rule:${rule.id}`, until: new Date(NOW + 86_400_000 * 90).toISOString().replace('Z', '+00:00'), rule: rule.id });
    expect(svc(22).ignore).toBeNull();

    const lines = snapshotCsv(doc).split('\r\n');
    const head = lines[0]!.split(',');
    expect(head.slice(-7)).toEqual(['ignore_reason', 'ignored_by', 'ignored_at', 'ignored_until', 'ignore_rule', 'flagged_by', 'flagged_at']);
    expect(head).toEqual([...SNAPSHOT_CSV_COLUMNS]);
    const row123 = lines.find((l) => l.startsWith('192.0.2.30,udp,123,'))!.split(',');
    expect(row123.slice(-7, -2)).toEqual(['NTP pool noise', 'carol', new Date(NOW - 4000).toISOString().replace('Z', '+00:00'), until.replace('Z', '+00:00'), '']);
    expect(lines.find((l) => l.startsWith('192.0.2.30,tcp,5223,'))!.split(',').at(-3)).toBe(String(rule.id));

    const { html } = await reportHtml(db, 1, NOW);
    expect(html).toContain('Ignored: NTP pool noise — carol');
    expect(html).toContain(`Ignored: push notifications — rule:${rule.id}`);
    expect(html).toContain(`(rule ${rule.id})`);
  });
});

describe('the report baseline', () => {
  it('is the previous snapshot of the same scope, for the changes section and the 35-day check', async () => {
    const db = await open();
    await seed(db, BASE);
    await takeSnapshot(db, { scope: '192.0.2.0/24', nowMs: T0 + 86_400_000 });
    await takeSnapshot(db, { scope: 'all', nowMs: T0 + 2 * 86_400_000 });
    await takeSnapshot(db, { scope: '192.0.2.0/24', nowMs: T0 + 40 * 86_400_000 });
    const { html } = await reportHtml(db, 3, T0 + 41 * 86_400_000);
    expect(html).toMatch(/Compared with snapshot #1 taken [^)]+\), the latest earlier snapshot of the same scope, <span class="mono">subnet:192\.0\.2\.0\/24<\/span>/);
    expect(html).not.toMatch(/Caution:/);
    expect(html).toMatch(/Previous snapshot taken 39 days earlier — more than the 35 days/);
    // The header names the chain's link (#2, scope all), not to be taken for the baseline.
    expect(html).toMatch(/<dd>snapshot #2, scope <span class="mono">all<\/span> \(the chain links every snapshot in order/);
    // The all-scope one has no earlier all-scope baseline.
    expect((await reportHtml(db, 2, T0 + 41 * 86_400_000)).html).toMatch(/first snapshot of scope <span class="mono">all<\/span>/);
  });

  it('PCI DSS 1.2.6 shows each insecure service with its compensating control or "none recorded"', async () => {
    const db = await open();
    await seed(db, [...BASE, { host: '192.0.2.11', port: 21, service: 'ftp' }]);
    await db.query(`UPDATE services SET compensating_control = 'FTP reachable from the jump host only' WHERE port = 21`);
    await takeSnapshot(db, { nowMs: NOW });
    const { html } = await reportHtml(db, 1, NOW);
    const section = html.slice(html.indexOf('<span class="cid">PCI DSS v4.0 1.2.6'), html.indexOf('<span class="cid">PCI DSS v4.0 2.2.4'));
    expect(section).toContain('<th>Compensating control</th>');
    expect(section).toMatch(/192\.0\.2\.11<\/td><td class="mono">tcp\/21<\/td>.*FTP reachable from the jump host only/);
    expect(section).toMatch(/192\.0\.2\.9<\/td><td class="mono">tcp\/23<\/td>.*none recorded/);
    // In a list that mixes insecure and other services, only the insecure ones lack a control.
    const unapproved = html.slice(html.indexOf('<span class="cid">PCI DSS v4.0 1.2.5'), html.indexOf('<span class="cid">PCI DSS v4.0 1.2.6'));
    expect(unapproved).toMatch(/udp\/161<\/td>.*none recorded/);
    expect(unapproved).not.toMatch(/tcp\/8080<\/td>[^\n]*?none recorded/);
  });
});

describe('one host is one entry', () => {
  it('an IPv4-mapped IPv6 sighting is stored as its IPv4 host', async () => {
    const db = await open();
    const cap = await db.tx(async () => captureId(db));
    await db.tx(async () => recordSightings(db, 'capture', cap, [sight({ host: '192.0.2.40', port: 80 }), sight({ host: '::ffff:192.0.2.40', port: 80 }), sight({ host: '::FFFF:c000:228', port: 443 })], NOW));
    expect(await db.query('SELECT host, port FROM services ORDER BY port')).toEqual([
      { host: '192.0.2.40', port: 80 },
      { host: '192.0.2.40', port: 443 },
    ]);
  });

  it('an older database holding both forms of one host seals a snapshot that verifies', async () => {
    const db = await open();
    await seed(db, [{ host: '192.0.2.10', port: 22 }, { host: '::ffff:192.0.2.10', port: 22 }, { host: '::ffff:192.0.2.10', port: 80 }, { host: '192.0.2.10', port: 443 }]);
    const { doc } = await takeSnapshot(db, { nowMs: NOW });
    expect(verifyDocument(doc)).toMatchObject({ ok: true, problems: [] });
    expect((await listSnapshots(db))[0]!.seal).toBe('intact');
    expect(doc.snapshot.hosts.map((h) => h.address)).toEqual(['192.0.2.10', '::ffff:192.0.2.10']);
  });

  it('an IPv6 block means IPv6 hosts: ::/0 in a rule or a filter leaves IPv4 alone; ::ffff:0:0/96 is IPv4', async () => {
    const db = await open();
    await db.tx(async () =>
      recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.50', port: 21 }), sight({ host: '2001:db8::50', port: 21 }), sight({ host: '::1', port: 21 })], NOW),
    );
    expect((await listServices(db, { subnet: '::/0' })).rows.map((r) => r.host)).toEqual(['::1', '2001:db8::50']);
    expect((await listServices(db, { subnet: '::/64' })).rows.map((r) => r.host)).toEqual(['::1']);
    expect((await listServices(db, { subnet: '::ffff:192.0.2.0/120' })).rows.map((r) => r.host)).toEqual(['192.0.2.50']);
    expect((await listServices(db, { subnet: '192.0.2.0/24' })).rows.map((r) => r.host)).toEqual(['192.0.2.50']);
    const { applied } = await saveRule(db, { kind: 'ignore', subnet: '::/0', reason: 'all v6 noise' }, 'a', NOW);
    expect(applied).toBe(2);
    expect(await db.query('SELECT host, status FROM services ORDER BY host_key')).toEqual([
      { host: '::1', status: 'ignored' },
      { host: '192.0.2.50', status: 'new' },
      { host: '2001:db8::50', status: 'ignored' },
    ]);
    // A new IPv4 sighting is not caught by the rule either (first-sighting matching).
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.51', port: 21 }), sight({ host: '2001:db8::51', port: 21 })], NOW));
    expect(await db.query(`SELECT host, status FROM services WHERE host LIKE '%51'`)).toEqual([
      { host: '192.0.2.51', status: 'new' },
      { host: '2001:db8::51', status: 'ignored' },
    ]);
  });
});

describe('offline verify of a document edited and re-hashed throughout', () => {
  it('still refuses what no snapshot can hold: another format or version, a bad id, port, status or time', async () => {
    const db = await open();
    await seed(db, BASE);
    const { doc } = await takeSnapshot(db, { nowMs: NOW });
    const resealed = (edit: (c: SnapshotContent) => void): ReturnType<typeof verifyDocument> => {
      const content = JSON.parse(JSON.stringify(doc.snapshot)) as SnapshotContent;
      edit(content);
      return verifyDocument(sealContent(content));
    };
    expect(resealed(() => undefined)).toMatchObject({ ok: true, problems: [] });
    const cases: Array<[(c: SnapshotContent) => void, RegExp]> = [
      [(c) => void ((c.meta as { format: string }).format = 'other'), /meta\.format is "other", not "portolan-snapshot": not a Portolan snapshot/],
      [(c) => void ((c.meta as { formatVersion: number }).formatVersion = 2), /meta\.formatVersion is 2: this Portolan reads version 1/],
      [(c) => void ((c.meta as { id: unknown }).id = '2'), /meta\.id is "2", not a snapshot number/],
      [(c) => void (c.meta.id = -1), /meta\.id is -1, not a snapshot number/],
      [(c) => void (c.services[0]!.port = 70000), /port 70000 is not 0-65535/],
      [(c) => void (c.services[0]!.status = 'bogus'), /status "bogus" is not one of new, approved, flagged, ignored, gone/],
      [(c) => void (c.services[0]!.lastSeen = 'yesterday'), /lastSeen is "yesterday", not an ISO 8601 time/],
      [(c) => void (c.services[0]!.firstSeen = '2024-02-31T00:00:00.000+00:00'), /firstSeen is "2024-02-31T00:00:00\.000\+00:00", not an ISO 8601 time/],
      [(c) => void (c.hosts[0]!.address = '167772175'), /host "167772175" is not an IP address as Portolan writes one/],
      [(c) => void (c.services.find((s) => s.status === 'approved')!.approval = null), /approved without an approval/],
      [(c) => void (c.services[0]!.evidence = 'bogus'), /evidence "bogus" is not one of/],
      [(c) => void ((c.meta as { scope: string }).scope = 'subnet:nonsense'), /meta\.scope "subnet:nonsense" is not a scope/],
      [(c) => void (c.services[0]!.sources[0]!.flows = -5), /a source's flows or bytes are not a count/],
    ];
    for (const [edit, problem] of cases) {
      const r = resealed(edit);
      expect(r.ok, String(problem)).toBe(false);
      expect(r.problems.map((p) => p.what).join('\n')).toMatch(problem);
    }
  });
});

describe('verify of a very large altered document', () => {
  it('names every altered service (a quarter of a million problems) instead of overflowing the stack', () => {
    const services = [];
    for (let h = 0; h < 4; h++) {
      for (let port = 1; port <= 60_000; port++) {
        services.push({
          host: `192.0.2.${h + 1}`, proto: 'tcp', port, service: null, banner: null, status: 'new', statusSince: '2024-03-01T10:00:00.000+00:00',
          evidence: 'import', confidence: 'certain', firstSeen: '2024-03-01T10:00:00.000+00:00', lastSeen: '2024-03-01T10:00:00.000+00:00', sources: [], approval: null, flag: null, insecure: null,
        });
      }
    }
    const content = {
      meta: { format: 'portolan-snapshot', formatVersion: 1, id: 1, takenAt: '2024-03-02T00:00:00.000+00:00', takenBy: 'a', note: '', scope: 'all', portolanVersion: 'test', prevSha256: null },
      hosts: [1, 2, 3, 4].map((h) => ({ address: `192.0.2.${h}`, hostnames: [], mac: null, tags: [] })),
      services,
      rules: null,
      sources: { captures: [], scans: [], imports: [] },
    } as unknown as SnapshotContent;
    const doc = sealContent(content);
    expect(verifyDocument(doc).ok).toBe(true);
    for (const s of doc.snapshot.services) s.status = 'gone';
    const r = verifyDocument(doc);
    expect(r.ok).toBe(false);
    expect(r.problems.length).toBeGreaterThanOrEqual(240_000);
    expect(r.problems[0]!.what).toMatch(/^service 192\.0\.2\.1 tcp\/1 was altered/);
  }, 60_000);
});

describe('ignores over time', () => {
  it('an ignore that ended before the snapshot is not sealed as in force; a changed ignore is a diff change', async () => {
    const db = await open();
    const t = Date.now();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.70', port: 25 }), sight({ host: '192.0.2.70', port: 80 })], t - 10_000));
    const id25 = await idOf(db, '192.0.2.70', 25);
    const id80 = await idOf(db, '192.0.2.70', 80);
    await applyReview(db, { ids: [id25], action: 'ignore', reason: 'relay test', expiresAt: new Date(t + 60_000).toISOString() }, 'carol', t - 5000);
    await applyReview(db, { ids: [id80], action: 'ignore', reason: 'test VM', expiresAt: new Date(t + 3_600_000).toISOString() }, 'carol', t - 5000);
    const first = (await takeSnapshot(db, { nowMs: t })).doc;
    expect(first.snapshot.services.find((s) => s.port === 25)).toMatchObject({ status: 'ignored' });
    // Two minutes on: port 25's ignore has ended; port 80's was made permanent with another reason.
    await applyReview(db, { ids: [id80], action: 'ignore', reason: 'out of scope per QSA, permanent' }, 'carol', t + 100_000);
    const later = (await takeSnapshot(db, { nowMs: t + 120_000 })).doc;
    expect(later.snapshot.services.find((s) => s.port === 25)).toMatchObject({ status: 'new', ignore: null });
    const d = diffSnapshots(first, later);
    expect(d.same).toBe(false);
    const changes = Object.fromEntries(d.services.changed.map((c) => [c.port, Object.fromEntries(c.changes.map((x) => [x.field, [x.before, x.after]]))]));
    expect(changes[80]).toEqual({ 'ignore.reason': ['test VM', 'out of scope per QSA, permanent'], 'ignore.until': [new Date(t + 3_600_000).toISOString().replace('Z', '+00:00'), 'never'] });
    expect(changes[25]).toMatchObject({ status: ['ignored', 'new'], 'ignore.reason': ['relay test', ''] });
  });

  it('scopes: tag:cde is tag:CDE for the baseline and the diff; an IPv4-mapped block is the IPv4 block', async () => {
    expect(parseScope('::ffff:10.9.0.0/112').text).toBe('subnet:10.9.0.0/16');
    expect(parseScope('::ffff:10.9.0.2').text).toBe('subnet:10.9.0.2/32');
    const db = await open();
    await seed(db, BASE);
    await addTag(db, 'CDE', ['192.0.2.10'], 'a');
    const a = await takeSnapshot(db, { scope: 'tag:CDE', nowMs: T0 + 86_400_000 });
    await takeSnapshot(db, { scope: 'all', nowMs: T0 + 2 * 86_400_000 });
    const c = await takeSnapshot(db, { scope: 'tag:cde', nowMs: T0 + 3 * 86_400_000 });
    expect((await previousOf(db, c.id))?.row.id).toBe(a.id);
    expect(diffSnapshots(a.doc, c.doc).warnings).toEqual([]);
  });
});

describe('a scoped snapshot names only its own evidence', () => {
  it('sources and rules that concern its hosts; a scan of other hosts does not count for 11.3.1', async () => {
    const db = await open();
    await seed(db, BASE); // capture 1 and scan 1 hold evidence for every service; import 1 for none
    // Scan 2 probed only 203.0.113.5, outside the scope, yesterday.
    await db.query(`INSERT INTO scan_runs (id, targets, ports, params_json, started_by, source_addr, started_at, ended_at, status) VALUES (2, '203.0.113.5', '22', '{}', 'alice', '127.0.0.1', ?, ?, 'complete')`, [NOW - 86_400_000, NOW - 86_000_000]);
    await db.query(`INSERT INTO scan_hosts (scan_id, host, open, closed, filtered, errors) VALUES (2, '203.0.113.5', 0, 1, 0, 0)`);
    // Scan 3 found 192.0.2.9 (in scope) with nothing open: evidence of scanning the scope.
    await db.query(`INSERT INTO scan_runs (id, targets, ports, params_json, started_by, source_addr, started_at, ended_at, status) VALUES (3, '192.0.2.9', '80', '{}', 'alice', '127.0.0.1', ?, ?, 'complete')`, [T0 - 200 * 86_400_000, T0 - 200 * 86_400_000]);
    await db.query(`INSERT INTO scan_hosts (scan_id, host, open, closed, filtered, errors) VALUES (3, '192.0.2.9', 0, 1, 0, 0)`);
    await saveRule(db, { kind: 'ignore', subnet: '198.51.100.0/24', reason: 'elsewhere' }, 'a', NOW - 1000);
    await saveRule(db, { kind: 'ignore', subnet: '192.0.2.0/28', port: 9, reason: 'discard' }, 'a', NOW - 1000);
    await saveRule(db, { kind: 'ignore', port: 7, reason: 'echo anywhere' }, 'a', NOW - 1000);
    const { doc } = await takeSnapshot(db, { scope: '192.0.2.0/24', nowMs: NOW });
    expect(doc.snapshot.sources.captures.map((c) => c.id)).toEqual(['capture:1']);
    expect(doc.snapshot.sources.scans.map((c) => c.id)).toEqual(['scan:1', 'scan:3']);
    expect(doc.snapshot.sources.imports).toEqual([]);
    expect((doc.snapshot.rules!.rules ?? []).map((r) => r.reason)).toEqual(['discard', 'echo anywhere']);
    const all = (await takeSnapshot(db, { nowMs: NOW + 1 })).doc;
    expect(all.snapshot.sources.scans.map((c) => c.id)).toEqual(['scan:1', 'scan:2', 'scan:3']);
    expect((all.snapshot.rules!.rules ?? []).map((r) => r.reason)).toEqual(['elsewhere', 'discard', 'echo anywhere']);
    // 11.3.1 for the scope: the latest scan of its hosts is scan 1 (a year and more before), not yesterday's scan 2.
    const { html } = await reportHtml(db, 1, NOW);
    const card = html.slice(html.indexOf('<span class="cid">PCI DSS v4.0 11.3.1'), html.indexOf('<span class="cid">NERC CIP-007-6 R1.1'));
    expect(card).toContain('needs attention');
    expect(card).toMatch(/2 connect scan runs and 0 imported scanner reports on record/);
  });
});
