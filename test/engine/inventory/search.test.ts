/** The inventory's free-text search on a real SQLite file: what it matches, and that % and _ are literal. */
import { describe, expect, it } from 'vitest';
import { listServices, recordSightings } from '../../../electron/engine/inventory/inventory';
import { applyReview } from '../../../electron/engine/inventory/review';
import { captureId, freshDb, sight } from './support';

describe('search', () => {
  it('matches the review reason, owner, host names and banner as well as host, port and service', async () => {
    const db = await freshDb();
    await db.tx(async () =>
      recordSightings(db, 'capture', await captureId(db), [
        sight({ host: '192.0.2.80', port: 22, service: 'ssh', banner: 'SSH-2.0-OpenSSH_9.6' }),
        sight({ host: '192.0.2.81', port: 8080, hostnames: ['build.example.test'] }),
        sight({ host: '192.0.2.82', port: 3389 }),
      ]),
    );
    const id = (await db.query<{ id: number }>(`SELECT id FROM services WHERE port = 3389`))[0]!.id;
    await applyReview(db, { ids: [id], action: 'approve', reason: 'jump host, CHG-77 (100% reviewed)', owner: 'ops desk' }, 'alice');
    const hosts = async (search: string): Promise<string[]> => (await listServices(db, { search })).rows.map((r) => r.host);
    expect(await hosts('CHG-77')).toEqual(['192.0.2.82']);
    expect(await hosts('ops desk')).toEqual(['192.0.2.82']);
    expect(await hosts('OpenSSH_9')).toEqual(['192.0.2.80']);
    expect(await hosts('build.example')).toEqual(['192.0.2.81']);
    expect(await hosts('8080')).toEqual(['192.0.2.81']);
    expect(await hosts('100%')).toEqual(['192.0.2.82']);
    expect(await hosts('10_%')).toEqual([]);
    expect(await hosts('nothing like this')).toEqual([]);
  });
});
