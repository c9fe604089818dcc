/**
 * What the README says about running the CLI, checked against the CLI:
 * - exit codes: a scan stopped by Ctrl-C exits 130, by SIGTERM 143 (not 1), and what it
 *   found before is kept; the README's exit-code paragraph says so;
 * - where to run it: `npx portolan` only from the project folder (elsewhere npx asks the
 *   public registry for whatever package is called portolan); from anywhere, `npm link`
 *   then `portolan`, or `node /path/to/portolan/bin/portolan.js`, which works from any
 *   folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv, portolan } from '../../support/cli';
import { REPO_ROOT } from '../../support/require';

const README = readFileSync(resolve(REPO_ROOT, 'README.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'portolan-readme-'));
const BIN = resolve(REPO_ROOT, 'bin/portolan.js');
const VERSION = (JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The README's paragraph that starts with **Exit codes:**, on one line. */
function exitCodes(): string {
  const at = README.indexOf('**Exit codes:**');
  expect(at).toBeGreaterThan(-1);
  return README.slice(at, README.indexOf('\n\n', at)).replace(/\s+/g, ' ');
}

/** A slow sweep of 127.0.0.1 (10 probes a second), sent `signal` once it has stored probes. */
async function interruptedScan(db: string, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'scan', '127.0.0.1', '--ports', '1-2000', '--rate', '10', '--db', db], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  const ended = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  const started = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const runs = parseTsv(portolan(['scans', '--format', 'tsv', '--db', db]).stdout);
    if (Number(runs[0]?.probes ?? 0) > 0 || Date.now() - started > 20_000) break;
  }
  child.kill(signal);
  return { code: await ended, stderr };
}

beforeAll(() => ensureBuilt(), 120_000);

describe('README: exit codes of an interrupted command', () => {
  it('says Ctrl-C exits 130 and SIGTERM 143, keeping what was stored', () => {
    const text = exitCodes();
    expect(text).toMatch(/130 a scan or ingest stopped by Ctrl-C \(SIGINT\), 143 one stopped by SIGTERM/);
    expect(text).toMatch(/what it stored before the signal is kept/);
  });

  it('which is what a scan does', async () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const db = join(dir, `${signal}.db`);
      const r = await interruptedScan(db, signal);
      expect(r.code, r.stderr).toBe(code);
      const runs = parseTsv(portolan(['scans', '--format', 'tsv', '--db', db]).stdout);
      expect(runs.map((x) => x.status), signal).toEqual(['incomplete']);
      expect(Number(runs[0]!.probes)).toBeGreaterThan(0); // what was probed before the signal is kept
    }
  });
});

describe('README: where the commands run', () => {
  it('says to run them from the project folder, and how to run portolan from elsewhere', () => {
    const cli = README.slice(README.indexOf('## The command line'), README.indexOf('| command | what it does |'));
    expect(cli).toMatch(/from this\s+project's folder/);
    expect(cli).toMatch(/public npm registry/);
    expect(cli).toMatch(/`npm link`/);
    expect(cli).toMatch(/`node \/path\/to\/portolan\/bin\/portolan\.js …`/);
  });

  it('node /path/to/bin/portolan.js works from any folder; npx portolan runs this checkout from its own', () => {
    const away = spawnSync(process.execPath, [BIN, '--version'], { cwd: dir, encoding: 'utf8' });
    expect([away.status, away.stdout]).toEqual([0, `${VERSION}\n`]);
    // --offline: npx may use nothing but what is here (never the registry).
    const npx = spawnSync('npx', ['--offline', 'portolan', '--version'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect([npx.status, npx.stdout], npx.stderr).toEqual([0, `${VERSION}\n`]);
    // Every README example names the command as `npx portolan` run from this folder.
    const examples = README.split('\n').filter((l) => /^npx portolan /.test(l));
    expect(examples.length).toBeGreaterThan(10);
  });
});
