// @vitest-environment happy-dom
/**
 * The Scan view as a new user drove it: where the focus goes after the large-sweep prompt
 * (Esc, No, Yes) and after Pause / Resume / Cancel; the estimate returns to empty when the
 * targets are cleared, and a late answer for old text never overwrites the state for the
 * new text; the run history follows the live sweep (counts, paused); and a cancelled or
 * failed sweep says so alike in its badge, its summary and the history.
 * Over an in-memory transport that checks every call against the contract's schemas.
 */
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi, requests, type Invoke, type JobSnapshot, type RequestChannel, type ScanEstimate, type ScanProgress, type ScanRun, type Subscribe } from '../../electron/shared';
import ScanView from '../../renderer/src/views/ScanView.vue';
import { runLine } from '../../renderer/src/components/scan/scanStatus';
import { PlatformKey } from '../../renderer/src/platform/inject';
import type { Platform } from '../../renderer/src/platform/types';
import { EventHub } from '../../renderer/src/platform/wire-client';
import { settle } from './memory-engine';

interface Held {
  targets: string;
  release: () => void;
}

interface Fake {
  platform: Platform;
  hub: EventHub;
  calls: Array<{ channel: RequestChannel; input: unknown }>;
  runs: ScanRun[];
  /** When true, scan.estimate answers only when the test releases it. */
  hold: boolean;
  held: Held[];
}

const TOTAL = 2054;

function estimateOf(targets: string): ScanEstimate {
  const big = targets.includes('/8');
  const addresses = big ? '16777216' : targets.includes('/24') ? '256' : '1';
  return { addresses, names: 0, ports: 100, probes: String(BigInt(addresses) * 100n), large: big, targetErrors: [], portError: null };
}

function progressOf(p: Partial<ScanProgress>): ScanProgress {
  return { jobId: 'job7', scanId: 7, done: 0, total: TOTAL, open: 0, closed: 0, filtered: 0, errors: 0, rate: 100, etaS: 20, paused: false, window: 100, final: false, ...p };
}

function runRow(over: Partial<ScanRun>): ScanRun {
  return {
    id: 7, jobId: 'job7', targets: '192.0.2.0/24', excludes: '', ports: 'top:100', params: {}, startedBy: 'tester', startedHost: null, sourceAddr: null,
    startedAt: '2024-01-01T00:00:00.000Z', endedAt: null, status: 'running', addresses: '256', portCount: 100, probesTotal: TOTAL, probesDone: 0,
    open: 0, closed: 0, filtered: 0, errors: 0, warnings: [], stopReason: null, ...over,
  };
}

function jobOf(over: Partial<JobSnapshot>): JobSnapshot {
  return { id: 'job7', kind: 'scan', status: 'running', progress: null, abortable: true, error: null, startedAt: '2024-01-01T00:00:00.000Z', endedAt: null, result: null, warnings: [], ...over };
}

function fakeEngine(): Fake {
  const hub = new EventHub();
  const f: Fake = { platform: undefined as unknown as Platform, hub, calls: [], runs: [], hold: false, held: [] };
  const invoke: Invoke = async (channel, input) => {
    const parsed = requests[channel].input.parse(input) as never;
    f.calls.push({ channel, input: parsed });
    if (channel === 'scan.estimate' && f.hold) {
      const targets = (parsed as { targets: string }).targets;
      await new Promise<void>((release) => f.held.push({ targets, release }));
    }
    const out = (() => {
      switch (channel) {
        case 'scan.estimate': return estimateOf((parsed as { targets: string }).targets);
        case 'scan.start': {
          f.runs.unshift(runRow({}));
          return { scanId: 7, jobId: 'job7' };
        }
        case 'scan.runs': return f.runs.map((r) => ({ ...r }));
        case 'scan.results': return [];
        case 'scan.pause': return progressOf({ done: 300, open: 3, closed: 297, paused: true });
        case 'scan.resume': return progressOf({ done: 300, open: 3, closed: 297 });
        case 'jobs.cancel': return jobOf({});
        default: throw new Error(`not in this fake: ${channel}`);
      }
    })();
    return requests[channel].output.parse(out) as never;
  };
  const subscribe: Subscribe = (event, listener) => hub.on(event, listener);
  f.platform = {
    api: buildApi(invoke, subscribe),
    kind: 'web',
    connection: { state: () => 'open', onChange: () => () => undefined },
    importCaptures: async () => null,
  };
  return f;
}

async function wait(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  await settle();
}

function mountView(f: Fake) {
  return mount(ScanView, { global: { plugins: [createPinia()], provide: { [PlatformKey as symbol]: f.platform } }, attachTo: document.body });
}

type Wrapper = ReturnType<typeof mountView>;

const byTestId = (id: string): HTMLElement | null => document.querySelector(`[data-testid="${id}"]`);
const focusedTestId = (): string | null => (document.activeElement as HTMLElement | null)?.getAttribute('data-testid') ?? null;
const count = (f: Fake, channel: RequestChannel): number => f.calls.filter((c) => c.channel === channel).length;

/** Types targets, waits for the estimate, presses Start: the sweep runs (scan 7, job7). */
async function startSweep(f: Fake, w: Wrapper, targets = '192.0.2.0/24'): Promise<void> {
  await w.get('[data-testid="scan-targets"]').setValue(targets);
  await wait(300);
  byTestId('scan-start')!.focus();
  await w.get('[data-testid="scan-form"]').trigger('submit');
  await settle();
  expect(count(f, 'scan.start')).toBe(1);
}

async function press(w: Wrapper, testId: string): Promise<void> {
  const el = byTestId(testId)!;
  el.focus(); // a click focuses the button in Chromium; trigger() alone does not
  await w.get(`[data-testid="${testId}"]`).trigger('click');
  await settle();
}

afterEach(() => {
  document.body.innerHTML = '';
  localStorage.clear();
});

describe('Scan view: the large-sweep prompt', () => {
  it('Esc dismisses it like No, and the focus returns to Start', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await w.get('[data-testid="scan-targets"]').setValue('198.51.100.0/8');
    await wait(300);
    byTestId('scan-start')!.focus();
    await w.get('[data-testid="scan-form"]').trigger('submit');
    await settle();
    expect(w.find('[data-testid="scan-confirm"]').exists()).toBe(true);
    expect(focusedTestId()).toBe('scan-confirm-no');

    await w.get('[data-testid="scan-confirm-no"]').trigger('keydown', { key: 'Escape' });
    await settle();
    expect(w.find('[data-testid="scan-confirm"]').exists()).toBe(false);
    expect(focusedTestId()).toBe('scan-start');
    expect(count(f, 'scan.start')).toBe(0);

    // No does the same.
    await w.get('[data-testid="scan-form"]').trigger('submit');
    await settle();
    expect(focusedTestId()).toBe('scan-confirm-no');
    await press(w, 'scan-confirm-no');
    expect(w.find('[data-testid="scan-confirm"]').exists()).toBe(false);
    expect(focusedTestId()).toBe('scan-start');
    expect(count(f, 'scan.start')).toBe(0);
  });

  it('Yes starts the sweep and the focus goes to the progress panel', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await w.get('[data-testid="scan-targets"]').setValue('198.51.100.0/8');
    await wait(300);
    await w.get('[data-testid="scan-form"]').trigger('submit');
    await settle();
    await press(w, 'scan-confirm-yes');
    expect(count(f, 'scan.start')).toBe(1);
    expect(w.find('[data-testid="scan-confirm"]').exists()).toBe(false);
    expect(focusedTestId()).toBe('scan-progress');
  });
});

describe('Scan view: focus after Pause, Resume and Cancel', () => {
  it('moves to the counterpart button, then to the summary when the sweep ends', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await startSweep(f, w);
    f.hub.emit('scan.progress', progressOf({ done: 100, open: 1, closed: 99 }));
    await settle();

    await press(w, 'scan-pause');
    expect(w.find('[data-testid="scan-resume"]').exists()).toBe(true);
    expect(focusedTestId()).toBe('scan-resume');

    await press(w, 'scan-resume');
    expect(w.find('[data-testid="scan-pause"]').exists()).toBe(true);
    expect(focusedTestId()).toBe('scan-pause');

    await press(w, 'scan-cancel');
    expect(count(f, 'jobs.cancel')).toBe(1);
    // The scanner stops, then the job says how it ended: Cancel is gone, the focus is not lost.
    f.hub.emit('scan.progress', progressOf({ done: 400, open: 3, closed: 397, final: true }));
    await settle();
    expect(w.find('[data-testid="scan-cancel"]').exists()).toBe(false);
    expect(document.activeElement).not.toBe(document.body);
    f.hub.emit('job.updated', jobOf({ status: 'cancelled', abortable: false, endedAt: '2024-01-01T00:00:12.000Z', result: { probes: 400, open: 3, closed: 397, filtered: 0, errors: 0 } }));
    await settle();
    expect(focusedTestId()).toBe('scan-summary');
  });

  it('leaves the focus alone when the analyst is elsewhere as the sweep ends', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await startSweep(f, w, '192.0.2.7');
    byTestId('scan-targets')!.focus();
    f.hub.emit('scan.progress', progressOf({ done: TOTAL, open: 1, closed: TOTAL - 1, final: true }));
    await settle();
    expect(focusedTestId()).toBe('scan-targets');
  });
});

describe('Scan view: the estimate', () => {
  it('returns to its empty state when the targets are cleared', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    const estimate = () => w.get('[data-testid="scan-estimate"]').text();
    await w.get('[data-testid="scan-targets"]').setValue('192.0.2.0/24');
    await settle();
    expect(estimate()).toBe('counting…');
    // Cleared before the debounce ran.
    await w.get('[data-testid="scan-targets"]').setValue('');
    await settle();
    expect(estimate()).toBe('');
    await wait(300);
    expect(estimate()).toBe('');
    // Cleared after an answer.
    await w.get('[data-testid="scan-targets"]').setValue('192.0.2.0/24');
    await wait(300);
    expect(estimate()).toBe('256 addresses × 100 ports = 25,600 probes');
    await w.get('[data-testid="scan-targets"]').setValue('  ');
    await settle();
    expect(estimate()).toBe('');
    expect(w.find('[data-testid="scan-estimate"] .muted').exists()).toBe(false);
  });

  it('drops a late answer for text that has since been cleared or changed', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    const estimate = () => w.get('[data-testid="scan-estimate"]').text();
    f.hold = true;
    await w.get('[data-testid="scan-targets"]').setValue('192.0.2.0/24');
    await wait(300);
    expect(f.held.map((h) => h.targets)).toEqual(['192.0.2.0/24']);
    expect(estimate()).toBe('counting…');
    // Cleared while the answer is on its way: empty at once, and still empty after it lands.
    await w.get('[data-testid="scan-targets"]').setValue('');
    await settle();
    expect(estimate()).toBe('');
    f.held.shift()!.release();
    await settle();
    expect(estimate()).toBe('');

    // Changed while the answer is on its way, the old answer landing before the new request.
    await w.get('[data-testid="scan-targets"]').setValue('192.0.2.0/24');
    await wait(300);
    await w.get('[data-testid="scan-targets"]').setValue('192.0.2.9');
    await settle();
    f.held.shift()!.release();
    await settle();
    expect(estimate()).toBe('counting…');
    await wait(300);
    expect(f.held.map((h) => h.targets)).toEqual(['192.0.2.9']);
    f.held.shift()!.release();
    await settle();
    expect(estimate()).toBe('1 address × 100 ports = 100 probes');
  });
});

describe('Scan view: run history of the running sweep', () => {
  const statusCell = (w: Wrapper) => w.get('[data-testid="scan-run"] [data-col="status"]');
  const foundCell = (w: Wrapper) => w.get('[data-testid="scan-run"] [data-col="found"]');

  it('follows the live progress, says paused while paused, and reloads from the engine', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await startSweep(f, w);
    expect(statusCell(w).text()).toBe('running (0 / 2,054)');
    const before = count(f, 'scan.runs');

    f.hub.emit('scan.progress', progressOf({ done: 257, open: 3, closed: 250, filtered: 4 }));
    await settle();
    expect(statusCell(w).text()).toBe('running (257 / 2,054)');
    expect(foundCell(w).text()).toBe('3 / 250 / 4');
    expect(statusCell(w).attributes('data-value')).toBe('running');

    // Many events, one reload a second at most.
    f.runs[0] = runRow({ probesDone: 270, open: 3, closed: 263, filtered: 4 });
    for (let i = 0; i < 5; i++) f.hub.emit('scan.progress', progressOf({ done: 258 + i, open: 3, closed: 251 + i, filtered: 4 }));
    await wait(1100);
    const reloads = count(f, 'scan.runs') - before;
    expect(reloads).toBeGreaterThanOrEqual(1);
    expect(reloads).toBeLessThanOrEqual(2);
    expect(statusCell(w).text()).toBe('running (270 / 2,054)');

    await press(w, 'scan-pause');
    expect(statusCell(w).text()).toBe('paused (300 / 2,054)');
    expect(foundCell(w).text()).toBe('3 / 297 / 0');
    await press(w, 'scan-resume');
    expect(statusCell(w).text()).toBe('running (300 / 2,054)');
  });

  it('reloads at once when the sweep ends', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await startSweep(f, w);
    f.runs[0] = runRow({ status: 'complete', probesDone: TOTAL, open: 5, closed: TOTAL - 5, endedAt: '2024-01-01T00:00:20.000Z' });
    f.hub.emit('scan.progress', progressOf({ done: TOTAL, open: 5, closed: TOTAL - 5, final: true }));
    await settle();
    expect(statusCell(w).text()).toBe('complete');
    expect(statusCell(w).attributes('data-value')).toBe('complete');
    expect(foundCell(w).text()).toBe('5 / 2,049 / 0');
    expect(w.get('[data-testid="scan-finished"]').text()).toBe('complete');
  });
});

describe('Scan view: one word for how a sweep ended', () => {
  it('cancelled: badge, summary and run history agree', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await startSweep(f, w);
    await press(w, 'scan-cancel');
    f.runs[0] = runRow({ status: 'incomplete', probesDone: 400, open: 3, closed: 397, endedAt: '2024-01-01T00:00:12.000Z' });
    f.hub.emit('scan.progress', progressOf({ done: 400, open: 3, closed: 397, final: true }));
    f.hub.emit('job.updated', jobOf({ status: 'cancelled', abortable: false, endedAt: '2024-01-01T00:00:12.000Z', result: { probes: 400, open: 3, closed: 397, filtered: 0, errors: 0 } }));
    await settle();
    expect(w.get('[data-testid="scan-finished"]').text()).toBe('cancelled');
    expect(w.get('[data-testid="scan-summary"]').text()).toMatch(/^Cancelled after 400 \/ 2,054 probes/);
    const status = w.get('[data-testid="scan-run"] [data-col="status"]');
    expect(status.text()).toBe('incomplete (cancelled) (400 / 2,054)');
    expect(status.attributes('data-value')).toBe('incomplete');
    expect(status.attributes('title')).toMatch(/^Cancelled: stopped after 400 of 2,054 probes/);
    expect(w.text()).not.toMatch(/finished/);
  });

  it('a run this window never followed says why it stopped, from the stored job (engine restarted, another window)', async () => {
    const f = fakeEngine();
    f.runs.push(runRow({ id: 3, jobId: 'job-of-yesterday', status: 'incomplete', probesDone: 40, open: 1, closed: 39, endedAt: '2024-01-01T00:00:12.000Z', stopReason: 'interrupted' }));
    f.runs.push(runRow({ id: 2, jobId: null, status: 'incomplete', probesDone: 10, endedAt: '2024-01-01T00:00:12.000Z' }));
    const w = mountView(f);
    await settle();
    const cells = w.findAll('[data-testid="scan-run"] [data-col="status"]');
    expect(cells.map((c) => c.text())).toEqual(['incomplete (interrupted) (40 / 2,054)', 'incomplete (10 / 2,054)']);
    expect(cells[0]!.attributes('title')).toMatch(/^Interrupted: stopped after 40 of 2,054 probes/);
  });

  it('failed: the badge says failed', async () => {
    const f = fakeEngine();
    const w = mountView(f);
    await startSweep(f, w);
    f.runs[0] = runRow({ status: 'incomplete', probesDone: 10 });
    f.hub.emit('job.updated', jobOf({ status: 'failed', abortable: false, error: { name: 'StoreError', message: 'disk full' }, endedAt: '2024-01-01T00:00:02.000Z' }));
    await settle();
    expect(w.get('[data-testid="scan-finished"]').text()).toBe('failed');
    expect(w.get('[data-testid="scan-summary"]').text()).toMatch(/^Failed/);
    expect(w.get('[data-testid="scan-run"] [data-col="status"]').text()).toBe('incomplete (failed) (10 / 2,054)');
  });

  it('a past run whose job is unknown keeps the stored word', () => {
    const line = runLine(runRow({ id: 3, status: 'incomplete', probesDone: 5 }), { scanId: 7, status: null }, null);
    expect(line.text).toBe('incomplete (5 / 2,054)');
    expect(line.title).toBe('Stopped after 5 of 2,054 probes; what it found is kept');
    expect(runLine(runRow({ id: 3, status: 'complete', probesDone: TOTAL }), { scanId: null, status: null }).text).toBe('complete');
  });
});
