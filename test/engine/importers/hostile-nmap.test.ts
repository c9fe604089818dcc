/**
 * nmap XML a hostile-input tester wrote: a link-local address with a zone id, and files
 * cut off right after the root or the first <host>. The parser directly, then the built
 * CLI on a real database.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseReport } from '../../../electron/engine/importers/nmap';
import { ensureBuilt, parseTsv, portolan } from '../../support/cli';

const ZONED = `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -6 -sT fe80::1%eth0" start="1709280000" version="7.94">
<host><address addr="fe80::1%eth0" addrtype="ipv6"/><ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/></port></ports></host>
<host><address addr="fe80::2%25eth1" addrtype="ipv6"/><ports><port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/></port></ports></host>
<host><address addr="2001:db8::7" addrtype="ipv6"/><ports><port protocol="tcp" portid="443"><state state="open" reason="syn-ack"/></port></ports></host>
</nmaprun>
`;

describe('an IPv6 address with a zone id', () => {
  it('is stored without the zone, with one warning for the file', () => {
    const r = parseReport(ZONED);
    expect(r.hosts.map((h) => h.address)).toEqual(['fe80::1', 'fe80::2', '2001:db8::7']);
    const zone = r.warnings.filter((w) => /zone id/.test(w));
    expect(zone).toEqual(["2 IPv6 addresses with a zone id (fe80::1%eth0), stored without it (the zone names the scanning machine's interface)"]);
  });
});

describe('a file cut off inside its first host', () => {
  it.each([
    ['<nmaprun><host>', 0],
    ['<nmaprun>', 0],
    ['<?xml version="1.0"?>\n<nmaprun scanner="nmap" start="1709280000">\n<host><address addr="192.0.2.1" addrtype="ipv4"/>', 0],
    ['<nmaprun scanner="nmap"><host><address addr="192.0.2.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="22"><state state="open"/></port></ports></host><host><address', 1],
  ])('%j: the complete hosts (%i), marked incomplete, with a warning', (xml, hosts) => {
    const r = parseReport(xml);
    expect(r.complete).toBe(false);
    expect(r.hosts).toHaveLength(hosts);
    expect(r.warnings.join('\n')).toMatch(/cut off/);
  });

  it('a root that is not nmaprun is still refused by its name, never "<nmaprun>, not <nmaprun>"', () => {
    expect(() => parseReport('<scan><host>')).toThrow('the root element is <scan>, not <nmaprun>');
    for (const bad of ['<nmaprun><host', '<nmaprun', '<nmaprun><host><']) {
      let msg = '';
      try {
        parseReport(bad);
      } catch (err) {
        msg = (err as Error).message;
      }
      expect(msg).not.toMatch(/<nmaprun>, not <nmaprun>/);
    }
  });
});

describe('the CLI', () => {
  let dir = '';
  let db = '';
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-hostile-nmap-'));
    db = join(dir, 'p.db');
  }, 120_000);

  it('imports zoned addresses reviewably, and --host with a zone id names --host', () => {
    const xml = join(dir, 'zoned.xml');
    writeFileSync(xml, ZONED);
    const imp = portolan(['import', xml, '--db', db]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stderr).toMatch(/2 IPv6 addresses with a zone id/);
    const rows = parseTsv(portolan(['services', '--db', db, '--format', 'tsv']).stdout);
    expect(rows.map((r) => r.host).sort()).toEqual(['2001:db8::7', 'fe80::1', 'fe80::2']);
    const rev = portolan(['review', '[fe80::1]:22/tcp', '--approve', '--reason', 'admin', '--owner', 'infra', '--db', db]);
    expect(rev.code, rev.stderr).toBe(0);
    const bad = portolan(['services', '--host', 'fe80::1%eth0', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('portolan: usage: --host: "fe80::1%eth0" has a zone id (%…); addresses are stored without it: give "fe80::1"\n');
    expect(portolan(['services', '--host', 'fe80::1', '--db', db, '--format', 'tsv']).stdout).toMatch(/\nfe80::1\t22\ttcp\t/);
  });

  it('imports a file cut off after <nmaprun><host> as 0 hosts with a warning', () => {
    const xml = join(dir, 'trunc.xml');
    writeFileSync(xml, '<nmaprun><host>');
    const r = portolan(['import', xml, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cut off/);
    expect(r.stderr).not.toMatch(/<nmaprun>, not <nmaprun>/);
  });
});
