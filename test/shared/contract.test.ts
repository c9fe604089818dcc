/** The contract: every channel validates its input at the door. */
import { describe, expect, it } from 'vitest';
import { events, EVENT_CHANNELS, parseInput, requests, toErrorInfo, isRequestChannel } from '../../electron/shared/contract';
import { EVENT_NAMES } from '../../electron/shared/api';
import { csvCell } from '../../electron/engine/cli/format';

describe('contract', () => {
  it('lists the same events for transports that cannot import zod', () => {
    expect([...EVENT_NAMES].sort()).toEqual(Object.keys(events).sort());
    expect(EVENT_CHANNELS.sort()).toEqual(Object.keys(events).sort());
  });

  it('fills defaults for a services query and refuses unknown keys and out-of-range values', () => {
    expect(parseInput('services.list', {})).toMatchObject({ status: 'all', sort: 'host', dir: 'asc', offset: 0, limit: 500 });
    for (const bad of [{ limit: 0 }, { limit: 1e9 }, { offset: -1 }, { status: 'open' }, { sort: 'host; DROP TABLE services' }, { search: 'x'.repeat(10_000) }, { extra: 1 }, { since: '0' }, { since: '1' }, { since: 'March' }, null, 'x', 42]) {
      expect(() => parseInput('services.list', bad), JSON.stringify(bad)).toThrow();
    }
    expect(parseInput('services.list', { since: '2024-05-01T10:00:00Z' })).toMatchObject({ since: '2024-05-01T10:00:00Z' });
    // Times with a zone for reviews: a date first ('0' and '1' parse as years 2000 and 2001 otherwise).
    for (const expiresAt of ['0', '1', '99', 'tomorrow']) {
      expect(() => parseInput('review.apply', { ids: [1], action: 'ignore', reason: 'x', expiresAt }), expiresAt).toThrow();
    }
    expect(() => parseInput('review.apply', { ids: [1], action: 'ignore', reason: 'x', expiresAt: '2099-01-31T12:00:00Z' })).not.toThrow();
  });

  it('refuses an ingest without paths, with non-string paths or absurd lengths', () => {
    for (const bad of [{}, { paths: [] }, { paths: [1] }, { paths: [''] }, { paths: ['a'.repeat(5000)] }, { paths: ['/x'], more: true }]) {
      expect(() => parseInput('ingest.start', bad), JSON.stringify(bad)).toThrow();
    }
    expect(parseInput('ingest.start', { paths: ['/tmp/a.pcap'] })).toEqual({ paths: ['/tmp/a.pcap'] });
  });

  it('knows its channels and nothing else, not even inherited names', () => {
    expect(isRequestChannel('services.list')).toBe(true);
    for (const c of ['toString', '__proto__', 'constructor', 'services', '']) expect(isRequestChannel(c)).toBe(false);
    expect(Object.keys(requests).length).toBeGreaterThan(0);
  });

  it('turns validation errors into {name, message} naming the field', () => {
    let info = { name: '', message: '' };
    try {
      parseInput('jobs.cancel', { id: 5 });
    } catch (err) {
      info = toErrorInfo(err);
    }
    expect(info.name).toBe('InvalidInput');
    expect(info.message).toMatch(/at id/);
  });

  it('CSV cells that a spreadsheet would run as formulas are neutralised', () => {
    for (const c of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(csvCell(c).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell('plain')).toBe('plain');
  });
});
