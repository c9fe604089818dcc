// @vitest-environment happy-dom
/**
 * The Capture view against the in-memory engine: the clear message and fix when capture
 * cannot run, the protocol and ignore pickers (bad entries caught before anything is
 * sent), start / live counters / newly seen services / stop, and saved profiles.
 */
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import CaptureView from '../../renderer/src/views/CaptureView.vue';
import { PlatformKey } from '../../renderer/src/platform/inject';
import { ratesFrom, sparkline, badIgnoreEntries } from '../../renderer/src/stores/capture';
import { createMemoryEngine, jobSnapshot, serviceRow, settle, type MemoryEngine } from './memory-engine';

function mountView(engine: MemoryEngine) {
  return mount(CaptureView, { global: { plugins: [createPinia()], provide: { [PlatformKey as symbol]: engine.platform } } });
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('Capture view', () => {
  it('says why capture cannot run and how to fix it, and offers no Start', async () => {
    const engine = createMemoryEngine();
    engine.capture.interfaces = {
      ok: false,
      libpcap: 'libpcap version 1.10.4',
      problem: { code: 'no-permission', message: 'no permission to capture (socket: Operation not permitted)', fix: 'sudo setcap cap_net_raw,cap_net_admin=eip /usr/local/lib/portolan/portolan-capture' },
      interfaces: [{ name: 'eth0', description: null, addresses: [], loopback: false }],
    };
    const w = mountView(engine);
    await settle();
    expect(w.get('[data-testid="capture-problem"]').text()).toMatch(/not available here.*Operation not permitted/);
    expect(w.get('[data-testid="capture-fix"]').text()).toBe('sudo setcap cap_net_raw,cap_net_admin=eip /usr/local/lib/portolan/portolan-capture');
    expect(w.get('[data-testid="capture-start"]').attributes('disabled')).toBeDefined();
  });

  it('captures what was picked, shows live counters and new services, and stops', async () => {
    const engine = createMemoryEngine();
    const w = mountView(engine);
    await settle();
    expect(w.get<HTMLSelectElement>('[data-testid="interface-select"]').element.value).toBe('eth0');
    await w.get('[data-testid="transport-tcp"]').setValue(true);
    await w.get('[data-testid="app-http"]').setValue(true);
    await w.get('[data-testid="ignore"]').setValue('192.0.2.0/24, bogus');
    await settle();
    expect(w.get('[data-testid="ignore-problems"]').text()).toMatch(/bogus/);
    expect(w.get('[data-testid="capture-start"]').attributes('disabled')).toBeDefined();
    await w.get('[data-testid="ignore"]').setValue('192.0.2.0/24, 22');
    await new Promise((r) => setTimeout(r, 250));
    await settle();
    expect(w.get('[data-testid="selection-summary"]').text()).toMatch(/http/);
    await w.get('[data-testid="capture-start"]').trigger('click');
    await settle();
    const start = engine.calls.find((c) => c.channel === 'capture.start')!;
    expect(start.input).toMatchObject({ interface: 'eth0', selection: { transports: ['tcp'], apps: ['http'], ignore: ['192.0.2.0/24', '22'] } });
    const id = [...engine.jobs.keys()].at(-1)!;
    expect(w.get('[data-testid="capture-live"]').attributes('data-status')).toBe('running');

    engine.capture.found = [{ host: '198.51.100.20', port: 80, proto: 'tcp', evidence: 'handshake', confidence: 'certain', service: null, at: '2024-03-03T09:00:02.000Z' }];
    engine.rows.push(serviceRow({ id: 1, host: '198.51.100.20', port: 80, sources: ['capture:7'], createdAt: '2024-03-03T09:00:02.000Z' }));
    const tick = (packets: number, newServices: number, ms: number) =>
      engine.emit('job.updated', jobSnapshot({ id, kind: 'capture', startedAt: new Date(ms).toISOString(), progress: { done: packets, total: null, unit: 'packets', message: `eth0: ${packets} packets`, counters: { packets, bytes: packets * 100, flows: 3, newServices, kernelDrops: 0, ifDrops: 0, appDrops: 0 } } }));
    tick(100, 0, 1);
    await new Promise((r) => setTimeout(r, 20));
    tick(1100, 1, 2);
    await settle();
    expect(w.get('[data-testid="counter-packets"]').text()).toMatch(/1,100/);
    expect(w.get('[data-testid="counter-newServices"]').text()).toMatch(/1/);
    expect(Number(w.get('[data-testid="rate-now"]').text().replace(/,/g, ''))).toBeGreaterThan(0);
    expect(w.findAll('[data-testid="found-row"]').map((r) => r.text())).toEqual([expect.stringMatching(/198\.51\.100\.20\s*80\s*tcp\s*handshake\s*new/)]);
    expect(w.find('[data-testid="drops-warning"]').exists()).toBe(false);

    await w.get('[data-testid="capture-stop"]').trigger('click');
    await settle();
    expect(engine.calls.some((c) => c.channel === 'capture.stop' && (c.input as { id: string }).id === id)).toBe(true);
    expect(w.get('[data-testid="capture-live"]').attributes('data-status')).toBe('done');
    expect(w.find('[data-testid="capture-stop"]').exists()).toBe(false);
  });

  it('lists every service the capture saw first, whatever its evidence and status, as many as the counter says', async () => {
    // The walkthrough's case: a service proven by data alone (stored when the capture
    // ends) and approved on sight by a rule; besides it one older service the capture
    // merely saw again, and one first stored by another source.
    const engine = createMemoryEngine([
      serviceRow({ id: 1, host: '192.0.2.10', port: 22, sources: ['capture:1', 'capture:7'], createdAt: '2024-03-01T10:00:00.000Z' }),
      serviceRow({ id: 2, host: '192.0.2.11', port: 443, sources: ['scan:2'], createdAt: '2024-03-03T09:00:01.000Z' }),
    ]);
    const w = mountView(engine);
    await settle();
    await w.get('[data-testid="capture-start"]').trigger('click');
    await settle();
    const id = [...engine.jobs.keys()].at(-1)!;
    const startedAt = '2024-03-03T09:00:00.000Z';
    const snap = (over: Parameters<typeof jobSnapshot>[0]) => jobSnapshot({ kind: 'capture', startedAt, ...over });
    engine.emit('job.updated', snap({ id, progress: { done: 10, total: null, unit: 'packets', counters: { packets: 10, newServices: 0 } } }));
    await settle();
    expect(w.find('[data-testid="found-empty"]').exists()).toBe(true);

    engine.rows.push(
      serviceRow({ id: 3, host: '198.51.100.7', port: 21, evidence: 'data', confidence: 'high', status: 'approved', reason: 'rule 1: FTP drop box', sources: ['capture:7'], firstSeen: '2024-03-03T09:00:04.000Z', createdAt: '2024-03-03T09:00:05.000Z' }),
    );
    engine.emit('job.updated', snap({ id, status: 'done', abortable: false, endedAt: '2024-03-03T09:00:06.000Z', result: { captureId: 7, added: 1 }, progress: { done: 20, total: null, unit: 'packets', counters: { packets: 20, newServices: 1 } } }));
    await settle();
    expect(w.get('[data-testid="counter-newServices"]').text()).toMatch(/1$/);
    const rows = w.findAll('[data-testid="found-row"]').map((r) => r.text());
    expect(rows).toEqual([expect.stringMatching(/198\.51\.100\.7\s*21\s*tcp\s*data\s*approved\s*2024-03-03/)]);
    expect(w.find('[data-testid="found-empty"]').exists()).toBe(false);
  });

  it('saves the choice as a named profile and loads it back', async () => {
    const engine = createMemoryEngine();
    const w = mountView(engine);
    await settle();
    await w.get('[data-testid="app-dns"]').setValue(true);
    await w.get('[data-testid="ignore"]').setValue('203.0.113.0/24');
    await w.get('[data-testid="profile-name"]').setValue('DNS watch');
    await w.get('[data-testid="profile-save"]').trigger('click');
    await settle();
    expect(engine.capture.profiles.get('DNS watch')?.selection).toMatchObject({ apps: ['dns'], ignore: ['203.0.113.0/24'] });
    await w.get('[data-testid="app-dns"]').setValue(false);
    await w.get('[data-testid="ignore"]').setValue('');
    await w.get('[data-testid="profile-select"]').setValue('DNS watch');
    await settle();
    expect(w.get<HTMLInputElement>('[data-testid="app-dns"]').element.checked).toBe(true);
    expect(w.get<HTMLTextAreaElement>('[data-testid="ignore"]').element.value).toBe('203.0.113.0/24');
  });
});

describe('capture helpers', () => {
  it('turns packet counts into rates and a sparkline', () => {
    expect(ratesFrom([{ atMs: 0, packets: 0 }, { atMs: 500, packets: 50 }, { atMs: 1500, packets: 50 }])).toEqual([100, 0]);
    expect(sparkline([0, 10], 100, 20)).toBe('M0.0,20.0 L100.0,0.0');
    expect(sparkline([5], 100, 20)).toBe('');
    expect(badIgnoreEntries('22, 192.0.2.0/24 nope 70000')).toEqual(['nope', '70000']);
  });
});
