/**
 * nmap XML that dropped or invented data without a word, or blew up memory: nested
 * hosts, a second IPv4 address, a host with no times, a DTD of the file's own, fields
 * of many megabytes. Each is imported with a counted warning or refused with its line;
 * nothing is silent. The parser directly, then importOne into a real SQLite file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOne } from '../../../electron/engine/importers/import';
import { parseReport } from '../../../electron/engine/importers/nmap';
import { freshDb } from '../inventory/support';

/** The largest field read (prescan.ts's MAX_FIELD_CHARS, 1 MiB), spelt out so this file also runs against an importer without it. */
const MAX_FIELD_CHARS = 1 << 20;

const dir = mkdtempSync(join(tmpdir(), 'portolan-import-robust-'));
let files = 0;
/** Writes `xml` to a fresh file in the temp dir and returns its path. */
const file = (xml: string) => {
  const path = join(dir, `r${++files}.xml`);
  writeFileSync(path, xml);
  return path;
};

/** One open port, 22/tcp, with `service` as the <service> element's attributes. */
const port22 = (service = 'name="ssh"') => `<ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/><service ${service}/></port></ports>`;

/** A run around `body`; `prolog` goes before <nmaprun>. */
const run = (body: string, prolog = '<?xml version="1.0"?>\n<!DOCTYPE nmaprun>\n') => `${prolog}<nmaprun scanner="nmap" args="nmap -sV 192.0.2.0/24" start="1709280000" version="7.94">
${body}
<runstats><finished time="1709280400"/></runstats>
</nmaprun>
`;

describe('a <host> inside another <host>', () => {
  // nmap writes every <host> directly in <nmaprun>; the inner one was silently lost.
  const xml = run(`<host endtime="1709280100"><address addr="192.0.2.1" addrtype="ipv4"/>${port22()}
  <host endtime="1709280100"><address addr="192.0.2.2" addrtype="ipv4"/>${port22()}
    <host><address addr="192.0.2.3" addrtype="ipv4"/>${port22()}</host>
  </host>
</host>`);

  it('is skipped with a counted warning saying so; the outer host is imported', () => {
    const r = parseReport(xml);
    expect(r.hosts.map((h) => h.address)).toEqual(['192.0.2.1']);
    expect(r.warnings).toEqual(['2 hosts nested inside another element (a <host> in a <host>; nmap writes every <host> directly in <nmaprun>), skipped']);
  });

  it('the warning reaches the import record', async () => {
    const db = await freshDb();
    const o = await importOne(db, file(xml), null);
    expect(o).toMatchObject({ status: 'complete', hosts: 1, open: 1 });
    expect(o.warnings.join('\n')).toMatch(/^2 hosts nested inside another element/m);
    const row = await db.query<{ warnings_json: string }>('SELECT warnings_json FROM imports');
    expect(row[0]!.warnings_json).toMatch(/nested inside another element/);
  });
});

describe('a host with two IPv4 addresses', () => {
  it('is stored under the first, with a counted warning (the second is not silently dropped)', () => {
    const r = parseReport(run(`<host endtime="1709280100"><address addr="192.0.2.1" addrtype="ipv4"/><address addr="192.0.2.9" addrtype="ipv4"/><address addr="00:1A:2B:3C:4D:5E" addrtype="mac"/>${port22()}</host>
<host endtime="1709280100"><address addr="192.0.2.5" addrtype="ipv4"/><address addr="00:1A:2B:3C:4D:5F" addrtype="mac"/>${port22()}</host>`));
    expect(r.hosts.map((h) => [h.address, h.mac, h.ports.map((p) => p.port)])).toEqual([
      ['192.0.2.1', '00:1a:2b:3c:4d:5e', [22]],
      ['192.0.2.5', '00:1a:2b:3c:4d:5f', [22]],
    ]);
    expect(r.warnings).toEqual(['1 host with more than one IP address (nmap writes one per host): stored under the first IPv4 address (else IPv6), the other addresses not stored']);
  });

  it('one address written twice, or an IPv4 beside a MAC, is no warning', () => {
    const r = parseReport(run(`<host endtime="1709280100"><address addr="192.0.2.1" addrtype="ipv4"/><address addr="192.0.2.1" addrtype="ipv4"/>${port22()}</host>`));
    expect(r.warnings).toEqual([]);
  });
});

describe('a host with no times at all', () => {
  const undated = `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap 192.0.2.7">
<host><address addr="192.0.2.7" addrtype="ipv4"/>${port22()}</host>
<host><address addr="192.0.2.8" addrtype="ipv4"/></host>
</nmaprun>
`;

  it('is recorded as of the import, with a counted warning', async () => {
    const db = await freshDb();
    const now = Date.UTC(2025, 0, 2, 3, 4, 5);
    const o = await importOne(db, file(undated), null, now);
    expect(o).toMatchObject({ status: 'complete', hosts: 2, open: 1 });
    // The host without ports is not dated by anything stored, so it is not counted.
    expect(o.warnings).toEqual(['1 host has no scan time (no starttime or endtime, and the run no start): first and last seen recorded as the import time']);
    expect(await db.query('SELECT host, first_seen_ms, last_seen_ms FROM services')).toEqual([{ host: '192.0.2.7', first_seen_ms: now, last_seen_ms: now }]);
  });

  it('a host dated by the run\'s start is no warning', async () => {
    const db = await freshDb();
    const o = await importOne(db, file(undated.replace('args="nmap 192.0.2.7"', 'start="1709280000"')), null);
    expect(o.warnings).toEqual([]);
  });

  it('docs/inventory.md says so in its Import section', () => {
    const doc = readFileSync(resolve(__dirname, '../../../docs/inventory.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Import'), doc.indexOf('\n## ', doc.indexOf('## Import') + 1));
    expect(section).toMatch(/no time at all[^.]*the import time[^.]*warning/s);
  });
});

describe('a file that declares its own entities', () => {
  const ent = (decls: string, service: string) => run(`<host endtime="1709280100"><address addr="192.0.2.1" addrtype="ipv4"/>${port22(service)}</host>`, `<?xml version="1.0"?>\n<!DOCTYPE nmaprun [\n${decls}\n]>\n`);
  // Past the parser's expansion limits: it was stored as the literal banner "&a9;".
  const chain = ['<!ENTITY a0 "x">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY a${i + 1} "&a${i};&a${i};">`)].join('\n');
  const cases: Array<[string, string]> = [
    ['an expansion chain past the limits', ent(chain, 'name="ssh" product="&a9;"')],
    ['a markup entity', ent('<!ENTITY m "<b>hi</b>">', 'name="ssh" product="&m;"')],
    ['a harmless-looking text entity', ent('<!ENTITY v "OpenSSH">', 'name="ssh" product="&v;"')],
    ['an external entity (XXE)', ent('<!ENTITY x SYSTEM "file:///etc/passwd">', 'name="ssh" product="&x;"')],
    ['a parameter entity', ent('<!ENTITY % p "x">', 'name="ssh"')],
    ['a DOCTYPE inside the document', run(`<!DOCTYPE x [<!ENTITY a "AAA">]><host><address addr="192.0.2.1" addrtype="ipv4"/>${port22('name="ssh" product="&a;"')}</host>`)],
    ['a declaration outside a DOCTYPE', run(`<!ENTITY a "AAA"><host><address addr="192.0.2.1" addrtype="ipv4"/>${port22()}</host>`)],
  ];

  it.each(cases)('%s is refused by its line, and nothing is stored', async (_what, xml) => {
    expect(() => parseReport(xml)).toThrow(/^line \d+: the file declares its own DTD .* nmap writes only <!DOCTYPE nmaprun> and masscan none/);
    const db = await freshDb();
    const path = file(xml);
    await expect(importOne(db, path, null)).rejects.toThrow(`${path}: line `);
    expect(await db.query('SELECT id FROM imports')).toEqual([]);
    expect(await db.query('SELECT id FROM services')).toEqual([]);
  });

  it('the line named is the declaration\'s', () => {
    expect(() => parseReport(cases[0]![1])).toThrow(/^line 2: /);
  });

  it('an entity nobody declared is refused, never stored as text', () => {
    const xml = run(`<host endtime="1709280100"><address addr="192.0.2.1" addrtype="ipv4"/>\n${port22('name="ssh" product="&zz;"')}</host>`);
    expect(() => parseReport(xml)).toThrow(/^line 5: the entity &zz; is not defined/);
  });

  it('nmap\'s own DOCTYPE, the XML entities, numeric references and literal text in comments still import', () => {
    const r = parseReport(run(`<!-- &zz; <!ENTITY no "in a comment"> -->
<host endtime="1709280100"><address addr="192.0.2.1" addrtype="ipv4"/>${port22('name="http" product="A&amp;B &lt;x&gt; &quot;q&quot; &apos;s&apos;" version="1&#x2e;0" extrainfo="&#65;&nbsp;Z"')}</host>`));
    expect(r.hosts[0]!.ports[0]!.banner).toBe('A&B <x> "q" \'s\' 1.0 A\u00a0Z');
    expect(parseReport(run(`<host><address addr="192.0.2.1" addrtype="ipv4"/>${port22()}</host>`, '<!DOCTYPE nmaprun SYSTEM "nmap.dtd">\n')).hosts).toHaveLength(1);
    expect(parseReport(run(`<host><address addr="192.0.2.1" addrtype="ipv4"/>${port22()}</host>`, '')).hosts).toHaveLength(1);
  });
});

describe('a field of many megabytes', () => {
  // One 50 MB product="AAAA…" took the validator 2.9 GB and 18 s; 10 MB, 625 MB.
  const host = (service: string, extra = '') => run(`<host endtime="1709280100"><address addr="192.0.2.1" addrtype="ipv4"/>
${port22(service)}${extra}</host>`);
  const big = 'A'.repeat(MAX_FIELD_CHARS + 1);

  it.each([
    ['an attribute value', host(`name="ssh" product="${big}"`), 'run of characters without markup'],
    ['a text node', host('name="ssh"', `<comment>${big}</comment>`), 'run of characters without markup'],
    ['a comment', host('name="ssh"', `<!-- ${'<'.repeat(MAX_FIELD_CHARS)} -->`), 'comment'],
    ['a CDATA section', host('name="ssh"', `<x><![CDATA[${'<'.repeat(MAX_FIELD_CHARS)}]]></x>`), 'CDATA section'],
  ])('%s over 1 MiB is refused before parsing, naming its line', (_what, xml, what) => {
    expect(() => parseReport(xml)).toThrow(new RegExp(`^line 5: a ${what}.* longer than 1048576 characters; .*refused, nothing stored`));
  });

  it('is refused quickly, and nothing is stored', async () => {
    const db = await freshDb();
    const t0 = performance.now();
    await expect(importOne(db, file(host(`name="ssh" product="${'A'.repeat(50 << 20)}"`)), null)).rejects.toThrow(/line 5: a run of characters without markup/);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(await db.query('SELECT id FROM imports')).toEqual([]);
  });

  it('a script output of a few hundred KB still imports, its banner cut to 200 characters', () => {
    const r = parseReport(host(`name="http" product="${'B'.repeat(600_000)}"`, `<script id="http-title" output="${'C'.repeat(900_000)}"/>`));
    expect(r.hosts[0]!.ports[0]!.banner).toBe('B'.repeat(200));
  });
});

describe('text from a report', () => {
  it('drops bidirectional-text and C1 controls from banners and service names (analysts cannot type them either)', () => {
    const r = parseReport(run(`<host endtime="1709280100"><address addr="192.0.2.1" addrtype="ipv4"/>${port22('name="ss&#x202E;h" product="Open&#x202E;SSH" version="9.6&#x85;p1"')}</host>`));
    const p = r.hosts[0]!.ports[0]!;
    expect(p.service).toBe('ssh');
    expect(p.banner).toBe('OpenSSH 9.6p1');
  });
});
