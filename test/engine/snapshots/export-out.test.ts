/**
 * `snapshot export --out PATH` writes only a new path or a regular file: never a device,
 * a FIFO or a folder (the export is renamed over its target, which would replace them),
 * and never the open database or its -wal/-shm/-journal files. The built CLI, real files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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
});
