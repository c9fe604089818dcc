/**
 * nmap / masscan XML import: the parser on hand-written, annotated fixtures
 * (test/fixtures/nmap/), then the import into a real SQLite file.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOne } from '../../../electron/engine/importers/import';
import { parseReport } from '../../../electron/engine/importers/nmap';
import { applyReview } from '../../../electron/engine/inventory/review';
import { setGoneAfterDays, sweepInventory } from '../../../electron/engine/inventory/gone';
import { listServices, recordSightings } from '../../../electron/engine/inventory/inventory';
import { captureId, freshDb, idOf, sight, statusOf } from '../inventory/support';

const FIX = resolve(__dirname, '../../fixtures/nmap');
const fixture = (name: string) => join(FIX, name);
const text = (name: string) => readFileSync(fixture(name), 'utf8');

describe('parseReport', () => {
  it('reads several addresses per host by addrtype, keeps MAC and hostnames, and an IPv6-only host', () => {
    const r = parseReport(text('nmap-multi.xml'));
    expect(r).toMatchObject({ tool: 'nmap', version: '7.94', complete: true, startMs: 1709280000_000, endMs: 1709280400_000 });
    expect(r.args).toContain('nmap -sT -sV');
    expect(r.hosts.map((h) => h.address)).toEqual(['192.0.2.10', '2001:db8::53', '198.51.100.9']);
    const web = r.hosts[0]!;
    expect(web).toMatchObject({ mac: '00:1a:2b:3c:4d:5e', hostnames: ['web1.example.test', 'web1.corp.example.test'], timeMs: 1709280100_000 });
    expect(web.ports.map((p) => `${p.port}/${p.proto} ${p.state} ${p.service ?? '-'}`)).toEqual(['80/tcp open http', '993/tcp open ssl/imap', '23/tcp open -', '22/tcp closed ssh', '25/tcp filtered smtp']);
    expect(web.ports[0]!.banner).toBe('nginx 1.24.0');
    expect(r.hosts[2]!.ports).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(/65530 ports summarised as closed \(extraports\)/);
    expect(r.warnings).toContain('1 filtered port (proves nothing), not stored');
  });

  it('merges masscan\'s one-host-per-port records', () => {
    const r = parseReport(text('masscan.xml'));
    expect(r.tool).toBe('masscan');
    expect(r.hosts.map((h) => [h.address, h.ports.map((p) => p.port)])).toEqual([
      ['198.51.100.20', [443, 21]],
      ['198.51.100.21', [443]],
    ]);
    expect(r.hosts[0]!.timeMs).toBe(1709366401_000);
  });

  it('a file with zero hosts is a valid, empty report', () => {
    expect(parseReport(text('zero-hosts.xml'))).toMatchObject({ complete: true, hosts: [] });
  });

  it('a file cut off before </nmaprun> yields the whole hosts before the cut, marked incomplete', () => {
    const r = parseReport(text('truncated.xml'));
    expect(r.complete).toBe(false);
    expect(r.endMs).toBeNull();
    expect(r.hosts.map((h) => h.address)).toEqual(['203.0.113.5']);
    expect(r.warnings[0]).toMatch(/cut off/);
    // Cut right after the start tag: still a (hostless) report.
    expect(parseReport('<?xml version="1.0"?><nmaprun scanner="nmap" start="1">')).toMatchObject({ complete: false, hosts: [] });
  });

  it('refuses broken XML with its position, other XML by its root, and non-XML', () => {
    expect(() => parseReport(text('broken.xml'))).toThrow(/broken XML at line \d+, column \d+/);
    expect(() => parseReport(text('not-nmap.xml'))).toThrow(/root element is <report>/);
    expect(() => parseReport('PK\u0003\u0004 zip bytes')).toThrow(/not XML/);
    expect(() => parseReport('<?xml version="1.0"?><nmap')).toThrow(/not an nmap or masscan/);
    expect(() => parseReport('<?xml version="1.0"?><nmaprun scanner="nm')).toThrow(/cut off before it/);
  });

  it('skips hostile values instead of storing them', () => {
    const r = parseReport(`<nmaprun start="x"><host><address addr="not-an-ip" addrtype="ipv4"/></host>
      <host><address addr="192.0.2.1" addrtype="ipv4"/><hostnames><hostname name="a b;rm -rf"/></hostnames><ports>
      <port protocol="tcp" portid="70000"><state state="open"/></port><port protocol="sctp" portid="5"><state state="open"/></port>
      <port protocol="tcp" portid="7"><state state="open"/><service name="echo&#10;x"/></port></ports></host></nmaprun>`);
    expect(r.startMs).toBeNull();
    expect(r.hosts).toHaveLength(1);
    expect(r.hosts[0]!.hostnames).toEqual([]);
    expect(r.hosts[0]!.ports.map((p) => [p.port, p.service])).toEqual([[7, 'echo x']]);
    expect(r.warnings.join('\n')).toMatch(/without a usable IP address/);
  });

  it('skips port 0 (reserved; the scanner refuses it) with a counted warning, open or closed, TCP or UDP', async () => {
    const xml = `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -p0-1 192.0.2.44" start="1709280000" version="7.94">
  <host endtime="1709280100"><address addr="192.0.2.44" addrtype="ipv4"/><ports>
    <port protocol="tcp" portid="0"><state state="open" reason="syn-ack"/></port>
    <port protocol="udp" portid="0"><state state="closed" reason="port-unreach"/></port>
    <port protocol="tcp" portid="1"><state state="open" reason="syn-ack"/></port>
  </ports></host>
  <runstats><finished time="1709280400"/></runstats>
</nmaprun>
`;
    const r = parseReport(xml);
    expect(r.hosts[0]!.ports.map((p) => `${p.port}/${p.proto}`)).toEqual(['1/tcp']);
    expect(r.warnings).toEqual(['2 ports numbered 0 (reserved, nothing listens on it), skipped']);
    expect(parseReport(xml.replace(/<port protocol="udp"[^\n]*\n/, '')).warnings).toEqual(['1 port numbered 0 (reserved, nothing listens on it), skipped']);
    // Into a real database file: no service, and no closed port, on port 0.
    const file = join(mkdtempSync(join(tmpdir(), 'portolan-port0-')), 'port0.xml');
    writeFileSync(file, xml);
    const db = await freshDb();
    const o = await importOne(db, file, null);
    expect(o).toMatchObject({ status: 'complete', hosts: 1, open: 1, closed: 0, added: 1 });
    expect(await db.query('SELECT port, proto FROM services')).toEqual([{ port: 1, proto: 'tcp' }]);
    expect(await db.query('SELECT port FROM import_ports')).toEqual([]);
  });

  it('does not expand entity bombs', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><nmaprun args="&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"></nmaprun>`;
    let out: ReturnType<typeof parseReport> | null = null;
    try {
      out = parseReport(bomb);
    } catch {
      out = null;
    }
    expect((out?.args ?? '').length).toBeLessThanOrEqual(4096);
  });
});

describe('import into the inventory', () => {
  it('stores open ports as services with evidence import, the scan\'s own times, MAC and hostnames; closed ports aside', async () => {
    const db = await freshDb();
    const o = await importOne(db, fixture('nmap-multi.xml'), null);
    expect(o).toMatchObject({ status: 'complete', tool: 'nmap', hosts: 3, open: 4, closed: 1, added: 4 });
    const rows = (await listServices(db, { limit: 50 })).rows;
    expect(rows.map((r) => `${r.host} ${r.port}/${r.proto} ${r.evidence} ${r.status} ${r.insecure ?? '-'}`)).toEqual([
      '192.0.2.10 23/tcp import new telnet',
      '192.0.2.10 80/tcp import new -',
      '192.0.2.10 993/tcp import new -',
      '2001:db8::53 53/udp import new -',
    ]);
    const web = rows.find((r) => r.port === 80)!;
    expect(web).toMatchObject({ service: 'http', banner: 'nginx 1.24.0', mac: '00:1a:2b:3c:4d:5e', hostnames: ['web1.example.test', 'web1.corp.example.test'], firstSeen: '2024-03-01T08:01:40.000Z', sources: [`import:${o.importId}`] });
    const imp = (await db.query<Record<string, unknown>>('SELECT tool, args, scan_started_at, scan_ended_at, complete, hosts, open_ports FROM imports'))[0];
    expect(imp).toMatchObject({ tool: 'nmap', scan_started_at: 1709280000_000, scan_ended_at: 1709280400_000, complete: 1, hosts: 3, open_ports: 4 });
    expect(await db.query('SELECT host, port, state FROM import_ports')).toEqual([{ host: '192.0.2.10', port: 22, state: 'closed' }]);
  });

  it('re-importing the same file is skipped; the same scan in another file changes nothing but last_seen', async () => {
    const db = await freshDb();
    await importOne(db, fixture('masscan.xml'), null);
    await applyReview(db, { filter: { port: 443 }, action: 'approve', reason: 'web tier', owner: 'web' }, 'alice');
    const snap = () => db.query('SELECT id, host, port, proto, status, evidence, first_seen_ms, reason, owner FROM services ORDER BY id');
    const before = await snap();
    const reviews = await db.query('SELECT * FROM reviews');
    expect(await importOne(db, fixture('masscan.xml'), null)).toMatchObject({ status: 'skipped' });
    // Same content, a day later, in a different file (different bytes).
    const dir = mkdtempSync(join(tmpdir(), 'portolan-imp-'));
    const later = text('masscan.xml').replace(/endtime="17093664(\d\d)"/g, (_m, s: string) => `endtime="17094528${s}"`);
    writeFileSync(join(dir, 'later.xml'), later);
    expect(await importOne(db, join(dir, 'later.xml'), null)).toMatchObject({ status: 'complete', added: 0, open: 3 });
    expect(await snap()).toEqual(before);
    expect(await db.query('SELECT * FROM reviews')).toEqual(reviews);
    const last = await db.query<{ last_seen_ms: number }>("SELECT last_seen_ms FROM services WHERE host = '198.51.100.21'");
    expect(last[0]!.last_seen_ms).toBe(1709452802_000);
  });

  it('a truncated file imports what it holds and is recorded incomplete; a broken file stores nothing', async () => {
    const db = await freshDb();
    await importOne(db, fixture('nmap-multi.xml'), null);
    const before = await db.query('SELECT * FROM services ORDER BY id');
    await expect(importOne(db, fixture('broken.xml'), null)).rejects.toThrow(/broken XML/);
    await expect(importOne(db, fixture('not-nmap.xml'), null)).rejects.toThrow(/not an nmap or masscan/);
    await expect(importOne(db, join(FIX, 'missing.xml'), null)).rejects.toThrow(/no such file/);
    expect(await db.query('SELECT * FROM services ORDER BY id')).toEqual(before);
    expect((await db.query('SELECT id FROM imports')).length).toBe(1);
    const t = await importOne(db, fixture('truncated.xml'), null);
    expect(t).toMatchObject({ status: 'incomplete', hosts: 1, open: 1 });
    expect((await db.query<{ complete: number }>('SELECT complete FROM imports WHERE id = ?', [t.importId]))[0]!.complete).toBe(0);
    expect(await statusOf(db, '203.0.113.5', 8080)).toBe('new');
  });

  it('a later import that finds an approved port closed makes it gone', async () => {
    const db = await freshDb();
    await setGoneAfterDays(db, 0);
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.10', port: 22, lastSeenMs: Date.UTC(2024, 1, 1) })]));
    await applyReview(db, { ids: [await idOf(db, '192.0.2.10', 22)], action: 'approve', reason: 'ssh', owner: 'ops' }, 'a');
    const dir = mkdtempSync(join(tmpdir(), 'portolan-imp-'));
    copyFileSync(fixture('nmap-multi.xml'), join(dir, 'scan.xml'));
    await importOne(db, join(dir, 'scan.xml'), null);
    expect(await sweepInventory(db)).toMatchObject({ gone: 1 });
    expect(await statusOf(db, '192.0.2.10', 22)).toBe('gone');
  });
  it('a report dated after this computer\'s clock is taken as of now: its closed port cannot keep a service gone', async () => {
    const db = await freshDb();
    await setGoneAfterDays(db, 0);
    const now = Date.now();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.10', port: 22, firstSeenMs: now - 60_000, lastSeenMs: now - 60_000 })], now));
    await applyReview(db, { ids: [await idOf(db, '192.0.2.10', 22)], action: 'approve', reason: 'ssh', owner: 'ops' }, 'a');
    const dir = mkdtempSync(join(tmpdir(), 'portolan-imp-'));
    // nmap-multi.xml lists 192.0.2.10:22 closed; dated 2030 here.
    writeFileSync(join(dir, 'future.xml'), text('nmap-multi.xml').replace(/(starttime|endtime|start|time)="\d+"/g, '$1="1900000000"'));
    const r = await importOne(db, join(dir, 'future.xml'), null);
    expect(r.warnings.join('\n')).toMatch(/dated after this computer's clock .*recorded as of the import/);
    expect(await sweepInventory(db)).toMatchObject({ gone: 1 });
    expect(await statusOf(db, '192.0.2.10', 22)).toBe('gone');
    // Seen open again a moment later (a scan, a capture): it returns.
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.10', port: 22, firstSeenMs: Date.now() + 1000, lastSeenMs: Date.now() + 1000 })], Date.now() + 2000));
    expect(await statusOf(db, '192.0.2.10', 22)).toBe('approved');
  });
});
