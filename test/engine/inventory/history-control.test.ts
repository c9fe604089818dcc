/**
 * A service with compensating-control events (`control`, `control-cleared`) still has a
 * host page and a history that pass the contract's own output schemas (the UI's client
 * checks every reply). Real engine on a real SQLite file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { recordSightings } from '../../../electron/engine/inventory/inventory';
import { setControl } from '../../../electron/engine/inventory/tags';
import { requests } from '../../../electron/shared/contract';
import { sight } from './support';

const engines: Engine[] = [];
afterAll(async () => {
  for (const e of engines) await e.close();
});

describe('history with compensating-control events', () => {
  it('host.get and service.history validate against the contract', async () => {
    const engine = await Engine.open({ dbPath: join(mkdtempSync(join(tmpdir(), 'portolan-histctl-')), 'h.db'), user: 'alice' });
    engines.push(engine);
    const db = engine.db;
    const cap = (await db.run('captureInsert', [null, '/x.pcap', null, 0, 'pcap', '', Date.now()])).lastID;
    await db.tx(async () => recordSightings(db, 'capture', cap, [sight({ host: '192.0.2.23', port: 23, service: 'telnet' })]));
    const id = (await db.query<{ id: number }>('SELECT id FROM services WHERE host = ? AND port = 23', ['192.0.2.23']))[0]!.id;
    await engine.handle('review.apply', { ids: [id], action: 'approve', reason: 'legacy PLC console', owner: 'ot team' });
    expect(await setControl(db, id, 'only from the jump host', 'alice')).toBe(true);
    expect(await setControl(db, id, '', 'alice')).toBe(true);

    const host = await engine.handle('host.get', { host: '192.0.2.23' });
    const checked = requests['host.get'].output.safeParse(host);
    expect(checked.success, JSON.stringify(checked.error?.issues)).toBe(true);
    expect(checked.data!.events.map((e) => e.action)).toEqual(expect.arrayContaining(['seen', 'approve', 'control', 'control-cleared']));

    const history = await engine.handle('service.history', { id });
    expect(requests['service.history'].output.safeParse(history).success).toBe(true);
  });
});
