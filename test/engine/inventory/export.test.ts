/**
 * The Inventory's "Export CSV" (services.export): every row the filter matches, in the
 * table's order, the same file `portolan services --format csv` writes; formulas
 * neutralised; more rows than a window export holds is refused with the command to use.
 * A real database file, the engine's own handler and the built CLI.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { exportServices } from '../../../electron/engine/inventory/export';
import { recordSightings, type Sighting } from '../../../electron/engine/inventory/inventory';
import { ensureBuilt, portolan } from '../../support/cli';

const FIX = resolve(__dirname, '../../fixtures/nmap');

/** RFC 4180 rows (quoted cells with doubled quotes, CRLF). */
function parseCsv(csv: string): string[][] {
  const text = csv.replace(/^\uFEFF/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    }
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('services.export', () => {
  let db = '';
  beforeAll(() => {
    ensureBuilt();
    db = join(mkdtempSync(join(tmpdir(), 'portolan-export-')), 'p.db');
    for (const args of [
      ['import', join(FIX, 'nmap-multi.xml'), join(FIX, 'masscan.xml')],
      ['review', '--status', 'new', '--port', '23', '--flag', '--reason', '=HYPERLINK("http://x") telnet from anywhere, "review"'],
    ]) {
      const r = portolan([...args, '--db', db], { PORTOLAN_USER: 'erin' });
      if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    }
  }, 120_000);

  it('is the CLI csv for the same filter, in the table order asked for, formulas neutralised', async () => {
    const engine = await Engine.open({ dbPath: db });
    try {
      const all = await engine.handle('services.export', { format: 'csv' });
      expect(all.mime).toBe('text/csv');
      expect(all.encoding).toBe('utf8');
      expect(all.filename).toMatch(/^portolan-services-\d{8}T\d{6}Z\.csv$/);
      // The file starts with a UTF-8 byte-order mark (spreadsheets); the CLI's standard output does not.
      expect(all.data).toBe(`\uFEFF${portolan(['services', '--db', db, '--format', 'csv']).stdout}`);
      const rows = parseCsv(all.data);
      const head = rows[0]!;
      expect(head.slice(0, 10)).toEqual(['host', 'port', 'proto', 'evidence', 'status', 'first_seen', 'last_seen', 'sources', 'service', 'confidence']);
      expect(rows.length - 1).toBe((await engine.handle('services.list', { limit: 5000 })).total);
      const flagged = rows.filter((r) => r[head.indexOf('status')] === 'flagged');
      expect(flagged.length).toBeGreaterThan(0);
      for (const r of flagged) {
        expect(r[head.indexOf('port')]).toBe('23');
        expect(r[head.indexOf('insecure')]).toBe('telnet');
        expect(r[head.indexOf('reason')]).toBe(`'=HYPERLINK("http://x") telnet from anywhere, "review"`);
        expect(r[head.indexOf('reviewed_by')]).toBe('erin');
      }

      // A filter and an order: flagged only, by port descending = the CLI's rows for that status.
      const some = await engine.handle('services.export', { status: 'flagged', sort: 'port', dir: 'desc', format: 'tsv' });
      expect(some.filename).toMatch(/^portolan-services-flagged-\d{8}T\d{6}Z\.tsv$/);
      expect(some.data).toBe(portolan(['services', '--db', db, '--status', 'flagged', '--format', 'tsv']).stdout);
      const byPort = await engine.handle('services.export', { sort: 'port', dir: 'desc' });
      const ports = parseCsv(byPort.data).slice(1).map((r) => Number(r[1]));
      expect(ports).toEqual([...ports].sort((a, b) => b - a));
      const none = await engine.handle('services.export', { search: 'no such thing anywhere' });
      expect(parseCsv(none.data)).toEqual([head]);
    } finally {
      await engine.close();
    }
  });

  it('more rows than a window export holds is refused, naming the command that exports them', async () => {
    const engine = await Engine.open({ dbPath: db });
    try {
      const total = (await engine.handle('services.list', {})).total;
      await expect(exportServices(engine.db, { format: 'csv' }, new Date(), total - 1)).rejects.toThrow(
        new RegExp(`^${total} services match, more than the ${total - 1} an export from the window holds: narrow the filter, or run 'portolan services --format csv' \\(with --status`),
      );
      expect(parseCsv((await exportServices(engine.db, { format: 'csv' }, new Date(), total)).data)).toHaveLength(total + 1);
      // Bytes too: one reply through the window's transport stays well under its limit.
      await expect(exportServices(engine.db, { format: 'csv' }, new Date(), total, 100)).rejects.toThrow(/^the export would be 1 MB, more than the 0 MB an export from the window holds: narrow the filter, or run 'portolan services --format csv' \(with --status/);
    } finally {
      await engine.close();
    }
  });
});

describe('services.export while the inventory changes', () => {
  it('reads every page in one read transaction: rows committed meanwhile neither repeat nor vanish', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-export-tx-'));
    const engine = await Engine.open({ dbPath: join(dir, 'p.db') });
    try {
      const hosts = (from: number, n: number): Sighting[] => Array.from({ length: n }, (_, i) => ({ host: '192.0.2.200', proto: 'tcp', port: from + i, evidence: 'import', confidence: 'certain', service: null, firstSeenMs: 1e12, lastSeenMs: 1e12, flows: 0, bytes: 0 }) as Sighting);
      await engine.db.tx(async () => recordSightings(engine.db, 'import', 1, hosts(1000, 12_000)));
      // Services on a lower-sorting host land before the pages still to come while the export reads.
      let added = false;
      const original = engine.db.read.bind(engine.db);
      engine.db.read = (async (sql: string, params?: unknown[]) => {
        const rows = await original(sql, params as never);
        if (!added) {
          added = true;
          await engine.db.tx(async () => recordSightings(engine.db, 'import', 2, hosts(1, 900).map((s) => ({ ...s, host: '192.0.2.100' }))));
        }
        return rows;
      }) as typeof engine.db.read;
      const e = await exportServices(engine.db, { format: 'tsv' });
      const keys = e.data.trim().split('\n').slice(1).map((l) => l.split('\t').slice(0, 3).join(' '));
      expect(added).toBe(true);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toHaveLength(12_000);
      expect((await engine.handle('services.list', {})).total).toBe(12_900);
    } finally {
      await engine.close();
    }
  }, 60_000);
});
