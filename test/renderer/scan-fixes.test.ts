// @vitest-environment happy-dom
/**
 * Two fixes of the Scan view, over an in-memory transport that checks every call against
 * the contract's schemas:
 *
 * 1. A sweep still running in the engine (the page was reloaded, the connection came
 *    back) is found with jobs.list when the view opens or the connection (re)opens, and
 *    followed: live progress, Pause / Resume / Cancel on its job, the stored open ports,
 *    and a run history row that follows it to its end.
 * 2. Timeout and rate take a whole number in the engine's range or nothing (the
 *    profile's default): any other text is marked invalid inline and blocks Start, never
 *    silently dropped to "no limit".
 */
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi, requests, type Invoke, type JobSnapshot, type RequestChannel, type ScanProgress, type ScanRun, type Subscribe } from '../../electron/shared';
import ScanView from '../../renderer/src/views/ScanView.vue';
import { LIMITS, parseLimit } from '../../renderer/src/components/scan/scanForm';
import { PlatformKey } from '../../renderer/src/platform/inject';
import type { ConnectionState, Platform } from '../../renderer/src/platform/types';
import { EventHub } from '../../renderer/src/platform/wire-client';
import { settle } from './memory-engine';

const JOB = 'job-9';

function scanJob(status: JobSnapshot['status'], done = 300): JobSnapshot {
  return {
    id: JOB, kind: 'scan', status, progress: { done, total: 3000, unit: 'probes', message: `${done}/3000 probes` }, abortable: status === 'running',
    error: null, startedAt: '2024-01-01T00:00:00.000Z', endedAt: status === 'running' ? null : '2024-01-01T00:00:20.000Z', result: null, warnings: [],
  };
}

function scanRun(status: string, done: number): ScanRun {
  return {
    id: 9, jobId: JOB, targets: '127.0.0.1', excludes: '', ports: '3001-6000', params: { rate: 200 }, startedBy: 'alice', startedHost: null, sourceAddr: null,
    startedAt: '2024-01-01T00:00:00.000Z', endedAt: status === 'running' ? null : '2024-01-01T00:00:20.000Z', status, addresses: '1', portCount: 3000,
    probesTotal: 3000, probesDone: done, open: 1, closed: done - 1, filtered: 0, errors: 0, warnings: [], stopReason: status === 'incomplete' ? 'cancelled' : null,
  };
}

const progressOf = (done: number, over: Partial<ScanProgress> = {}): ScanProgress => ({
  jobId: JOB, scanId: 9, done, total: 3000, open: 1, closed: done - 1, filtered: 0, errors: 0, rate: 200, etaS: 10, paused: false, window: 64, final: false, ...over,
});

interface Fake {
  platform: Platform;
  hub: EventHub;
  calls: Array<{ channel: RequestChannel; input: unknown }>;
  jobs: JobSnapshot[];
  runs: ScanRun[];
  setConnection(state: ConnectionState): void;
}

function fakeEngine(): Fake {
  const hub = new EventHub();
  const calls: Fake['calls'] = [];
  const jobs: JobSnapshot[] = [];
  const runs: ScanRun[] = [];
  const listeners = new Set<(s: ConnectionState) => void>();
  let conn: ConnectionState = 'open';
  const invoke: Invoke = async (channel, input) => {
    const parsed = requests[channel].input.parse(input) as never;
    calls.push({ channel, input: parsed });
    const out = (() => {
      switch (channel) {
        case 'jobs.list': return jobs;
        case 'scan.estimate': return { addresses: '1', names: 0, ports: 3000, probes: '3000', large: false, targetErrors: [], portError: null };
        case 'scan.start': return { scanId: 10, jobId: 'job-10' };
        case 'scan.runs': return runs;
        case 'scan.results': {
          const q = parsed as { scanId: number; state: string };
          return q.scanId === 9 && q.state === 'open'
            ? [{ host: '127.0.0.1', port: 3306, proto: 'tcp', state: 'open', reason: 'syn-ack', rttUs: 50, banner: null, service: 'mysql', attempts: 1, probedAt: '2024-01-01T00:00:01.000Z' }]
            : [];
        }
        case 'scan.pause': return progressOf(320, { paused: true, etaS: null, rate: 0 });
        case 'scan.resume': return progressOf(320);
        case 'jobs.cancel': return scanJob('running', 330);
        default: throw new Error(`not in this fake: ${channel}`);
      }
    })();
    return requests[channel].output.parse(out) as never;
  };
  const subscribe: Subscribe = (event, listener) => hub.on(event, listener);
  const platform: Platform = {
    api: buildApi(invoke, subscribe),
    kind: 'web',
    connection: {
      state: () => conn,
      onChange: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    importCaptures: async () => null,
  };
  return {
    platform, hub, calls, jobs, runs,
    setConnection(state) {
      conn = state;
      for (const l of [...listeners]) l(state);
    },
  };
}

function mountView(f: Fake) {
  return mount(ScanView, { global: { plugins: [createPinia()], provide: { [PlatformKey as symbol]: f.platform } }, attachTo: document.body });
}

async function wait(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  await settle();
}

const statusCell = (w: ReturnType<typeof mountView>) => w.get('[data-testid="scan-run"] [data-col="status"]');

afterEach(() => {
  document.body.innerHTML = '';
  localStorage.clear();
});

describe('a sweep still running in the engine is followed again', () => {
  it('on opening the view (after a reload): live progress, Pause / Resume / Cancel, the runs row follows to the end', async () => {
    const f = fakeEngine();
    f.jobs.push(scanJob('running'));
    f.runs.push(scanRun('running', 300));
    const w = mountView(f);
    await settle();

    expect(w.get('[data-testid="scan-progress"]').text()).toContain('Scan 9');
    expect(w.find('[data-testid="scan-pause"]').exists()).toBe(true);
    expect(w.find('[data-testid="scan-cancel"]').exists()).toBe(true);
    // The open port stored before the reload is in the grid.
    expect(w.findAll('[data-testid="scan-row"]').map((r) => r.get('[data-col="port"]').text())).toEqual(['3306']);
    // The form is locked while it runs: one sweep at a time.
    expect(w.text()).toContain('A sweep is running');

    // Live progress reaches the panel and the run history.
    f.hub.emit('scan.progress', progressOf(1650));
    await settle();
    expect(w.get('[data-testid="scan-counts"]').text()).toMatch(/1,650 \/ 3,000 probes/);
    expect(statusCell(w).text()).toBe('running (1,650 / 3,000)');

    await w.get('[data-testid="scan-pause"]').trigger('click');
    await settle();
    expect(f.calls.find((c) => c.channel === 'scan.pause')!.input).toEqual({ id: JOB });
    expect(w.find('[data-testid="scan-paused"]').exists()).toBe(true);
    await w.get('[data-testid="scan-resume"]').trigger('click');
    await settle();
    expect(f.calls.find((c) => c.channel === 'scan.resume')!.input).toEqual({ id: JOB });

    await w.get('[data-testid="scan-cancel"]').trigger('click');
    await settle();
    expect(f.calls.find((c) => c.channel === 'jobs.cancel')!.input).toEqual({ id: JOB });

    // The engine stops it: the last progress event, the stored run, the job's final snapshot.
    f.runs.splice(0, 1, scanRun('incomplete', 1700));
    f.hub.emit('scan.progress', progressOf(1700, { final: true, rate: 0, etaS: null }));
    f.hub.emit('job.updated', { ...scanJob('cancelled', 1700), result: { scanId: 9, probes: 1700, open: 1, closed: 1699, filtered: 0, errors: 0 } });
    await settle();
    expect(w.get('[data-testid="scan-progress"]').attributes('data-status')).toBe('cancelled');
    expect(w.find('[data-testid="scan-cancel"]').exists()).toBe(false);
    expect(statusCell(w).attributes('data-value')).toBe('incomplete');
    expect(statusCell(w).text()).toBe('incomplete (cancelled) (1,700 / 3,000)');
  });

  it('when the connection comes back, and not for a sweep that has ended', async () => {
    const f = fakeEngine();
    f.jobs.push({ ...scanJob('done', 3000), id: 'job-old' });
    f.runs.push({ ...scanRun('complete', 3000), id: 8, jobId: 'job-old' });
    const w = mountView(f);
    await settle();
    // Nothing runs: nothing to follow, no panel.
    expect(w.find('[data-testid="scan-progress"]').exists()).toBe(false);

    // Meanwhile (another window, or before the connection dropped) a sweep started.
    f.setConnection('closed');
    f.jobs.push(scanJob('running'));
    f.runs.unshift(scanRun('running', 300));
    f.setConnection('open');
    await settle();
    expect(w.get('[data-testid="scan-progress"]').text()).toContain('Scan 9');
    expect(w.find('[data-testid="scan-cancel"]').exists()).toBe(true);
    f.hub.emit('scan.progress', progressOf(900));
    await settle();
    expect(w.get('[data-testid="scan-counts"]').text()).toMatch(/900 \/ 3,000 probes/);
  });
});

describe('timeout and rate: a whole number in range, or empty', () => {
  it('parseLimit reads only whole numbers in the engine\'s range; empty is the profile\'s default', () => {
    expect(parseLimit('', LIMITS.rate)).toEqual({ value: null, error: null });
    expect(parseLimit('  ', LIMITS.rate)).toEqual({ value: null, error: null });
    expect(parseLimit('200', LIMITS.rate)).toEqual({ value: 200, error: null });
    expect(parseLimit(' 1000000 ', LIMITS.rate)).toEqual({ value: 1_000_000, error: null });
    for (const bad of ['-5', '0', 'abc', '1,000', '50/s', '1.5', '1e3', '+5', '1000001', '0x10']) {
      const r = parseLimit(bad, LIMITS.rate);
      expect(r.value, bad).toBeNull();
      expect(r.error, bad).toMatch(/whole number from 1 to 1,000,000/);
    }
    expect(parseLimit('10', LIMITS.timeoutMs).value).toBe(10);
    for (const bad of ['0', '-1', '1.5', '9', '60001', 'abc']) expect(parseLimit(bad, LIMITS.timeoutMs).error, bad).toMatch(/from 10 to 60,000 ms/);
  });

  async function readyForm() {
    const f = fakeEngine();
    const w = mountView(f);
    await w.get('[data-testid="scan-targets"]').setValue('127.0.0.1');
    await w.get('[data-testid="scan-preset-custom"]').setValue(true);
    await w.get('[data-testid="scan-custom-ports"]').setValue('3001-6000');
    await wait(300);
    expect(w.get('[data-testid="scan-start"]').attributes('disabled')).toBeUndefined();
    return { f, w };
  }

  for (const [field, bads] of [
    ['rate', ['-5', '0', 'abc', '1,000', '50/s', '1.5']],
    ['timeout', ['0', '-1', '1.5', 'abc']],
  ] as const) {
    it(`${field}: text that is not a valid value is marked invalid and blocks Start`, async () => {
      const { f, w } = await readyForm();
      const input = w.get(`[data-testid="scan-${field}"]`);
      for (const bad of bads) {
        await input.setValue(bad);
        await input.trigger('change');
        await settle();
        expect(input.attributes('aria-invalid'), bad).toBe('true');
        const msg = w.get(`[data-testid="scan-${field}-error"]`);
        expect(msg.attributes('role')).toBe('alert');
        expect(input.attributes('aria-describedby')).toBe(msg.attributes('id'));
        expect(w.get('[data-testid="scan-start"]').attributes('disabled'), bad).toBeDefined();
        // Neither a submit (Enter on the button) nor saving a profile takes the bad value as "none".
        await w.get('[data-testid="scan-form"]').trigger('submit');
        await settle();
        expect(f.calls.filter((c) => c.channel === 'scan.start'), bad).toHaveLength(0);
        expect((input.element as HTMLInputElement).value).toBe(bad);
      }
      await w.get('[data-testid="scan-profile-name"]').setValue('p');
      expect(w.get('[data-testid="scan-save-profile"]').attributes('disabled')).toBeDefined();

      // Empty: the profile's default, and Start is free again.
      await input.setValue('');
      await settle();
      expect(input.attributes('aria-invalid')).toBe('false');
      expect(w.find(`[data-testid="scan-${field}-error"]`).exists()).toBe(false);
      expect(w.get('[data-testid="scan-start"]').attributes('disabled')).toBeUndefined();
    });
  }

  it('a valid rate and timeout are sent as typed; empty ones are left to the profile', async () => {
    const { f, w } = await readyForm();
    await w.get('[data-testid="scan-rate"]').setValue('200');
    await w.get('[data-testid="scan-timeout"]').setValue('1500');
    await settle();
    await w.get('[data-testid="scan-form"]').trigger('submit');
    await settle();
    const starts = f.calls.filter((c) => c.channel === 'scan.start');
    expect(starts).toHaveLength(1);
    expect(starts[0]!.input).toMatchObject({ rate: 200, timeoutMs: 1500 });

    const g = await readyForm();
    await g.w.get('[data-testid="scan-form"]').trigger('submit');
    await settle();
    const s = g.f.calls.find((c) => c.channel === 'scan.start')!.input as Record<string, unknown>;
    expect(s.rate).toBeUndefined();
    expect(s.timeoutMs).toBeUndefined();
  });
});
