/**
 * `snapshot export --out PATH` writes only a new path or a regular file: never a device,
 * a FIFO or a folder (the export is renamed over its target, which would replace them),
 * and never the open database or its -wal/-shm/-journal files. The built CLI, real files.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../../support/cli';
import { BASE, freshDb, seed } from './fixture';

let dir = '';
let db = '';

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portolan-exportout-'));
  const d = await freshDb(dir);
  await seed(d, BASE);
  db = d.path;
  await d.close();
  expect(portolan(['snapshot', 'save', '--db', db]).code).toBe(0);
}, 120_000);

const exportTo = (out: string, format = 'json', env: NodeJS.ProcessEnv = {}): ReturnType<typeof portolan> =>
  portolan(['snapshot', 'export', '1', '--format', format, '--out', out, ...(env.PORTOLAN_DB ? [] : ['--db', db])], env);

describe('snapshot export --out', () => {
  it('refuses a character device and leaves it a device', () => {
    const r = exportTo('/dev/full');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('portolan: error: cannot write "/dev/full": it is a character device, not a regular file (give a new path or an existing file)\n');
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    expect(exportTo('/dev/null').code).toBe(1);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('refuses a FIFO and a folder, leaving them as they were', () => {
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = exportTo(fifo);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/it is a named pipe \(FIFO\), not a regular file/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);

    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect(exportTo(folder).stderr).toMatch(/it is a folder, not a regular file/);
    expect(lstatSync(folder).isDirectory()).toBe(true);
    // A link to a device is refused like the device.
    const devLink = join(dir, 'full-link');
    symlinkSync('/dev/full', devLink);
    expect(exportTo(devLink).code).toBe(1);
    expect(lstatSync(devLink).isSymbolicLink()).toBe(true);
  });

  it('follows a link to a regular file: the file gets the export, the link stays', () => {
    const real = join(dir, 'real.json');
    writeFileSync(real, 'old');
    const link = join(dir, 'latest.json');
    symlinkSync(real, link);
    const r = exportTo(link);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(real, 'utf8')).toMatch(/^\{"seal"|^\{/);
    expect(portolan(['snapshot', 'verify', real]).code).toBe(0);
  });

  it('refuses a dangling link and a path in a folder that does not exist; writes a new path and overwrites a file', () => {
    const dangling = join(dir, 'dangling.json');
    symlinkSync(join(dir, 'nowhere', 'x.json'), dangling);
    const r = exportTo(dangling);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/symbolic link to .* which does not exist|does not exist/);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
    expect(exportTo(join(dir, 'missing', 'x.json')).stderr).toMatch(/the folder ".*missing" does not exist/);

    const fresh = join(dir, 'fresh.csv');
    expect(exportTo(fresh, 'csv').code).toBe(0);
    writeFileSync(fresh, 'old');
    expect(exportTo(fresh, 'csv').code).toBe(0);
    expect(readFileSync(fresh, 'utf8')).not.toBe('old');
    expect(lstatSync(fresh).isFile()).toBe(true);
  });

  it('refuses the open database and its -wal/-shm/-journal files, by path, link or hard link (exit 1, database untouched)', () => {
    const sum = (): string => createHash('sha256').update(readFileSync(db)).digest('hex');
    const before = sum();
    const viaLink = join(dir, 'db-link.db');
    symlinkSync(db, viaLink);
    const hard = join(dir, 'db-hard.db');
    linkSync(db, hard);
    const cases: Array<[out: string, env: NodeJS.ProcessEnv]> = [
      [db, {}],
      [db, { PORTOLAN_DB: db }],
      [viaLink, {}],
      [hard, {}],
      [`${db}-wal`, {}],
      [`${db}-shm`, {}],
      [`${db}-journal`, {}],
      [join(dir, '.', 'p.db'), {}],
    ];
    for (const [out, env] of cases) {
      const r = exportTo(out, 'csv', env);
      expect(r.code, out).toBe(1);
      expect(r.stderr).toMatch(/^portolan: error: cannot write ".*": it is the database('s [a-z -]+| itself) \(".*"\); choose another path\n$/);
    }
    expect(exportTo(hard, 'json').code).toBe(1);
    expect(exportTo(db, 'csv').stderr).toContain('it is the database itself');
    expect(exportTo(`${db}-journal`, 'csv').stderr).toContain("it is the database's rollback journal");
    expect(existsSync(`${db}-journal`)).toBe(false);
    expect(sum()).toBe(before);
    expect(portolan(['snapshot', 'list', '--db', db, '--format', 'tsv']).stdout).toMatch(/\n1\t/);
  });
});
