/**
 * `portolan captures` and `portolan scans` list the ids that `flows --capture N` and the
 * inventory's capture:N / scan:N sources name; `ingest` prints each file's capture id.
 * The built CLI on a real database file, a pcap written here, a scan of 127.0.0.1.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv, portolan } from '../../support/cli';
import { pcapFile, tcpFrame } from '../../support/frames';

const dir = mkdtempSync(join(tmpdir(), 'portolan-lists-'));
const db = join(dir, 'l.db');
const run = (...args: string[]) => portolan([...args, '--db', db], { PORTOLAN_USER: 'alice' });
let server: Server;
let port = 0;

function capture(name: string, dport: number): string {
  const path = join(dir, name);
  const C = '192.0.2.1';
  const S = '198.51.100.2';
  writeFileSync(
    path,
    pcapFile([
      { tsUs: 1e15, data: tcpFrame({ src: C, dst: S, sport: 50000, dport, flags: 'S' }) },
      { tsUs: 1e15 + 10, data: tcpFrame({ src: S, dst: C, sport: dport, dport: 50000, flags: 'SA', ack: 1001 }) },
    ]),
  );
  return path;
}

beforeAll(async () => {
  ensureBuilt();
  server = createServer((c) => c.destroy());
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as { port: number }).port;
  // The database exists, empty (commands that only read refuse a path with no database).
  expect(run('rules', 'gone-after', '35').code).toBe(0);
}, 120_000);
afterAll(() => server.close());

describe('captures, scans, and the capture id of ingest', () => {
  it('empty database: a one-line table, a tsv header, an empty JSON list', () => {
    expect(run('captures').stdout).toMatch(/^no captures/);
    expect(run('scans').stdout).toMatch(/^no scan runs/);
    expect(run('captures', '--format', 'tsv').stdout).toBe('id\trecorded_at\tstatus\tsource\tpackets\tbytes\tflows\tservices\tfirst_packet\tlast_packet\tfilter\tsha256\n');
    expect(JSON.parse(run('scans', '--format', 'json').stdout)).toEqual([]);
    expect(run('captures', '--format', 'xml').code).toBe(2);
  });

  it('ingest prints the capture id per file, and captures lists them', () => {
    const a = capture('a.pcap', 443);
    const b = capture('b.pcap', 8443);
    const r = run('ingest', a, b);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${a}: capture 1, 2 packets, 1 flow, 1 listening service (1 new)`);
    expect(r.stdout).toContain(`${b}: capture 2, 2 packets,`);
    const rows = parseTsv(run('captures', '--format', 'tsv').stdout);
    expect(rows.map((x) => [x.id, x.source, x.status, x.packets, x.services])).toEqual([
      ['1', a, 'complete', '2', '1'],
      ['2', b, 'complete', '2', '1'],
    ]);
    // The id is the one flows and the inventory name.
    expect(parseTsv(run('services', '--format', 'tsv').stdout).find((s) => s.port === '8443')?.sources).toBe('capture:2');
    expect(run('flows', '--capture', '2', '--format', 'tsv').stdout.trim().split('\n')).toHaveLength(2);
    expect(run('captures', '--limit', '1', '--format', 'json').stdout).toContain('"id": 2');
  });

  it('a file name with control characters is never written raw to the terminal', () => {
    const odd = capture('odd\u001b[31mred\tname\nx.pcap', 2222);
    const r = run('ingest', odd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/[\u001b\t]/);
    expect(r.stdout).toContain('odd\\u001b[31mred\\tname\\nx.pcap: capture');
    for (const format of ['table', 'tsv']) {
      const list = run('captures', '--format', format).stdout;
      expect(list, format).not.toContain('\u001b');
      expect(list, format).toContain('odd\\u001b[31mred\\tname\\nx.pcap');
    }
  });

  it('nor in import lines, error lines or a failed ingest', () => {
    const notCap = join(dir, 'bad\u001b[1mB\n.pcap');
    writeFileSync(notCap, 'not a capture at all');
    const xml = join(dir, 'x\u001b[31m\n.xml');
    writeFileSync(xml, '<?xml version="1.0"?><nmaprun scanner="nmap" start="1709280000"><host><status state="up"/><address addr="192.0.2.7" addrtype="ipv4"/><ports><port protocol="tcp" portid="22"><state state="open"/></port></ports></host><runstats><finished time="1709280001"/></runstats></nmaprun>');
    for (const r of [run('ingest', notCap), run('import', xml), run('ingest', join(dir, 'gone\u0007.pcap'))]) {
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
      expect(`${r.stdout}${r.stderr}`.trim().split('\n').every((l) => /^(portolan: |\/)/.test(l))).toBe(true);
    }
  });

  it('scans lists runs with who, from where and the counts', () => {
    expect(run('scan', '127.0.0.1', '--ports', String(port)).code).toBe(0);
    const rows = parseTsv(run('scans', '--format', 'tsv').stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: '1', status: 'complete', source_addr: '127.0.0.1', targets: '127.0.0.1', ports: String(port), probes: '1', open: '1', probes_planned: '1' });
    expect(parseTsv(run('services', '--format', 'tsv').stdout).find((s) => s.port === String(port))?.sources).toBe('scan:1');
    expect(run('scans').stdout).toMatch(/^ID\s+STARTED AT/);
    // Several targets share one cell, space-separated (they were a literal \n).
    expect(run('scan', '127.0.0.1', '127.0.0.2', '--ports', String(port)).code).toBe(0);
    expect(parseTsv(run('scans', '--format', 'tsv').stdout)[1]).toMatchObject({ id: '2', targets: '127.0.0.1 127.0.0.2' });
    expect(run('scans').stdout).toMatch(/127\.0\.0\.1 127\.0\.0\.2/);
  });
});
