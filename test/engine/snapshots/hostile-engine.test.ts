/**
 * What a hostile tester found in the snapshot engine, each case as it was reported:
 * broken stored snapshots exported and diffed as sound, empty snapshots that read as
 * clean, re-hashed files whose structure no Portolan writes, and a PDF export that hangs.
 * The engine's own functions (the window's channels call the same ones), on real SQLite.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { diffSnapshots, diffTsv } from '../../../electron/engine/snapshots/diff';
import { htmlToPdf, PdfAborted, PdfUnavailable } from '../../../electron/engine/snapshots/export-pdf';
import { exportSnapshot, reportHtml } from '../../../electron/engine/snapshots/exports';
import { sealContent } from '../../../electron/engine/snapshots/seal';
import { getSnapshot, listSnapshots, readSnapshot, takeSnapshot } from '../../../electron/engine/snapshots/store';
import type { SealedSnapshot, SnapshotContent, SnapshotService } from '../../../electron/engine/snapshots/types';
import { verifyDocument } from '../../../electron/engine/snapshots/verify';
import type { Db } from '../../../electron/engine/store/db';
import { BASE, freshDb, seed, T0, type SvcSeed } from './fixture';

const opened: Db[] = [];
async function dbWith(services: SvcSeed[]): Promise<Db> {
  const db = await freshDb();
  opened.push(db);
  await seed(db, services);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close().catch(() => undefined);
});

const NOW = T0 + 86_400_000;

/** Edits a stored row as an attacker with the file would: drop the trigger, rewrite the text. */
async function breakRow(db: Db, id: number, from: string, to: string): Promise<void> {
  await db.query('DROP TRIGGER IF EXISTS snapshots_no_update');
  const [row] = await db.query<{ canonical_json: string }>('SELECT canonical_json FROM snapshots WHERE id = ?', [id]);
  expect(row!.canonical_json).toContain(from);
  await db.query('UPDATE snapshots SET canonical_json = ? WHERE id = ?', [row!.canonical_json.replace(from, to), id]);
}

describe('a stored snapshot that no longer matches its seal', () => {
  it('is refused by every export and by the diff, naming the problem and snapshot verify; show still reads it', async () => {
    const db = await dbWith(BASE);
    await takeSnapshot(db, { nowMs: NOW });
    await takeSnapshot(db, { nowMs: NOW + 1000 });
    // Listed as intact first: the check is cached, and the cache must not hide the edit.
    expect((await listSnapshots(db)).map((s) => s.seal)).toEqual(['intact', 'intact']);
    await breakRow(db, 2, '"Admin SSH from the jump host"', '"Approved by the CISO"');
    expect((await listSnapshots(db)).map((s) => s.seal)).toEqual(['intact', 'broken']);
    for (const format of ['json', 'csv', 'html'] as const) {
      await expect(exportSnapshot(db, 2, format)).rejects.toMatchObject({
        name: 'SnapshotBroken',
        message: expect.stringMatching(/^snapshot 2 is broken: its stored row no longer matches its seal \(service 192\.0\.2\.10 tcp\/22 was altered.*snapshot verify/),
      });
    }
    await expect(getSnapshot(db, 2)).rejects.toThrow(/snapshot 2 is broken/);
    expect((await readSnapshot(db, 2)).doc.snapshot.meta.id).toBe(2);
    // Snapshot 1 is sound and still exports.
    expect((await exportSnapshot(db, 1, 'json')).bytes.length).toBeGreaterThan(100);
  });

  it('is refused on the window’s channels too (snapshots.diff, snapshots.export) with a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-broken-'));
    const seeded = await freshDb(dir);
    await seed(seeded, BASE);
    await seeded.close();
    const engine = await Engine.open({ dbPath: join(dir, 'p.db') });
    try {
      await takeSnapshot(engine.db, { nowMs: NOW });
      await takeSnapshot(engine.db, { nowMs: NOW + 1000 });
      await breakRow(engine.db, 1, '"note":""', '"note":"edited"');
      await expect(engine.handle('snapshots.diff', { a: 1, b: 2 })).rejects.toThrow(/snapshot 1 is broken: .*meta .*was altered/);
      await expect(engine.handle('snapshots.export', { id: 1, format: 'csv' })).rejects.toThrow(/snapshot 1 is broken/);
    } finally {
      await engine.close();
    }
  });

  it('is not the baseline of a later report: the report of the next one says which one is broken', async () => {
    const db = await dbWith(BASE);
    await takeSnapshot(db, { nowMs: NOW });
    await takeSnapshot(db, { nowMs: NOW + 1000 });
    await breakRow(db, 1, '"Payments API"', '"Anything"');
    await expect(reportHtml(db, 2)).rejects.toThrow(/^snapshot 1, which the report of snapshot 2 compares with, is broken/);
    // The sealed data of snapshot 2 itself is sound: JSON and CSV still export.
    expect((await exportSnapshot(db, 2, 'csv')).bytes.length).toBeGreaterThan(100);
  });
});

describe('an empty snapshot', () => {
  it('is refused unless asked for; sealed on purpose, its report says "nothing in scope", never "no gaps found"', async () => {
    const db = await dbWith([]);
    await expect(takeSnapshot(db, { nowMs: NOW })).rejects.toMatchObject({ name: 'EmptySnapshot', message: expect.stringMatching(/^nothing to seal: the inventory holds no service/) });
    expect(await listSnapshots(db)).toEqual([]);
    const r = await takeSnapshot(db, { nowMs: NOW, allowEmpty: true });
    const { html } = await reportHtml(db, r.id, NOW);
    expect(html).not.toContain('no gaps found');
    expect(html).toContain('nothing in scope');
    expect(html).toContain('this snapshot holds no service');
  });

  it('is refused on the window’s channel (snapshots.take) with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-empty-'));
    const engine = await Engine.open({ dbPath: join(dir, 'p.db') });
    try {
      await expect(engine.handle('snapshots.take', { note: '', by: 'alice', scope: 'all' })).rejects.toMatchObject({ name: 'EmptySnapshot', message: expect.stringMatching(/^nothing to seal: the inventory holds no service/) });
      expect(await engine.handle('snapshots.list', {})).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it('a full inventory still reports "no gaps found" where there are none', async () => {
    const db = await dbWith([{ host: '192.0.2.10', port: 22, service: 'ssh', status: 'approved', reviews: [{ action: 'approve', reason: 'Admin SSH', owner: 'Infra' }] }]);
    const r = await takeSnapshot(db, { nowMs: NOW });
    const { html } = await reportHtml(db, r.id, NOW);
    expect(html).toContain('no gaps found');
    expect(html).not.toContain('nothing in scope');
  });
});

describe('the note and the taker', () => {
  it('refuse control characters, a line break included, as the window does', async () => {
    const db = await dbWith(BASE);
    await expect(takeSnapshot(db, { note: 'line one\nline two', nowMs: NOW })).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringMatching(/the note: control characters/) });
    await expect(takeSnapshot(db, { by: 'eve\u202e', nowMs: NOW })).rejects.toMatchObject({ name: 'InvalidInput' });
  });
});

/** A stored snapshot's content, edited by `edit`, then re-sealed as a forger would. */
async function forged(edit: (c: SnapshotContent) => void, services: SvcSeed[] = BASE, scope = 'all'): Promise<SealedSnapshot> {
  const db = await dbWith(services);
  const r = await takeSnapshot(db, { nowMs: NOW, scope });
  const content = structuredClone(r.doc.snapshot);
  edit(content);
  return sealContent(content);
}
const svc = (c: SnapshotContent, port: number): SnapshotService => c.services.find((s) => s.port === port)!;
const whats = (doc: SealedSnapshot): string[] => verifyDocument(doc).problems.map((p) => p.what);

describe('verify: re-hashed files that no Portolan writes', () => {
  it('types of service, banner, hostnames and mac (the diff of such a file no longer crashes)', async () => {
    const doc = await forged((c) => {
      (c.services[0] as unknown as Record<string, unknown>).service = 5;
      (c.services[1] as unknown as Record<string, unknown>).banner = { x: 1 };
      (c.hosts[0] as unknown as Record<string, unknown>).hostnames = 'db1.example';
      c.hosts[1]!.mac = 'not-a-mac';
    });
    const w = whats(doc);
    expect(w).toContain('service 192.0.2.9 tcp/23: service is 5, not text or null');
    expect(w).toContain('service 192.0.2.9 udp/161: banner is {"x":1}, not text or null');
    expect(w).toContain('host 192.0.2.9: hostnames is not a list of names');
    expect(w).toContain('host 192.0.2.10: mac "not-a-mac" is not a MAC address as Portolan writes one (aa:bb:cc:dd:ee:ff) or null');
    const good = await forged(() => undefined);
    expect(verifyDocument(good).ok).toBe(true);
    const d = diffSnapshots(good, doc);
    expect(diffTsv(d)).toContain('service\tchanged\t192.0.2.9\ttcp\t23\tservice\ttelnet\t5');
  });

  it.each([
    ['an IPv6 host in capitals', '2001:DB8::5', 'not written as Portolan writes addresses'],
    ['an IPv6 host not compressed', '2001:db8:0:0:0:0:0:5', 'not written as Portolan writes addresses'],
  ])('%s', async (_name, address, what) => {
    const doc = await forged((c) => {
      for (const h of c.hosts) if (h.address === '2001:db8::5') h.address = address;
      for (const s of c.services) if (s.host === '2001:db8::5') s.host = address;
    });
    expect(whats(doc).join('\n')).toContain(`host "${address}" is ${what}`);
  });

  it('a subnet scope not written normalised, or holding hosts outside it', async () => {
    const doc = await forged((c) => {
      c.meta.scope = 'subnet:192.0.2.9/30';
      c.hosts.push({ address: '198.51.100.4', hostnames: [], mac: null, tags: [] });
      c.services.push({ ...c.services[0]!, host: '198.51.100.4' });
    }, BASE, '192.0.2.8/30');
    const w = whats(doc);
    expect(w).toContain('meta.scope "subnet:192.0.2.9/30" is not written as Portolan writes it ("subnet:192.0.2.8/30")');
    expect(w).toContain("host 198.51.100.4 is outside the snapshot's scope subnet:192.0.2.8/30");
    expect(w.filter((x) => x.includes('outside'))).toHaveLength(1);
  });

  it('the same service twice', async () => {
    const doc = await forged((c) => c.services.splice(1, 0, { ...c.services[0]!, banner: 'other' }));
    expect(verifyDocument(doc).ok).toBe(false);
  });

  it('an evidence source that is not in the sources list', async () => {
    const doc = await forged((c) => {
      c.sources.scans = [];
    });
    expect(whats(doc)).toContain('service 192.0.2.10 tcp/22: its evidence source "scan:1" is not in the snapshot\'s sources');
  });

  it('an approval with an empty justification or owner', async () => {
    const doc = await forged((c) => {
      svc(c, 22).approval!.justification = ' ';
      svc(c, 443).approval!.owner = '';
    });
    const w = whats(doc);
    expect(w).toContain('service 192.0.2.10 tcp/22: approved without a justification');
    expect(w).toContain("service 192.0.2.10 tcp/443: the approval's owner is empty (Portolan writes null when none is named)");
  });

  it('an ignore that ends before it began', async () => {
    const doc = await forged((c) => {
      const s = svc(c, 22);
      s.status = 'ignored';
      s.approval = null;
      s.ignore = { reason: 'lab', ignoredBy: 'bob', ignoredAt: '2024-03-02T00:00:00.000+00:00', until: '2024-03-01T00:00:00.000+00:00', rule: null };
    });
    expect(whats(doc)).toContain('service 192.0.2.10 tcp/22: ignored until 2024-03-01T00:00:00.000+00:00, before it was ignored (2024-03-02T00:00:00.000+00:00)');
  });

  it('still passes every snapshot Portolan seals, scoped ones included', async () => {
    for (const scope of ['all', '192.0.2.0/24', 'subnet:2001:db8::/32']) expect(verifyDocument(await forged(() => undefined, BASE, scope)).problems).toEqual([]);
  });
});

describe('PDF export through a Chromium that misbehaves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-pdf-'));
  /** A "browser" that never starts: writes its pid, then sleeps (as a hung wrapper script would). */
  function sleeper(name: string): { exe: string; pidFile: string } {
    const exe = join(dir, name);
    const pidFile = join(dir, `${name}.pid`);
    writeFileSync(exe, `#!/bin/sh\nsleep 300 &\necho $! > ${pidFile}\nwait\n`);
    chmodSync(exe, 0o755);
    return { exe, pidFile };
  }
  /** Running, not a zombie (a container's init may not have reaped the killed sleep yet). */
  const running = (pid: number): boolean => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  /** Whether `pid` still runs after a moment (a SIGKILL is delivered asynchronously). */
  const alive = async (pid: number): Promise<boolean> => {
    for (let i = 0; i < 20 && running(pid); i++) await new Promise((r) => setTimeout(r, 50));
    return running(pid);
  };

  it('one that exits at once: one line, no colour codes, "did not start"', async () => {
    const err = (await htmlToPdf('<p>x</p>', { footer: '', executablePath: '/bin/false' }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(PdfUnavailable);
    expect(err.message).toMatch(/^Chromium at \/bin\/false did not start: it exited \(exit code 1\) before it was ready$/);
  });

  it('one that never starts: stopped after the launch timeout, its processes killed', async () => {
    const { exe, pidFile } = sleeper('hang-launch');
    const t = Date.now();
    const err = (await htmlToPdf('<p>x</p>', { footer: '', executablePath: exe, launchTimeoutMs: 1500 }).catch((e: unknown) => e)) as Error;
    expect(Date.now() - t).toBeLessThan(6000);
    expect(err.message).toBe(`Chromium at ${exe} did not start: no answer within 1.5 s`);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await alive(pid)).toBe(false);
  });

  it('an abort (Ctrl-C) stops it at once and kills what it started', async () => {
    const { exe, pidFile } = sleeper('hang-abort');
    const stop = new AbortController();
    const pending = htmlToPdf('<p>x</p>', { footer: '', executablePath: exe, signal: stop.signal }).catch((e: unknown) => e);
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(pidFile)).toBe(true);
    const t = Date.now();
    stop.abort('SIGINT');
    const err = await pending;
    expect(err).toBeInstanceOf(PdfAborted);
    expect(Date.now() - t).toBeLessThan(4000);
    expect(await alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });
});
