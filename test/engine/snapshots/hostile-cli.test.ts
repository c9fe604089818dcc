/**
 * `portolan snapshot …` against what a hostile tester tried: a stored snapshot edited
 * behind the triggers' back, a mistyped --db, an empty inventory, files verify passed and
 * diff crashed on, messages and exit codes, over-long notes, and a PDF export through a
 * Chromium that hangs. The built CLI on real files, each run with a time limit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sealContent, sealedText } from '../../../electron/engine/snapshots/seal';
import type { SealedSnapshot } from '../../../electron/engine/snapshots/types';
import { Db } from '../../../electron/engine/store/db';
import { ensureBuilt } from '../../support/cli';
import { REPO_ROOT } from '../../support/require';
import { BASE, freshDb, seed } from './fixture';

let dir = '';
let db = '';
const BIN = resolve(REPO_ROOT, 'bin/portolan.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portolan-hostile-'));
  const d = await freshDb(dir);
  await seed(d, BASE);
  db = d.path;
  await d.close();
  for (const note of ['first', 'second']) expect(run(['snapshot', 'save', '--db', db, '--note', note]).code).toBe(0);
}, 120_000);

/** A copy of the database with snapshot `id` edited in place (trigger dropped), as the tester did. */
async function brokenCopy(name: string, id: number): Promise<string> {
  const copy = join(dir, name);
  copyFileSync(db, copy);
  const d = await Db.open(copy);
  await d.query('DROP TRIGGER snapshots_no_update');
  await d.query(`UPDATE snapshots SET canonical_json = replace(canonical_json, '"Payments API"', '"Approved by the CISO"') WHERE id = ?`, [id]);
  await d.close();
  return copy;
}

describe('a broken stored snapshot', () => {
  it('is not exported (any format) nor diffed by id: one line naming what broke and snapshot verify', async () => {
    const copy = await brokenCopy('broken.db', 2);
    expect(run(['snapshot', 'list', '--db', copy, '--format', 'tsv']).stdout).toMatch(/\n2\t.*\tbroken\t/);
    for (const format of ['html', 'json', 'csv']) {
      const out = join(dir, `broken.${format}`);
      const r = run(['snapshot', 'export', '2', '--format', format, '--out', out, '--db', copy]);
      expect(r.code, format).toBe(1);
      expect(r.stderr).toMatch(/^portolan: error: snapshot 2 is broken: its stored row no longer matches its seal \(service 192\.0\.2\.10 tcp\/443 was altered.*'portolan snapshot verify FILE\.json --db PATH'.*\n$/);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(existsSync(out)).toBe(false);
    }
    // diff keeps 0/1 for same/different: a refusal is an error, 2, as for an altered file.
    for (const args of [['1', '2'], ['2', '1']]) {
      const d = run(['snapshot', 'diff', ...args, '--db', copy]);
      expect(d.code).toBe(2);
      expect(d.stdout).toBe('');
      expect(d.stderr).toMatch(/^portolan: error: snapshot 2 is broken: /);
    }
    // show still shows it, with its problem.
    const show = run(['snapshot', 'show', '2', '--db', copy]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/seal .* \(broken\)/);
  });
});

describe('snapshot save', () => {
  it('refuses a --db or PORTOLAN_DB where no database exists, creating nothing', () => {
    const r = run(['snapshot', 'save', '--db', 'nonexist.db']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^portolan: error: no database at .*nonexist\.db: check the path/);
    const e = run(['snapshot', 'save'], { PORTOLAN_DB: join(dir, 'also-missing.db') });
    expect(e.code).toBe(1);
    expect(readdirSync(dir).filter((f) => /nonexist|also-missing/.test(f))).toEqual([]);
  });

  it('refuses an inventory with no service unless --allow-empty; the empty report says "nothing in scope"', async () => {
    const empty = join(dir, 'empty');
    spawnSync('mkdir', [empty]);
    const d = await freshDb(empty);
    await d.close();
    const r = run(['snapshot', 'save', '--db', d.path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('portolan: error: nothing to seal: the inventory holds no service (ingest, capture, scan or import first); an empty snapshot would read as a clean one; give --allow-empty to seal an empty snapshot on purpose\n');
    expect(run(['snapshot', 'list', '--db', d.path, '--format', 'json']).stdout).toBe('[]\n');
    expect(run(['snapshot', 'save', '--db', d.path, '--allow-empty']).stdout).toBe('1\n');
    const html = join(dir, 'empty.html');
    expect(run(['snapshot', 'export', '1', '--format', 'html', '--out', html, '--db', d.path]).code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).not.toContain('no gaps found');
    expect(text).toContain('nothing in scope');
  });

  it('applies the window’s limits to --note and refuses an empty --by (exit 2, nothing sealed)', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--note', 'x'.repeat(2001)], /^portolan: usage: --note: Too big: expected string to have <=2000 characters/],
      [['--note', 'two\nlines'], /^portolan: usage: the note: control characters/],
      [['--by', ''], /^portolan: usage: --by needs a name/],
      [['--by', '   '], /^portolan: usage: --by needs a name/],
    ];
    for (const [args, msg] of cases) {
      const r = run(['snapshot', 'save', '--db', db, ...args]);
      expect(r.code, args.join(' ').slice(0, 20)).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(run(['snapshot', 'list', '--db', db, '--format', 'json']).stdout.match(/"id":/g)).toHaveLength(2);
  });
});

/** Snapshot 1's export, edited by `edit` and re-hashed throughout. */
function forgedFile(name: string, edit: (doc: SealedSnapshot) => void): string {
  const json = join(dir, 's1.json');
  if (!existsSync(json)) expect(run(['snapshot', 'export', '1', '--format', 'json', '--out', json, '--db', db]).code).toBe(0);
  const doc = JSON.parse(readFileSync(json, 'utf8')) as SealedSnapshot;
  edit(doc);
  const file = join(dir, name);
  writeFileSync(file, sealedText(sealContent(doc.snapshot)));
  return file;
}

describe('verify and diff of re-hashed files', () => {
  it('a service name that is not text: verify names it, diff refuses it instead of crashing', () => {
    const file = forgedFile('svc-number.json', (d) => {
      (d.snapshot.services[0] as unknown as Record<string, unknown>).service = 5;
      d.snapshot.hosts[0]!.mac = 'not-a-mac';
    });
    const v = run(['snapshot', 'verify', file]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('service is 5, not text or null');
    expect(v.stdout).toContain('mac "not-a-mac" is not a MAC address');
    const d = run(['snapshot', 'diff', '1', file, '--db', db]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/fails verification .*refusing to diff altered evidence/);
    expect(d.stderr).not.toContain('is not a function');
  });

  it('names hosts not written as Portolan writes them, a bad scope, a foreign source, a blank approval', () => {
    const file = forgedFile('forms.json', (d) => {
      const s = d.snapshot;
      s.meta.scope = 'subnet:192.0.2.5/30';
      for (const h of s.hosts) if (h.address === '2001:db8::5') h.address = '2001:DB8::5';
      for (const x of s.services) if (x.host === '2001:db8::5') x.host = '2001:DB8::5';
      s.sources.imports = [];
      s.services.find((x) => x.port === 22)!.approval!.justification = '';
    });
    const v = run(['snapshot', 'verify', file]);
    expect(v.code).toBe(1);
    for (const what of [
      'host "2001:DB8::5" is not written as Portolan writes addresses',
      'meta.scope "subnet:192.0.2.5/30" is not written as Portolan writes it ("subnet:192.0.2.4/30")',
      "host 192.0.2.10 is outside the snapshot's scope subnet:192.0.2.4/30",
      'approved without a justification',
    ]) expect(v.stdout).toContain(what);
  });
});

describe('messages and exit codes', () => {
  it('an intact file whose snapshot the database lacks is not "ALTERED"', async () => {
    const json = join(dir, 's1.json');
    if (!existsSync(json)) expect(run(['snapshot', 'export', '1', '--format', 'json', '--out', json, '--db', db]).code).toBe(0);
    const other = await freshDb(mkdtempSync(join(tmpdir(), 'portolan-other-')));
    await other.close();
    const v = run(['snapshot', 'verify', json, '--db', other.path]);
    expect(v.code).toBe(1);
    expect(v.stdout).not.toContain('ALTERED');
    expect(v.stdout).toMatch(/^NOT IN DATABASE: .*s1\.json verifies on its own \(snapshot 1, seal [0-9a-f]{64}\), but the database .* has no snapshot 1/);
  });

  it.each([['{"snapshot":1,"seal":1}'], ['{"snapshot":"x"}'], ['{"seal":[]}'], ['{}']])('%s is not a snapshot: exit 2, never ALTERED', (body) => {
    const file = join(dir, 'not-snap.json');
    writeFileSync(file, body);
    const v = run(['snapshot', 'verify', file]);
    expect(v.code).toBe(2);
    expect(v.stdout).toBe('');
    expect(v.stderr).toMatch(/^portolan: error: .*not an exported snapshot/);
  });

  it('verify and diff with the wrong number of arguments print their usage (exit 2)', () => {
    for (const args of [['verify'], ['verify', 'a.json', 'b.json'], ['diff', '1'], ['diff', '1', '2', '3']]) {
      const r = run(['snapshot', ...args, '--db', db]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^portolan: usage: .*\nUsage:\n {2}portolan snapshot (verify|diff) /);
    }
  });

  it('show and export refuse an extra argument (exit 2)', () => {
    const r = run(['snapshot', 'export', '1', '2', '--format', 'json', '--out', join(dir, 'extra.json'), '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('portolan: usage: export takes one snapshot ID, got 2 arguments ("1" "2")\n');
    expect(existsSync(join(dir, 'extra.json'))).toBe(false);
    expect(run(['snapshot', 'show', '1', '2', '--db', db]).code).toBe(2);
  });
});

describe('PDF export through a Chromium that misbehaves', () => {
  it('one that fails at once: a one-line error without colour codes', () => {
    const out = join(dir, 'false.pdf');
    const r = run(['snapshot', 'export', '1', '--format', 'pdf', '--out', out, '--db', db], { PORTOLAN_CHROMIUM: '/bin/false' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('portolan: error: Chromium at /bin/false did not start: it exited (exit code 1) before it was ready\n');
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('one that hangs: %s stops it at once (exit %i), no file, its processes gone', async (sig, code) => {
    const exe = join(dir, `hang-${sig}.sh`);
    const pidFile = join(dir, `hang-${sig}.pid`);
    writeFileSync(exe, `#!/bin/sh\nsleep 300 &\necho $! > ${pidFile}\nwait\n`);
    chmodSync(exe, 0o755);
    const out = join(dir, `hang-${sig}.pdf`);
    const child = spawn(process.execPath, [BIN, 'snapshot', 'export', '1', '--format', 'pdf', '--out', out, '--db', db], { cwd: dir, env: { ...process.env, PORTOLAN_CHROMIUM: exe } });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const ended = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(pidFile)).toBe(true);
    const t = Date.now();
    child.kill(sig);
    const exit = await Promise.race([ended, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 8000))]);
    if (exit === 'hung') child.kill('SIGKILL');
    expect(exit).toBe(code);
    expect(Date.now() - t).toBeLessThan(5000);
    expect(stderr).toBe(`portolan: error: export interrupted (${sig}): nothing was written\n`);
    expect(readdirSync(dir).filter((f) => f.startsWith(`hang-${sig}.pdf`) || f.startsWith(`.hang-${sig}.pdf`))).toEqual([]);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    expect(stat === '' || /^\d+ \(.*\) Z/.test(stat)).toBe(true); // gone, or a zombie no init reaped
  }, 30_000);
});
