/**
 * The status model, transition by transition, against a real SQLite file:
 * new → approved / flagged / ignored, reopen, gone (period and closed scan), returned,
 * and that every change is one event in the append-only history (who, when, why).
 */
import { describe, expect, it } from 'vitest';
import { recordSightings } from '../../../electron/engine/inventory/inventory';
import { applyReview, serviceHistory } from '../../../electron/engine/inventory/review';
import { setGoneAfterDays, sweepInventory } from '../../../electron/engine/inventory/gone';
import { captureId, DAY, events, freshDb, idOf, scanWith, sight, statusOf, T0 } from './support';

const H = '192.0.2.10';

describe('status transitions', () => {
  it('a first sighting is new with a "seen" event by portolan', async () => {
    const db = await freshDb();
    const r = await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({})]));
    expect(r).toMatchObject({ added: 1, updated: 0 });
    const id = await idOf(db, H, 22);
    expect(await statusOf(db, H, 22)).toBe('new');
    expect(await events(db, id)).toEqual([expect.objectContaining({ action: 'seen', status_from: null, status_to: 'new', actor: 'portolan' })]);
  });

  it('approve records reason, owner and actor on the row and in the history', async () => {
    const db = await freshDb();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({})]));
    const id = await idOf(db, H, 22);
    const r = await applyReview(db, { ids: [id], action: 'approve', reason: 'bastion SSH, change CHG-1', owner: 'netops' }, 'alice');
    expect(r).toEqual({ changed: 1, skipped: 0, ids: [id] });
    const h = await serviceHistory(db, id);
    expect(h.service).toMatchObject({ status: 'approved', reason: 'bastion SSH, change CHG-1', owner: 'netops', reviewedBy: 'alice' });
    expect(h.events.at(-1)).toMatchObject({ action: 'approve', from: 'new', to: 'approved', actor: 'alice', owner: 'netops', reason: 'bastion SSH, change CHG-1' });
    expect(Date.parse(h.events.at(-1)!.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('repeating the same approval changes nothing and writes no event', async () => {
    const db = await freshDb();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({})]));
    const id = await idOf(db, H, 22);
    await applyReview(db, { ids: [id], action: 'approve', reason: 'ok', owner: 'netops' }, 'alice');
    const again = await applyReview(db, { ids: [id], action: 'approve', reason: 'ok', owner: 'netops' }, 'alice');
    expect(again).toEqual({ changed: 0, skipped: 1, ids: [] });
    expect((await events(db, id)).length).toBe(2);
  });

  it('flag, then approve (resolving the flag), then reopen back to new', async () => {
    const db = await freshDb();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({})]));
    const id = await idOf(db, H, 22);
    await applyReview(db, { ids: [id], action: 'flag', reason: 'nobody asked for this' }, 'bob');
    expect(await statusOf(db, H, 22)).toBe('flagged');
    await applyReview(db, { ids: [id], action: 'approve', reason: 'turns out CHG-7 needs it', owner: 'app team' }, 'alice');
    expect(await statusOf(db, H, 22)).toBe('approved');
    await applyReview(db, { ids: [id], action: 'reopen', reason: 'CHG-7 withdrawn' }, 'alice');
    expect(await statusOf(db, H, 22)).toBe('new');
    expect((await events(db, id)).map((e) => `${e.action}:${e.status_from}>${e.status_to}`)).toEqual(['seen:null>new', 'flag:new>flagged', 'approve:flagged>approved', 'reopen:approved>new']);
  });

  it('ignore by review with an expiry: out of the queue, back to new when it ends', async () => {
    const db = await freshDb();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({})]));
    const id = await idOf(db, H, 22);
    const now = Date.now();
    await applyReview(db, { ids: [id], action: 'ignore', reason: 'lab box', expiresAt: new Date(now + DAY).toISOString() }, 'carol', now);
    expect(await statusOf(db, H, 22)).toBe('ignored');
    expect(await sweepInventory(db, now + 1000)).toMatchObject({ released: 0 });
    expect(await sweepInventory(db, now + DAY + 1)).toMatchObject({ released: 1 });
    expect(await statusOf(db, H, 22)).toBe('new');
    expect((await events(db, id)).at(-1)).toMatchObject({ action: 'unignore', status_from: 'ignored', status_to: 'new', reason: 'ignore expired' });
  });

  it('refuses an approve without owner, an empty reason, control characters, and both ids and filter', async () => {
    const db = await freshDb();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({})]));
    const id = await idOf(db, H, 22);
    for (const bad of [
      { ids: [id], action: 'approve', reason: 'x' },
      { ids: [id], action: 'flag', reason: '   ' },
      { ids: [id], action: 'flag', reason: 'a\u0000b' },
      { ids: [id], filter: { port: 22 }, action: 'flag', reason: 'x' },
      { filter: {}, action: 'flag', reason: 'x' },
      { ids: [id], action: 'drop', reason: 'x' },
      { ids: [id], action: 'flag', reason: 'x', expiresAt: '2030-01-01T00:00:00Z' },
    ]) {
      await expect(applyReview(db, bad as never, 'eve'), JSON.stringify(bad)).rejects.toThrow();
    }
    await expect(applyReview(db, { ids: [999], action: 'flag', reason: 'x' }, 'eve')).rejects.toThrow(/no service/);
    expect(await statusOf(db, H, 22)).toBe('new');
    expect((await events(db, id)).length).toBe(1);
  });

  it('the history is append-only: the database refuses to edit or delete an event', async () => {
    const db = await freshDb();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({})]));
    await expect(db.query("UPDATE reviews SET actor = 'mallory'")).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM reviews')).rejects.toThrow(/append-only/);
  });
});

describe('gone and returned', () => {
  it('an approved service unseen for the gone period (while newer evidence arrives) is gone; seen again it returns to approved', async () => {
    const db = await freshDb();
    await setGoneAfterDays(db, 10);
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ lastSeenMs: T0 })]));
    const id = await idOf(db, H, 22);
    await applyReview(db, { ids: [id], action: 'approve', reason: 'ssh', owner: 'ops' }, 'alice');
    // Other evidence 11 days later: 22 has not been seen for 11 > 10 days.
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ port: 80, firstSeenMs: T0 + 11 * DAY, lastSeenMs: T0 + 11 * DAY })]));
    expect(await sweepInventory(db)).toMatchObject({ gone: 1 });
    expect(await statusOf(db, H, 22)).toBe('gone');
    // Re-ingesting the same old sighting does not bring it back.
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ lastSeenMs: T0 })]));
    expect(await statusOf(db, H, 22)).toBe('gone');
    // A new sighting does; the approval (reason, owner) is still there.
    const r = await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ firstSeenMs: T0 + 12 * DAY, lastSeenMs: T0 + 12 * DAY })]));
    expect(r.returned).toBe(1);
    const h = await serviceHistory(db, id);
    expect(h.service).toMatchObject({ status: 'approved', reason: 'ssh', owner: 'ops' });
    expect(h.events.map((e) => `${e.action}:${e.from}>${e.to}`)).toEqual(['seen:null>new', 'approve:new>approved', 'gone:approved>gone', 'returned:gone>approved']);
    expect(h.events[2]!.reason).toMatch(/not seen for 10 days/);
  });

  it("evidence about other hosts never ages a host's reviewed services", async () => {
    const db = await freshDb();
    await setGoneAfterDays(db, 10);
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ lastSeenMs: T0 })]));
    await applyReview(db, { ids: [await idOf(db, H, 22)], action: 'approve', reason: 'ssh', owner: 'ops' }, 'alice');
    // A year later, a scan of another host: this host is simply out of view, not gone.
    await db.tx(async () => recordSightings(db, 'scan', 1, [sight({ host: '127.0.0.1', port: 8080, evidence: 'scan', firstSeenMs: T0 + 365 * DAY, lastSeenMs: T0 + 365 * DAY })]));
    expect(await sweepInventory(db)).toMatchObject({ gone: 0 });
    expect(await statusOf(db, H, 22)).toBe('approved');
  });

  it('a flagged service found closed by a later scan is gone and returns as flagged; filtered never makes it gone', async () => {
    const db = await freshDb();
    await setGoneAfterDays(db, 0);
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ port: 23, lastSeenMs: T0 }), sight({ port: 25, lastSeenMs: T0 })]));
    const telnet = await idOf(db, H, 23);
    const smtp = await idOf(db, H, 25);
    await applyReview(db, { ids: [telnet], action: 'flag', reason: 'telnet must go' }, 'bob');
    await applyReview(db, { ids: [smtp], action: 'approve', reason: 'mail relay', owner: 'mail' }, 'bob');
    // An older scan's "closed" does not count; filtered never counts.
    await scanWith(db, T0 - DAY, [{ host: H, port: 23, state: 'closed' }]);
    await scanWith(db, T0 + DAY, [{ host: H, port: 25, state: 'filtered' }]);
    expect(await sweepInventory(db)).toMatchObject({ gone: 0 });
    const scan = await scanWith(db, T0 + 2 * DAY, [{ host: H, port: 23, state: 'closed' }]);
    expect(await sweepInventory(db)).toMatchObject({ gone: 1 });
    expect(await statusOf(db, H, 23)).toBe('gone');
    expect(await statusOf(db, H, 25)).toBe('approved');
    expect((await events(db, telnet)).at(-1)!.reason).toContain(`scan:${scan}`);
    // Evidence from before the closing scan does not bring it back; after it, it does.
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ port: 23, lastSeenMs: T0 + DAY })]));
    expect(await statusOf(db, H, 23)).toBe('gone');
    await db.tx(async () => recordSightings(db, 'scan', scan, [sight({ port: 23, evidence: 'scan', lastSeenMs: T0 + 3 * DAY })]));
    expect(await statusOf(db, H, 23)).toBe('flagged');
    expect((await events(db, telnet)).map((e) => e.action)).toEqual(['seen', 'flag', 'gone', 'returned']);
  });

  it('new services never go gone; a gone service can only be reopened', async () => {
    const db = await freshDb();
    await setGoneAfterDays(db, 1);
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ lastSeenMs: T0 }), sight({ port: 80, lastSeenMs: T0 }), sight({ port: 443, lastSeenMs: T0 + 5 * DAY })]));
    const id = await idOf(db, H, 80);
    await applyReview(db, { ids: [id], action: 'approve', reason: 'web', owner: 'web' }, 'a');
    await sweepInventory(db);
    expect(await statusOf(db, H, 22)).toBe('new');
    expect(await statusOf(db, H, 80)).toBe('gone');
    expect(await applyReview(db, { ids: [id], action: 'approve', reason: 'again', owner: 'web' }, 'a')).toMatchObject({ changed: 0, skipped: 1 });
    expect(await applyReview(db, { ids: [id], action: 'reopen', reason: 'decommissioned? look again' }, 'a')).toMatchObject({ changed: 1 });
    expect(await statusOf(db, H, 80)).toBe('new');
  });
});

describe('idempotent re-ingest', () => {
  it('merging the same sightings again changes nothing but last_seen (which only grows)', async () => {
    const db = await freshDb();
    const cap = await captureId(db);
    await db.tx(() => recordSightings(db, 'capture', cap, [sight({}), sight({ port: 80, service: 'http' })]));
    await applyReview(db, { ids: [await idOf(db, H, 22)], action: 'approve', reason: 'ssh', owner: 'ops' }, 'a');
    const snap = async () => db.query('SELECT id, host, proto, port, evidence, confidence, status, service, first_seen_ms, created_at, reason, owner, insecure FROM services ORDER BY id');
    const before = await snap();
    const eventsBefore = await db.query('SELECT * FROM reviews');
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({}), sight({ port: 80, service: 'http' })]));
    expect(await snap()).toEqual(before);
    expect(await db.query('SELECT * FROM reviews')).toEqual(eventsBefore);
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ lastSeenMs: T0 + DAY })]));
    expect(await snap()).toEqual(before);
    expect((await db.query<{ last_seen_ms: number }>('SELECT last_seen_ms FROM services WHERE port = 22'))[0]!.last_seen_ms).toBe(T0 + DAY);
  });
});
