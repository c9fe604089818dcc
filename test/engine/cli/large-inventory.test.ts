/**
 * An inventory of 135,535 services (one host with every TCP port open, two with 40,000
 * and 30,000),
 * imported from an nmap report into a real database file, through the built CLI:
 * - `services` prints the whole table (its column widths were a Math.max(...cells) call
 *   with one argument per row: "Maximum call stack size exceeded" past ~125,000 rows);
 * - `review` in bulk approves every service it selects and says so (the ids it changed
 *   were gathered with ids.push(...changed), the same overflow);
 * - output into a pipe whose reader has gone (`services | head -1`) ends the command
 *   quietly with its own exit code instead of an EPIPE stack trace and exit 1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../../support/cli';
import { REPO_ROOT } from '../../support/require';

const dir = mkdtempSync(join(tmpdir(), 'portolan-large-'));
const db = join(dir, 'large.db');
const BIN = resolve(REPO_ROOT, 'bin/portolan.js');
/** Hosts and how many TCP ports (1..N) each has open. */
const HOSTS: Array<[string, number]> = [
  ['192.0.2.1', 65535],
  ['192.0.2.2', 40000],
  ['192.0.2.3', 30000],
];
const TOTAL = HOSTS.reduce((n, [, ports]) => n + ports, 0);

/** An nmap -oX report of the hosts above, every listed port open. */
function report(): string {
  const parts = ['<?xml version="1.0"?>\n<nmaprun scanner="nmap" args="nmap -p- 192.0.2.1-3" start="1709280000" version="7.94">\n'];
  for (const [addr, n] of HOSTS) {
    parts.push(`<host endtime="1709280100"><status state="up"/><address addr="${addr}" addrtype="ipv4"/><ports>\n`);
    for (let p = 1; p <= n; p++) parts.push(`<port protocol="tcp" portid="${p}"><state state="open" reason="syn-ack"/></port>\n`);
    parts.push('</ports></host>\n');
  }
  parts.push('<runstats><finished time="1709280400"/></runstats></nmaprun>\n');
  return parts.join('');
}

/**
 * Runs the CLI with stdout in a pipe whose reading end is destroyed as soon as the first
 * bytes arrive (what `| head -1` does), and resolves with the exit code and stderr.
 */
function closedPipe(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string; got: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let got = 0;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (stderr += s));
    child.stdout.once('data', (b: Buffer) => {
      got = b.length;
      child.stdout.destroy();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`portolan ${args.join(' ')} did not end after its output pipe closed`));
    }, 25_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stderr, got });
    });
  });
}

/** The CLI with room for its whole output (spawnSync keeps 1 MiB by default; the table is ~15 MB). */
function cli(args: string[], node: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...node, BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, PORTOLAN_USER: 'alice' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  ensureBuilt();
  const xml = join(dir, 'all-ports.xml');
  writeFileSync(xml, report());
  const r = portolan(['import', xml, '--db', db]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`3 hosts, ${TOTAL} open ports (${TOTAL} new)`);
}, 120_000);

describe('a large inventory through the CLI', () => {
  it(`services prints a table of all ${TOTAL} rows`, () => {
    const r = cli(['services', '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(TOTAL + 1);
    expect(lines[0]).toMatch(/^HOST\s+PORT\s+PROTO\s+EVIDENCE\s+STATUS/);
    // Columns line up: the PORT column is as wide as "65535".
    expect(lines[1]).toMatch(/^192\.0\.2\.1 {2}1 {6}tcp {4}import/);
    expect(lines.at(-1)).toMatch(/^192\.0\.2\.3 {2}30000 {2}tcp/);
  });

  it('review approves every service a bulk filter selects and reports the count', () => {
    // 30,000 services, with node's stack cut to a fifth (200 KB): the same overflow as
    // 150,000 on the default stack, in a fifth of the time. The CLI must not depend on
    // the stack's size at all.
    const r = cli(['review', '--status', 'new', '--host', '192.0.2.3', '--approve', '--reason', 'lab host, every port by design', '--owner', 'lab', '--db', db], ['--stack-size=200']);
    // The lab host's insecure ports (telnet, ftp, …) are approved too, never unnoticed.
    expect(r.stderr).toMatch(/^portolan: note: \d+ approved services use insecure protocols with no compensating control recorded: record it/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('approve: 30000 changed, 0 unchanged (by alice)\n');
    const approved = cli(['services', '--status', 'approved', '--format', 'tsv', '--db', db]);
    expect(approved.stdout.trimEnd().split('\n')).toHaveLength(30000 + 1);
  });

  it('output into a closed pipe ends quietly with 0', async () => {
    // 30,000 rows (3 MB) fill the pipe many times over: the reader is gone long before.
    for (const format of ['tsv', 'table']) {
      const r = await closedPipe(['services', '--host', '192.0.2.3', '--format', format, '--db', db]);
      expect(r.got, format).toBeGreaterThan(0);
      expect(r.stderr, format).toBe('');
      expect([r.code, r.signal], format).toEqual([0, null]);
    }
  });

  it('a closed pipe keeps the command\'s own exit code: snapshot diff | head -1 still says 1, different', async () => {
    // A small database of its own: 6,000 services, snapshot, all flagged, snapshot.
    const small = join(dir, 'diff.db');
    const xml = join(dir, 'six-thousand.xml');
    const ports = Array.from({ length: 6000 }, (_, i) => `<port protocol="tcp" portid="${i + 1}"><state state="open"/></port>`).join('\n');
    writeFileSync(xml, `<?xml version="1.0"?><nmaprun scanner="nmap" start="1709280000"><host endtime="1709280100"><status state="up"/><address addr="192.0.2.9" addrtype="ipv4"/><ports>${ports}</ports></host></nmaprun>`);
    for (const args of [['import', xml], ['snapshot', 'save'], ['review', '--status', 'new', '--flag', '--reason', 'not in the baseline'], ['snapshot', 'save']]) {
      const r = cli([...args, '--db', small]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const r = await closedPipe(['snapshot', 'diff', '1', '2', '--format', 'tsv', '--db', small]);
    expect(r.got).toBeGreaterThan(0);
    expect(r.stderr).toBe('');
    expect([r.code, r.signal]).toEqual([1, null]);
  });
});
