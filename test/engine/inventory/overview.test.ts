/**
 * The Overview's insecure count agrees with snapshots (PCI DSS 1.2.6: insecure services
 * in use): every listening insecure service, ignored ones included; gone ones are not
 * listening and are left out. A real SQLite file, real sightings, reviews and a gone sweep.
 */
import { describe, expect, it } from 'vitest';
import { listServices, recordSightings } from '../../../electron/engine/inventory/inventory';
import { overviewStats } from '../../../electron/engine/inventory/overview';
import { applyReview } from '../../../electron/engine/inventory/review';
import { sweepInventory } from '../../../electron/engine/inventory/gone';
import { captureId, freshDb, idOf, scanWith, sight, statusOf, T0 } from './support';

describe('overview stats', () => {
  it('count insecure services that listen, ignored included, gone left out', async () => {
    const db = await freshDb();
    const h = '192.0.2.10';
    await db.tx(async () =>
      recordSightings(db, 'capture', await captureId(db), [
        sight({ host: h, port: 21 }), // ftp: will be ignored
        sight({ host: h, port: 23 }), // telnet: stays new
        sight({ host: h, port: 513 }), // rlogin: approved, then found closed (gone)
        sight({ host: h, port: 443 }), // not insecure
        sight({ host: '192.0.2.11', port: 23 }), // telnet: will be ignored
      ]),
    );
    await applyReview(db, { ids: [await idOf(db, h, 21), await idOf(db, '192.0.2.11', 23)], action: 'ignore', reason: 'lab box' }, 'carol');
    await applyReview(db, { ids: [await idOf(db, h, 513)], action: 'approve', reason: 'legacy, CHG-7', owner: 'ops' }, 'alice');
    await scanWith(db, T0 + 10_000, [{ host: h, port: 513, state: 'closed' }]);
    await sweepInventory(db, T0 + 20_000);
    expect(await statusOf(db, h, 513)).toBe('gone');
    const insecure = await db.query<{ port: number }>('SELECT port FROM services WHERE insecure IS NOT NULL ORDER BY port');
    expect(insecure.map((r) => r.port)).toEqual([21, 23, 23, 513]);
    const stats = await overviewStats(db, 30, T0 + 30_000);
    expect(stats.counts).toMatchObject({ insecure: 3, ignored: 2, new: 2, gone: 1, total: 5 });
    // The Overview card's list: status 'listening' (every status but gone), insecure only.
    const page = await listServices(db, { status: 'listening', insecure: true, search: '', sort: 'host', dir: 'asc', offset: 0, limit: 500 });
    expect(page.total).toBe(stats.counts.insecure);
    expect(page.rows.map((r) => `${r.host}:${r.port}`).sort()).toEqual(['192.0.2.10:21', '192.0.2.10:23', '192.0.2.11:23']);
  });
});
