/**
 * `portolan scan` as a user runs it: the tsv contract (host, port, proto, state, reason,
 * banner), open ports by default and every state with --all-states, json, target files
 * and exclusions, exit code 2 for a wrong command line, and the same answers with
 * `ulimit -n 256` and 5000 probes requested as with a slow run. Loopback only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv } from '../support/cli';
import { canUseNetns, REPO_ROOT, requireOrSkip } from '../support/require';
import { openListeners, type Listeners } from '../engine/scan/listeners';

const dir = mkdtempSync(join(tmpdir(), 'portolan-scan-cli-'));
const CLI = resolve(REPO_ROOT, 'bin/portolan.js');
let L: Listeners;

/** Runs the CLI without blocking this process, whose listeners must keep answering. */
function scan(args: string[], opts: { ulimit?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = [process.execPath, CLI, 'scan', ...args];
  const child = opts.ulimit
    ? spawn('bash', ['-c', `ulimit -n ${opts.ulimit} && exec "$@"`, 'bash', ...argv], { cwd: REPO_ROOT })
    : spawn(argv[0]!, argv.slice(1), { cwd: REPO_ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((res) => child.on('close', (code) => res({ code: code ?? -1, stdout, stderr })));
}

beforeAll(async () => {
  ensureBuilt();
  L = await openListeners();
}, 120_000);
afterAll(async () => {
  await L?.close();
});

describe('portolan scan', () => {
  it('prints open ports as tsv with the contract header, sorted by port', async () => {
    const r = await scan(['127.0.0.1', '--ports', [L.ssh, L.quiet, ...L.closed].join(','), '--banner-wait', '300', '--db', join(dir, 'a.db')]);
    expect(r.code, r.stderr).toBe(0);
    const [header] = r.stdout.split('\n');
    expect(header).toBe('host\tport\tproto\tstate\treason\tbanner');
    const rows = parseTsv(r.stdout);
    expect(rows).toEqual(
      [
        { host: '127.0.0.1', port: String(L.ssh), proto: 'tcp', state: 'open', reason: 'syn-ack', banner: 'SSH-2.0-PortolanTest_1.0\\r\\n' },
        { host: '127.0.0.1', port: String(L.quiet), proto: 'tcp', state: 'open', reason: 'syn-ack', banner: '' },
      ].sort((a, b) => Number(a.port) - Number(b.port)),
    );
  });

  it('--all-states lists every probe; --format json carries the summary', async () => {
    const all = await scan(['127.0.0.1', '--ports', [L.smtp, ...L.closed].join(','), '--all-states', '--db', join(dir, 'b.db')]);
    expect(parseTsv(all.stdout).map((x) => x.state).sort()).toEqual(['closed', 'closed', 'closed', 'closed', 'closed', 'open']);
    const json = await scan(['localhost', '--ports', String(L.smtp), '--format', 'json', '--db', join(dir, 'b.db')]);
    const doc = JSON.parse(json.stdout);
    expect(doc.status).toBe('done');
    expect(doc.summary.resolved[0].name).toBe('localhost');
    expect(doc.results.find((x: { host: string }) => x.host === '127.0.0.1')).toMatchObject({ port: L.smtp, state: 'open', service: 'smtp' });
  });

  it('reads targets from files (with comments) and applies exclusions', async () => {
    const file = join(dir, 'targets.txt');
    writeFileSync(file, '# lab hosts\n127.0.0.1\n127.0.0.2 # second\n127.0.0.3\n');
    const r = await scan(['--input-file', file, '--exclude', '127.0.0.2', '--ports', String(L.closed[0]), '--all-states', '--db', join(dir, 'c.db')]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseTsv(r.stdout).map((x) => x.host)).toEqual(['127.0.0.1', '127.0.0.3']);
  });

  it('exit code 2 with one clear line for a wrong command line; nothing is sent', async () => {
    const db = join(dir, 'bad.db');
    for (const [args, msg] of [
      [['127.0.0.1'], /needs --ports/],
      [['127.0.0.1', '--ports', '99999'], /outside 1-65535/],
      [['127.0.0.256', '--ports', '22'], /not a valid IP address/],
      [['--ports', '22'], /at least one target/],
      [['127.0.0.0/8', '--ports', '22'], /confirm it explicitly \(--confirm-large/],
      [['127.0.0.1', '--ports', '22', '--format', 'xml'], /--format must be tsv or json/],
      [['127.0.0.1', '--ports', '22', '--concurrency', '0'], /--concurrency/],
    ] as Array<[string[], RegExp]>) {
      const r = await scan([...args, '--db', db]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  });

  it('reports a name that does not resolve and scans the rest; with nothing left the run fails (1), the command line was right', async () => {
    const db = join(dir, 'names.db');
    const some = await scan(['nothing.invalid', '127.0.0.1', '--ports', String(L.smtp), '--db', db]);
    expect(some.code, some.stderr).toBe(0);
    expect(some.stderr).toContain('portolan: warning: nothing.invalid: not resolved (name not found); skipped');
    expect(parseTsv(some.stdout).map((x) => `${x.host} ${x.port} ${x.state}`)).toEqual([`127.0.0.1 ${L.smtp} open`]);
    const none = await scan(['nothing.invalid', '--ports', String(L.smtp), '--db', db]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('portolan: error: nothing to scan: not resolved: nothing.invalid (name not found)\n');
    expect(none.stdout).toBe('');
    // An exclusion that does not resolve stops the sweep: it might be a host inside the targets.
    const excl = await scan(['127.0.0.1', '--exclude', 'db.invalid', '--ports', String(L.smtp), '--db', db]);
    expect(excl.code).toBe(1);
    expect(excl.stderr).toMatch(/^portolan: error: exclusion not resolved: db\.invalid \(name not found\); nothing was scanned/);
  });

  // A real EAI_AGAIN: the CLI in a fresh network namespace with only loopback, where the
  // system resolver cannot be reached (nothing leaves the machine), so getaddrinfo gives up
  // with a temporary failure.
  it.skipIf(!requireOrSkip(canUseNetns(), 'the EAI_AGAIN test needs root and unshare --net'))('a temporary DNS failure (EAI_AGAIN) is reported like a missing name, never exit 2', async () => {
    const db = join(dir, 'eai.db');
    const run = (args: string[]) => {
      const r = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, CLI, 'scan', ...args, '--db', db], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const some = run(['host.example', '127.0.0.1', '--ports', '9', '--all-states']);
    expect(some.code, some.stderr).toBe(0);
    expect(some.stderr).toContain('portolan: warning: host.example: not resolved (temporary DNS failure (EAI_AGAIN): the resolver did not answer; try again later); skipped');
    expect(parseTsv(some.stdout).map((x) => `${x.host} ${x.port} ${x.state}`)).toEqual(['127.0.0.1 9 closed']);
    const none = run(['host.example', '--ports', '9']);
    expect(none.code, none.stderr).toBe(1);
    expect(none.stderr).toMatch(/^portolan: error: nothing to scan: not resolved: host\.example \(temporary DNS failure \(EAI_AGAIN\)/);
  });

  it('ulimit -n 256 with 5000 probes requested gives the same answers as a slow run', async () => {
    const ports = `1-6000,${L.ssh},${L.smtp},${L.quiet}`;
    const slow = await scan(['127.0.0.1', '--ports', ports, '--concurrency', '50', '--all-states', '--banner-wait', '300', '--db', join(dir, 'slow.db')]);
    const fast = await scan(['127.0.0.1', '--ports', ports, '--concurrency', '5000', '--all-states', '--banner-wait', '300', '--db', join(dir, 'fast.db')], { ulimit: 256 });
    expect(slow.code, slow.stderr).toBe(0);
    expect(fast.code, fast.stderr).toBe(0);
    const rows = (t: string) => parseTsv(t).map((x) => `${x.host} ${x.port} ${x.state} ${x.reason}`);
    expect(rows(fast.stdout)).toHaveLength(6003);
    expect(rows(fast.stdout)).toEqual(rows(slow.stdout));
    expect(rows(fast.stdout).filter((x) => x.includes('error'))).toEqual([]);
  }, 60_000);
});
