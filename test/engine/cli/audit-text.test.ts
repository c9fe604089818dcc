/**
 * What the history records and who it names cannot be bent by the command line: a
 * reviewer named like Portolan's own entries (`rule:1`, `portolan`) is recorded as
 * `user:NAME`; an owner of invisible characters only and reasons with C1 or
 * bidirectional-text controls are refused; PORTOLAN_DB set but empty is a mistake, not
 * the default database; an expiry of zero, extra arguments, and reopening new services
 * are usage errors; a bulk approval that takes in insecure protocols says so. The built
 * CLI on a real database file.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../../support/cli';
import { isRoot, REPO_ROOT, requireOrSkip } from '../../support/require';

let dir = '';
let db = '';
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portolan-audit-text-'));
  db = join(dir, 'a.db');
  const xml = join(dir, 'n.xml');
  writeFileSync(
    xml,
    `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sT 192.0.2.50" start="1700000000" version="7.94" xmloutputversion="1.05">
<host starttime="1700000000" endtime="1700000000"><status state="up"/><address addr="192.0.2.50" addrtype="ipv4"/><ports>
<port protocol="tcp" portid="21"><state state="open" reason="syn-ack"/><service name="ftp" method="table"/></port>
<port protocol="tcp" portid="23"><state state="open" reason="syn-ack"/><service name="telnet" method="table"/></port>
<port protocol="tcp" portid="443"><state state="open" reason="syn-ack"/></port>
</ports></host>
<runstats><finished time="1700000000"/></runstats>
</nmaprun>
`,
  );
  expect(portolan(['import', '--db', db, xml]).code).toBe(0);
}, 120_000);

describe('recorded text and names', () => {
  it("a reviewer named like Portolan's own entries is recorded as user:NAME", () => {
    for (const [user, recorded] of [
      ['rule:1', 'user:rule:1'],
      ['portolan', 'user:portolan'],
      ['Portolan', 'user:Portolan'],
      ['ali\u202Ece', 'alice'],
    ]) {
      const r = portolan(['review', '--db', db, '192.0.2.50:443/tcp', '--flag', '--reason', `as ${recorded}`], { PORTOLAN_USER: user });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`(by ${recorded})`);
    }
    const h = JSON.parse(portolan(['review', '--db', db, '192.0.2.50:443/tcp', '--history', '--json']).stdout) as { events: Array<{ actor: string; reason: string }> };
    const actors = h.events.filter((e) => e.reason?.startsWith('as ')).map((e) => e.actor);
    // Each flag with a new reason is an event of its own, under the name as recorded.
    expect(actors).toEqual(['user:rule:1', 'user:portolan', 'user:Portolan', 'alice']);
  });

  it('refuses an invisible owner and reasons with C1 or bidirectional-text controls', () => {
    const owner = portolan(['review', '--db', db, '192.0.2.50:21/tcp', '--approve', '--reason', 'partner drop box', '--owner', '\u200B \u2060']);
    expect([owner.code, owner.stderr]).toEqual([2, 'portolan: usage: --owner: must contain visible text\n']);
    for (const reason of ['CHG-12 \u202Efdp.exe', 'line\u0085next', 'a\u2028b']) {
      const r = portolan(['review', '--db', db, '192.0.2.50:21/tcp', '--approve', '--reason', reason, '--owner', 'ops']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--reason: control characters/);
    }
    expect(portolan(['services', '--db', db, '--status', 'approved']).stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('PORTOLAN_DB set but empty is a usage error, not the default database', () => {
    const r = portolan(['services'], { PORTOLAN_DB: '' });
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/PORTOLAN_DB is set but empty/);
  });

  it('an expiry of zero, extra arguments and reopening new services are usage errors', () => {
    const zero = portolan(['rules', 'add', '--db', db, '--ignore', '--port', '1', '--reason', 'x', '--expires', '0m']);
    expect([zero.code, zero.stderr]).toEqual([2, 'portolan: usage: --expires 0m ends at once: give a duration longer than zero\n']);
    expect(portolan(['rules', 'list', 'extra', '--db', db]).code).toBe(2);
    const reopen = portolan(['review', '--db', db, '--reopen', '--status', 'new', '--reason', 'x']);
    expect(reopen.code).toBe(2);
    expect(reopen.stderr).toMatch(/new services are open already/);
    expect(JSON.parse(portolan(['rules', 'list', '--db', db, '--json']).stdout).rules).toEqual([]);
  });

  it('a bulk approval that takes in insecure protocols without a compensating control says how many', () => {
    // ftp has its control recorded already; telnet has none.
    expect(portolan(['control', '192.0.2.50:21/tcp', '--note', 'reachable only from the jump host, FW rule 88', '--db', db]).code).toBe(0);
    const r = portolan(['review', '--db', db, '--status', 'new', '--approve', '--reason', 'legacy line', '--owner', 'ops']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^approve: 2 changed/);
    expect(r.stderr).toBe('portolan: note: 1 approved service uses an insecure protocol with no compensating control recorded: record it (portolan control HOST:PORT/PROTO --note TEXT; PCI DSS 1.2.6)\n');
  });

  it('tags: a tag is shown as stored, and an address not in the inventory is tagged with a warning', () => {
    expect(portolan(['tags', 'add', 'CDE', '192.0.2.50', '--db', db])).toMatchObject({ code: 0, stdout: 'tagged 1 of 1 host (CDE)\n', stderr: '' });
    const typo = portolan(['tags', 'add', 'cde', '192.0.2.5', '--db', db]);
    expect(typo).toMatchObject({ code: 0, stdout: 'tagged 1 of 1 host (CDE)\n' });
    expect(typo.stderr).toBe('portolan: warning: not in the inventory (yet): 192.0.2.5; tagged anyway, in the scope once seen (check for a typo)\n');
  });
});

describe('file problems in words', () => {
  it('an output path that is a loop of links, and a report this user cannot read, are named in words', () => {
    const a = join(dir, 'loopA');
    const b = join(dir, 'loopB');
    symlinkSync(b, a);
    symlinkSync(a, b);
    const out = portolan(['snapshot', 'export', '1', '--db', db, '--format', 'csv', '--out', a]);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(`portolan: error: cannot write "${a}": a loop of symbolic links\n`);
  });

  it('a report the importing user may not read', (ctx) => {
    if (!requireOrSkip(isRoot() && spawnSync('setpriv', ['--version']).status === 0, 'needs root and setpriv to run the CLI as nobody')) return ctx.skip();
    const shared = mkdtempSync(join(tmpdir(), 'portolan-nobody-'));
    chmodSync(shared, 0o777);
    const xml = join(shared, 'private.xml');
    copyFileSync(join(dir, 'n.xml'), xml);
    chmodSync(xml, 0o600);
    const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, join(REPO_ROOT, 'bin/portolan.js'), 'import', '--db', join(shared, 'n.db'), xml], { encoding: 'utf8' });
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', `portolan: error: ${xml}: permission denied\n`]);
  });
});

describe('approving again', () => {
  it('says which justification and owner it replaces; the history keeps both', () => {
    const svc = '192.0.2.50:443/tcp';
    expect(portolan(['review', '--db', db, svc, '--reopen', '--reason', 'redo']).code).toBe(0);
    expect(portolan(['review', '--db', db, svc, '--approve', '--reason', 'mail relay, CHG-101', '--owner', 'mail team']).stderr).toBe('');
    const again = portolan(['review', '--db', db, svc, '--approve', '--reason', 'x', '--owner', 'y']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(`portolan: note: ${svc}: replaces the earlier approval ("mail relay, CHG-101", owner "mail team"); the history keeps it\n`);
    const h = JSON.parse(portolan(['review', '--db', db, svc, '--history', '--json']).stdout) as { events: Array<{ action: string; reason: string }> };
    expect(h.events.filter((e) => e.action === 'approve').map((e) => e.reason)).toEqual(['mail relay, CHG-101', 'x']);
  });
});
