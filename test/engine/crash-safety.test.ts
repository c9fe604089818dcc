/**
 * Crash safety (issue 7, item 3), with the built CLI in a child process on a real
 * database file:
 * - kill -9 during an ingest, a live capture (in a namespace) and a loopback scan: afterwards `PRAGMA
 *   integrity_check` is ok, every batch committed before the kill is there, and the
 *   next process to open the database marks the job interrupted and its capture / scan
 *   run incomplete; the same ingest run again leaves one complete capture, no duplicates;
 * - a database file that cannot be written (`chattr +i`, which stops root too) and a
 *   full disk (a 2 MiB tmpfs): a clear one-line error, exit 1, nothing stored is lost.
 *
 * The test polls the database through its own read-only connection, which never runs
 * the engine's start-up recovery, so "interrupted" is seen to come from the next open.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv, portolan } from '../support/cli';
import { pcapFile, tcpFrame } from '../support/frames';
import { canUseNetns, isRoot, REPO_ROOT, requireAllOf, requireOrSkip } from '../support/require';
import { createTestNet, SERVER_PY, type TestNet } from './capture/netns';

const dir = mkdtempSync(join(tmpdir(), 'portolan-crash-'));
const bigPcap = join(dir, 'big.pcap');
const smallPcap = join(dir, 'small.pcap');
const FLOWS = 50_000; // 4 packets each: 200,000 packets

/** `n` complete TCP conversations (S, SA, A, R), one per capture second, so flows end mid-file. */
function capture(n: number, hostBase: number): Buffer {
  const recs = [];
  for (let i = 0; i < n; i++) {
    const C = `192.0.2.${(i % 250) + 1}`;
    const S = `198.51.100.${((hostBase + (i >> 3)) % 200) + 1}`;
    const sport = 1024 + (i % 60000);
    const dport = 8000 + (i % 50);
    const t = 1.7e15 + i * 1_000_000;
    recs.push({ tsUs: t, data: tcpFrame({ src: C, dst: S, sport, dport, flags: 'S', seq: 100 }) });
    recs.push({ tsUs: t + 10, data: tcpFrame({ src: S, dst: C, sport: dport, dport: sport, flags: 'SA', seq: 500, ack: 101 }) });
    recs.push({ tsUs: t + 20, data: tcpFrame({ src: C, dst: S, sport, dport, flags: 'A', seq: 101, ack: 501 }) });
    recs.push({ tsUs: t + 30, data: tcpFrame({ src: C, dst: S, sport, dport, flags: 'R', seq: 101, ack: 501 }) });
  }
  return pcapFile(recs);
}

/** One query through a private read-only connection (no migrations, no recovery). */
function query<T = Record<string, unknown>>(db: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const d = new sqlite3.Database(db, sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      d.configure('busyTimeout', 10_000);
      d.all(sql, (e, rows) => d.close(() => (e ? reject(e) : resolve(rows as T[]))));
    });
  });
}
const one = async (db: string, sql: string): Promise<number> => Number(Object.values((await query(db, sql))[0] ?? {})[0]);
const integrity = async (db: string): Promise<string> => String((await query<{ integrity_check: string }>(db, 'PRAGMA integrity_check'))[0]?.integrity_check);

async function counts(db: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['services', 'captures', 'flows', 'jobs', 'service_evidence', 'probe_results', 'scan_runs']) out[t] = await one(db, `SELECT count(*) FROM ${t}`);
  return out;
}

/**
 * Starts the CLI, waits until `ready` says enough is committed, then kills it with
 * SIGKILL. Returns what `ready` saw just before the kill.
 */
async function killWhen(args: string[], ready: () => Promise<number>, what: string, prefix: string[] = [], onBeforeKill?: (pid: number) => void): Promise<{ seen: number; code: number | null; signal: NodeJS.Signals | null }> {
  const cmd = [...prefix, process.execPath, resolve(REPO_ROOT, 'bin/portolan.js'), ...args];
  // `ip netns exec` execs the command: the pid is the CLI's own.
  const child = spawn(cmd[0]!, cmd.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  let finished = false;
  void exited.then(() => (finished = true));
  const deadline = Date.now() + 30_000;
  let seen = 0;
  while (!finished && Date.now() < deadline) {
    seen = await ready().catch(() => 0);
    if (seen > 0) break;
    await new Promise((r) => setTimeout(r, 15));
  }
  if (finished) throw new Error(`${what} ended before it could be killed: ${stderr}`);
  onBeforeKill?.(child.pid!);
  child.kill('SIGKILL');
  const end = await exited;
  return { seen, ...end };
}

beforeAll(() => {
  ensureBuilt();
  writeFileSync(bigPcap, capture(FLOWS, 0));
  writeFileSync(smallPcap, capture(200, 100));
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('crash safety: kill -9', () => {
  it('mid-ingest: committed batches kept, job interrupted and capture incomplete at the next open, a re-run duplicates nothing', async () => {
    const db = join(dir, 'ingest.db');
    expect(portolan(['ingest', smallPcap, '--db', db]).code).toBe(0);
    const beforeFlows = await one(db, 'SELECT count(*) FROM flows');
    const kill = await killWhen(['ingest', bigPcap, '--db', db], () => one(db, `SELECT count(*) FROM flows f JOIN captures c ON c.id = f.capture_id WHERE c.source LIKE '%big.pcap'`), 'the ingest');
    expect(kill.signal).toBe('SIGKILL');
    expect(kill.seen).toBeGreaterThan(0);
    expect(kill.seen).toBeLessThan(FLOWS);

    expect(await integrity(db)).toBe('ok');
    const cap = (await query<{ id: number; status: string; job_id: string }>(db, `SELECT id, status, job_id FROM captures WHERE source LIKE '%big.pcap'`))[0]!;
    const kept = await one(db, `SELECT count(*) FROM flows WHERE capture_id = ${cap.id}`);
    console.log(`[crash-safety] ingest killed with ${kill.seen} flows seen committed; ${kept} of ${FLOWS} flows kept; integrity ok`);
    expect(kept).toBeGreaterThanOrEqual(kill.seen);
    expect(await one(db, 'SELECT count(*) FROM flows') - kept).toBe(beforeFlows);
    // Nobody has opened the database since the kill: the row still says running.
    expect(await one(db, `SELECT count(*) FROM jobs WHERE id = '${cap.job_id}' AND status = 'running'`)).toBe(1);

    // Any later process opening the database settles it.
    const listing = portolan(['services', '--format', 'tsv', '--db', db]);
    expect(listing.code).toBe(0);
    expect((await query(db, `SELECT status FROM jobs WHERE id = '${cap.job_id}'`))[0]).toEqual({ status: 'interrupted' });
    expect((await query(db, `SELECT status FROM captures WHERE id = ${cap.id}`))[0]).toEqual({ status: 'incomplete' });
    expect(await one(db, `SELECT count(*) FROM jobs WHERE status = 'running'`)).toBe(0);

    const again = portolan(['ingest', bigPcap, '--db', db]);
    expect(again.code, again.stderr).toBe(0);
    const caps = await query<{ status: string; flows: number }>(db, `SELECT status, flows FROM captures WHERE source LIKE '%big.pcap'`);
    expect(caps).toEqual([{ status: 'complete', flows: FLOWS }]);
    expect(await one(db, 'SELECT count(*) FROM flows')).toBe(beforeFlows + FLOWS);
    expect(await one(db, `SELECT count(*) FROM service_evidence WHERE source_kind = 'capture' AND source_id NOT IN (SELECT id FROM captures)`)).toBe(0);
    expect(await one(db, 'SELECT count(*) FROM (SELECT host, proto, port FROM services GROUP BY host, proto, port HAVING count(*) > 1)')).toBe(0);
    expect(await integrity(db)).toBe('ok');
    // A third run finds the file ingested and adds nothing.
    expect(portolan(['ingest', bigPcap, '--db', db]).code).toBe(0);
    expect(await one(db, 'SELECT count(*) FROM flows')).toBe(beforeFlows + FLOWS);
  }, 60_000);

  it('mid-scan (127.0.0.1, all ports): stored probes kept, run incomplete and job interrupted at the next open', async () => {
    const db = join(dir, 'scan.db');
    expect(portolan(['rules', 'gone-after', '35', '--db', db]).code).toBe(0); // creates it
    const kill = await killWhen(['scan', '127.0.0.1', '--ports', '1-65535', '--rate', '15000', '--db', db], () => one(db, 'SELECT count(*) FROM probe_results'), 'the scan');
    expect(kill.signal).toBe('SIGKILL');
    expect(await integrity(db)).toBe('ok');
    const kept = await one(db, 'SELECT count(*) FROM probe_results');
    console.log(`[crash-safety] scan killed with ${kill.seen} probe results seen committed; ${kept} of 65535 kept; integrity ok`);
    expect(kept).toBeGreaterThanOrEqual(kill.seen);
    expect(kept).toBeLessThan(65535);
    expect(await query(db, 'SELECT status FROM scan_runs')).toEqual([{ status: 'running' }]);

    expect(portolan(['services', '--db', db]).code).toBe(0);
    expect(await query(db, 'SELECT status FROM scan_runs')).toEqual([{ status: 'incomplete' }]);
    expect(await query(db, `SELECT kind, status FROM jobs`)).toEqual([{ kind: 'scan', status: 'interrupted' }]);
    // `scans` says why the run is incomplete (the UI's run history reads the same field).
    expect(parseTsv(portolan(['scans', '--db', db, '--format', 'tsv']).stdout)[0]).toMatchObject({ status: 'incomplete', stopped: 'interrupted' });
    expect(await one(db, 'SELECT count(*) FROM probe_results')).toBe(kept);
    expect(await integrity(db)).toBe('ok');
  }, 60_000);
});

const netOk = requireAllOf([
  [isRoot(), 'live capture needs root'],
  [isRoot() && canUseNetns(), 'network namespaces are not available'],
]);
describe.skipIf(!netOk)('crash safety: kill -9 mid-capture', () => {
  let net: TestNet | undefined;
  afterAll(() => net?.destroy());

  it('keeps the flows committed before the kill, the capture child does not outlive it, and the next open settles job and capture', async () => {
    net = createTestNet();
    const srv = net.spawn(net.srv, ['python3', '-c', SERVER_PY]);
    await new Promise<void>((ok, fail) => {
      const t = setTimeout(() => fail(new Error('the test server did not start')), 10_000);
      srv.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && (clearTimeout(t), ok()));
    });
    // Connections from the client namespace to the server, 20 a second, for the whole test.
    net.spawn(net.cli, [process.execPath, '-e', `const net=require('node:net');setInterval(()=>{const s=net.connect(8080,'${net.srvIp}');s.on('error',()=>{});s.on('close',()=>s.destroy());},50);`]);
    const db = join(dir, 'capture.db');
    expect(portolan(['rules', 'gone-after', '35', '--db', db]).code).toBe(0); // creates it
    let childPids: number[] = [];
    const kill = await killWhen(
      ['capture', '--interface', net.cliIf, '--duration', '120', '--db', db],
      () => one(db, `SELECT count(*) FROM flows f JOIN captures c ON c.id = f.capture_id WHERE c.source LIKE 'live:%'`),
      'the capture',
      ['ip', 'netns', 'exec', net.cli],
      (pid) => {
        const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
        childPids = r.stdout.split('\n').filter(Boolean).map(Number);
      },
    );
    expect(kill.signal).toBe('SIGKILL');
    expect(childPids.length, 'the capture runs in a child process').toBeGreaterThan(0);
    // The capture child notices its parent is gone and exits.
    const gone = Date.now() + 10_000;
    while (childPids.some((p) => existsSync(`/proc/${p}`)) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    expect(childPids.filter((p) => existsSync(`/proc/${p}`)), 'capture child still running after its parent was killed').toEqual([]);

    expect(await integrity(db)).toBe('ok');
    const cap = (await query<{ id: number; status: string; job_id: string }>(db, `SELECT id, status, job_id FROM captures WHERE source LIKE 'live:%'`))[0]!;
    const kept = await one(db, `SELECT count(*) FROM flows WHERE capture_id = ${cap.id}`);
    console.log(`[crash-safety] capture killed with ${kill.seen} flows seen committed; ${kept} kept; integrity ok`);
    expect(kept).toBeGreaterThanOrEqual(kill.seen);
    expect(cap.status).toBe('running');
    expect(portolan(['services', '--format', 'tsv', '--db', db]).code).toBe(0);
    expect((await query(db, `SELECT status FROM jobs WHERE id = '${cap.job_id}'`))[0]).toEqual({ status: 'interrupted' });
    expect((await query(db, `SELECT status FROM captures WHERE id = ${cap.id}`))[0]).toEqual({ status: 'incomplete' });
    expect(await one(db, `SELECT count(*) FROM flows WHERE capture_id = ${cap.id}`)).toBe(kept);
    // The listener the flows showed is in the inventory.
    expect(await one(db, `SELECT count(*) FROM services WHERE host = '${net.srvIp}' AND port = 8080`)).toBe(1);
    expect(await integrity(db)).toBe('ok');
  }, 90_000);
});

function canChattr(): boolean {
  if (!isRoot()) return false;
  const f = join(dir, 'chattr-probe');
  writeFileSync(f, 'x');
  const ok = spawnSync('chattr', ['+i', f]).status === 0;
  if (ok) spawnSync('chattr', ['-i', f]);
  return ok;
}

function canMountTmpfs(): boolean {
  if (!isRoot()) return false;
  const m = join(dir, 'mount-probe');
  mkdirSync(m, { recursive: true });
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', m]).status === 0;
  if (ok) spawnSync('umount', [m]);
  return ok;
}

const chattrOk = requireOrSkip(canChattr(), 'an immutable database file needs root and chattr on a filesystem that supports it (ext4, xfs, btrfs)');
describe.skipIf(!chattrOk)('a database file that cannot be written', () => {
  const db = join(dir, 'ro.db');
  afterAll(() => {
    if (existsSync(db)) spawnSync('chattr', ['-i', db]);
  });

  it('gives a clear one-line error, exit 1, and loses nothing', async () => {
    expect(portolan(['ingest', smallPcap, '--db', db]).code).toBe(0);
    const before = await counts(db);
    expect(before.flows).toBe(200);
    // Checkpointed on close: the database file itself holds everything stored.
    expect(existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0).toBe(0);
    chmodSync(db, 0o444);
    expect(spawnSync('chattr', ['+i', db]).status).toBe(0);
    try {
      const r = portolan(['ingest', bigPcap, '--db', db]);
      console.log(`[crash-safety] read-only database: exit ${r.code}, ${JSON.stringify(r.stderr.trim())}`);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/read-only|readonly|not writable|cannot write|permission/i);
      expect(r.stderr).toContain(db);
      expect(r.stdout).toBe('');
    } finally {
      spawnSync('chattr', ['-i', db]);
      chmodSync(db, 0o644);
    }
    expect(await integrity(db)).toBe('ok');
    expect(await counts(db)).toEqual(before);
  }, 30_000);
});

const tmpfsOk = requireOrSkip(canMountTmpfs(), 'a full disk is simulated with a 2 MiB tmpfs, which needs root and mount');
describe.skipIf(!tmpfsOk)('a full disk', () => {
  const mnt = join(dir, 'full');
  afterAll(() => {
    spawnSync('umount', [mnt]);
  });

  it('gives a clear one-line error, exit 1, integrity ok, and keeps what was stored', async () => {
    mkdirSync(mnt, { recursive: true });
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]).status).toBe(0);
    const db = join(mnt, 'full.db');
    expect(portolan(['ingest', smallPcap, '--db', db]).code).toBe(0);
    const before = await counts(db);
    const r = portolan(['ingest', bigPcap, '--db', db]);
    console.log(`[crash-safety] disk full: exit ${r.code}, ${JSON.stringify(r.stderr.trim())}`);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/full|space/i);
    expect(r.stderr).toContain(db);
    // Read the result from a copy on a disk with room (the WAL, if any, goes with it).
    const copy = join(dir, 'full-copy.db');
    copyFileSync(db, copy);
    if (existsSync(`${db}-wal`)) copyFileSync(`${db}-wal`, `${copy}-wal`);
    expect(await integrity(copy)).toBe('ok');
    expect(await one(copy, `SELECT count(*) FROM flows f JOIN captures c ON c.id = f.capture_id WHERE c.source LIKE '%small.pcap'`)).toBe(200);
    expect(await one(copy, `SELECT count(*) FROM captures WHERE source LIKE '%small.pcap' AND status = 'complete'`)).toBe(1);
    expect(await one(copy, 'SELECT count(*) FROM services')).toBeGreaterThanOrEqual(before.services ?? 0);
    // The database still opens and answers on the full disk.
    const list = portolan(['services', '--format', 'tsv', '--db', db]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n').length - 1).toBeGreaterThanOrEqual(before.services ?? 0);
  }, 60_000);
});
