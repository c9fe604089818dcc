/**
 * When an ignore ends is part of the decision: the history event records it (a review's
 * expiry, or the rule's), the service row shows the one in force (ignoreUntil, ruleId).
 * A real SQLite file through the inventory's own API.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../../support/cli';
import { listServices, recordSightings } from '../../../electron/engine/inventory/inventory';
import { applyReview, serviceHistory } from '../../../electron/engine/inventory/review';
import { saveRule } from '../../../electron/engine/inventory/rules';
import { captureId, DAY, freshDb, sight } from './support';

describe('ignore end', () => {
  it('is in the history event and on the row, for a review and for a rule; other events have none', async () => {
    const db = await freshDb();
    const now = Date.now();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.90', port: 123, proto: 'udp' }), sight({ host: '192.0.2.90', port: 5353, proto: 'udp' }), sight({ host: '192.0.2.90', port: 22 })], now));
    const rows = async () => (await listServices(db, {})).rows;
    const id = async (port: number) => (await rows()).find((r) => r.port === port)!.id;
    const until = new Date(now + 30 * DAY).toISOString();
    await applyReview(db, { ids: [await id(123)], action: 'ignore', reason: 'NTP pool', expiresAt: until }, 'carol', now);
    const ruleEnd = new Date(now + 90 * DAY).toISOString();
    const { rule } = await saveRule(db, { kind: 'ignore', port: 5353, proto: 'udp', reason: 'mDNS', expiresAt: ruleEnd }, 'dave', now);
    await applyReview(db, { ids: [await id(22)], action: 'ignore', reason: 'lab box, for good' }, 'carol', now);

    const last = async (port: number) => (await serviceHistory(db, await id(port))).events.at(-1)!;
    expect(await last(123)).toMatchObject({ action: 'ignore', actor: 'carol', until });
    expect(await last(5353)).toMatchObject({ action: 'ignore', actor: `rule:${rule.id}`, until: ruleEnd });
    expect(await last(22)).toMatchObject({ action: 'ignore', until: null });
    expect((await serviceHistory(db, await id(22))).events[0]).toMatchObject({ action: 'seen', until: null });
    const byPort = new Map((await rows()).map((r) => [r.port, r]));
    expect(byPort.get(123)).toMatchObject({ ignoreUntil: until, ruleId: null });
    expect(byPort.get(5353)).toMatchObject({ ignoreUntil: ruleEnd, ruleId: rule.id });
    expect(byPort.get(22)).toMatchObject({ ignoreUntil: null, ruleId: null });
    // Approving it ends the ignore: no end on the row any more.
    await applyReview(db, { ids: [await id(123)], action: 'approve', reason: 'time server', owner: 'infra' }, 'carol', now + 1);
    expect((await rows()).find((r) => r.port === 123)).toMatchObject({ status: 'approved', ignoreUntil: null });
    expect(await last(123)).toMatchObject({ action: 'approve', until: null });
  });
});

describe('review --history', () => {
  it('shows until when an ignore holds, on the service line and in the UNTIL column', () => {
    ensureBuilt();
    const db = join(mkdtempSync(join(tmpdir(), 'portolan-until-')), 'p.db');
    const run = (...args: string[]) => portolan([...args, '--db', db], { PORTOLAN_USER: 'carol' });
    expect(run('import', resolve(__dirname, '../../fixtures/nmap/nmap-multi.xml')).code).toBe(0);
    expect(run('review', '192.0.2.10:23/tcp', '--ignore', '--reason', 'lab console', '--expires', '2099-01-31').code).toBe(0);
    const h = run('review', '192.0.2.10:23/tcp', '--history');
    expect(h.code, h.stderr).toBe(0);
    const lines = h.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^192\.0\.2\.10:23\/tcp  ignored  .*until 2099-01-31T00:00:00\.000Z$/);
    expect(lines[1]).toMatch(/^WHEN +ACTION +FROM +TO +WHO +OWNER +UNTIL +WHY$/);
    expect(lines.at(-1)).toMatch(/ ignore +new +ignored +carol +2099-01-31T00:00:00\.000Z +lab console$/);
    expect(run('review', '192.0.2.10:23/tcp', '--ignore', '--reason', 'lab console, for good').code).toBe(0);
    expect(run('review', '192.0.2.10:23/tcp', '--history').stdout.trim().split('\n').at(-1)).toMatch(/ ignore +ignored +ignored +carol +never +lab console, for good$/);
  });
});
