// @vitest-environment happy-dom
/**
 * The Scan view over an in-memory transport that checks every call against the
 * contract's schemas: it never starts a sweep by itself nor proposes a target, shows
 * the address × port count and inline errors from scan.estimate, asks before a large
 * sweep, fills the results grid from scan.results events, and drives pause / cancel.
 * (The real engine behind these channels is tested in test/engine/scan and test/e2e.)
 */
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi, requests, type Invoke, type RequestChannel, type ScanEstimate, type ScanRun, type Subscribe } from '../../electron/shared';
import ScanView from '../../renderer/src/views/ScanView.vue';
import { canStart, estimateLine, formatBig, formatEta, parseProfiles, portSpecFor } from '../../renderer/src/components/scan/scanForm';
import { PlatformKey } from '../../renderer/src/platform/inject';
import type { Platform } from '../../renderer/src/platform/types';
import { EventHub } from '../../renderer/src/platform/wire-client';
import { settle } from './memory-engine';

interface Fake {
  platform: Platform;
  hub: EventHub;
  calls: Array<{ channel: RequestChannel; input: unknown }>;
  runs: ScanRun[];
}

function estimateOf(input: { targets: string; ports?: string }): ScanEstimate {
  const bad = input.targets.split(/[\s,]+/).filter((t) => t && !/^[\d.:/a-f-]+$/i.test(t));
  const big = input.targets.includes('/8');
  const addresses = big ? '16777216' : input.targets.includes('/24') ? '256' : '1';
  const ports = input.ports === 'top:100' ? 100 : input.ports === 'all' ? 65535 : input.ports ? 3 : null;
  return {
    addresses, names: 0, ports,
    probes: ports === null ? '0' : String(BigInt(addresses) * BigInt(ports)),
    large: big, targetErrors: bad.map((b) => `'${b}' is not an address, range, CIDR block or hostname`), portError: null,
  };
}

function fakeEngine(): Fake {
  const hub = new EventHub();
  const calls: Fake['calls'] = [];
  const runs: ScanRun[] = [];
  const invoke: Invoke = async (channel, input) => {
    const parsed = requests[channel].input.parse(input) as never;
    calls.push({ channel, input: parsed });
    const out = (() => {
      switch (channel) {
        case 'scan.estimate': return estimateOf(parsed);
        case 'scan.start': {
          const p = parsed as { confirmLarge: boolean; targets: string };
          if (estimateOf(p).large && !p.confirmLarge) throw Object.assign(new Error('confirm it explicitly'), { name: 'ConfirmationRequired' });
          return { scanId: 7, jobId: 'job7' };
        }
        case 'scan.runs': return runs;
        case 'scan.results': return [];
        case 'scan.pause': return { jobId: 'job7', scanId: 7, done: 1, total: 300, open: 0, closed: 1, filtered: 0, errors: 0, rate: 0, etaS: null, paused: true, window: 10, final: false };
        case 'jobs.cancel': return { id: 'job7', kind: 'scan', status: 'running', progress: null, abortable: true, error: null, startedAt: '2024-01-01T00:00:00Z', endedAt: null, result: null, warnings: [] };
        default: throw new Error(`not in this fake: ${channel}`);
      }
    })();
    return requests[channel].output.parse(out) as never;
  };
  const subscribe: Subscribe = (event, listener) => hub.on(event, listener);
  const platform: Platform = {
    api: buildApi(invoke, subscribe),
    kind: 'web',
    connection: { state: () => 'open', onChange: () => () => undefined },
    importCaptures: async () => null,
  };
  return { platform, hub, calls, runs };
}

async function wait(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  await settle();
}

function mountView(f: Fake) {
  return mount(ScanView, { global: { plugins: [createPinia()], provide: { [PlatformKey as symbol]: f.platform } }, attachTo: document.body });
}

afterEach(() => {
  document.body.innerHTML = '';
  localStorage.clear();
});

describe('Scan view', () => {
  it('starts empty: no target proposed, nothing started, Start disabled', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await wait(300);
    expect((w.get('[data-testid="scan-targets"]').element as HTMLTextAreaElement).value).toBe('');
    expect(w.get('[data-testid="scan-start"]').attributes('disabled')).toBeDefined();
    expect(f.calls.map((c) => c.channel)).not.toContain('scan.start');
    expect(f.calls.map((c) => c.channel)).not.toContain('scan.estimate');
  });

  it('validates inline and shows addresses × ports from scan.estimate', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await w.get('[data-testid="scan-targets"]').setValue('192.0.2.0/24 bad!host');
    await wait(300);
    expect(w.get('[data-testid="scan-target-errors"]').text()).toMatch(/bad!host/);
    expect(w.get('[data-testid="scan-start"]').attributes('disabled')).toBeDefined();
    await w.get('[data-testid="scan-targets"]').setValue('192.0.2.0/24');
    await wait(300);
    expect(w.get('[data-testid="scan-estimate"]').text()).toBe('256 addresses × 100 ports = 25,600 probes');
    expect(w.find('[data-testid="scan-target-errors"]').exists()).toBe(false);
    expect(w.get('[data-testid="scan-start"]').attributes('disabled')).toBeUndefined();
    expect(f.calls.map((c) => c.channel)).not.toContain('scan.start');
  });

  it('asks before a large sweep and only starts after Yes', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await w.get('[data-testid="scan-targets"]').setValue('198.51.100.0/8');
    await wait(300);
    await w.get('[data-testid="scan-form"]').trigger('submit');
    await settle();
    expect(w.get('[data-testid="scan-confirm"]').text()).toMatch(/large sweep: 16,777,216 addresses/);
    expect(f.calls.filter((c) => c.channel === 'scan.start')).toHaveLength(0);
    await w.get('[data-testid="scan-confirm-yes"]').trigger('click');
    await settle();
    const start = f.calls.filter((c) => c.channel === 'scan.start');
    expect(start).toHaveLength(1);
    expect(start[0]!.input).toMatchObject({ targets: '198.51.100.0/8', ports: 'top:100', profile: 'normal', confirmLarge: true });
  });

  it('fills the results grid live, shows progress, pauses and cancels', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await w.get('[data-testid="scan-targets"]').setValue('192.0.2.7');
    await w.get('[data-testid="scan-preset-custom"]').setValue(true);
    await w.get('[data-testid="scan-custom-ports"]').setValue('22,80,443');
    await wait(300);
    await w.get('[data-testid="scan-start"]').trigger('click');
    await w.get('[data-testid="scan-form"]').trigger('submit');
    await settle();
    expect(f.calls.filter((c) => c.channel === 'scan.start')).toHaveLength(1);
    expect(f.calls.find((c) => c.channel === 'scan.start')!.input).toMatchObject({ ports: '22,80,443', confirmLarge: false });

    f.hub.emit('scan.progress', { jobId: 'job7', scanId: 7, done: 2, total: 3, open: 1, closed: 1, filtered: 0, errors: 0, rate: 40, etaS: 1, paused: false, window: 100, final: false });
    f.hub.emit('scan.results', { jobId: 'job7', scanId: 7, rows: [{ host: '192.0.2.7', port: 22, proto: 'tcp', state: 'open', reason: 'syn-ack', rttUs: 120, banner: 'SSH-2.0-x', service: 'ssh', attempts: 1, probedAt: '2024-01-01T00:00:00Z' }] });
    f.hub.emit('scan.results', { jobId: 'other', scanId: 8, rows: [{ host: '192.0.2.99', port: 1, proto: 'tcp', state: 'open', reason: 'syn-ack', rttUs: 1, banner: null, service: null, attempts: 1, probedAt: '2024-01-01T00:00:00Z' }] });
    await settle();
    const rows = w.findAll('[data-testid="scan-row"]');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.get('[data-col="banner"]').text()).toBe('SSH-2.0-x');
    expect(w.get('[data-testid="scan-counts"]').text()).toMatch(/2 \/ 3 probes · 1 open · 1 closed · 0 filtered · 40\/s · ETA 1 s/);

    await w.get('[data-testid="scan-pause"]').trigger('click');
    await settle();
    expect(w.find('[data-testid="scan-paused"]').exists()).toBe(true);
    await w.get('[data-testid="scan-cancel"]').trigger('click');
    await settle();
    expect(f.calls.find((c) => c.channel === 'jobs.cancel')!.input).toEqual({ id: 'job7' });
  });

  it('saves a profile with ports and speed, never targets', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await w.get('[data-testid="scan-targets"]').setValue('192.0.2.7');
    await w.get('[data-testid="scan-preset-all"]').setValue(true);
    await w.get('[data-testid="scan-profile"]').setValue('gentle');
    await w.get('[data-testid="scan-profile-name"]').setValue('lab');
    await w.get('[data-testid="scan-save-profile"]').trigger('click');
    const saved = localStorage.getItem('portolan.scan.profiles')!;
    expect(saved).not.toMatch(/192\.0\.2\.7/);
    expect(parseProfiles(saved)).toEqual([{ name: 'lab', preset: 'all', customPorts: '', profile: 'gentle', timeoutMs: null, rate: null }]);
  });
});

describe('scan form helpers', () => {
  it('formats counts and the estimate line', () => {
    expect(formatBig('18446744073709551616')).toBe('18,446,744,073,709,551,616');
    expect(estimateLine({ addresses: '1', names: 2, ports: 1, probes: '3', large: false, targetErrors: [], portError: null })).toBe('1 address + 2 names to resolve × 1 port = 3 probes');
    expect(formatEta(3725)).toBe('1 h 02 min');
    expect(formatEta(65)).toBe('1 min 05 s');
    expect(portSpecFor('top1000', 'x')).toBe('top:1000');
    expect(portSpecFor('custom', ' 22 ')).toBe('22');
  });
  it('cannot start with nothing typed or with errors', () => {
    const ok: ScanEstimate = { addresses: '1', names: 0, ports: 1, probes: '1', large: false, targetErrors: [], portError: null };
    expect(canStart('', '22', ok)).toBe(false);
    expect(canStart('192.0.2.1', '22', ok)).toBe(true);
    expect(canStart('192.0.2.1', '22', { ...ok, portError: 'bad' })).toBe(false);
    expect(canStart('192.0.2.1', '22', null)).toBe(false);
  });
  it('drops malformed saved profiles and stray fields', () => {
    expect(parseProfiles('[{"name":"a","preset":"top100","profile":"fast","targets":"192.0.2.1"},{"name":""},3]')).toEqual([
      { name: 'a', preset: 'top100', customPorts: '', profile: 'fast', timeoutMs: null, rate: null },
    ]);
    expect(parseProfiles('not json')).toEqual([]);
  });
});
