/**
 * Ignore and auto-approve rules: matching by host, subnet (IPv4 and IPv6), port and
 * proto; first-sighting and retroactive application; insecure protocols never approved by
 * a broad rule; expiry and deletion return ignored services to the queue.
 */
import { describe, expect, it } from 'vitest';
import { recordSightings } from '../../../electron/engine/inventory/inventory';
import { deleteRule, listRules, saveRule } from '../../../electron/engine/inventory/rules';
import { sweepInventory } from '../../../electron/engine/inventory/gone';
import { keyRange } from '../../../electron/engine/inventory/hostkey';
import { insecureLabel } from '../../../electron/engine/inventory/insecure';
import { captureId, DAY, events, freshDb, idOf, sight, statusOf } from './support';

describe('key ranges', () => {
  it('turns addresses and subnets into host_key ranges, normalised', () => {
    expect(keyRange('198.51.100.77/24')).toMatchObject({ text: '198.51.100.0/24', lo: '00000000000000000000ffffc6336400', hi: '00000000000000000000ffffc63364ff' });
    expect(keyRange('2001:DB8:0:0::1')).toMatchObject({ text: '2001:db8::1' });
    expect(keyRange('2001:db8::/32').text).toBe('2001:db8::/32');
    for (const bad of ['198.51.100.0/33', '300.1.1.1', '1.2.3', '01.2.3.4', 'example.com', '::/129', '']) expect(() => keyRange(bad), bad).toThrow();
    // Blocks inside ::ffff:0:0/96 are IPv4 blocks, written as such.
    expect(keyRange('::ffff:10.0.0.0/104')).toMatchObject({ text: '10.0.0.0/8', lo: '00000000000000000000ffff0a000000', hi: '00000000000000000000ffff0affffff' });
    expect(keyRange('::ffff:0:0/96').text).toBe('0.0.0.0/0');
    expect(keyRange('::ffff:192.0.2.7/128').text).toBe('192.0.2.7/32');
    expect(keyRange('::ffff:192.0.2.7')).toMatchObject({ text: '192.0.2.7' });
    expect(keyRange(keyRange('::ffff:10.9.0.0/112').text)).toEqual(keyRange('::ffff:10.9.0.0/112'));
    expect(keyRange('::/95').text).toBe('::/95');
    expect(keyRange('2001:db8::/32').text).toBe('2001:db8::/32');
  });
});

describe('insecure protocols', () => {
  it('marks by service name when known, else by port; TLS-wrapped and HTTP are not marked', () => {
    expect(insecureLabel('tcp', 23, null)).toBe('telnet');
    expect(insecureLabel('udp', 161, null)).toBe('snmp');
    expect(insecureLabel('tcp', 161, null)).toBeNull();
    expect(insecureLabel('udp', 514, null)).toBeNull(); // syslog, not rsh
    expect(insecureLabel('tcp', 2121, 'ftp')).toBe('ftp');
    expect(insecureLabel('tcp', 23, 'ssh')).toBeNull();
    expect(insecureLabel('tcp', 993, 'ssl/imap')).toBeNull();
    expect(insecureLabel('tcp', 80, 'http')).toBeNull();
  });
});

describe('rules', () => {
  it('an approve rule approves matching new services with its owner, on first sighting and retroactively', async () => {
    const db = await freshDb();
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '198.51.100.5', port: 443 }), sight({ host: '198.51.100.6', port: 22 })]));
    const { rule, applied } = await saveRule(db, { kind: 'approve', subnet: '198.51.100.0/24', port: 443, proto: 'tcp', reason: 'web tier', owner: 'web team' }, 'alice');
    expect(applied).toBe(1);
    expect(await statusOf(db, '198.51.100.5', 443)).toBe('approved');
    expect(await statusOf(db, '198.51.100.6', 22)).toBe('new');
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '198.51.100.200', port: 443 }), sight({ host: '192.0.2.1', port: 443 })]));
    expect(await statusOf(db, '198.51.100.200', 443)).toBe('approved');
    expect(await statusOf(db, '192.0.2.1', 443)).toBe('new');
    const ev = await events(db, await idOf(db, '198.51.100.200', 443));
    expect(ev.map((e) => `${e.action}:${e.actor}`)).toEqual(['seen:portolan', `approve:rule:${rule.id}`]);
    expect(ev[1]).toMatchObject({ owner: 'web team', reason: 'web tier' });
    expect((await listRules(db)).find((r) => r.id === rule.id)).toMatchObject({ hits: 2, active: true, subnet: '198.51.100.0/24', createdBy: 'alice' });
  });

  it('a broad approve rule never approves an insecure protocol; one naming the port does', async () => {
    const db = await freshDb();
    await saveRule(db, { kind: 'approve', subnet: '203.0.113.0/24', reason: 'lab', owner: 'lab' }, 'a');
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '203.0.113.9', port: 23 }), sight({ host: '203.0.113.9', port: 8080 })]));
    expect(await statusOf(db, '203.0.113.9', 23)).toBe('new');
    expect(await statusOf(db, '203.0.113.9', 8080)).toBe('approved');
    await saveRule(db, { kind: 'approve', subnet: '203.0.113.0/24', port: 23, reason: 'console server, compensating: jump host only (PCI 1.2.6)', owner: 'lab' }, 'a');
    expect(await statusOf(db, '203.0.113.9', 23)).toBe('approved');
  });

  it('ignore rules win over approve rules, match IPv6 subnets and protos, and release on expiry or deletion', async () => {
    const db = await freshDb();
    const now = Date.now();
    await saveRule(db, { kind: 'approve', subnet: '2001:db8::/32', reason: 'v6 lab', owner: 'lab' }, 'a', now);
    const ign = await saveRule(db, { kind: 'ignore', subnet: '2001:db8:1::/48', proto: 'udp', reason: 'mDNS noise', expiresAt: new Date(now + DAY).toISOString() }, 'a', now);
    const ign2 = await saveRule(db, { kind: 'ignore', host: '2001:db8:2::9', reason: 'scanner box' }, 'a', now);
    await db.tx(async () =>
      recordSightings(db, 'capture', await captureId(db), [
        sight({ host: '2001:db8:1::5', port: 5353, proto: 'udp' }),
        sight({ host: '2001:db8:1::5', port: 22 }),
        sight({ host: '2001:db8:2::9', port: 80 }),
      ], now),
    );
    expect(await statusOf(db, '2001:db8:1::5', 5353, 'udp')).toBe('ignored');
    expect(await statusOf(db, '2001:db8:1::5', 22)).toBe('approved');
    expect(await statusOf(db, '2001:db8:2::9', 80)).toBe('ignored');
    expect(await sweepInventory(db, now + DAY + 1)).toMatchObject({ released: 1 });
    expect(await statusOf(db, '2001:db8:1::5', 5353, 'udp')).toBe('new');
    expect((await events(db, await idOf(db, '2001:db8:1::5', 5353, 'udp'))).at(-1)).toMatchObject({ action: 'unignore', reason: `rule ${ign.rule.id} expired` });
    expect(await deleteRule(db, ign2.rule.id, 'a')).toEqual({ id: ign2.rule.id, released: 1 });
    expect(await statusOf(db, '2001:db8:2::9', 80)).toBe('new');
    expect((await listRules(db)).map((r) => r.id)).not.toContain(ign2.rule.id);
    // History keeps naming the deleted rule.
    expect((await events(db, await idOf(db, '2001:db8:2::9', 80))).map((e) => e.actor)).toContain(`rule:${ign2.rule.id}`);
  });

  it('editing a rule releases what it no longer matches', async () => {
    const db = await freshDb();
    const r = await saveRule(db, { kind: 'ignore', subnet: '192.0.2.0/24', reason: 'noise' }, 'a');
    await db.tx(async () => recordSightings(db, 'capture', await captureId(db), [sight({ host: '192.0.2.1', port: 80 }), sight({ host: '192.0.2.1', port: 53, proto: 'udp' })]));
    await saveRule(db, { id: r.rule.id, kind: 'ignore', subnet: '192.0.2.0/24', proto: 'udp', reason: 'udp noise only' }, 'a');
    expect(await statusOf(db, '192.0.2.1', 80)).toBe('new');
    expect(await statusOf(db, '192.0.2.1', 53, 'udp')).toBe('ignored');
  });

  it('refuses rules that match everything, bad subnets, host and subnet together, approve without owner', async () => {
    const db = await freshDb();
    for (const bad of [
      { kind: 'ignore', reason: 'all' },
      { kind: 'ignore', subnet: '198.51.100.0/99', reason: 'x' },
      { kind: 'ignore', host: '192.0.2.1', subnet: '192.0.2.0/24', reason: 'x' },
      { kind: 'ignore', host: '192.0.2.0/24', reason: 'x' },
      { kind: 'approve', port: 443, reason: 'x' },
      { kind: 'ignore', port: 443, reason: '' },
    ]) {
      await expect(saveRule(db, bad as never, 'a'), JSON.stringify(bad)).rejects.toThrow();
    }
    expect(await listRules(db)).toEqual([]);
  });
});
