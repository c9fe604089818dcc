/**
 * Files given as the database that are not one this Portolan may use, through the built
 * CLI on real files:
 * - a database a newer Portolan wrote (schema_migrations names a version above the
 *   highest this code knows) is refused in one line, by reading and writing commands
 *   alike, and left exactly as it was;
 * - an existing empty (0-byte) file given to a reading command is said to be empty, not
 *   a Portolan database (exit 1), and stays empty: it is not made into a database.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Db } from '../../../electron/engine/store/db';
import { MIGRATIONS } from '../../../electron/engine/store/migrations';
import { ensureBuilt, portolan } from '../../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'portolan-dbfiles-'));
const KNOWN = Math.max(...MIGRATIONS.map((m) => m.version));
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Commands that only read, and commands that write, each given `--db` last. */
const READING = [['services'], ['services', '--format', 'tsv'], ['flows'], ['captures'], ['scans'], ['snapshot', 'list'], ['rules', 'list'], ['tags', 'list'], ['review', '192.0.2.1:22/tcp', '--history']];
const WRITING = [['rules', 'gone-after', '30'], ['snapshot', 'save', '--note', 'q4'], ['tags', 'add', 'CDE', '192.0.2.1'], ['review', '--status', 'new', '--flag', '--reason', 'x']];

beforeAll(() => ensureBuilt(), 120_000);

describe('a database written by a newer Portolan', () => {
  let db = '';
  beforeAll(async () => {
    db = join(dir, 'newer.db');
    const made = portolan(['rules', 'gone-after', '35', '--db', db]);
    expect(made.code, made.stderr).toBe(0);
    // What a later release's migration leaves behind: its version recorded (and, here, a table).
    const d = await Db.open(db);
    await d.exec(`CREATE TABLE future_things (id INTEGER PRIMARY KEY); INSERT INTO schema_migrations (version, name, applied_at) VALUES (${KNOWN + 3}, 'from the future', 0)`);
    await d.close();
  });

  it('is refused in one line by reading and writing commands, and left as it was', () => {
    const before = sha(db);
    for (const args of [...READING, ...WRITING]) {
      const r = portolan([...args, '--db', db]);
      expect(r.stderr, args.join(' ')).toBe(`portolan: error: the database ${db} was written by a newer Portolan (schema version ${KNOWN + 3}; this one knows up to ${KNOWN}): update Portolan\n`);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(sha(db)).toBe(before);
  });

  it('is refused by the store itself, opened for writing or read-only', async () => {
    for (const readOnly of [false, true]) {
      await expect(Db.open(db, { readOnly })).rejects.toThrow(`was written by a newer Portolan (schema version ${KNOWN + 3}; this one knows up to ${KNOWN}): update Portolan`);
    }
  });
});

describe('an empty file given as the database', () => {
  it('reading commands say it is empty, not a Portolan database (exit 1), and leave it empty', () => {
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    for (const args of READING) {
      const r = portolan([...args, '--db', empty]);
      expect(r.stderr, args.join(' ')).toBe(
        `portolan: error: ${empty} is an empty file, not a Portolan database: check the path (a database is created by the first command that stores something: ingest, capture, scan, import)\n`,
      );
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(statSync(empty).size, args.join(' ')).toBe(0);
      expect(existsSync(`${empty}-wal`) || existsSync(`${empty}-shm`), args.join(' ')).toBe(false);
    }
    // The same through PORTOLAN_DB.
    const env = portolan(['services'], { PORTOLAN_DB: empty });
    expect([env.code, env.stderr]).toEqual([1, expect.stringContaining('is an empty file, not a Portolan database')]);
    expect(statSync(empty).size).toBe(0);
  });
});

describe("another application's SQLite database", () => {
  it('is refused by every command and by the store, read-only too, and left as it was', async () => {
    const other = join(dir, 'places.sqlite');
    const d = await Db.open(join(dir, 'scratch.db')); // any SQLite will do to write a foreign file
    await d.exec(`ATTACH DATABASE '${other}' AS o; CREATE TABLE o.moz_places (id INTEGER PRIMARY KEY, url TEXT); INSERT INTO o.moz_places (url) VALUES ('https://example.test/'); DETACH DATABASE o`);
    await d.close();
    const before = sha(other);
    const line = `portolan: error: the database ${other} belongs to another application (tables moz_places; no Portolan schema): give Portolan a file of its own\n`;
    for (const args of [...READING, ...WRITING]) {
      const r = portolan([...args, '--db', other]);
      expect(r.stderr, args.join(' ')).toBe(line);
      expect(r.code, args.join(' ')).toBe(1);
    }
    for (const readOnly of [false, true]) await expect(Db.open(other, { readOnly })).rejects.toThrow('belongs to another application (tables moz_places; no Portolan schema)');
    expect(sha(other)).toBe(before);
    expect(existsSync(`${other}-wal`)).toBe(false);
  });
});
