/**
 * A database that cannot be written can still be read: the commands that only read
 * (services, flows, snapshot list/show/export/diff/verify --db, review --history, rules
 * list, tags list) open it read-only instead of failing with "cannot write". Writes still
 * fail with one line and exit 1, and a schema older than the code's is said plainly.
 * Two real ways a file cannot be written: a 0444 file in a 0555 folder read by an
 * unprivileged user (nobody, via setpriv), and an immutable file (chattr +i) read by root.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../support/cli';
import { isRoot, REPO_ROOT, requireOrSkip } from '../support/require';
import { BASE, freshDb, seed } from './snapshots/fixture';

const NOBODY = 65534;
let dir = '';
/** A writable copy, with one snapshot and its export. */
let src = '';
let exported = '';

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The built CLI, as nobody when asked (setpriv; root needed to switch). */
function cli(args: string[], asNobody: boolean): { code: number | null; stdout: string; stderr: string } {
  const node = [process.execPath, resolve(REPO_ROOT, 'bin/portolan.js'), ...args];
  const cmd = asNobody ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...node] : node;
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, HOME: dir } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portolan-rodb-'));
  chmodSync(dir, 0o755);
  const d = await freshDb(dir);
  await seed(d, BASE);
  src = d.path;
  await d.close();
  expect(portolan(['snapshot', 'save', '--db', src, '--note', 'baseline']).code).toBe(0);
  expect(portolan(['rules', 'add', '--approve', '--subnet', '198.51.100.0/24', '--port', '443', '--reason', 'web tier', '--owner', 'web', '--db', src]).code).toBe(0);
  expect(portolan(['tags', 'add', 'CDE', '192.0.2.10', '--db', src]).code).toBe(0);
  exported = join(dir, 's1.json');
  expect(portolan(['snapshot', 'export', '1', '--format', 'json', '--out', exported, '--db', src]).code).toBe(0);
  chmodSync(exported, 0o644);
}, 120_000);

afterAll(() => {
  for (const f of readdirSync(dir, { recursive: true }) as string[]) spawnSync('chattr', ['-i', join(dir, f)]);
  spawnSync('chmod', ['-R', 'u+w', dir]);
  rmSync(dir, { recursive: true, force: true });
});

/** Every read-only command works on `db`, and a write is refused in one line. */
function readsWork(db: string, asNobody: boolean): void {
  const svc = cli(['services', '--db', db, '--format', 'tsv'], asNobody);
  expect(svc.code, svc.stderr).toBe(0);
  expect(svc.stdout.split('\n').filter((l) => l.startsWith('192.0.2.10\t'))).toHaveLength(2);
  const flows = cli(['flows', '--db', db], asNobody);
  expect(flows.code, flows.stderr).toBe(0);
  const list = cli(['snapshot', 'list', '--db', db, '--format', 'tsv'], asNobody);
  expect(list.code, list.stderr).toBe(0);
  expect(list.stdout).toMatch(/\n1\t.*\tintact\t/);
  expect(cli(['snapshot', 'show', '1', '--db', db], asNobody).stdout).toMatch(/^snapshot 1\n/);
  const out = join(dir, 'out', `export-${asNobody ? 'nobody' : 'root'}.csv`);
  const exp = cli(['snapshot', 'export', '1', '--format', 'csv', '--out', out, '--db', db], asNobody);
  expect(exp.code, exp.stderr).toBe(0);
  const verify = cli(['snapshot', 'verify', exported, '--db', db], asNobody);
  expect(verify.code, verify.stderr).toBe(0);
  expect(verify.stdout).toMatch(/matches the database and its chain/);
  const diff = cli(['snapshot', 'diff', '1', exported, '--db', db], asNobody);
  expect(diff.code, diff.stderr).toBe(0);
  const hist = cli(['review', '192.0.2.10:22/tcp', '--history', '--db', db], asNobody);
  expect(hist.code, hist.stderr).toBe(0);
  expect(hist.stdout).toContain('Admin SSH from the jump host');
  const rules = cli(['rules', 'list', '--db', db], asNobody);
  expect(rules.code, rules.stderr).toBe(0);
  expect(rules.stdout).toContain('web tier');
  for (const listing of ['captures', 'scans']) {
    const r = cli([listing, '--db', db, '--format', 'tsv'], asNobody);
    expect(r.code, `${listing}: ${r.stderr}`).toBe(0);
  }
  const tags = cli(['tags', 'list', '--db', db], asNobody);
  expect(tags.code, tags.stderr).toBe(0);
  expect(tags.stdout).toContain('CDE');

  const write = cli(['review', '192.0.2.9:161/udp', '--approve', '--reason', 'x', '--owner', 'y', '--db', db], asNobody);
  expect(write.code).toBe(1);
  expect(write.stderr.trim().split('\n')).toHaveLength(1);
  expect(write.stderr).toMatch(/cannot write|read-only/);
  // Every command that writes says why in words, never SQLite's bare "unable to open".
  for (const args of [['snapshot', 'save', '--note', 'x'], ['tags', 'add', 'PCI', '192.0.2.10']]) {
    const w = cli([...args, '--db', db], asNobody);
    expect(w.code, args.join(' ')).toBe(1);
    expect(w.stderr, args.join(' ')).toMatch(/^portolan: error: cannot write to the database .*(read-only|cannot be written)/);
    expect(w.stderr).not.toMatch(/SQLITE_/);
  }
}

const asNobodyOk = requireOrSkip(isRoot() && spawnSync('setpriv', ['--version']).status === 0, 'reading a 0444 database in a 0555 folder as nobody needs root (to switch user) and setpriv');
describe.skipIf(!asNobodyOk)('a database in a folder nobody may write', () => {
  it('is read by every read-only command, unchanged, with no -wal/-shm left', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    mkdirSync(join(dir, 'out'), { recursive: true });
    chmodSync(join(dir, 'out'), 0o777);
    const db = join(ro, 'p.db');
    copyFileSync(src, db);
    chmodSync(db, 0o444);
    chmodSync(ro, 0o555);
    const before = sha(db);
    readsWork(db, true);
    expect(sha(db)).toBe(before);
    expect(readdirSync(ro)).toEqual(['p.db']);
  }, 120_000);

  it('an older schema that cannot be upgraded is said plainly, exit 1', async () => {
    const old = join(dir, 'old');
    mkdirSync(old);
    const db = join(old, 'p.db');
    copyFileSync(src, db);
    const raw = new sqlite3.Database(db);
    const latest = await new Promise<number>((res, rej) => raw.get('SELECT max(version) AS v FROM schema_migrations', (e: Error | null, r: { v: number }) => (e ? rej(e) : res(r.v))));
    await new Promise<void>((res, rej) => raw.run('DELETE FROM schema_migrations WHERE version = ?', [latest], (e) => (e ? rej(e) : res())));
    await new Promise<void>((res) => raw.close(() => res()));
    chmodSync(db, 0o444);
    chmodSync(old, 0o555);
    const r = cli(['services', '--db', db], true);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `portolan: error: the database ${db} was written by an older Portolan (schema lacks migration ${latest}) and cannot be upgraded because it cannot be written: open it once with write access, or read it with that older version\n`,
    );
  }, 60_000);
});

function canChattr(): boolean {
  if (!isRoot()) return false;
  const f = join(mkdtempSync(join(tmpdir(), 'portolan-rodb-probe-')), 'probe');
  writeFileSync(f, 'x');
  const ok = spawnSync('chattr', ['+i', f]).status === 0;
  if (ok) spawnSync('chattr', ['-i', f]);
  rmSync(f);
  return ok;
}

const chattrOk = requireOrSkip(canChattr(), 'an immutable database file needs root and chattr on a filesystem that supports it (ext4, xfs, btrfs)');
describe.skipIf(!chattrOk)('an immutable database file (chattr +i), read by root', () => {
  it('is read by every read-only command and stays unchanged', () => {
    const db = join(dir, 'imm.db');
    copyFileSync(src, db);
    mkdirSync(join(dir, 'out'), { recursive: true });
    expect(spawnSync('chattr', ['+i', db]).status).toBe(0);
    try {
      const before = sha(db);
      readsWork(db, false);
      expect(sha(db)).toBe(before);
    } finally {
      spawnSync('chattr', ['-i', db]);
    }
    expect(existsSync(db)).toBe(true);
  }, 120_000);
});
