/**
 * What `snapshot verify` and `snapshot diff` do with input that is not an exported
 * snapshot file: a FIFO or device is refused at once (it used to block for ever), and
 * the exit code is 2 (error), never 1 (which means "altered" or "different").
 * The built CLI on real files, each run with a time limit so a hang fails the test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../support/cli';
import { REPO_ROOT } from '../../support/require';
import { BASE, freshDb, seed } from './fixture';

let dir = '';
let db = '';

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [resolve(REPO_ROOT, 'bin/portolan.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 15_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portolan-verifyin-'));
  const d = await freshDb(dir);
  await seed(d, BASE);
  db = d.path;
  await d.close();
  expect(run(['snapshot', 'save', '--db', db]).code).toBe(0);
}, 120_000);

describe('snapshot verify and diff on a FIFO or device', () => {
  it('refuse a FIFO (no writer) without blocking: exit 2, "not a regular file"', () => {
    const fifo = join(dir, 'pipe.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const v = run(['snapshot', 'verify', fifo]);
    expect(v.code).toBe(2);
    expect(v.stdout).toBe('');
    expect(v.stderr).toBe(`portolan: error: ${fifo}: not a regular file (a named pipe (FIFO)); save it to a file first\n`);
    const d = run(['snapshot', 'diff', '1', fifo, '--db', db]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('not a regular file');
    const d2 = run(['snapshot', 'diff', fifo, '1', '--db', db]);
    expect(d2.code).toBe(2);
  });

  it('refuse a character device and a folder with exit 2', () => {
    for (const path of ['/dev/zero', '/dev/null']) {
      const v = run(['snapshot', 'verify', path]);
      expect(v.code, path).toBe(2);
      expect(v.stderr).toMatch(/not a regular file \(a character device\)/);
    }
    expect(run(['snapshot', 'verify', dir]).stderr).toMatch(/is a folder, not a file/);
    expect(run(['snapshot', 'diff', '1', '/dev/zero', '--db', db]).code).toBe(2);
  });
});

describe('snapshot verify and diff on files that are not snapshots', () => {
  it.each([
    ['empty', '', 'empty file'],
    ['number', '42', 'JSON number, not a sealed document'],
    ['array', '[]', 'JSON array, not a sealed document'],
    ['null', 'null', 'JSON null, not a sealed document'],
    ['object', '{"hello":1}', 'a JSON object without "snapshot" or "seal"'],
    ['truncated', '{"seal":{"sha256":"ab', 'not JSON, or cut off: '],
    ['text', 'not json', 'not JSON, or cut off: '],
  ])('%s: an error of its own, exit 2, never ALTERED', (name, body, why) => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, body);
    const v = run(['snapshot', 'verify', file]);
    expect(v.code).toBe(2);
    expect(v.stdout).toBe('');
    expect(v.stderr.startsWith(`portolan: error: ${file}: not an exported snapshot (${why}`)).toBe(true);
    expect(v.stderr.split('\n')).toHaveLength(2);
    const d = run(['snapshot', 'diff', '1', file, '--db', db]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('not an exported snapshot');
  });

  it('a real export with its seal section cut out is still ALTERED (exit 1)', () => {
    const json = join(dir, 'real.json');
    expect(run(['snapshot', 'export', '1', '--format', 'json', '--out', json, '--db', db]).code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    delete doc.seal;
    const cut = join(dir, 'no-seal.json');
    writeFileSync(cut, JSON.stringify(doc));
    const v = run(['snapshot', 'verify', cut]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^ALTERED/);
  });
});
