/**
 * Ingest as a job, through the engine and through the CLI: cancel keeps what was
 * committed and marks the capture incomplete; bad input writes nothing; a job left
 * running by a dead process comes back as interrupted.
 */
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, symlinkSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import type { JobSnapshot } from '../../electron/shared/model';
import { pcapFile, pcapngFile, tcpFrame, type Rec } from '../support/frames';
import { ensureBuilt, parseTsv, portolan } from '../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'portolan-ingest-'));

/** `n` SYN/SYN-ACK pairs, each to a different port, 1 ms apart. */
function bigCapture(n: number): string {
  const recs: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const port = 1 + (i % 60000);
    recs.push({ tsUs: 1e15 + i * 1000, data: tcpFrame({ src: '192.0.2.1', dst: '198.51.100.2', sport: 40000 + (i % 20000), dport: port, flags: 'S' }) });
    recs.push({ tsUs: 1e15 + i * 1000 + 1, data: tcpFrame({ src: '198.51.100.2', dst: '192.0.2.1', sport: port, dport: 40000 + (i % 20000), flags: 'SA', ack: 1001 }) });
  }
  const path = join(dir, `big-${n}.pcap`);
  writeFileSync(path, pcapFile(recs));
  return path;
}

async function count(engine: Engine, sql: string): Promise<number> {
  return (await engine.db.query<{ n: number }>(sql))[0]!.n;
}

describe('ingest job', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('reports batched progress and can be cancelled; what was committed stays, marked incomplete', async () => {
    // Progress events every few ms (the default is 100): the whole file takes well under
    // 100 ms now, so the default interval could let it end before its first event.
    const engine = await Engine.open({ dbPath: join(dir, 'cancel.db'), progressIntervalMs: 2 });
    // About 7.7 MB: small enough to be hashed before decoding (below the worker threshold).
    const path = bigCapture(55000);
    const events: JobSnapshot[] = [];
    let cancelled = false;
    engine.on('job.updated', (j) => {
      events.push(j);
      if (!cancelled && j.progress && j.progress.done > 0 && j.progress.total && j.progress.done < j.progress.total) {
        cancelled = true;
        engine.jobs.cancel(j.id);
      }
    });
    // Small read chunks so the job yields often enough to be cancelled mid-file.
    const job = await engine.startIngest([path]);
    const end = await engine.jobs.wait(job.id);
    expect(cancelled).toBe(true);
    expect(end.status).toBe('cancelled');
    expect(end.abortable).toBe(false);
    const [cap] = await engine.db.query<{ status: string; packets: number }>('SELECT status, packets FROM captures');
    expect(cap!.status).toBe('incomplete');
    expect(cap!.packets).toBeGreaterThan(0); // counted as read, though the read had no end
    // Events are batched: far fewer than the 1 MiB chunks read, let alone packets.
    expect(events.length).toBeLessThan(50);
    await engine.close();
  });

  it('a cancelled multi-file ingest names in its result what it stored: the files done, and the one cut short', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'cancel-two.db'), progressIntervalMs: 2 });
    const small = bigCapture(5);
    const big = bigCapture(55000);
    let cancelled = false;
    engine.on('job.updated', (j) => {
      const p = j.progress;
      if (!cancelled && p && p.message?.startsWith('file 2 of 2') && p.total && p.done < p.total) {
        cancelled = true;
        engine.jobs.cancel(j.id);
      }
    });
    const end = await engine.jobs.wait((await engine.startIngest([small, big])).id);
    expect(cancelled).toBe(true);
    expect(end.status).toBe('cancelled');
    const files = (end.result as { files: Array<{ path: string; status: string; captureId: number }> }).files;
    const caps = await engine.db.query<{ id: number; status: string }>('SELECT id, status FROM captures ORDER BY id');
    expect(files.map((f) => [f.path, f.status, f.captureId])).toEqual([
      [small, 'complete', caps[0]!.id],
      [big, 'incomplete', caps[1]!.id],
    ]);
    expect(caps.map((c) => c.status)).toEqual(['complete', 'incomplete']);
    await engine.close();
  });

  it('a big file (hashed on a worker while it is decoded) is stored once: the second ingest is skipped by its hash', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'big-twice.db') });
    const path = bigCapture(80000); // 160,000 records, about 11 MiB: over the worker threshold
    const first = await engine.jobs.wait((await engine.startIngest([path])).id);
    expect(first.status).toBe('done');
    const flows = await count(engine, 'SELECT count(*) AS n FROM flows');
    expect(flows).toBeGreaterThan(0);
    const second = await engine.jobs.wait((await engine.startIngest([path])).id);
    expect(second.status).toBe('done');
    expect(JSON.stringify(second.result)).toMatch(/skipped/);
    expect(await count(engine, 'SELECT count(*) AS n FROM flows')).toBe(flows);
    expect(await count(engine, 'SELECT count(*) AS n FROM captures')).toBe(1);
    await engine.close();
  });

  it('a file that changes while it is read (truncated mid-ingest) stores nothing, and the whole file is ingested later', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'changing.db'), progressIntervalMs: 2 });
    const whole = bigCapture(80000); // over the worker threshold: hashed while it is decoded
    const path = join(dir, 'changing.pcap');
    copyFileSync(whole, path);
    let cut = false;
    engine.on('job.updated', (j) => {
      if (!cut && j.progress && j.progress.done > 0 && j.progress.total && j.progress.done < j.progress.total) {
        cut = true;
        truncateSync(path, 1_000_000);
      }
    });
    const end = await engine.jobs.wait((await engine.startIngest([path])).id);
    expect(cut).toBe(true);
    expect(end.status).toBe('failed');
    expect(end.error?.message).toMatch(/changed while it was read/);
    expect(await count(engine, 'SELECT COUNT(*) AS n FROM captures')).toBe(0);
    expect(await count(engine, 'SELECT COUNT(*) AS n FROM flows')).toBe(0);
    expect(await count(engine, 'SELECT COUNT(*) AS n FROM services')).toBe(0);
    // The finished file is not mistaken for one already ingested.
    copyFileSync(whole, path);
    const again = await engine.jobs.wait((await engine.startIngest([path])).id);
    expect(again.status).toBe('done');
    expect(await engine.db.query('SELECT status, packets FROM captures')).toEqual([{ status: 'complete', packets: 160000 }]);
    await engine.close();
  });

  it('a file only touched while it is read (same bytes, new modification time) is kept; the same size with other bytes is not', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'touched.db'), progressIntervalMs: 2 });
    const whole = bigCapture(80000);
    const path = join(dir, 'touched.pcap');
    copyFileSync(whole, path);
    /** Runs an ingest of `path`, doing `act` once to the file while it is being read. */
    const ingestWhile = async (act: () => void): Promise<Awaited<ReturnType<typeof engine.jobs.wait>>> => {
      let done = false;
      const on = (j: JobSnapshot): void => {
        if (!done && j.progress && j.progress.done > 0 && j.progress.total && j.progress.done < j.progress.total) {
          done = true;
          act();
        }
      };
      const off = engine.on('job.updated', on);
      const end = await engine.jobs.wait((await engine.startIngest([path])).id);
      off();
      expect(done).toBe(true);
      return end;
    };
    const future = new Date(Date.now() + 60_000);
    const touched = await ingestWhile(() => utimesSync(path, future, future));
    expect(touched.status, touched.error?.message).toBe('done');
    expect(await engine.db.query('SELECT status, packets FROM captures')).toEqual([{ status: 'complete', packets: 160000 }]);
    // Same inode, same size, one byte different (a record's timestamp) in place.
    const other = join(dir, 'rewritten.pcap');
    copyFileSync(whole, other);
    await engine.close();
    const engine2 = await Engine.open({ dbPath: join(dir, 'rewritten.db'), progressIntervalMs: 2 });
    let flipped = false;
    engine2.on('job.updated', (j) => {
      if (!flipped && j.progress && j.progress.done > 0 && j.progress.total && j.progress.done < j.progress.total) {
        flipped = true;
        const fd = openSync(other, 'r+');
        writeSync(fd, Buffer.from([0x7f]), 0, 1, 24);
        closeSync(fd);
      }
    });
    const end = await engine2.jobs.wait((await engine2.startIngest([other])).id);
    expect(flipped).toBe(true);
    expect(end.status).toBe('failed');
    expect(end.error?.message).toMatch(/changed while it was read/);
    expect(await count(engine2, 'SELECT COUNT(*) AS n FROM captures')).toBe(0);
    await engine2.close();
  });

  it('refuses a file that is not a capture and writes no capture, flow or service', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'bad.db') });
    const bad = join(dir, 'notes.txt');
    writeFileSync(bad, 'hello, I am not a capture\n');
    const job = await engine.startIngest([bad]);
    const end = await engine.jobs.wait(job.id);
    expect(end.status).toBe('failed');
    expect(end.error?.message).toMatch(/not a pcap or pcapng/);
    expect(await count(engine, 'SELECT COUNT(*) AS n FROM captures')).toBe(0);
    expect(await count(engine, 'SELECT COUNT(*) AS n FROM services')).toBe(0);
    await engine.close();
  });

  it('marks a job whose process died as interrupted at the next start, and leaves live ones alone', async () => {
    const path = join(dir, 'crash.db');
    const engine = await Engine.open({ dbPath: path });
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!; // has exited by now
    await engine.db.run('jobInsert', ['deadbeef', 'ingest', 'running', '{}', Date.now(), dead, hostname()]);
    await engine.db.run('jobInsert', ['alive0001', 'ingest', 'running', '{}', Date.now(), process.ppid, hostname()]);
    await engine.db.close();
    const again = await Engine.open({ dbPath: path });
    const rows = await again.db.query<{ id: string; status: string }>('SELECT id, status FROM jobs ORDER BY id');
    expect(rows).toEqual([
      { id: 'alive0001', status: 'running' },
      { id: 'deadbeef', status: 'interrupted' },
    ]);
    await again.close();
  });

  it('CLI: clear one-line errors and exit codes (1 failed work, 2 bad command line)', () => {
    const db = join(dir, 'cli.db');
    const missing = portolan(['ingest', '--db', db, join(dir, 'does-not-exist.pcap')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
    const notCap = portolan(['ingest', '--db', db, join(dir, 'notes.txt')]);
    expect(notCap.code).toBe(1);
    expect(notCap.stderr.trim().split('\n')).toHaveLength(1);
    writeFileSync(join(dir, 'plain-file'), 'x');
    const unwritable = portolan(['services', '--db', join(dir, 'plain-file', 'x.db')]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(/^portolan: error: cannot create the database .*not a folder/);
    // A mistyped folder is an error, not a new empty inventory; nothing is created.
    const typo = portolan(['services', '--db', join(dir, 'no-such-folder', 'x.db')]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/folder .*no-such-folder does not exist/);
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
    // So is a mistyped file name given to a command that only reads: no empty database is made.
    for (const cmd of [['services'], ['snapshot', 'list'], ['flows']]) {
      const r = portolan([...cmd, '--db', join(dir, 'typo.db')]);
      expect(r.code, cmd.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^portolan: error: no database at .*typo\.db: check the path/);
    }
    expect(existsSync(join(dir, 'typo.db'))).toBe(false);
    // A device or a folder is not a database, and nothing is written beside it.
    for (const [path, why] of [['/dev/null', /not a regular file/], [dir, /it is a folder/]] as const) {
      const r = portolan(['ingest', '--db', path, join(dir, 'notes.txt')]);
      expect(r.code, path).toBe(1);
      expect(r.stderr).toMatch(why);
    }
    expect(existsSync('/dev/null-journal')).toBe(false);
    // A looping link, and a link into a folder that does not exist, are named as such.
    symlinkSync('loop', join(dir, 'loop'));
    symlinkSync(join(dir, 'nodir', 'x.db'), join(dir, 'dangling'));
    for (const [link, why] of [['loop', /a loop of symbolic links/], ['dangling', /symbolic link to .*nodir\/x\.db, whose folder does not exist/]] as const) {
      for (const cmd of ['services', 'ingest']) {
        const r = portolan([cmd, '--db', join(dir, link), ...(cmd === 'ingest' ? [join(dir, 'notes.txt')] : [])]);
        expect(r.code, `${cmd} ${link}`).toBe(1);
        expect(r.stderr).toMatch(why);
      }
    }
    // Paths the kernel owns fail fast (Node's recursive mkdir would spin forever in /proc).
    const proc = portolan(['services', '--db', '/proc/nope/x.db']);
    expect(proc.code).toBe(1);
    expect(portolan(['services', '--status', 'bogus', '--db', db]).code).toBe(2);
    expect(portolan(['services', '--frobnicate', '--db', db]).code).toBe(2);
    expect(portolan(['ingest', '--db', db]).code).toBe(2);
    expect(portolan(['nonsense']).code).toBe(2);
    expect(portolan(['--help']).stdout).toMatch(/portolan ingest FILE/);
  });

  it('refuses folders and FIFOs quickly (a FIFO with no writer must not hang)', () => {
    const db = join(dir, 'odd.db');
    const fifo = join(dir, 'a-fifo');
    spawnSync('mkfifo', [fifo]);
    const r = portolan(['ingest', '--db', db, dir, fifo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is a folder/);
    expect(r.stderr).toMatch(/not a regular file/);
  });

  it('impossible timestamps become a warning, and the inventory still lists', () => {
    const db = join(dir, 'ts.db');
    const path = join(dir, 'future.pcapng');
    // Interface resolution 1 s per unit: the second packet lands around the year 148,000.
    const buf = pcapngFile(
      [{ linktype: 1, tsresol: 0 }],
      [
        { iface: 0, tsUs: 1e15, data: tcpFrame({ src: '192.0.2.1', dst: '198.51.100.2', sport: 40000, dport: 443, flags: 'S' }) },
        { iface: 0, tsUs: 2 ** 62, data: tcpFrame({ src: '198.51.100.2', dst: '192.0.2.1', sport: 443, dport: 40000, flags: 'SA', ack: 1001 }) },
      ],
    );
    writeFileSync(path, buf);
    const r = portolan(['ingest', '--db', db, path]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/impossible timestamps/);
    const list = portolan(['services', '--db', db, '--format', 'tsv']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/198\.51\.100\.2\t443\ttcp\thandshake/);
  });

  it('a capture dated in the future (a wrong clock) is stored at the ingest time: it cannot keep a service gone', () => {
    const db = join(dir, 'future-clock.db');
    const hs = (tsUs: number, port: number): Rec[] => [
      { tsUs, data: tcpFrame({ src: '192.0.2.1', dst: '198.51.100.70', sport: 40001, dport: port, flags: 'S' }) },
      { tsUs: tsUs + 1, data: tcpFrame({ src: '198.51.100.70', dst: '192.0.2.1', sport: port, dport: 40001, flags: 'SA', ack: 1001 }) },
    ];
    const file = (name: string, recs: Rec[]): string => {
      const p = join(dir, name);
      writeFileSync(p, pcapFile(recs));
      return p;
    };
    const nowUs = Date.now() * 1000;
    expect(portolan(['ingest', '--db', db, file('clock-1.pcap', hs(nowUs - 86_400e6, 443))]).code).toBe(0);
    expect(portolan(['review', '198.51.100.70:443/tcp', '--approve', '--reason', 'web', '--owner', 'web team', '--db', db]).code).toBe(0);
    // Year 2103 on the same host.
    const ahead = portolan(['ingest', '--db', db, file('clock-2106.pcap', hs(4_200_000_000e6, 22))]);
    expect(ahead.code, ahead.stderr).toBe(0);
    expect(ahead.stderr).toMatch(/1 listening service was seen by packets dated after this computer's clock .* the inventory records it at the time of this ingest/);
    const rows = parseTsv(portolan(['services', '--db', db, '--format', 'tsv']).stdout);
    const ssh = rows.find((r) => r.port === '22')!;
    expect(Date.parse(ssh.last_seen!)).toBeLessThanOrEqual(Date.now());
    expect(rows.find((r) => r.port === '443')?.status).toBe('approved');
    // Seen again now: still approved (a 2106 sighting would have made every later one look old).
    expect(portolan(['ingest', '--db', db, file('clock-3.pcap', hs(Date.now() * 1000, 443))]).code).toBe(0);
    expect(parseTsv(portolan(['services', '--db', db, '--format', 'tsv']).stdout).find((r) => r.port === '443')?.status).toBe('approved');
  });

  it('packets without a capture time (pcapng Simple Packet Blocks) take the previous time, or the file time, never 1970', () => {
    // A Simple Packet Block: type 3 | total length | original length | data (padded) | total length.
    const spb = (data: Uint8Array): Buffer => {
      const pad = (4 - (data.length % 4)) % 4;
      const len = 16 + data.length + pad;
      const b = Buffer.alloc(len);
      b.writeUInt32LE(3, 0);
      b.writeUInt32LE(len, 4);
      b.writeUInt32LE(data.length, 8);
      b.set(data, 12);
      b.writeUInt32LE(len, len - 4);
      return b;
    };
    const syn = tcpFrame({ src: '192.0.2.1', dst: '198.51.100.2', sport: 40000, dport: 443, flags: 'S' });
    const synAck = tcpFrame({ src: '198.51.100.2', dst: '192.0.2.1', sport: 443, dport: 40000, flags: 'SA', ack: 1001 });
    const T = Date.UTC(2024, 2, 1, 12);
    const head = pcapngFile([{ linktype: 1 }], []);
    // After a timed packet: its time. Alone: the file's modification time.
    const cases: Array<[string, Buffer, string]> = [
      ['after.pcapng', Buffer.concat([pcapngFile([{ linktype: 1 }], [{ iface: 0, tsUs: T * 1000, data: syn }]), spb(synAck)]), new Date(T).toISOString()],
      ['alone.pcapng', Buffer.concat([head, spb(syn), spb(synAck)]), '2023-05-06T07:08:09.000Z'],
    ];
    for (const [name, bytes, seen] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      utimesSync(path, new Date('2023-05-06T07:08:09Z'), new Date('2023-05-06T07:08:09Z'));
      const db = join(dir, `spb-${name}.db`);
      const r = portolan(['ingest', '--db', db, path]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/carr(y|ies) no capture time \(pcapng Simple Packet Blocks\)/);
      const [svc] = parseTsv(portolan(['services', '--db', db, '--format', 'tsv']).stdout);
      expect(svc, name).toMatchObject({ host: '198.51.100.2', port: '443', evidence: 'handshake', last_seen: seen });
    }
  });

  it('an unsupported link type is reported, not silently empty', () => {
    const path = join(dir, 'lt147.pcap');
    writeFileSync(path, pcapFile([{ tsUs: 1e15, data: tcpFrame({ src: '192.0.2.1', dst: '198.51.100.2', sport: 1, dport: 2, flags: 'S' }) }], { linktype: 147 }));
    const r = portolan(['ingest', '--db', join(dir, 'lt.db'), path]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/unsupported linktype 147/);
  });

  it('a cancelled ingest is replaced, not added to, by the next ingest of the same file; a file named twice is read once', async () => {
    const path = bigCapture(55000);
    const dbPath = join(dir, 'rerun.db');
    const engine = await Engine.open({ dbPath, progressIntervalMs: 2 });
    let cancelled = false;
    engine.on('job.updated', (j) => {
      if (!cancelled && j.progress && j.progress.done > 0 && j.progress.total && j.progress.done < j.progress.total) {
        cancelled = true;
        engine.jobs.cancel(j.id);
      }
    });
    const first = await engine.startIngest([path]);
    expect((await engine.jobs.wait(first.id)).status).toBe('cancelled');
    await engine.close();
    const r = portolan(['ingest', '--json', '--db', dbPath, path, path]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files).toHaveLength(1);
    const again = await Engine.open({ dbPath });
    const caps = await again.db.query<{ status: string; flows: number }>('SELECT status, flows FROM captures');
    expect(caps).toEqual([{ status: 'complete', flows: 55000 }]);
    expect(await count(again, 'SELECT COUNT(*) AS n FROM flows')).toBe(55000);
    await again.close();
  });

  it('CLI: flows lists a capture\'s flow records; a missing capture is an error, not an empty list', () => {
    const db = join(dir, 'flows.db');
    expect(portolan(['ingest', '--db', db, bigCapture(5)]).code).toBe(0);
    const r = portolan(['flows', '--db', db, '--capture', '1', '--format', 'tsv']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]!.split('\t').slice(0, 6)).toEqual(['capture', 'transport', 'src_ip', 'src_port', 'dest_ip', 'dest_port']);
    expect(rows).toHaveLength(6);
    const missing = portolan(['flows', '--db', db, '--capture', '999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no capture 999/);
    expect(portolan(['flows', '--db', db, '--limit', '1e3']).code).toBe(2);
  });

  it('CLI: --json gives a machine-readable result; PORTOLAN_DB picks the database', () => {
    const db = join(dir, 'env.db');
    const path = bigCapture(3);
    const r = portolan(['ingest', '--json', path], { PORTOLAN_DB: db });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ status: 'done', packets: 6, listeners: 3, added: 3 });
    const csv = portolan(['services', '--format', 'csv'], { PORTOLAN_DB: db });
    expect(csv.stdout.split('\r\n')[0]).toBe('host,port,proto,evidence,status,first_seen,last_seen,sources,service,confidence,flows,bytes,insecure,reason,owner,reviewed_by,reviewed_at,first_stored,hostnames,mac,banner,ignored_until,rule_id,compensating_control');
    expect(csv.stdout.split('\r\n').filter(Boolean)).toHaveLength(4);
  });
});
