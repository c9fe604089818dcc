/**
 * Noticing the new: the engine raises `services.new` with exactly the services that
 * entered the queue (not those a rule ignored or approved, not those already known),
 * and the desktop side groups bursts into one notification.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { NewServicesEvent } from '../../../electron/shared';
import { Engine } from '../../../electron/engine/engine';
import { NotificationGrouper, noticeFor } from '../../../electron/engine/inventory/notify';
import { pcapFile, tcpFrame, type Rec } from '../../support/frames';

function capture(dir: string, name: string, listeners: Array<[string, number]>): string {
  const recs: Rec[] = [];
  const t0 = Date.now() * 1000;
  listeners.forEach(([host, port], i) => {
    recs.push({ tsUs: t0 + i * 1000, data: tcpFrame({ src: '192.0.2.50', dst: host, sport: 40000 + i, dport: port, flags: 'S' }) });
    recs.push({ tsUs: t0 + i * 1000 + 10, data: tcpFrame({ src: host, dst: '192.0.2.50', sport: port, dport: 40000 + i, flags: 'SA', ack: 1 }) });
  });
  const path = join(dir, name);
  writeFileSync(path, pcapFile(recs));
  return path;
}

describe('services.new', () => {
  it('carries exactly the newly queued services of each ingest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-notify-'));
    const engine = await Engine.open({ dbPath: join(dir, 'n.db'), user: 'tester' });
    const seen: NewServicesEvent[] = [];
    engine.on('services.new', (e) => seen.push(e));
    await engine.handle('rules.save', { kind: 'ignore', host: '198.51.100.9', reason: 'noise' });
    const a = await engine.startIngest([capture(dir, 'a.pcap', [['198.51.100.2', 22], ['198.51.100.9', 80]])]);
    await engine.jobs.wait(a.id);
    await engine.inventory.idle();
    await vi.waitFor(() => expect(seen.length).toBe(1));
    expect(seen[0]).toMatchObject({ total: 1, services: [{ host: '198.51.100.2', port: 22, proto: 'tcp' }] });
    const b = await engine.startIngest([capture(dir, 'b.pcap', [['198.51.100.2', 22], ['198.51.100.2', 23]])]);
    await engine.jobs.wait(b.id);
    await vi.waitFor(() => expect(seen.length).toBe(2));
    expect(seen[1]).toMatchObject({ total: 1, services: [{ port: 23, insecure: 'telnet' }] });
    await engine.close();
  });
});

describe('NotificationGrouper', () => {
  it('turns a burst into one grouped notice, insecure first, and throttles the next', () => {
    vi.useFakeTimers();
    try {
      const fired: string[] = [];
      const g = new NotificationGrouper((n) => fired.push(`${n.title}|${n.body}`), 1000, 10_000);
      const svc = (port: number, insecure: string | null = null) => ({ id: port, host: '192.0.2.1', port, proto: 'tcp' as const, service: null, insecure });
      g.add({ services: [svc(80), svc(443)], total: 2 });
      g.add({ services: [svc(23, 'telnet')], total: 400 });
      vi.advanceTimersByTime(999);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(fired).toHaveLength(1);
      expect(fired[0]).toMatch(/^402 new listening services\|192\.0\.2\.1:23\/tcp \(insecure: telnet\)\n/);
      expect(fired[0]).toMatch(/and 399 more/);
      g.add({ services: [svc(8080)], total: 1 });
      vi.advanceTimersByTime(5000);
      expect(fired).toHaveLength(1); // inside the 10 s gap
      vi.advanceTimersByTime(5000);
      expect(fired).toHaveLength(2);
      expect(fired[1]).toBe('New listening service|192.0.2.1:8080/tcp');
      g.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes IPv6 hosts in brackets', () => {
    expect(noticeFor([{ id: 1, host: '2001:db8::1', port: 53, proto: 'udp', service: 'domain', insecure: null }], 1).body).toBe('[2001:db8::1]:53/udp domain');
  });
});
