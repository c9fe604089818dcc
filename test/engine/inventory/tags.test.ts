/**
 * Host scope tags and compensating-control notes, through the CLI as an analyst uses
 * them, and into a sealed snapshot: `tags`, `control`, `snapshot save --scope tag:T`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv, portolan } from '../../support/cli';
import { CAPTURES_DIR, hasSharedCaptures, requireOrSkip } from '../../support/require';

const ready = requireOrSkip(hasSharedCaptures('zeek_ftp-ipv4.pcap'), `shared captures not found at ${CAPTURES_DIR}`);

describe.skipIf(!ready)('tags and compensating controls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-tags-'));
  const db = join(dir, 't.db');
  const run = (...args: string[]) => portolan([...args, '--db', db], { PORTOLAN_USER: 'alice' });

  beforeAll(() => {
    ensureBuilt();
    expect(run('ingest', join(CAPTURES_DIR, 'zeek_ftp-ipv4.pcap'), join(CAPTURES_DIR, 'zeek_smtp.pcap')).code).toBe(0);
  });

  it('tags one address, or every inventory host in a block; bad tags are usage errors', () => {
    expect(run('tags', 'add', 'CDE', '199.233.217.249').stdout).toMatch(/tagged 1 of 1 host/);
    const block = run('tags', 'add', 'Mail', '74.53.140.0/24');
    expect(block.code, block.stderr).toBe(0);
    expect(block.stdout).toMatch(/tagged 1 of 1 host/);
    expect(run('tags', 'add', 'CDE', '203.0.113.0/24').code).toBe(1); // no inventory host there
    expect(run('tags', 'add', 'x\u001b[2J', '199.233.217.249').code).toBe(2);
    expect(run('tags', 'add', 'CDE', 'not-an-address').code).toBe(2);
    const list = parseTsv(run('tags', 'list', '--format', 'tsv').stdout);
    expect(list.map((r) => `${r.host} ${r.tag} ${r.added_by}`)).toEqual(['74.53.140.153 Mail alice', '199.233.217.249 CDE alice']);
  });

  it('records a compensating control with a history event, and a tag-scoped snapshot carries both', () => {
    const c = run('control', '199.233.217.249:21/tcp', '--note', 'FTP only from the jump host; ACL 120');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/compensating control recorded/);
    expect(run('control', '199.233.217.249:21/tcp', '--note', 'FTP only from the jump host; ACL 120').stdout).toMatch(/unchanged/);
    expect(run('control', '192.0.2.1:21/tcp', '--note', 'x').code).toBe(1);
    expect(run('review', '199.233.217.249:21/tcp', '--history').stdout).toMatch(/control/);

    const saved = run('snapshot', 'save', '--scope', 'tag:cde', '--by', 'alice');
    expect(saved.code, saved.stderr).toBe(0);
    const out = join(dir, 's.json');
    expect(run('snapshot', 'export', '1', '--format', 'json', '--out', out).code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    const hosts = doc.snapshot.hosts as Array<{ address: string; tags: string[] }>;
    const services = doc.snapshot.services as Array<{ host: string; port: number; insecure: { compensatingControl: string | null } | null }>;
    expect(hosts.map((h) => h.address)).toEqual(['199.233.217.249']);
    expect(hosts[0]!.tags).toEqual(['CDE']);
    expect(new Set(services.map((s) => s.host))).toEqual(new Set(['199.233.217.249']));
    const ftp = services.find((s) => s.port === 21)!;
    expect(ftp.insecure?.compensatingControl).toBe('FTP only from the jump host; ACL 120');
    expect(run('snapshot', 'verify', out, '--db', db).code).toBe(0);
  });
});
