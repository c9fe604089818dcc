/**
 * `service.control` (the UI's way to record a compensating control, as `portolan
 * control` does): through `engine.handle`, so the input is checked by the contract's
 * schema; on a real engine and SQLite file. The status stays; the history keeps who,
 * when and the note; an empty note clears it; an unknown id is NotFound; the inventory
 * announces the change.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { recordSightings } from '../../electron/engine/inventory/inventory';
import { requests } from '../../electron/shared/contract';
import { sight } from './inventory/support';

const engines: Engine[] = [];
afterAll(async () => {
  for (const e of engines) await e.close();
});

describe('service.control', () => {
  it('records and clears a compensating control, by the reviewing user, leaving the status', async () => {
    const engine = await Engine.open({ dbPath: join(mkdtempSync(join(tmpdir(), 'portolan-svcctl-')), 's.db'), user: 'alice' });
    engines.push(engine);
    // The UI's review dialog names this reviewer before anything is recorded.
    expect((await engine.handle('app.info', {})).reviewer).toBe('alice');
    const db = engine.db;
    const cap = (await db.run('captureInsert', [null, '/x.pcap', null, 0, 'pcap', '', Date.now()])).lastID;
    await db.tx(async () => recordSightings(db, 'capture', cap, [sight({ host: '192.0.2.21', port: 21, service: 'ftp' })]));
    const id = (await db.query<{ id: number }>('SELECT id FROM services WHERE host = ? AND port = 21', ['192.0.2.21']))[0]!.id;
    await engine.handle('review.apply', { ids: [id], action: 'approve', reason: 'partner drop box', owner: 'partner team' });
    const changes: unknown[] = [];
    engine.on('services.changed', (e) => changes.push(e));

    const r = await engine.handle('service.control', { id, note: 'reachable only through the TLS tunnel, CHG-9' });
    expect(requests['service.control'].output.parse(r)).toEqual({ changed: true });
    expect(await engine.handle('service.control', { id, note: 'reachable only through the TLS tunnel, CHG-9' })).toEqual({ changed: false });
    expect(changes).toEqual([{ added: 0, updated: 1 }]);

    let h = await engine.handle('service.history', { id });
    expect(h.service.status).toBe('approved');
    const ctl = h.events.find((e) => e.action === 'control')!;
    expect(ctl).toMatchObject({ from: 'approved', to: 'approved', reason: 'reachable only through the TLS tunnel, CHG-9', actor: 'alice' });
    expect(h.service.compensatingControl).toBe('reachable only through the TLS tunnel, CHG-9');
    // The Inventory's Export CSV (and `portolan services --format csv`) carries it in its last column.
    const csv = (await engine.handle('services.export', { format: 'csv', status: 'all' })).data.replace(/^\uFEFF/, '').split('\r\n');
    const head = csv[0]!.split(',');
    expect(head.at(-1)).toBe('compensating_control');
    expect(csv[1]!.endsWith(',"reachable only through the TLS tunnel, CHG-9"')).toBe(true);

    expect(await engine.handle('service.control', { id, note: '' })).toEqual({ changed: true });
    h = await engine.handle('service.history', { id });
    expect(h.events.some((e) => e.action === 'control-cleared' && e.actor === 'alice')).toBe(true);
    expect(h.service.compensatingControl).toBeNull();
    expect(h.service.status).toBe('approved');
  });

  it('refuses an unknown id, a bad note and extra fields', async () => {
    const engine = await Engine.open({ dbPath: join(mkdtempSync(join(tmpdir(), 'portolan-svcctl-')), 's.db') });
    engines.push(engine);
    await expect(engine.handle('service.control', { id: 999, note: 'x' })).rejects.toMatchObject({ name: 'NotFound', message: 'no service with id 999' });
    await expect(engine.handle('service.control', { id: 1, note: 'a\nb' })).rejects.toThrow(/control characters/);
    await expect(engine.handle('service.control', { id: 1, note: 'x'.repeat(513) })).rejects.toThrow();
    await expect(engine.handle('service.control', { id: 1, note: 'x', sql: 'DROP TABLE services' })).rejects.toThrow();
    await expect(engine.handle('service.control', { id: 0, note: 'x' })).rejects.toThrow();
  });
});
