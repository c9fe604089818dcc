/** `portolan snapshot …` as a user runs it: the built CLI on a real database file (each run starts Node, hence the timeouts). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../../support/cli';
import { BASE, freshDb, seed } from './fixture';

let dir = '';
let db = '';

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portolan-snapcli-'));
  const d = await freshDb(dir);
  await seed(d, BASE);
  db = d.path;
  await d.close();
}, 120_000);

describe('portolan snapshot', () => {
  it('saves (printing the id), lists, shows, exports, diffs and verifies', () => {
    const s1 = portolan(['snapshot', 'save', '--db', db, '--note', 'Q1 baseline', '--by', 'alice']);
    expect(s1.code, s1.stderr).toBe(0);
    expect(s1.stdout).toBe('1\n');
    const s2 = portolan(['snapshot', 'save', '--db', db, '--scope', '192.0.2.0/24']);
    expect(s2.stdout).toBe('2\n');

    const list = portolan(['snapshot', 'list', '--db', db, '--format', 'tsv']);
    const rows = list.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows[0]).toEqual(['id', 'taken_at', 'taken_by', 'scope', 'hosts', 'services', 'seal', 'sha256', 'note']);
    expect(rows.slice(1).map((r) => [r[0], r[2], r[3], r[6]])).toEqual([
      ['1', 'alice', 'all', 'intact'],
      ['2', expect.any(String), 'subnet:192.0.2.0/24', 'intact'],
    ]);
    expect(portolan(['snapshot', 'show', '1', '--db', db]).stdout).toMatch(/services listening 5: approved 2, unapproved 3 \(new 2, flagged 1\)/);

    const json = join(dir, 's1.json');
    expect(portolan(['snapshot', 'export', '1', '--format', 'json', '--out', json, '--db', db]).code).toBe(0);
    const ok = portolan(['snapshot', 'verify', json]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK: snapshot 1 /);
    expect(portolan(['snapshot', 'verify', json, '--db', db]).stdout).toMatch(/matches the database and its chain/);

    // One edit: verify names the service and fails with 1.
    const edited = readFileSync(json, 'utf8').replace('"Admin SSH from the jump host"', '"Approved by the CISO"');
    const bad = join(dir, 'edited.json');
    writeFileSync(bad, edited);
    const v = portolan(['snapshot', 'verify', bad]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/ALTERED/);
    expect(v.stdout).toContain('service 192.0.2.10 tcp/22: service 192.0.2.10 tcp/22 was altered');
    // A duplicated key (JSON.parse would keep the second value silently) is refused.
    const dup = join(dir, 'dup.json');
    writeFileSync(dup, readFileSync(json, 'utf8').replace('"note":"Q1 baseline"', '"note":"Q1 baseline","note":"Q2"'));
    const vd = portolan(['snapshot', 'verify', dup]);
    expect(vd.code).toBe(1);
    expect(vd.stdout).toContain('snapshot.meta: duplicate key "note" in snapshot.meta: a sealed document with duplicated keys is ambiguous');
    const dd = portolan(['snapshot', 'diff', '1', dup, '--db', db]);
    expect(dd.code).toBe(2);
    expect(dd.stderr).toMatch(/fails verification \(duplicate key "note"/);
    writeFileSync(join(dir, 'junk.json'), 'not json');
    expect(portolan(['snapshot', 'verify', join(dir, 'junk.json')]).code).toBe(2); // not a snapshot at all: an error, not ALTERED
    expect(portolan(['snapshot', 'verify', join(dir, 'missing.json')]).code).toBe(2);

    // diff: 0 same, 1 different, 2 error; files and ids mix.
    const same = portolan(['snapshot', 'diff', '1', json, '--db', db]);
    expect(same.code).toBe(0);
    expect(same.stderr).toBe('');
    const d = portolan(['snapshot', 'diff', '1', '2', '--db', db]);
    expect(d.code).toBe(1);
    expect(d.stdout.split('\n')).toContain('host\tgone\t2001:db8::5\t\t\t\t\t');
    // #1 covers everything, #2 one subnet: the host outside it is "gone" only by scope, and the diff says so.
    expect(d.stderr).toBe('portolan: warning: the snapshots cover different scopes (#1: all, #2: subnet:192.0.2.0/24): hosts outside one of them show as new or gone without having changed\n');
    const dj = JSON.parse(portolan(['snapshot', 'diff', '1', '2', '--db', db, '--format', 'json']).stdout);
    expect(dj.services.gone).toHaveLength(1);
    expect([dj.a.scope, dj.b.scope]).toEqual(['all', 'subnet:192.0.2.0/24']);
    expect(dj.warnings).toEqual([expect.stringContaining('different scopes')]);
    expect(portolan(['snapshot', 'diff', '1', '99', '--db', db]).code).toBe(2);
    expect(portolan(['snapshot', 'diff', '1', bad, '--db', db]).code).toBe(2);
    expect(portolan(['snapshot', 'diff', '1', '--db', db]).code).toBe(2);

    // Usage errors and a clear failure for a scope that matches nothing.
    expect(portolan(['snapshot', 'export', '1', '--format', 'docx', '--out', join(dir, 'x'), '--db', db]).code).toBe(2);
    expect(portolan(['snapshot', 'frobnicate']).code).toBe(2);
    const none = portolan(['snapshot', 'save', '--db', db, '--scope', 'tag:CDE']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/matches no host/);
  }, 120_000);

  it('writes the same exports whatever the time zone of the machine', () => {
    const outs = ['UTC', 'Pacific/Chatham', 'America/St_Johns', 'Asia/Kathmandu'].map((TZ) => {
      const csv = join(dir, `tz-${TZ.replace('/', '_')}.csv`);
      expect(portolan(['snapshot', 'export', '1', '--format', 'csv', '--out', csv, '--db', db], { TZ }).code).toBe(0);
      return [readFileSync(csv, 'utf8'), portolan(['snapshot', 'show', '1', '--db', db], { TZ }).stdout, portolan(['snapshot', 'list', '--db', db, '--format', 'json'], { TZ }).stdout].join('\n--\n');
    });
    expect(new Set(outs).size).toBe(1);
    expect(outs[0]).toMatch(/2024-03-01T10:00:00\.000\+00:00/);
  }, 120_000);
});
