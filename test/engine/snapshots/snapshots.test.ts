/**
 * Sealed snapshots against a real SQLite file: canonical form, seal and chain, verify
 * naming exactly what was altered, immutability in the database, diff, CSV safety and
 * the HTML report's escaping.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson, hashOf } from '../../../electron/engine/snapshots/canonical';
import { controlsOf } from '../../../electron/engine/snapshots/controls';
import { diffSnapshots, diffTsv } from '../../../electron/engine/snapshots/diff';
import { snapshotCsv } from '../../../electron/engine/snapshots/export-csv';
import { reportHtml } from '../../../electron/engine/snapshots/exports';
import { parseScope, inScope } from '../../../electron/engine/snapshots/scope';
import { sealContent, sealedText } from '../../../electron/engine/snapshots/seal';
import { getSnapshot, listSnapshots, takeSnapshot, verifyAgainstDb } from '../../../electron/engine/snapshots/store';
import type { SealedSnapshot } from '../../../electron/engine/snapshots/types';
import { findDuplicateKey, verifyDocument, verifyText } from '../../../electron/engine/snapshots/verify';
import type { Db } from '../../../electron/engine/store/db';
import { BASE, freshDb, hasColumn, seed, T0, type SvcSeed } from './fixture';

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

describe('canonical form', () => {
  it('sorts keys recursively, drops whitespace, and refuses values a file cannot carry back', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'é"\n' }], c: true } })).toBe('{"a":{"c":true,"d":[3,{"y":"é\\"\\n","z":null}]},"b":1}');
    expect(hashOf({ a: 1, b: 2 })).toBe(hashOf({ b: 2, a: 1 }));
    for (const bad of [1.5, NaN, Infinity, undefined, () => 1, new Date(0), 2 ** 60]) expect(() => canonicalJson({ x: bad })).toThrow();
  });

  it('is the same for the same inventory whatever the machine time zone', async () => {
    const texts: string[] = [];
    const csvs: string[] = [];
    const htmls: string[] = [];
    const saved = process.env.TZ;
    try {
      for (const tz of ['UTC', 'Pacific/Chatham', 'America/St_Johns', 'Asia/Kathmandu']) {
        process.env.TZ = tz;
        expect(new Date(T0).getTimezoneOffset() !== 0 || tz === 'UTC').toBe(true);
        const db = await dbWith(BASE);
        const r = await takeSnapshot(db, { note: 'tz', by: 'alice', nowMs: NOW });
        texts.push(sealedText(r.doc));
        csvs.push(snapshotCsv(r.doc));
        htmls.push((await reportHtml(db, r.id, NOW)).html);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
    expect(new Set(texts).size).toBe(1);
    expect(new Set(csvs).size).toBe(1);
    expect(new Set(htmls).size).toBe(1);
    expect(texts[0]).toContain('"takenAt":"2024-03-02T10:00:00.000+00:00"');
    expect(texts[0]).toContain('"windowStart":"2024-03-01T10:00:00.123456+00:00"');
  });
});

describe('taking and sealing', () => {
  it('records hosts, services, approvals, flags, insecure marks, evidence per source and how it was produced', async () => {
    const db = await dbWith(BASE);
    const { doc } = await takeSnapshot(db, { note: 'Q1', by: 'alice', nowMs: NOW });
    const s = doc.snapshot;
    expect(s.meta).toMatchObject({ id: 1, takenBy: 'alice', note: 'Q1', scope: 'all', prevSha256: null, format: 'portolan-snapshot', formatVersion: 1 });
    expect(s.hosts.map((h) => h.address)).toEqual(['192.0.2.9', '192.0.2.10', '2001:db8::5']);
    expect(s.services.map((x) => `${x.host} ${x.proto}/${x.port}`)).toEqual(['192.0.2.9 tcp/23', '192.0.2.9 udp/161', '192.0.2.10 tcp/22', '192.0.2.10 tcp/443', '2001:db8::5 tcp/8080']);
    const ssh = s.services[2]!;
    expect(ssh.approval).toEqual({ justification: 'Admin SSH from the jump host', owner: 'Infra', approvedBy: 'bob', approvedAt: '2024-03-01T10:00:02.600+00:00' });
    expect(ssh.sources.map((e) => `${e.source}:${e.flows}`)).toEqual(['capture:1:3', 'scan:1:0']);
    expect(s.services[0]!.flag).toMatchObject({ reason: 'Telnet must be off', flaggedBy: 'bob' });
    expect(s.services[0]!.insecure?.protocol).toBe('telnet');
    expect(s.services[1]!.insecure?.protocol).toBe('snmp');
    expect(s.services[2]!.insecure).toBeNull();
    if (await hasColumn(db, 'services', 'hostnames')) expect(s.hosts[1]!.hostnames).toEqual(['db1.example']);
    expect(s.sources.captures[0]).toMatchObject({ id: 'capture:1', fileSha256: 'ab'.repeat(32), linkTypes: [1, 113], filter: 'tcp or udp', packets: 120 });
    expect(s.sources.scans[0]).toMatchObject({ id: 'scan:1', targets: '192.0.2.0/24', ports: 'top:100', startedBy: 'alice', sourceAddress: '192.0.2.250', params: { timeout: 1500, concurrency: 200, rate: '0.5' } });
    expect(s.sources.imports[0]).toMatchObject({ id: 'import:1', tool: 'nmap', args: 'nmap -sT -p- 198.51.100.0/24', complete: true });
    expect(verifyDocument(JSON.parse(sealedText(doc))).ok).toBe(true);
  });

  it('chains each seal to the previous one and lists both intact', async () => {
    const db = await dbWith(BASE);
    const a = await takeSnapshot(db, { nowMs: NOW });
    const b = await takeSnapshot(db, { nowMs: NOW + 1000 });
    expect(b.doc.snapshot.meta.prevSha256).toBe(a.sha256);
    const list = await listSnapshots(db);
    expect(list.map((x) => [x.id, x.seal, x.prevSha256])).toEqual([
      [1, 'intact', null],
      [2, 'intact', a.sha256],
    ]);
  });

  it('is immutable in the database: UPDATE and DELETE are refused', async () => {
    const db = await dbWith(BASE);
    await takeSnapshot(db, { nowMs: NOW });
    await expect(db.query(`UPDATE snapshots SET note = 'edited' WHERE id = 1`)).rejects.toThrow(/immutable/);
    await expect(db.query(`UPDATE snapshots SET canonical_json = '{}' WHERE id = 1`)).rejects.toThrow(/immutable/);
    await expect(db.query(`DELETE FROM snapshots WHERE id = 1`)).rejects.toThrow(/immutable/);
    expect((await listSnapshots(db))[0]!.seal).toBe('intact');
  });

  it('limits to a subnet or refuses a scope that matches nothing', async () => {
    const db = await dbWith(BASE);
    const { doc } = await takeSnapshot(db, { scope: '192.0.2.8/29', nowMs: NOW });
    expect(doc.snapshot.meta.scope).toBe('subnet:192.0.2.8/29');
    expect(doc.snapshot.hosts.map((h) => h.address)).toEqual(['192.0.2.9', '192.0.2.10']);
    await expect(takeSnapshot(db, { scope: '198.51.100.0/24' })).rejects.toThrow(/matches no host/);
    await expect(takeSnapshot(db, { scope: 'tag:CDE' })).rejects.toThrow(/matches no host/);
    expect(() => parseScope('not a scope')).toThrow(/not 'all', a subnet/);
    expect(inScope(parseScope('2001:db8::/32'), '2001:db8::5', [])).toBe(true);
    expect(inScope(parseScope('192.0.2.0/24'), '::ffff:192.0.2.7', [])).toBe(true);
    expect(inScope(parseScope('tag:cde'), '192.0.2.1', ['CDE'])).toBe(true);
    expect((await listSnapshots(db)).length).toBe(1);
  });
});

/** Every leaf of a JSON value with its path. */
function leaves(v: unknown, path: Array<string | number> = []): Array<{ path: Array<string | number>; value: unknown }> {
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, Array.isArray(v) ? Number(k) : k]));
  return [{ path, value: v }];
}

function mutate(v: unknown): unknown {
  if (typeof v === 'string') return v === '' ? 'x' : v.slice(0, -1) + (v.endsWith('a') ? 'b' : 'a');
  if (typeof v === 'number') return v + 1;
  if (typeof v === 'boolean') return !v;
  return 'x';
}

/** Where verify must point for an edit at `path` of the exported document. */
function expectedWhere(doc: SealedSnapshot, path: Array<string | number>): string {
  if (path[0] === 'seal') return 'seal';
  const [, section, i] = path;
  if (section === 'meta') return 'meta';
  if (section === 'rules') return 'rules';
  if (section === 'hosts') return `host ${doc.snapshot.hosts[i as number]!.address}`;
  if (section === 'services') {
    const s = doc.snapshot.services[i as number]!;
    return `service ${s.host} ${s.proto}/${s.port}`;
  }
  if (section === 'sources') {
    const list = doc.snapshot.sources[i as 'captures' | 'scans' | 'imports'];
    return `source ${list[path[3] as number]!.id}`;
  }
  throw new Error(`unexpected path ${path.join('.')}`);
}

describe('verify', () => {
  it('catches every single-field edit of an exported file and names what was altered', async () => {
    const db = await dbWith(BASE);
    await takeSnapshot(db, { nowMs: NOW });
    const r = await takeSnapshot(db, { note: 'second', nowMs: NOW + 1 });
    const text = sealedText(r.doc);
    expect(verifyText(text).ok).toBe(true);
    const all = leaves(JSON.parse(text));
    expect(all.length).toBeGreaterThan(150);
    for (const { path, value } of all) {
      const doc = JSON.parse(text) as Record<string, unknown>;
      let at: Record<string | number, unknown> = doc;
      for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
      at[path[path.length - 1]!] = mutate(value);
      const rep = verifyDocument(doc);
      const label = path.join('.');
      expect(rep.ok, label).toBe(false);
      expect(rep.problems.map((p) => p.where), label).toContain(expectedWhere(r.doc, path));
    }
  });

  it('names added, removed and reordered items and keys outside the seal', async () => {
    const db = await dbWith(BASE);
    const { doc } = await takeSnapshot(db, { nowMs: NOW });
    const text = sealedText(doc);
    const edit = (fn: (d: SealedSnapshot & Record<string, unknown>) => void): string[] => {
      const d = JSON.parse(text) as SealedSnapshot & Record<string, unknown>;
      fn(d);
      return verifyDocument(d).problems.map((p) => p.what);
    };
    expect(edit((d) => d.snapshot.services.splice(1, 1))).toEqual(['service 192.0.2.9 udp/161 was removed: the seal lists it']);
    expect(edit((d) => d.snapshot.services.push({ ...d.snapshot.services[0]!, port: 2323 }))).toEqual(expect.arrayContaining(['service 192.0.2.9 tcp/2323 was added: it is not in the seal']));
    expect(edit((d) => d.snapshot.hosts.reverse())).toEqual(['hosts were reordered (not in canonical order)']);
    expect(edit((d) => (d.extra = 1))).toEqual(['unexpected top-level key "extra" (not covered by the seal)']);
    expect(edit((d) => ((d.snapshot as unknown as Record<string, unknown>).comments = []))).toEqual(['snapshot.comments was added: it is not covered by the seal']);
    expect(edit((d) => (d.seal.sha256 = '0'.repeat(64)))).toEqual(["the seal was altered: seal.sha256 does not match the item hashes, which all match the content (seal.sha256 was edited, or items were removed from both the content and the seal's list)"]);
    expect(verifyText('{"snapshot":').problems[0]!.what).toMatch(/not JSON/);
    expect(verifyText('[]').ok).toBe(false);
  });

  it('names the removed or altered host first when the seal was edited too', async () => {
    const db = await dbWith(BASE);
    const { doc } = await takeSnapshot(db, { nowMs: NOW });
    const text = sealedText(doc);
    const verify = (fn: (d: SealedSnapshot) => void) => {
      const d = JSON.parse(text) as SealedSnapshot;
      fn(d);
      return verifyDocument(d).problems;
    };
    const dropHost = (d: SealedSnapshot, fromSeal: boolean) => {
      d.snapshot.hosts = d.snapshot.hosts.filter((h) => h.address !== '192.0.2.9');
      if (fromSeal) delete (d.seal.items.hosts as Record<string, string>)['192.0.2.9'];
    };
    // Host removed from the content and from the seal's list: every remaining item still
    // matches its hash, yet the host is named, before the seal.
    const both = verify((d) => dropHost(d, true));
    expect(both.map((p) => p.where)).toEqual(['host 192.0.2.9', 'seal']);
    expect(both[0]!.what).toBe('host 192.0.2.9 was removed: service 192.0.2.9 tcp/23 still names it');
    // ... and with the top hash recomputed, the host is the one problem left.
    const resealed = verify((d) => {
      dropHost(d, true);
      d.seal.sha256 = sealContent(d.snapshot).seal.sha256;
      d.seal.items.hosts = sealContent(d.snapshot).seal.items.hosts;
    });
    expect(resealed).toEqual([{ where: 'host 192.0.2.9', what: 'host 192.0.2.9 was removed: service 192.0.2.9 tcp/23 still names it' }]);
    // Host removed, seal hash edited: the host first.
    const edited = verify((d) => {
      dropHost(d, false);
      d.seal.sha256 = 'f'.repeat(64);
    });
    expect(edited.map((p) => p.where)).toEqual(['host 192.0.2.9', 'seal']);
    expect(edited[0]!.what).toBe('host 192.0.2.9 was removed: the seal lists it');
    // Host altered, seal hash edited: the host first.
    const altered = verify((d) => {
      d.snapshot.hosts[0]!.mac = '00:00:5e:00:53:ff';
      d.seal.sha256 = 'f'.repeat(64);
    });
    expect(altered.map((p) => p.where)).toEqual([`host ${doc.snapshot.hosts[0]!.address}`, 'seal']);
    // A host whose services were all removed (with their seal entries) is named too.
    const orphan = verify((d) => {
      d.snapshot.services = d.snapshot.services.filter((x) => x.host !== '192.0.2.9');
      for (const k of Object.keys(d.seal.items.services)) if (k.startsWith('192.0.2.9 ') || k.startsWith('192.0.2.9:')) delete (d.seal.items.services as Record<string, string>)[k];
    });
    expect(orphan[0]).toEqual({ where: 'host 192.0.2.9', what: 'host 192.0.2.9 has no service left: its services were removed (every host in a snapshot has one)' });
    // Only the top hash edited: the seal, and what else could explain it.
    expect(verify((d) => (d.seal.sha256 = 'f'.repeat(64))).map((p) => p.where)).toEqual(['seal']);
  });

  it('refuses a document with duplicate keys, naming the key and where it is', async () => {
    const db = await dbWith(BASE);
    const { doc } = await takeSnapshot(db, { nowMs: NOW });
    const text = sealedText(doc);
    expect(findDuplicateKey(text)).toBeNull();
    // The sealed value first, a second "status" after it: JSON.parse would keep the second.
    const svc = doc.snapshot.services[1]!;
    const dupStatus = text.replace(`"status":"${svc.status}"`, `"status":"${svc.status}","status":"approved"`);
    expect(dupStatus).not.toBe(text);
    const r = verifyText(dupStatus);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([{ where: 'snapshot.services[1]', what: 'duplicate key "status" in snapshot.services[1]: a sealed document with duplicated keys is ambiguous (readers disagree on which value counts)' }]);
    // Anywhere: the top level, the seal's item list, with whitespace and escapes around.
    expect(findDuplicateKey(text.replace('{"seal":', '{"seal":{},"seal":'))).toEqual({ key: 'seal', path: '' });
    expect(findDuplicateKey('{"a": [1, {"b\\"": 1, "c": {"x": "\\"}"}, "b\\"": 2}]}')).toEqual({ key: 'b"', path: 'a[1]' });
    expect(findDuplicateKey('{"a": [1, {"b": 1}], "k y": {"z": 1, "z": 2}}')).toEqual({ key: 'z', path: '["k y"]' });
    expect(findDuplicateKey('[{"a":1},{"a":1}]')).toBeNull();
    expect(verifyText('\uFEFF' + text).ok).toBe(true);
  });

  it('against the database, catches a file whose hashes were all recomputed after an edit', async () => {
    const db = await dbWith(BASE);
    const { id, doc } = await takeSnapshot(db, { nowMs: NOW });
    await takeSnapshot(db, { nowMs: NOW + 1 });
    const forged = JSON.parse(sealedText(doc)) as SealedSnapshot;
    forged.snapshot.services[0]!.service = 'nothing-to-see';
    const reSealed = sealContent(forged.snapshot);
    const offline = verifyDocument(JSON.parse(sealedText(reSealed)));
    expect(offline.ok).toBe(true); // an unkeyed hash cannot see this on its own
    const problems = await verifyAgainstDb(db, offline);
    expect(problems.map((p) => p.where)).toContain('database');
    expect(problems[0]!.what).toMatch(new RegExp(`snapshot ${id} is sealed ${doc.seal.sha256}`));
    expect(await verifyAgainstDb(db, verifyDocument(JSON.parse(sealedText(doc))))).toEqual([]);
  });
});

describe('diff', () => {
  it('reports new, gone and changed services (status, approval), new and gone hosts', async () => {
    const a = await dbWith(BASE);
    const before = (await takeSnapshot(a, { nowMs: NOW })).doc;
    const changed: SvcSeed[] = [
      { ...BASE[0]!, reviews: [{ action: 'approve', reason: 'Admin SSH from the jump host', owner: 'Platform team' }] },
      BASE[1]!,
      BASE[2]!,
      { host: '198.51.100.7', port: 3389, service: 'rdp', status: 'new' },
      { ...BASE[4]!, status: 'flagged', reviews: [{ action: 'flag', reason: 'No web on this host' }] },
    ];
    const b = await dbWith(changed);
    const after = (await takeSnapshot(b, { nowMs: NOW + 5000 })).doc;
    const d = diffSnapshots(before, after);
    expect(d.same).toBe(false);
    expect(d.hosts).toEqual({ new: ['198.51.100.7'], gone: [] });
    expect(d.services.new.map((s) => `${s.host} ${s.proto}/${s.port}`)).toEqual(['198.51.100.7 tcp/3389']);
    expect(d.services.gone.map((s) => `${s.host} ${s.proto}/${s.port}`)).toEqual(['192.0.2.9 udp/161']);
    expect(d.services.changed.map((s) => [`${s.host}/${s.port}`, s.changes.map((c) => c.field)])).toEqual([
      ['192.0.2.10/22', ['approval.owner']],
      ['2001:db8::5/8080', ['status', 'flag.reason']],
    ]);
    expect(diffTsv(d).split('\n')[0]).toBe('kind\tchange\thost\tproto\tport\tfield\tbefore\tafter');
    expect(diffTsv(d)).toContain('service\tchanged\t192.0.2.10\ttcp\t22\tapproval.owner\tInfra\tPlatform team');
  });

  it('does not count a hostname-only change, nor newer last-seen times, as a change', async () => {
    const a = await dbWith(BASE);
    const before = (await takeSnapshot(a, { nowMs: NOW })).doc;
    const b = await dbWith(BASE.map((s) => ({ ...s, hostnames: 'renamed.example other.example' })));
    await b.query(`UPDATE services SET last_seen_ms = last_seen_ms + 999999`);
    const after = (await takeSnapshot(b, { nowMs: NOW + 1 })).doc;
    if (await hasColumn(b, 'services', 'hostnames')) expect(after.snapshot.hosts.find((h) => h.address === '192.0.2.9')!.hostnames).toEqual(['other.example', 'renamed.example']);
    const d = diffSnapshots(before, after);
    expect(d.same).toBe(true);
    expect(d.warnings).toEqual([]);
    expect(diffSnapshots(after, after).same).toBe(true);
  });

  it('warns when the two snapshots cover different scopes', async () => {
    const db = await dbWith(BASE);
    const all = (await takeSnapshot(db, { nowMs: NOW })).doc;
    const subnet = (await takeSnapshot(db, { nowMs: NOW + 1, scope: '192.0.2.0/24' })).doc;
    const d = diffSnapshots(all, subnet);
    expect([d.a.scope, d.b.scope]).toEqual(['all', 'subnet:192.0.2.0/24']);
    expect(d.warnings).toEqual([`the snapshots cover different scopes (#${all.snapshot.meta.id}: all, #${subnet.snapshot.meta.id}: subnet:192.0.2.0/24): hosts outside one of them show as new or gone without having changed`]);
    expect(d.hosts.gone.length).toBeGreaterThan(0);
    expect(diffSnapshots(subnet, subnet).warnings).toEqual([]);
    // The report never makes that comparison: its baseline is the previous snapshot of the same scope.
    const { html } = await reportHtml(db, subnet.snapshot.meta.id, NOW);
    expect(html).toContain('This is the first snapshot of scope <span class="mono">subnet:192.0.2.0/24</span>');
    expect(html).not.toContain('Caution:');
    expect((await reportHtml(db, all.snapshot.meta.id, NOW)).html).not.toContain('Caution:');
  });
});

/** A strict RFC 4180 reader: returns rows of cells, throws on malformed quoting. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else cell += text[i++];
      }
    } else while (i < text.length && text[i] !== ',' && text[i] !== '\r') cell += text[i++];
    row.push(cell);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else if (i < text.length) throw new Error(`bad character at ${i}`);
  }
  return rows;
}

describe('exports', () => {
  const HOSTILE = ['=HYPERLINK("http://x","y")', '+1+cmd|calc', '-2+3', '@SUM(A1:A9)', '\tTAB', '\rCR', 'a,b "quoted", and\nnewline'];

  it('CSV: one row per service; formula cells neutralised; quotes, commas and newlines survive', async () => {
    const db = await dbWith(HOSTILE.map((h, i) => ({ host: `192.0.2.${20 + i}`, port: 1000 + i, service: h, banner: h, status: 'approved', reviews: [{ action: 'approve' as const, reason: h, owner: h }] })));
    const { doc } = await takeSnapshot(db, { nowMs: NOW });
    const rows = parseCsv(snapshotCsv(doc));
    expect(rows[0]).toContain('justification');
    expect(rows.length).toBe(1 + HOSTILE.length);
    const col = (name: string) => rows[0]!.indexOf(name);
    for (const [i, h] of HOSTILE.entries()) {
      const r = rows[i + 1]!;
      expect(r.length).toBe(rows[0]!.length);
      for (const name of ['service', 'justification', 'owner', 'banner']) {
        const v = r[col(name)]!;
        if (/^[=+\-@\t\r]/.test(h)) expect(v, `${name} ${JSON.stringify(h)}`).toBe(`'${h}`);
        else expect(v).toBe(h);
        expect(v).not.toMatch(/^[=+\-@\t\r]/);
      }
    }
    // The JSON export keeps the raw text.
    expect(doc.snapshot.services.map((s) => s.service)).toEqual(expect.arrayContaining(HOSTILE));
  });

  it('HTML report: self-contained, every value escaped, the controls and the seal present', async () => {
    const evil = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    const db = await dbWith([...BASE, { host: '192.0.2.66', port: 6666, service: evil, banner: evil, status: 'approved', reviews: [{ action: 'approve', reason: `"'><svg onload=alert(3)>`, owner: evil }] }]);
    await takeSnapshot(db, { note: `note ${evil}`, nowMs: NOW });
    const r = await takeSnapshot(db, { nowMs: NOW + 1000 });
    const { html } = await reportHtml(db, r.id, NOW);
    expect(html).not.toMatch(/<script|<img|<svg|<link|<iframe/i);
    // No tag carries an event handler, a source or a link: nothing can fetch or run.
    expect(html).not.toMatch(/<[^>]*\s(on\w+|src|href)\s*=/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain("default-src 'none'");
    for (const c of ['PCI DSS v4.0 1.2.5', 'PCI DSS v4.0 1.2.6', 'PCI DSS v4.0 2.2.4', 'PCI DSS v4.0 11.3.1', 'NERC CIP-007-6 R1.1', 'NERC CIP-010-4 R1.1.4', 'CIS Controls v8 4.8']) expect(html).toContain(c);
    expect(html).toContain(r.sha256);
    expect(html).toContain('Compared with snapshot #1');
    expect(html).toContain('sealed and chained to the previous snapshot.');
    // The first snapshot is a baseline with nothing before it: it claims no chain link.
    const first = (await reportHtml(db, 1, NOW)).html;
    expect(first).toContain('No earlier snapshot: this is the first baseline.');
    expect(first).not.toContain('chained to the previous snapshot');
    const { doc } = await getSnapshot(db, r.id);
    expect(doc.seal.sha256).toBe(r.sha256);
  });
});

describe('CIS Controls v8 1.3 and 1.5: discovery cadence from the snapshot\'s own sources', () => {
  // The fixture's sources: a connect scan at T0 - 1 day, an nmap report started at
  // T0 - 1 hour, a capture whose traffic ends at T0 + 60 s.
  const cis = async (atMs: number): Promise<Record<string, { status: string; findings: string[] }>> => {
    const db = await dbWith(BASE);
    const { doc } = await takeSnapshot(db, { nowMs: atMs });
    return Object.fromEntries(controlsOf(doc, null).filter((c) => c.id.startsWith('CIS Controls v8 1.')).map((c) => [c.id.slice(-3), c]));
  };

  it('an active scan within the day and traffic within the week are complete', async () => {
    const c = await cis(T0 + 2 * 3_600_000);
    expect(c['1.3']).toMatchObject({ status: 'complete', findings: ['Most recent active scan: 2024-03-01T09:00:00.000+00:00 (within the day before the snapshot).', 'Active scans on 2 of the 7 days before the snapshot.'] });
    expect(c['1.5']).toMatchObject({ status: 'complete', findings: ['1 capture (files and live) on record.', 'Newest traffic captured: 2024-03-01T10:01:00.000+00:00 (within the day before the snapshot).'] });
  });

  it('a scan more than a day old, and traffic a week old, need attention', async () => {
    const day = await cis(NOW + 2 * 3_600_000);
    expect(day['1.3']!.status).toBe('attention');
    expect(day['1.3']!.findings[0]).toBe('Most recent active scan: 2024-03-01T09:00:00.000+00:00 (1 day before the snapshot).');
    expect(day['1.5']!.status).toBe('complete');
    const later = await cis(T0 + 10 * 86_400_000);
    expect(later['1.3']).toMatchObject({ status: 'attention', findings: [expect.stringContaining('(10 days before'), 'Active scans on 0 of the 7 days before the snapshot.'] });
    expect(later['1.5']).toMatchObject({ status: 'attention', findings: ['1 capture (files and live) on record.', expect.stringContaining('(9 days before the snapshot)')] });
  });
});
