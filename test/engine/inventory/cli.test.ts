/**
 * The inventory's command line as a user runs it (built CLI, real database file):
 * import, review by key and in bulk, history, rules, services --since / jsonl, and the
 * exit codes (0 ok, 1 failed, 2 bad command line).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv, portolan } from '../../support/cli';

const FIX = resolve(__dirname, '../../fixtures/nmap');

describe('portolan import / review / rules / services', () => {
  let db = '';
  const run = (...args: string[]) => portolan([...args, '--db', db], { PORTOLAN_USER: 'alice' });

  beforeAll(() => {
    ensureBuilt();
    db = join(mkdtempSync(join(tmpdir(), 'portolan-cli-inv-')), 'p.db');
  });

  it('imports nmap and masscan XML; a broken file fails alone with exit 1; a re-import is skipped', () => {
    const ok = run('import', join(FIX, 'nmap-multi.xml'), join(FIX, 'masscan.xml'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/nmap-multi\.xml: nmap, 3 hosts, 4 open ports \(4 new\), 1 closed/);
    expect(ok.stdout).toMatch(/masscan\.xml: masscan, 2 hosts, 3 open ports \(3 new\)/);
    const mixed = run('import', join(FIX, 'broken.xml'), join(FIX, 'truncated.xml'), join(FIX, 'masscan.xml'));
    expect(mixed.code).toBe(1);
    // The failure is said once, on stderr; the files that went in keep their lines on stdout.
    expect(mixed.stderr).toMatch(/^portolan: error: 1 of 3 files failed: .*broken\.xml: broken XML at line/m);
    expect(mixed.stdout).not.toMatch(/broken\.xml/);
    expect(mixed.stdout).toMatch(/truncated\.xml: nmap, 1 host, 1 open port \(1 new\), 0 closed, INCOMPLETE/);
    expect(mixed.stdout).toMatch(/masscan\.xml: already imported/);
    expect(mixed.stderr).toMatch(/warning: .*truncated\.xml: the file ends before <\/nmaprun>/);
    const rows = parseTsv(run('services', '--format', 'tsv').stdout);
    expect(rows.length).toBe(8);
    expect(new Set(rows.map((r) => r.evidence))).toEqual(new Set(['import']));
  });

  it('--host narrows to one address (and is not combined with --subnet)', () => {
    const all = parseTsv(run('services', '--format', 'tsv').stdout);
    const host = all[0]!.host!;
    const one = run('services', '--host', host, '--format', 'tsv');
    expect(one.code, one.stderr).toBe(0);
    const rows = parseTsv(one.stdout);
    expect(rows.length).toBe(all.filter((r) => r.host === host).length);
    expect(rows.every((r) => r.host === host)).toBe(true);
    expect(run('services', '--host', host, '--subnet', '198.51.100.0/24').code).toBe(2);
  });

  it('approves one service by HOST:PORT/PROTO and shows who, when and why in its history', () => {
    const r = run('review', '198.51.100.20:443/tcp', '--approve', '--reason', 'public web, CHG-42', '--owner', 'web team');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/approve: 1 changed, 0 unchanged \(by alice\)/);
    const again = run('review', '198.51.100.20:443/tcp', '--approve', '--reason', 'public web, CHG-42', '--owner', 'web team');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 changed, 1 unchanged/);
    const h = run('review', '198.51.100.20:443', '--history', '--json');
    const hist = JSON.parse(h.stdout) as { service: { status: string; owner: string }; events: Array<{ action: string; actor: string; reason: string; at: string }> };
    expect(hist.service).toMatchObject({ status: 'approved', owner: 'web team' });
    expect(hist.events.map((e) => `${e.action} ${e.actor}`)).toEqual(['seen portolan', 'approve alice']);
    expect(hist.events[1]!.reason).toBe('public web, CHG-42');
    const v6 = run('review', '[2001:db8::53]:53/udp', '--flag', '--reason', 'who runs DNS here?');
    expect(v6.code, v6.stderr).toBe(0);
  });

  it('bulk review by filter touches only new services matching it', () => {
    const r = run('review', '--approve', '--port', '443', '--subnet', '198.51.100.0/24', '--reason', 'web tier', '--owner', 'web', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ changed: 1, skipped: 0 }); // .21 only; .20 was approved already
    const approved = parseTsv(run('services', '--status', 'approved', '--format', 'tsv').stdout);
    expect(approved.map((a) => `${a.host}:${a.port}`).sort()).toEqual(['198.51.100.20:443', '198.51.100.21:443']);
    // The review travels with the row (json / jsonl; tsv keeps its columns).
    const json = JSON.parse(run('services', '--status', 'approved', '--format', 'json').stdout) as Array<{ owner: string; reviewedBy: string }>;
    expect(json.map((a) => [a.owner, a.reviewedBy])).toEqual([['web team', 'alice'], ['web', 'alice']]);
  });

  it('lists new services since a time as JSON lines, with the insecure mark', () => {
    const r = run('services', '--status', 'new', '--since', '1h', '--format', 'jsonl');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { host: string; port: number; status: string; insecure: string | null });
    expect(lines.every((l) => l.status === 'new')).toBe(true);
    expect(lines.find((l) => l.port === 23)).toMatchObject({ host: '192.0.2.10', insecure: 'telnet' });
    expect(lines.find((l) => l.port === 21)).toMatchObject({ insecure: 'ftp' });
    expect(run('services', '--since', '2999-01-01T00:00:00Z', '--format', 'jsonl').stdout).toBe('');
    expect(parseTsv(run('services', '--insecure', '--format', 'tsv').stdout).map((x) => x.port).sort()).toEqual(['21', '23']);
  });

  it('rules: add an ignore rule (applied to the queue), list it, delete it (released)', () => {
    const add = run('rules', 'add', '--ignore', '--host', '203.0.113.5', '--reason', 'proxy test box', '--expires', '7d');
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/applied to 1 service in the queue/);
    const list = run('rules', 'list', '--json');
    const rules = (JSON.parse(list.stdout) as { rules: Array<{ id: number; kind: string; host: string }> }).rules;
    expect(rules).toEqual([expect.objectContaining({ kind: 'ignore', host: '203.0.113.5' })]);
    expect(parseTsv(run('services', '--status', 'ignored', '--format', 'tsv').stdout).map((x) => x.host)).toEqual(['203.0.113.5']);
    const del = run('rules', 'delete', String(rules[0]!.id));
    expect(del.stdout).toMatch(/1 service back in the queue/);
    // Deleting it again, or a rule that never existed: "not found" is exit 1 with one clear line.
    for (const id of [String(rules[0]!.id), '999999', '0', '99999999999999999999999']) {
      const again = run('rules', 'delete', id);
      expect(again.code, id).toBe(1);
      expect(again.stdout).toBe('');
      expect(again.stderr).toBe(`portolan: error: no rule ${id}: nothing deleted (portolan rules list shows the rules)\n`);
    }
    expect(JSON.parse(run('rules', 'list', '--json').stdout).rules).toEqual([]);
    for (const args of [['rules', 'delete'], ['rules', 'delete', 'seven'], ['rules', 'delete', '1', '2'], ['rules', 'delete', '-1']]) {
      const bad = run(...args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(/^portolan: usage: /);
    }
  });

  it('exit codes: 2 for a wrong command line, 1 for a service not there or not reviewable', () => {
    for (const args of [
      ['review', '192.0.2.10:80/tcp', '--approve', '--reason', 'x'], // no owner
      ['review', '192.0.2.10:80/tcp', '--flag'], // no reason
      ['review', '192.0.2.10:80/tcp', '--flag', '--approve', '--reason', 'x', '--owner', 'y'],
      ['review', '--flag', '--reason', 'everything'], // no target, no filter
      ['review', '192.0.2.10:99999/tcp', '--flag', '--reason', 'x'],
      ['review', 'web1:80', '--flag', '--reason', 'x'],
      ['review', '--flag', '--reason', 'x', '--subnet', '198.51.100.0/40'],
      ['services', '--since', 'yesterday'],
      ['services', '--format', 'xml'],
      ['import'],
      ['rules', 'add', '--ignore', '--reason', 'everything'],
    ]) {
      const r = run(...args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^portolan: usage: /);
    }
    const missing = run('review', '192.0.2.99:80/tcp', '--flag', '--reason', 'x');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/192\.0\.2\.99:80\/tcp is not in the inventory/);
    expect(run('import', join(FIX, 'not-nmap.xml')).code).toBe(1);
  });
});
