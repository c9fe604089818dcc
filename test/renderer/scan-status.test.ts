/**
 * What the sweep's progress panel shows (components/scan/scanStatus.ts): a sweep is over
 * when the scanner's last event or the job's final snapshot says so, whichever arrives;
 * complete ends with a full bar; an early end keeps the bar where it stopped and says why.
 */
import { describe, expect, it } from 'vitest';
import type { JobSnapshot, ScanProgress, ScanRun } from '../../electron/shared';
import { finalBadge, finalSummary, formatDuration, runLine, scanStatus } from '../../renderer/src/components/scan/scanStatus';

const progress = (p: Partial<ScanProgress>): ScanProgress => ({
  jobId: 'j1', scanId: 1, done: 0, total: 100, open: 0, closed: 0, filtered: 0, errors: 0, rate: 0, etaS: null, paused: false, window: 10, final: false, ...p,
});

const job = (j: Partial<JobSnapshot>): JobSnapshot => ({
  id: 'j1', kind: 'scan', status: 'running', progress: null, abortable: true, error: null,
  startedAt: '2024-01-01T00:00:00.000Z', endedAt: null, result: null, warnings: [], ...j,
});

describe('scan status', () => {
  it('is indeterminate before anything is reported', () => {
    const s = scanStatus(null, null);
    expect(s).toMatchObject({ phase: 'starting', final: false, counts: null, bar: { value: undefined, max: undefined } });
  });

  it('follows the scanner while it runs, and pause', () => {
    expect(scanStatus(progress({ done: 40, open: 1, closed: 39 }), job({})).bar).toEqual({ value: 40, max: 100 });
    expect(scanStatus(progress({ done: 40, paused: true }), job({})).phase).toBe('paused');
  });

  it('ends full when the scanner says it finished every probe, before the job does', () => {
    const s = scanStatus(progress({ done: 100, open: 1, closed: 99, final: true }), job({}));
    expect(s).toMatchObject({ phase: 'complete', final: true, bar: { value: 100, max: 100 } });
  });

  it('ends by the job alone when the scanner\'s events were lost', () => {
    const ended = job({
      status: 'done',
      progress: { done: 100, total: 100, unit: 'probes' },
      endedAt: '2024-01-01T00:00:02.500Z',
      result: { probes: 100, open: 2, closed: 98, filtered: 0, errors: 0 },
    });
    // Last event seen said 60 of 100: the job's word wins.
    const s = scanStatus(progress({ done: 60, open: 1, closed: 59 }), ended);
    expect(s).toMatchObject({ phase: 'complete', final: true, bar: { value: 100, max: 100 }, seconds: 2.5 });
    expect(finalSummary(s)).toBe('Complete: 100 / 100 probes in 2.5 s · 2 open · 98 closed · 0 filtered');
    // No scanner event at all: the job's progress drives the bar while it runs.
    expect(scanStatus(null, job({ progress: { done: 30, total: 100, unit: 'probes' } })).bar).toEqual({ value: 30, max: 100 });
  });

  it('keeps the bar where a cancelled sweep stopped, and says what is kept', () => {
    const stopped = progress({ done: 1234, total: 65535, open: 1, closed: 1233, final: true });
    expect(scanStatus(stopped, job({})).phase).toBe('stopping');
    const s = scanStatus(stopped, job({ status: 'cancelled', endedAt: '2024-01-01T00:00:12.000Z', result: { probes: 1234, open: 1, closed: 1233, filtered: 0, errors: 0 } }));
    expect(s).toMatchObject({ phase: 'cancelled', final: true, bar: { value: 1234, max: 65535 } });
    expect(finalSummary(s)).toBe('Cancelled after 1,234 / 65,535 probes (12 s) · 1 open · 1,233 closed · 0 filtered — what was found is kept');
  });

  it('says failed and interrupted in words', () => {
    expect(scanStatus(progress({ done: 5 }), job({ status: 'failed' })).phase).toBe('failed');
    expect(scanStatus(null, job({ status: 'interrupted' })).phase).toBe('interrupted');
  });

  it('formats durations', () => {
    expect(formatDuration(0.042)).toBe('42 ms');
    expect(formatDuration(2.46)).toBe('2.5 s');
    expect(formatDuration(65)).toBe('1 min 05 s');
  });

  it('badges an ended sweep with the word of its summary', () => {
    expect(finalBadge('complete')).toBe('complete');
    expect(finalBadge('cancelled')).toBe('cancelled');
    expect(finalBadge('failed')).toBe('failed');
    expect(finalBadge('interrupted')).toBe('interrupted');
  });
});

describe('run history line', () => {
  const run = (r: Partial<ScanRun>): Pick<ScanRun, 'id' | 'status' | 'probesDone' | 'probesTotal' | 'open' | 'closed' | 'filtered'> => ({
    id: 1, status: 'running', probesDone: 0, probesTotal: 100, open: 0, closed: 0, filtered: 0, ...r,
  });

  it('follows the live sweep while the stored row says running', () => {
    const live = { scanId: 1, status: scanStatus(progress({ done: 40, open: 3, closed: 30, filtered: 7 }), job({})) };
    expect(runLine(run({}), live)).toMatchObject({ word: 'running', text: 'running (40 / 100)', counts: { done: 40, open: 3, closed: 30, filtered: 7 } });
    const paused = { scanId: 1, status: scanStatus(progress({ done: 40, paused: true }), job({})) };
    expect(runLine(run({}), paused).text).toBe('paused (40 / 100)');
    // Another run is not touched by this window's sweep.
    expect(runLine(run({ id: 2 }), live).text).toBe('running (0 / 100)');
    // A stored row fresher than the last event keeps its counts.
    expect(runLine(run({ probesDone: 60, open: 4 }), live).counts).toMatchObject({ done: 60, open: 4 });
  });

  it('says why an incomplete run stopped when its job is known', () => {
    expect(runLine(run({ status: 'incomplete', probesDone: 5 }), { scanId: null, status: null }, 'cancelled')).toMatchObject({
      word: 'incomplete (cancelled)',
      text: 'incomplete (cancelled) (5 / 100)',
      title: 'Cancelled: stopped after 5 of 100 probes; what it found is kept',
    });
    expect(runLine(run({ status: 'incomplete', probesDone: 5 }), { scanId: null, status: null }, 'done').word).toBe('incomplete');
    const cancelled = { scanId: 1, status: scanStatus(progress({ done: 5, final: true }), job({ status: 'cancelled' })) };
    expect(runLine(run({}), cancelled).word).toBe('incomplete (cancelled)');
    expect(runLine(run({ status: 'complete', probesDone: 100 }), { scanId: null, status: null }).text).toBe('complete');
  });
});
