/**
 * The service detail panel's pure helpers: the actions each status offers (they must be
 * ones the engine applies to that status), the compensating control in force, and the
 * history's order.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../electron/shared';
import { ACTIONS_FOR, actionLabel, currentControl, newestFirst } from '../../renderer/src/components/service/serviceDetail';

const ev = (id: number, action: HistoryEvent['action'], at: string, reason: string | null = null): HistoryEvent => ({ id, serviceId: 1, action, from: 'approved', to: 'approved', reason, owner: null, actor: 'alice', at });

describe('service detail helpers', () => {
  it('offers every action the engine applies to a status, and only those', () => {
    // The engine's table (electron/engine/inventory/review.ts), spelled out.
    const engine: Record<string, string[]> = { approve: ['new', 'flagged', 'ignored', 'approved'], flag: ['new', 'approved', 'ignored', 'flagged'], ignore: ['new', 'approved', 'flagged', 'ignored'], reopen: ['approved', 'flagged', 'ignored', 'gone'] };
    for (const [status, actions] of Object.entries(ACTIONS_FOR)) {
      const allowed = Object.entries(engine).filter(([, from]) => from.includes(status)).map(([a]) => a);
      expect([...actions].sort(), status).toEqual(allowed.sort());
    }
    expect(ACTIONS_FOR.gone).toEqual(['reopen']);
  });

  it('says "Edit approval" for approving an approved service', () => {
    expect(actionLabel('approve', 'approved')).toBe('Edit approval');
    expect(actionLabel('approve', 'new')).toBe('Approve');
    expect(actionLabel('flag', 'flagged')).toBe('Edit flag');
    expect(actionLabel('reopen', 'ignored')).toBe('Reopen');
  });

  it('finds the control in force: the latest note, none once cleared', () => {
    const a = ev(1, 'control', '2024-01-01T00:00:00.000Z', 'TLS tunnel');
    const b = ev(2, 'control', '2024-02-01T00:00:00.000Z', 'keys only');
    const cleared = ev(3, 'control-cleared', '2024-03-01T00:00:00.000Z');
    expect(currentControl([a, b])).toEqual({ note: 'keys only', actor: 'alice', at: '2024-02-01T00:00:00.000Z' });
    expect(currentControl([b, a, cleared])).toBeNull();
    expect(currentControl([ev(4, 'approve', '2024-01-01T00:00:00.000Z', 'x')])).toBeNull();
    expect(newestFirst([a, cleared, b]).map((e) => e.id)).toEqual([3, 2, 1]);
    expect(newestFirst([ev(5, 'seen', 'T'), ev(6, 'approve', 'T')]).map((e) => e.id)).toEqual([6, 5]);
  });
});
