import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorLine, evidenceLabel, formatBytes, formatUtc, pagerSummary, parseUtcInput } from '../../renderer/src/lib/format';
import { byNewest, isFinal, progressText, resultEntries, shouldReplace } from '../../renderer/src/lib/jobs';
import { ariaSort, nextSort, pageOffset } from '../../renderer/src/lib/query';
import { coalesce } from '../../renderer/src/lib/timing';
import { visibleRange } from '../../renderer/src/lib/windowing';
import { parseRoute, routeHref } from '../../renderer/src/composables/useHashRoute';
import { rowCells } from '../../renderer/src/composables/useServiceList';
import { jobSnapshot, serviceRow } from './memory-engine';

describe('parseUtcInput (expiry fields: ISO 8601, read in UTC)', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads a date as midnight UTC, a time without a zone as UTC, and honours an offset', () => {
    expect(parseUtcInput('')).toEqual({ ok: true, iso: null });
    expect(parseUtcInput(' 2025-06-30 ')).toEqual({ ok: true, iso: '2025-06-30T00:00:00.000Z' });
    expect(parseUtcInput('2025-06-30T18:00')).toEqual({ ok: true, iso: '2025-06-30T18:00:00.000Z' });
    expect(parseUtcInput('2025-06-30 18:00:05Z')).toEqual({ ok: true, iso: '2025-06-30T18:00:05.000Z' });
    expect(parseUtcInput('2025-06-30T18:00+02:00')).toEqual({ ok: true, iso: '2025-06-30T16:00:00.000Z' });
  });
  it('refuses locale dates, impossible dates and, for an expiry, the past', () => {
    for (const bad of ['06/30/2025', '30.06.2025', '2025-02-30', '2025-06-30T24:00', 'tomorrow']) {
      expect(parseUtcInput(bad), bad).toMatchObject({ ok: false, message: expect.stringContaining('2025-06-30T18:00Z') });
    }
    expect(parseUtcInput('2024-12-31', { future: true, nowMs: now })).toEqual({ ok: false, message: '2024-12-31T00:00:00Z is already past' });
    expect(parseUtcInput('2025-01-02', { future: true, nowMs: now })).toMatchObject({ ok: true });
  });
});

describe('format', () => {
  it('shows times as ISO 8601 UTC to the second, whatever offset they came with', () => {
    expect(formatUtc('2024-03-01T10:00:00.123Z')).toBe('2024-03-01T10:00:00Z');
    expect(formatUtc('2024-03-01T12:00:00+02:00')).toBe('2024-03-01T10:00:00Z');
  });
  it('shows an unparsable time as it came, and a missing one as a dash', () => {
    expect(formatUtc('yesterday-ish')).toBe('yesterday-ish');
    expect(formatUtc(null)).toBe('—');
  });
  it('adds the confidence to evidence only when it is not certain', () => {
    expect(evidenceLabel('handshake', 'certain')).toBe('handshake');
    expect(evidenceLabel('data', 'medium')).toBe('data (medium)');
  });
  it('summarises a page as first–last of total', () => {
    expect(pagerSummary(0, 0, 0)).toBe('0 of 0');
    expect(pagerSummary(0, 100, 1234)).toBe('1–100 of 1,234');
    expect(pagerSummary(1200, 34, 1234)).toBe('1,201–1,234 of 1,234');
  });
  it('names the error unless it is a plain Error', () => {
    // The message only: a class name like ScopeError means nothing to the user.
    expect(errorLine({ name: 'InvalidCapture', message: 'bad magic' })).toBe('bad magic');
    expect(errorLine({ name: 'ScopeError', message: 'scope tag:NOPE names no host' })).toBe('scope tag:NOPE names no host');
    expect(errorLine({ name: 'Error', message: 'boom' })).toBe('boom');
    expect(errorLine({ name: 'Disconnected', message: '' })).toBe('Disconnected');
  });
  it('formats byte counts in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(53805)).toBe('52.5 KiB');
  });
});

describe('query', () => {
  it('flips direction when the active column is clicked again', () => {
    expect(nextSort({ sort: 'host', dir: 'asc' }, 'host')).toEqual({ sort: 'host', dir: 'desc' });
    expect(nextSort({ sort: 'host', dir: 'desc' }, 'host')).toEqual({ sort: 'host', dir: 'asc' });
  });
  it('starts a new column ascending, but time columns newest first', () => {
    expect(nextSort({ sort: 'host', dir: 'desc' }, 'port')).toEqual({ sort: 'port', dir: 'asc' });
    expect(nextSort({ sort: 'host', dir: 'asc' }, 'lastSeen')).toEqual({ sort: 'lastSeen', dir: 'desc' });
  });
  it('reports aria-sort only on the active column', () => {
    expect(ariaSort({ sort: 'port', dir: 'desc' }, 'port')).toBe('descending');
    expect(ariaSort({ sort: 'port', dir: 'asc' }, 'port')).toBe('ascending');
    expect(ariaSort({ sort: 'port', dir: 'asc' }, 'host')).toBe('none');
  });
  it('pages within the result', () => {
    expect(pageOffset(0, 100, 250, 1)).toBe(100);
    expect(pageOffset(200, 100, 250, 1)).toBe(200);
    expect(pageOffset(100, 100, 250, -1)).toBe(0);
    expect(pageOffset(0, 100, 250, -1)).toBe(0);
  });
});

describe('jobs', () => {
  it('knows the final states', () => {
    expect(['queued', 'running'].map((s) => isFinal(s as never))).toEqual([false, false]);
    expect(['done', 'failed', 'cancelled', 'interrupted'].every((s) => isFinal(s as never))).toBe(true);
  });
  it('never lets a late progress update resurrect a finished job', () => {
    const done = jobSnapshot({ id: 'a', status: 'done' });
    const late = jobSnapshot({ id: 'a', status: 'running' });
    expect(shouldReplace(undefined, late)).toBe(true);
    expect(shouldReplace(late, done)).toBe(true);
    expect(shouldReplace(done, late)).toBe(false);
  });
  it('writes progress as done / total, bytes made readable', () => {
    expect(progressText(jobSnapshot({ id: 'a', progress: { done: 2048, total: 53805, unit: 'bytes' } }))).toBe('2.0 KiB / 52.5 KiB');
    expect(progressText(jobSnapshot({ id: 'a', progress: { done: 3, total: null, unit: 'files' } }))).toBe('3 files');
    expect(progressText(jobSnapshot({ id: 'a', progress: null }))).toBeNull();
  });
  it('lists the result in the engine order, one line per record of a list', () => {
    const job = jobSnapshot({
      id: 'a',
      status: 'done',
      result: {
        flows: 12,
        services: { added: 7 },
        files: [{ path: '/tmp/portolan-upload-x/u-1/a.pcap', packets: 263, warnings: [] }],
        empty: [],
      },
    });
    expect(resultEntries(job)).toEqual([
      ['flows', '12'],
      ['services', 'added 7'],
      ['files', 'a.pcap, packets 263'],
      ['empty', 'none'],
    ]);
  });
  it('orders newest first', () => {
    const a = jobSnapshot({ id: 'a', startedAt: '2024-01-01T00:00:00Z' });
    const b = jobSnapshot({ id: 'b', startedAt: '2024-02-01T00:00:00Z' });
    expect([a, b].sort(byNewest).map((j) => j.id)).toEqual(['b', 'a']);
  });
});

describe('coalesce', () => {
  afterEach(() => vi.useRealTimers());
  it('runs once after a burst settles', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const c = coalesce(fn, 100);
    c();
    vi.advanceTimersByTime(50);
    c();
    vi.advanceTimersByTime(99);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });
  it('runs at least every maxWait during a continuous burst', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const c = coalesce(fn, 100, 300);
    for (let t = 0; t < 1000; t += 50) {
      c();
      vi.advanceTimersByTime(50);
    }
    expect(fn.mock.calls.length).toBeGreaterThanOrEqual(3);
  });
  it('can be cancelled and flushed', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const c = coalesce(fn, 100);
    c();
    c.cancel();
    vi.advanceTimersByTime(500);
    expect(fn).not.toHaveBeenCalled();
    c();
    c.flush();
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('visibleRange', () => {
  it('renders only the rows in view plus overscan, padding the rest', () => {
    const w = visibleRange(2600, 520, 26, 5000, 10);
    expect(w.start).toBe(90);
    expect(w.end).toBe(100 + 21 + 10);
    expect(w.padTop).toBe(90 * 26);
    expect(w.padBottom).toBe((5000 - w.end) * 26);
  });
  it('clamps at both ends', () => {
    expect(visibleRange(0, 520, 26, 5, 10)).toEqual({ start: 0, end: 5, padTop: 0, padBottom: 0 });
    expect(visibleRange(-40, 520, 26, 0)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });
});

describe('routes', () => {
  it('parses the hash, falling back to the overview', () => {
    expect(parseRoute('#/inventory')).toBe('inventory');
    expect(parseRoute('#/new-ports?x=1')).toBe('new-ports');
    expect(parseRoute('#/nowhere')).toBe('overview');
    expect(parseRoute('')).toBe('overview');
    expect(routeHref('scan')).toBe('#/scan');
  });
});

describe('rowCells', () => {
  it('keeps raw values beside the shown text', () => {
    const cells = rowCells(serviceRow({ id: 1, host: '192.0.2.7', port: 443, evidence: 'data', confidence: 'low' }));
    const ev = cells.find((c) => c.col === 'evidence');
    expect(ev).toMatchObject({ text: 'data (low)', value: 'data' });
    expect(ev?.cls).toContain('weak');
    expect(cells.find((c) => c.col === 'lastSeen')?.text).toBe('2024-03-02T11:30:00Z');
    expect(cells.map((c) => c.col)).toEqual(['host', 'port', 'proto', 'evidence', 'status', 'service', 'firstSeen', 'lastSeen', 'sources']);
  });
});

describe('ingest job files (job panel)', () => {
  it('says in words what each file gave, and why one failed, without raw records', async () => {
    const { resultEntries } = await import('../../renderer/src/lib/jobs');
    const { ingestFiles } = await import('../../renderer/src/components/capture/summary');
    const job = {
      id: 'j1', kind: 'ingest', status: 'failed', progress: null, abortable: false, startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z', warnings: [],
      error: { name: 'IngestError', message: '1 of 3 files failed' },
      result: {
        files: [
          { path: 'upload: smtp.pcap', captureId: 1, status: 'complete', packets: 125, flows: 8, listeners: 1, added: 1, warnings: [] },
          { path: '/x/MANIFEST.tsv', captureId: null, status: 'failed', packets: 0, flows: 0, listeners: 0, added: 0, warnings: [], error: '/x/MANIFEST.tsv: not a pcap or pcapng capture (starts with 0x66696c65)' },
          { path: '/x/again.pcap', captureId: 4, status: 'skipped', packets: 0, flows: 0, listeners: 0, added: 0, warnings: ['already ingested as capture 4; skipped'] },
        ],
        packets: 125,
      },
    } as const;
    const lines = ingestFiles(job as never);
    expect(lines).toEqual([
      { name: 'smtp.pcap', status: 'complete', text: 'capture 1: 125 packets, 8 flows, 1 listening service (1 new)' },
      { name: 'MANIFEST.tsv', status: 'failed', text: 'not a pcap or pcapng capture (starts with 0x66696c65)' },
      { name: 'again.pcap', status: 'skipped', text: 'already imported as capture 4; skipped' },
    ]);
    expect(resultEntries(job as never).map(([k]) => k)).toEqual(['packets']);
  });
});
