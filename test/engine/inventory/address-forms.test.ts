/**
 * Address forms a hostile tester tried where a block, a tag host, a snapshot scope or an
 * imported address is read. IPv4 is four decimal parts 0-255 without leading zeros:
 * 198.51.100.010 (octal: .8), 0xc6.51.100.0 (hex) and 2130706457 (one 32-bit number:
 * 127.0.0.25) name other hosts than a reader sees, so they are refused everywhere, as
 * `--host` already refused them; never re-read as another host. And `tags` reads
 * addresses and tag names as every other command does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AddressError, keyRange, normalizeHost, parseAddress } from '../../../electron/engine/inventory/hostkey';
import { recordSightings } from '../../../electron/engine/inventory/inventory';
import { addTag, hostsNamed, listTags, removeTag } from '../../../electron/engine/inventory/tags';
import { parseReport } from '../../../electron/engine/importers/nmap';
import { parseScope, ScopeError } from '../../../electron/engine/snapshots/scope';
import { ensureBuilt, parseTsv, portolan } from '../../support/cli';
import { captureId, freshDb, sight } from './support';

/** Other spellings of IPv4 hosts that inet_aton would accept. */
const NOT_DOTTED = ['198.51.100.010', '0xc6.51.100.0', '3325256704', '2130706457', '0x7f.0.0.25', '0x7f000019', '127.1', '017700000031', '::ffff:198.51.100.010'];

describe('one address check', () => {
  it.each(NOT_DOTTED)('refuses %s as an address and as a block', (text) => {
    expect(() => parseAddress(text)).toThrow(AddressError);
    expect(() => normalizeHost(text)).toThrow(AddressError);
    expect(() => keyRange(text)).toThrow(AddressError);
    expect(() => keyRange(`${text}/32`)).toThrow(AddressError);
    expect(() => keyRange(`${text}/24`)).toThrow(AddressError);
  });

  it('says why, naming the input', () => {
    expect(() => keyRange('198.51.100.010/32')).toThrow(/not a CIDR subnet: "198\.51\.100\.010\/32": not a dotted-quad IPv4 address: "198\.51\.100\.010" \(four decimal numbers 0-255 without leading zeros/);
    expect(() => normalizeHost('2130706457')).toThrow(/not a dotted-quad IPv4 address: "2130706457"/);
    expect(() => normalizeHost('fe80::1%eth0')).toThrow(/"fe80::1%eth0" has a zone id/);
    expect(() => keyRange('fe80::%eth0/64')).toThrow(/zone id/);
  });

  it('keeps dotted quads and IPv6 (with a dotted-quad tail) as they were', () => {
    expect(keyRange('198.51.100.8/31')).toMatchObject({ text: '198.51.100.8/31', lo: '00000000000000000000ffffc6336408', hi: '00000000000000000000ffffc6336409' });
    expect(keyRange('0.0.0.0/0').text).toBe('0.0.0.0/0');
    expect(keyRange('::ffff:198.51.100.0/120').text).toBe('198.51.100.0/24');
    expect(keyRange('2001:DB8::/32').text).toBe('2001:db8::/32');
    expect(normalizeHost('::ffff:127.0.0.25')).toBe('127.0.0.25');
    expect(normalizeHost('64:ff9b::192.0.2.33')).toBe('64:ff9b::c000:221');
    expect(normalizeHost(' 2001:db8::1 ')).toBe('2001:db8::1');
    for (const bad of ['198.51.100.0/33', '2001:db8::/129', '198.51.100.0/', '198.51.100.0/x', '/24', '198.51.100.0/24/1']) expect(() => keyRange(bad), bad).toThrow(AddressError);
  });
});

describe('snapshot scopes', () => {
  it.each(NOT_DOTTED)('refuses %s, bare, as a block and after subnet:', (text) => {
    for (const s of [text, `${text}/32`, `subnet:${text}`, `subnet:${text}/24`]) expect(() => parseScope(s), s).toThrow(ScopeError);
  });

  it('refuses a zone id and keeps the forms it took', () => {
    expect(() => parseScope('fe80::1%eth0')).toThrow(ScopeError);
    expect(parseScope('198.51.100.8').text).toBe('subnet:198.51.100.8/32');
    expect(parseScope('subnet:198.51.100.77/24').text).toBe('subnet:198.51.100.0/24');
    expect(parseScope('::ffff:198.51.100.0/120').text).toBe('subnet:198.51.100.0/24');
    expect(parseScope('2001:db8::/32').text).toBe('subnet:2001:db8::/32');
  });
});

const xml = (addrs: Array<[string, string]>): string => `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sT" start="1709280000" version="7.94">
${addrs.map(([a, t]) => `<host><address addr="${a}" addrtype="${t}"/><ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/></port></ports></host>`).join('\n')}
</nmaprun>
`;

describe('nmap import', () => {
  it('skips a host whose IPv4 address is not a dotted quad, with one counted warning', () => {
    const r = parseReport(xml([['2130706457', 'ipv4'], ['198.51.100.010', 'ipv4'], ['0x7f.0.0.25', 'ipv4'], ['198.51.100.4', 'ipv4'], ['2001:db8::7', 'ipv6']]));
    expect(r.hosts.map((h) => h.address)).toEqual(['198.51.100.4', '2001:db8::7']);
    expect(r.warnings).toEqual(['3 hosts with an IPv4 address not written as a dotted quad (2130706457, 0x7f.0.0.1, 010.0.0.1), skipped']);
    expect(parseReport(xml([['2130706457', 'ipv4']])).warnings).toEqual(['1 host with an IPv4 address not written as a dotted quad (2130706457, 0x7f.0.0.1, 010.0.0.1), skipped']);
  });
});

describe('tags on a database', () => {
  async function inventory() {
    const db = await freshDb();
    const cap = await captureId(db);
    await recordSightings(db, 'capture', cap, ['198.51.100.4', '198.51.100.8', '198.51.100.9', '127.0.0.25', '2001:db8::7'].map((host) => sight({ host })));
    return db;
  }

  it('reads hosts as the other commands do', async () => {
    const db = await inventory();
    expect(await hostsNamed(db, '::ffff:198.51.100.0/120')).toEqual(['198.51.100.4', '198.51.100.8', '198.51.100.9']);
    expect(await hostsNamed(db, '198.51.100.8/31')).toEqual(['198.51.100.8', '198.51.100.9']);
    expect(await hostsNamed(db, '::/0')).toEqual(['2001:db8::7']); // an IPv6 block means IPv6 hosts
    expect(await hostsNamed(db, '::ffff:198.51.100.4')).toEqual(['198.51.100.4']);
    for (const bad of [...NOT_DOTTED, '198.51.100.010/31', 'fe80::1%eth0', 'fe80::%eth0/64']) await expect(hostsNamed(db, bad), bad).rejects.toThrow(/is not an address or a CIDR block/);
  });

  it('treats tags that differ in case as one, keeping the first spelling, and counts hosts', async () => {
    const db = await inventory();
    expect(await addTag(db, 'CDE', ['198.51.100.4'], 'alice', 1000)).toBe(1);
    expect(await addTag(db, 'cde', ['198.51.100.4', '198.51.100.8', '198.51.100.8'], 'bob', 2000)).toBe(1);
    expect((await listTags(db)).map((t) => `${t.host} ${t.tag}`)).toEqual(['198.51.100.4 CDE', '198.51.100.8 CDE']);
    expect(await removeTag(db, 'Cde', ['198.51.100.4', '198.51.100.4', '198.51.100.9'])).toBe(1);
    expect((await listTags(db)).map((t) => `${t.host} ${t.tag}`)).toEqual(['198.51.100.8 CDE']);
  });

  it('counts a host once when an older database holds the tag in two spellings', async () => {
    const db = await inventory();
    await db.run('tagAdd', ['198.51.100.4', 'CDE', 'alice', 1000]);
    await db.run('tagAdd', ['198.51.100.4', 'cde', 'alice', 2000]);
    await db.run('tagAdd', ['198.51.100.8', 'Äx', 'alice', 1000]);
    await db.run('tagAdd', ['198.51.100.8', 'äx', 'alice', 2000]);
    expect(await addTag(db, 'cDe', ['198.51.100.4'], 'bob')).toBe(0);
    expect(await removeTag(db, 'CDE', ['198.51.100.4'])).toBe(1);
    expect(await removeTag(db, 'ÄX', ['198.51.100.8'])).toBe(1);
    expect(await listTags(db)).toEqual([]);
  });
});

describe('the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-addr-'));
  const db = join(dir, 'a.db');
  const run = (...args: string[]) => portolan([...args, '--db', db], { PORTOLAN_USER: 'alice' });

  beforeAll(() => {
    ensureBuilt();
    const file = join(dir, 'scan.xml');
    writeFileSync(file, xml([['198.51.100.4', 'ipv4'], ['198.51.100.8', 'ipv4'], ['198.51.100.9', 'ipv4'], ['127.0.0.25', 'ipv4'], ['2001:db8::7', 'ipv6']]));
    const r = run('import', file);
    expect(r.code, r.stderr).toBe(0);
  });

  it('refuses other IPv4 forms in rules, services and review (exit 2), saving nothing', () => {
    for (const subnet of ['198.51.100.010/32', '0xc6.51.100.0/24', '3325256704/24', '198.51.100.010']) {
      const r = run('rules', 'add', '--ignore', '--subnet', subnet, '--reason', 'x');
      expect(r.code, `${subnet}: ${r.stdout}`).toBe(2);
      expect(r.stderr).toMatch(/^portolan: usage: --subnet: .*dotted-quad/);
    }
    expect(run('rules', 'list', '--format', 'json').stdout).not.toMatch(/198\.51\.100\.8/);
    const s = run('services', '--subnet', '198.51.100.010/31', '--format', 'tsv');
    expect(s.code).toBe(2);
    expect(s.stdout).toBe('');
    expect(run('review', '--flag', '--reason', 'x', '--subnet', '198.51.100.010/31').code).toBe(2);
    expect(parseTsv(run('services', '--status', 'new', '--format', 'tsv').stdout)).toHaveLength(5);
    expect(run('services', '--subnet', '::ffff:198.51.100.8/127', '--format', 'tsv').stdout.split('\n').filter((l) => /^198\.51\.100\.[89]\t/.test(l))).toHaveLength(2);
  });

  it('refuses them as a snapshot scope (exit 2), sealing nothing', () => {
    for (const scope of ['198.51.100.010', '0x7f.0.0.25', '2130706457', 'subnet:198.51.100.010/31']) expect(run('snapshot', 'save', '--scope', scope).code, scope).toBe(2);
    expect(run('snapshot', 'list', '--format', 'json').stdout).not.toMatch(/subnet:/);
  });

  it('reads tag hosts as the other commands do', () => {
    for (const host of ['198.51.100.010', '2130706457', '0x7f.0.0.25', '198.51.100.010/31', 'fe80::1%eth0']) {
      const r = run('tags', 'add', 'H', host);
      expect(r.code, host).toBe(2);
      expect(r.stderr).toMatch(/^portolan: usage: '.*' is not an address or a CIDR block: /);
    }
    const mapped = run('tags', 'add', 'M', '::ffff:198.51.100.0/120');
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(mapped.stdout).toBe('tagged 3 of 3 hosts (M)\n');
    expect(parseTsv(run('tags', 'list', '--format', 'tsv').stdout).map((r) => `${r.host} ${r.tag}`)).toEqual(['198.51.100.4 M', '198.51.100.8 M', '198.51.100.9 M']);
  });

  it('treats tags differing in case as one, and counts hosts, not rows', () => {
    expect(run('tags', 'add', 'CDE', '198.51.100.4').stdout).toBe('tagged 1 of 1 host (CDE)\n');
    expect(run('tags', 'add', 'cde', '198.51.100.4', '198.51.100.8', '198.51.100.8/32').stdout).toBe('tagged 1 of 2 hosts (CDE)\n');
    const cde = parseTsv(run('tags', 'list', '--format', 'tsv').stdout).filter((r) => r.tag!.toLowerCase() === 'cde');
    expect(cde.map((r) => `${r.host} ${r.tag}`)).toEqual(['198.51.100.4 CDE', '198.51.100.8 CDE']);
    expect(run('tags', 'remove', 'CDE', '198.51.100.4').stdout).toBe('untagged 1 of 1 host (CDE)\n');
    expect(run('tags', 'remove', 'cde', '198.51.100.4', '198.51.100.8').stdout).toBe('untagged 1 of 2 hosts (CDE)\n');
  });

  it('skips an imported host whose IPv4 address is not a dotted quad, with a warning', () => {
    const file = join(dir, 'odd.xml');
    writeFileSync(file, xml([['2130706457', 'ipv4'], ['198.51.100.010', 'ipv4']]));
    const r = run('import', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 hosts with an IPv4 address not written as a dotted quad/);
    const hosts = parseTsv(run('services', '--status', 'all', '--format', 'tsv').stdout).map((x) => x.host);
    expect(hosts).toEqual(['127.0.0.25', '198.51.100.4', '198.51.100.8', '198.51.100.9', '2001:db8::7']);
  });
});
