/**
 * Smaller hostile-input findings on the command line: impossible or past expiry dates,
 * gone-after 0, and control characters in a file name echoed in an error.
 * The built CLI on a real database file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../../support/cli';

let dir = '';
let db = '';
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portolan-hostargs-'));
  db = join(dir, 'p.db');
  // The database exists (commands that only read refuse a path with no database).
  expect(portolan(['rules', 'gone-after', '35', '--db', db]).code).toBe(0);
}, 120_000);

describe('expiry dates', () => {
  it('refuses a day the month does not have, instead of rolling it over', () => {
    const r = portolan(['rules', 'add', '--ignore', '--port', '22', '--reason', 'r', '--expires', '2027-02-30', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('portolan: usage: --expires: 2027-02-30 is not a calendar date\n');
    expect(portolan(['rules', 'add', '--ignore', '--port', '22', '--reason', 'r', '--expires', '2027-04-31T10:00:00Z', '--db', db]).code).toBe(2);
    expect(portolan(['services', '--since', '2023-02-29', '--db', db]).stderr).toMatch(/--since: 2023-02-29 is not a calendar date/);
    expect(portolan(['services', '--since', '2024-02-29', '--db', db]).code).toBe(0);
  });

  it('refuses an expiry already past, in rules add and in review alike', () => {
    const r = portolan(['rules', 'add', '--ignore', '--port', '22', '--reason', 'r', '--expires', '1970-01-01', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('portolan: usage: --expires must be in the future, got 1970-01-01T00:00:00.000Z\n');
    const v = portolan(['review', '--status', 'new', '--ignore', '--reason', 'r', '--expires', '2001-01-01', '--db', db]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/--expires must be in the future/);
    expect(portolan(['rules', 'list', '--db', db]).stdout).not.toMatch(/\br\b.*1970/);
  });
});

describe('rules gone-after 0', () => {
  it('says gone detection is off, in gone-after and in rules list', () => {
    const r = portolan(['rules', 'gone-after', '0', '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('gone detection off (gone-after 0): approved services never turn gone by time unseen\n');
    expect(portolan(['rules', 'list', '--db', db]).stdout).toMatch(/gone detection off \(gone-after 0\)/);
    expect(portolan(['rules', 'gone-after', '35', '--db', db]).stdout).toBe('gone after 35 days unseen\n');
  });
});

describe('control characters in a file name', () => {
  it('are escaped JSON-style in the one error line', () => {
    const name = join(dir, 'evil\n\u001b[31mred.json');
    const r = portolan(['snapshot', 'verify', name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`portolan: error: ${dir}/evil\\n\\u001b[31mred.json: no such file\n`);
    const d = portolan(['snapshot', 'export', '1', '--format', 'csv', '--out', join(dir, 'no\u0007dir', 'x.csv'), '--db', db]);
    expect(d.code).toBe(1);
    expect(d.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(d.stderr).toContain('no\\u0007dir');
  });
});
