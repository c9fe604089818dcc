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
import { createMemoryEngine, jobSnapshot, settle, type MemoryEngine } from './memory-engine';

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
    const tick = (packets: number, newServices: number, ms: number) =>
      engine.emit('job.updated', jobSnapshot({ id, kind: 'capture', startedAt: new Date(ms).toISOString(), progress: { done: packets, total: null, unit: 'packets', message: `eth0: ${packets} packets`, counters: { packets, bytes: packets * 100, flows: 3, newServices, kernelDrops: 0, ifDrops: 0, appDrops: 0 } } }));
    tick(100, 0, 1);
    await new Promise((r) => setTimeout(r, 20));
    tick(1100, 1, 2);
    await settle();
    expect(w.get('[data-testid="counter-packets"]').text()).toMatch(/1,100/);
    expect(w.get('[data-testid="counter-newServices"]').text()).toMatch(/1/);
    expect(Number(w.get('[data-testid="rate-now"]').text().replace(/,/g, ''))).toBeGreaterThan(0);
    expect(w.findAll('[data-testid="found-row"]').map((r) => r.text())).toEqual([expect.stringMatching(/198\.51\.100\.20\s*80\s*tcp\s*handshake/)]);
    expect(w.find('[data-testid="drops-warning"]').exists()).toBe(false);

    await w.get('[data-testid="capture-stop"]').trigger('click');
    await settle();
    expect(engine.calls.some((c) => c.channel === 'capture.stop' && (c.input as { id: string }).id === id)).toBe(true);
    expect(w.get('[data-testid="capture-live"]').attributes('data-status')).toBe('done');
    expect(w.find('[data-testid="capture-stop"]').exists()).toBe(false);
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
