// @vitest-environment happy-dom
/**
 * Fixes to the service detail panel, the reason dialog and the inventory search, over the
 * in-memory transport:
 * - the open panel follows `services.changed` (status, history, actions), and a review
 *   changed since its dialog opened is said ("changed by … now approved — review again?")
 *   instead of being replaced silently;
 * - a failed load shows no rows and no count, in words; the search has the engine's limit;
 * - the reason dialog keeps focus and Esc after a refusal, checks invisible and
 *   control / bidirectional text before sending, keeps the reason to one line;
 * - limited fields say how near their limit they are (and the limits are the schemas').
 */
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { ReviewApply, SnapshotTake, requests } from '../../electron/shared';
import ServiceTable from '../../renderer/src/components/inventory/ServiceTable.vue';
import ReasonDialog from '../../renderer/src/components/review/ReasonDialog.vue';
import ServiceDetail from '../../renderer/src/components/service/ServiceDetail.vue';
import { changedSince, reviewStamp } from '../../renderer/src/components/service/serviceDetail';
import { counterText, LIMITS, oneLine } from '../../renderer/src/components/service/textLimits';
import TakeSnapshotForm from '../../renderer/src/components/snapshots/TakeSnapshotForm.vue';
import { PlatformKey } from '../../renderer/src/platform/inject';
import type { Platform } from '../../renderer/src/platform/types';
import { loadErrorInfo } from '../../renderer/src/stores/services';
import { createMemoryEngine, serviceRow, settle, type MemoryEngine } from './memory-engine';

const globals = (platform: Platform) => ({ plugins: [createPinia()], provide: { [PlatformKey as symbol]: platform } });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => {
  document.body.innerHTML = '';
});

function engine(): MemoryEngine {
  return createMemoryEngine([
    serviceRow({ id: 1, host: '192.0.2.1', port: 22, service: 'ssh' }),
    serviceRow({ id: 2, host: '192.0.2.1', port: 80, service: 'http' }),
    serviceRow({ id: 3, host: '192.0.2.2', port: 443 }),
  ]);
}

/** Another tab's review: the engine changes the row and announces it. */
function reviewElsewhere(e: MemoryEngine, id: number, over: Partial<(typeof e.rows)[number]>, announce = true): void {
  Object.assign(e.rows.find((r) => r.id === id)!, { reviewedBy: 'bob', reviewedAt: '2024-05-01T10:00:00.000Z', ...over });
  if (announce) e.emit('services.changed', { added: 0, updated: 1 });
}

describe('service detail panel: never stale', () => {
  it('reloads its status and actions when the engine announces services.changed', async () => {
    const e = engine();
    const w = mount(ServiceDetail, { props: { serviceId: 1 }, global: globals(e.platform), attachTo: document.body });
    await settle();
    expect(w.get('[data-testid="detail-status"]').text()).toBe('new');
    expect(w.find('[data-testid="detail-reopen"]').exists()).toBe(false);
    reviewElsewhere(e, 1, { status: 'approved', reason: 'bastion, CHG-1', owner: 'ops' });
    await settle();
    expect(w.get('[data-testid="detail-status"]').text()).toBe('approved');
    expect(w.get('[data-testid="detail-reason"]').text()).toBe('bastion, CHG-1');
    expect(w.get('[data-testid="detail-approve"]').text()).toBe('Edit approval');
    expect(w.find('[data-testid="detail-reopen"]').exists()).toBe(true);
    w.unmount();
  });

  it('keeps a compensating-control note being typed when it reloads', async () => {
    const e = engine();
    const w = mount(ServiceDetail, { props: { serviceId: 1 }, global: globals(e.platform), attachTo: document.body });
    await settle();
    await w.get('[data-testid="detail-control-input"]').setValue('TLS tunnel only');
    reviewElsewhere(e, 1, { status: 'flagged', reason: 'why is this here' });
    await settle();
    expect(w.get('[data-testid="detail-status"]').text()).toBe('flagged');
    expect((w.get('[data-testid="detail-control-input"]').element as HTMLInputElement).value).toBe('TLS tunnel only');
    w.unmount();
  });

  it('does not replace a review made since the dialog opened: says who changed it, applies only when submitted again', async () => {
    const e = engine();
    const w = mount(ServiceDetail, { props: { serviceId: 1 }, global: globals(e.platform), attachTo: document.body });
    await settle();
    await w.get('[data-testid="detail-flag"]').trigger('click');
    await settle();
    await w.get('[data-testid="reason-input"]').setValue('should not listen');
    // Another tab approves; this one never heard (its event was lost).
    reviewElsewhere(e, 1, { status: 'approved', reason: 'bastion', owner: 'ops' }, false);
    await w.get('[data-testid="reason-dialog"]').trigger('submit');
    await settle();
    expect(e.rows[0]!.status).toBe('approved');
    expect(e.calls.some((c) => c.channel === 'review.apply')).toBe(false);
    const conflict = w.get('[data-testid="review-conflict"]').text();
    expect(conflict).toContain('Changed by bob at 2024-05-01T10:00:00Z');
    expect(conflict).toContain('now approved (was new) — review again?');
    expect(w.get('[data-testid="detail-status"]').text()).toBe('approved');
    expect(w.find('[data-testid="reason-dialog"]').exists()).toBe(true);
    // Seen, and submitted again: now it applies.
    await w.get('[data-testid="reason-dialog"]').trigger('submit');
    await settle();
    expect(e.rows[0]!.status).toBe('flagged');
    expect(w.find('[data-testid="reason-dialog"]').exists()).toBe(false);
    w.unmount();
  });

  it('changedSince: null while the review is the same one', () => {
    const h = { service: serviceRow({ id: 1, host: '192.0.2.1', port: 22 }), events: [] };
    expect(changedSince(reviewStamp(h), h)).toBeNull();
    const later = { service: { ...h.service, status: 'flagged' as const, reviewedBy: 'carol', reviewedAt: '2024-06-01T08:00:00.000Z' }, events: [] };
    expect(changedSince(reviewStamp(h), later)).toBe('Changed by carol at 2024-06-01T08:00:00Z: now flagged (was new) — review again?');
  });
});

describe('inventory: a failed load shows no stale rows', () => {
  it('clears rows and count, in words, and the search has the engine limit', async () => {
    const e = engine();
    const w = mount(ServiceTable, { props: { scope: 'inventory', caption: 'Inventory' }, global: globals(e.platform), attachTo: document.body });
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(3);
    expect(w.get('[data-testid="search"]').attributes('maxlength')).toBe('512');
    e.failNext('services.list', { name: 'InvalidInput', message: 'Too big: expected string to have <=512 characters at search' });
    await w.get('[data-testid="search"]').setValue('192.0.2');
    await wait(400);
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(0);
    expect(w.get('[data-testid="pager-summary"]').text()).toBe('not loaded');
    const msg = w.get('[data-testid="services-error"]').text();
    expect(msg).not.toContain('Too big');
    expect(msg).toContain('at most 512 characters');
    w.unmount();
  });

  it('shows a counter near the search limit', async () => {
    const e = engine();
    const w = mount(ServiceTable, { props: { scope: 'inventory', caption: 'Inventory' }, global: globals(e.platform), attachTo: document.body });
    await settle();
    expect(w.find('[data-testid="search-count"]').exists()).toBe(false);
    await w.get('[data-testid="search"]').setValue('x'.repeat(480));
    expect(w.get('[data-testid="search-count"]').text()).toBe('480 / 512');
    w.unmount();
  });

  it('loadErrorInfo keeps other failures as they are', () => {
    expect(loadErrorInfo(Object.assign(new Error('engine gone'), { name: 'Disconnected' }))).toEqual({ name: 'Disconnected', message: 'engine gone' });
  });
});

describe('reason dialog', () => {
  const open = (e: MemoryEngine, props: Record<string, unknown> = {}) =>
    mount(ReasonDialog, {
      props: { request: { action: 'approve', ids: [1], count: 1 }, busy: false, error: null, subject: '192.0.2.1:22/tcp', ...props },
      global: globals(e.platform),
      attachTo: document.body,
    });

  it('after a refusal focus is back in the dialog, and Esc cancels even from <body>', async () => {
    const e = engine();
    const w = open(e, { busy: true });
    await settle();
    (document.activeElement as HTMLElement | null)?.blur();
    expect(document.activeElement).toBe(document.body);
    await w.setProps({ busy: false, error: { name: 'InvalidInput', message: 'must contain visible text at reason' } });
    await settle();
    expect(document.activeElement?.getAttribute('data-testid')).toBe('reason-input');
    expect(w.get('[data-testid="review-error"]').text()).toBe('Business justification: must contain visible text');
    (document.activeElement as HTMLElement | null)?.blur();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(w.emitted('cancel')).toHaveLength(1);
    w.unmount();
  });

  it('refuses invisible and control / bidirectional text before sending', async () => {
    const e = engine();
    const w = open(e);
    await settle();
    await w.get('[data-testid="reason-input"]').setValue('\u200b');
    await w.get('[data-testid="owner-input"]').setValue('ops');
    expect(w.get('[data-testid="reason-missing"]').text()).toContain('must contain visible text');
    expect(w.get('[data-testid="reason-submit"]').attributes('disabled')).toBeDefined();
    await w.get('[data-testid="reason-input"]').setValue('CHG-12 \u202Efdp.exe');
    expect(w.get('[data-testid="reason-unsafe"]').text()).toContain('control characters');
    await w.get('[data-testid="reason-input"]').setValue('bastion host');
    await w.get('[data-testid="owner-input"]').setValue('\u200b\u200b');
    expect(w.get('[data-testid="owner-missing"]').text()).toContain('must contain visible text');
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Enter' });
    expect(w.emitted('submit')).toBeUndefined();
    expect(document.activeElement?.getAttribute('data-testid')).toBe('owner-input');
    await w.get('[data-testid="owner-input"]').setValue('ops');
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Enter' });
    expect(w.emitted('submit')?.[0]).toEqual([{ reason: 'bastion host', owner: 'ops', expiresAt: null }]);
    w.unmount();
  });

  it('is one line: Shift+Enter inserts nothing and pasted line breaks become spaces', async () => {
    const e = engine();
    const w = open(e);
    await settle();
    const ev = new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true, cancelable: true });
    w.get('[data-testid="reason-input"]').element.dispatchEvent(ev);
    expect(ev.defaultPrevented).toBe(true);
    expect(w.emitted('submit')).toBeUndefined();
    await w.get('[data-testid="reason-input"]').setValue('line one\r\nline two\nthree');
    await settle();
    expect((w.get('[data-testid="reason-input"]').element as HTMLTextAreaElement).value).toBe('line one line two three');
    expect(w.find('[data-testid="reason-unsafe"]').exists()).toBe(false);
    w.unmount();
  });

  it('shows a counter near the limit of reason and owner, with maxlength', async () => {
    const e = engine();
    const w = open(e);
    await settle();
    expect(w.get('[data-testid="reason-input"]').attributes('maxlength')).toBe('512');
    expect(w.get('[data-testid="owner-input"]').attributes('maxlength')).toBe('512');
    expect(w.find('[data-testid="reason-count"]').exists()).toBe(false);
    await w.get('[data-testid="reason-input"]').setValue('r'.repeat(480));
    expect(w.get('[data-testid="reason-count"]').text()).toBe('480 / 512');
    await w.get('[data-testid="owner-input"]').setValue('o'.repeat(512));
    expect(w.get('[data-testid="owner-count"]').text()).toBe('512 / 512');
    w.unmount();
  });
});

describe('limits', () => {
  it('the snapshot form shows counters near its limits', async () => {
    const e = engine();
    const w = mount(TakeSnapshotForm, { global: globals(e.platform), attachTo: document.body });
    await settle();
    expect(w.get('[data-testid="snapshot-note"]').attributes('maxlength')).toBe('2000');
    expect(w.get('[data-testid="snapshot-by"]').attributes('maxlength')).toBe('128');
    await w.get('[data-testid="snapshot-note"]').setValue('n'.repeat(1950));
    expect(w.get('[data-testid="snapshot-note-count"]').text()).toBe('1950 / 2000');
    await w.get('[data-testid="snapshot-by"]').setValue('b'.repeat(120));
    expect(w.get('[data-testid="snapshot-by-count"]').text()).toBe('120 / 128');
    w.unmount();
  });

  it('are the schemas\' limits', () => {
    const base = { ids: [1], action: 'approve' as const };
    expect(ReviewApply.safeParse({ ...base, reason: 'r'.repeat(LIMITS.reason), owner: 'o'.repeat(LIMITS.owner) }).success).toBe(true);
    expect(ReviewApply.safeParse({ ...base, reason: 'r'.repeat(LIMITS.reason + 1), owner: 'o' }).success).toBe(false);
    expect(ReviewApply.safeParse({ ...base, reason: 'r', owner: 'o'.repeat(LIMITS.owner + 1) }).success).toBe(false);
    expect(SnapshotTake.safeParse({ note: 'n'.repeat(LIMITS.snapshotNote), by: 'b'.repeat(LIMITS.snapshotBy), scope: 's'.repeat(LIMITS.snapshotScope) }).success).toBe(true);
    expect(SnapshotTake.safeParse({ note: 'n'.repeat(LIMITS.snapshotNote + 1) }).success).toBe(false);
    expect(SnapshotTake.safeParse({ by: 'b'.repeat(LIMITS.snapshotBy + 1) }).success).toBe(false);
    expect(SnapshotTake.safeParse({ scope: 's'.repeat(LIMITS.snapshotScope + 1) }).success).toBe(false);
    const list = requests['services.list'].input;
    expect(list.safeParse({ search: 's'.repeat(LIMITS.search) }).success).toBe(true);
    expect(list.safeParse({ search: 's'.repeat(LIMITS.search + 1) }).success).toBe(false);
    expect(counterText(100, 512)).toBeNull();
    expect(oneLine('a\nb\u2028c')).toBe('a b c');
  });
});
