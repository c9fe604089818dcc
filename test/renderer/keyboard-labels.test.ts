// @vitest-environment happy-dom
/**
 * Keyboard and labelling fixes a screen-reader / keyboard-only analyst asked for, over the
 * in-memory transport:
 * - Inventory: back from the host page that h opened, focus is on that row again (and it
 *   holds the Tab stop); Back to a card's link keeps the table as it was left;
 * - New ports: no row is current at first; the first j makes the FIRST row current, named
 *   by aria-activedescendant on the focused grid;
 * - the snapshot report takes focus when it opens; Esc closes it, focus back on its opener;
 * - Compare's choices say which snapshot they are; export buttons name format and snapshot;
 * - the ignore dialog takes a duration (30d) as the CLI does, shows the end in UTC, and
 *   says what is wrong with anything else; the engine still gets an ISO time.
 */
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, KeepAlive, ref, type Component } from 'vue';
import { durationMs, timeFromDuration } from '../../electron/shared/duration';
import ServiceTable from '../../renderer/src/components/inventory/ServiceTable.vue';
import ReasonDialog from '../../renderer/src/components/review/ReasonDialog.vue';
import ReviewQueue from '../../renderer/src/components/review/ReviewQueue.vue';
import ReportViewer from '../../renderer/src/components/snapshots/ReportViewer.vue';
import SnapshotCompare from '../../renderer/src/components/snapshots/SnapshotCompare.vue';
import SnapshotList from '../../renderer/src/components/snapshots/SnapshotList.vue';
import { exportLabel, snapshotChoice } from '../../renderer/src/components/snapshots/labels';
import { parseExpiryInput } from '../../renderer/src/lib/format';
import { PlatformKey } from '../../renderer/src/platform/inject';
import type { Platform } from '../../renderer/src/platform/types';
import { useServicesStore } from '../../renderer/src/stores/services';
import { useSnapshotsStore } from '../../renderer/src/stores/snapshots';
import InventoryView from '../../renderer/src/views/InventoryView.vue';
import { createMemoryEngine, serviceRow, settle, type MemoryEngine } from './memory-engine';

const globals = (platform: Platform) => ({ plugins: [createPinia()], provide: { [PlatformKey as symbol]: platform } });
const active = () => document.activeElement as HTMLElement | null;

afterEach(() => {
  document.body.innerHTML = '';
  window.location.hash = '';
});

function engine(): MemoryEngine {
  return createMemoryEngine([
    serviceRow({ id: 1, host: '192.0.2.1', port: 21, service: 'ftp' }),
    serviceRow({ id: 2, host: '192.0.2.1', port: 22, service: 'ssh' }),
    serviceRow({ id: 3, host: '192.0.2.2', port: 23, service: 'telnet' }),
    serviceRow({ id: 4, host: '192.0.2.2', port: 443 }),
  ]);
}

/** A view kept alive, and something else shown instead of it (the host page), as App.vue does. */
function keptAlive(view: Component, props: Record<string, unknown> = {}) {
  const shown = ref(true);
  const Other = () => h('a', { href: '#/inventory', 'data-testid': 'other' }, 'elsewhere');
  const Shell = defineComponent({ setup: () => () => h(KeepAlive, null, [shown.value ? h(view, { key: 'view', ...props }) : h(Other, { key: 'other' })]) });
  return { Shell, shown };
}

describe('Inventory: back from the host page h opened', () => {
  it('focus is on the row h was pressed on, which holds the Tab stop', async () => {
    const e = engine();
    const { Shell, shown } = keptAlive(ServiceTable, { scope: 'inventory', caption: 'Inventory' });
    const w = mount(Shell, { global: globals(e.platform), attachTo: document.body });
    await settle();
    const row = (id: number) => w.get(`[data-testid="service-row"][data-id="${id}"]`);
    (row(3).element as HTMLElement).focus();
    await row(3).trigger('keydown', { key: 'h' });
    expect(window.location.hash).toBe('#/host/192.0.2.2');
    shown.value = false;
    await settle();
    // The host page's Back link had focus; it leaves the page as the Inventory comes back.
    (w.get('[data-testid="other"]').element as HTMLElement).focus();
    shown.value = true;
    await settle();
    expect(active()).toBe(row(3).element);
    expect(w.findAll('[data-testid="service-row"]').map((r) => r.attributes('tabindex'))).toEqual(['-1', '-1', '0', '-1']);
    w.unmount();
  });

  it('a nav bar click (focus already on the page) is not taken over; the next visit does not jump either', async () => {
    const e = engine();
    const { Shell, shown } = keptAlive(ServiceTable, { scope: 'inventory', caption: 'Inventory' });
    const w = mount(Shell, { global: globals(e.platform), attachTo: document.body, props: {} });
    await settle();
    const main = document.createElement('button');
    document.body.append(main);
    const row2 = w.get('[data-testid="service-row"][data-id="2"]');
    (row2.element as HTMLElement).focus();
    await row2.trigger('keydown', { key: 'h' });
    shown.value = false;
    await settle();
    main.focus();
    shown.value = true;
    await settle();
    expect(active()).toBe(main);
    main.blur();
    shown.value = false;
    await settle();
    shown.value = true;
    await settle();
    expect(active()).not.toBe(row2.element);
    w.unmount();
  });

  it('Back to a card\'s link (#/inventory?status=…) from a host page keeps the table as it was left', async () => {
    const e = engine();
    const w = mount(InventoryView, { global: globals(e.platform), attachTo: document.body });
    await settle();
    const store = useServicesStore();
    await store.setSearch('192.0.2.2');
    await settle();
    window.location.hash = '#/host/192.0.2.2';
    await settle();
    window.location.hash = '#/inventory?status=flagged';
    await settle();
    expect(store.search).toBe('192.0.2.2');
    expect(store.status).toBe('all');
    // From elsewhere, the link is a request: it applies.
    window.location.hash = '#/overview';
    await settle();
    window.location.hash = '#/inventory?status=flagged';
    await settle();
    expect(store.status).toBe('flagged');
    expect(store.search).toBe('');
    w.unmount();
  });
});

describe('New ports: the first j', () => {
  const press = (key: string) => document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));

  it('no row is current when the view opens; the first j makes the first row current, announced on the focused grid', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e.platform), attachTo: document.body });
    await settle();
    const grid = w.get('[data-testid="queue"]');
    expect(grid.attributes('aria-activedescendant')).toBeUndefined();
    expect(w.find('.cursor').exists()).toBe(false);
    expect(active()).toBe(document.body);
    press('j');
    await settle();
    expect(w.get('.cursor').attributes('data-key')).toBe('192.0.2.1:21/tcp');
    expect(grid.attributes('aria-activedescendant')).toBe('queue-row-1');
    expect(document.getElementById('queue-row-1')?.getAttribute('data-key')).toBe('192.0.2.1:21/tcp');
    expect(active()).toBe(grid.element);
    press('ArrowDown');
    await settle();
    expect(grid.attributes('aria-activedescendant')).toBe('queue-row-2');
    w.unmount();
  });

  it('ArrowDown first does the same, in port grouping too', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e.platform), attachTo: document.body });
    await settle();
    await w.get('[data-testid="group-port"]').trigger('click');
    await settle();
    press('ArrowDown');
    await settle();
    expect(w.get('[data-testid="queue"]').attributes('aria-activedescendant')).toBe('queue-row-1');
    w.unmount();
  });

  it('an action before any move acts on the first row and makes it current', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e.platform), attachTo: document.body });
    await settle();
    await w.get('[data-testid="act-flag"]').trigger('click');
    await settle();
    expect(w.get('[data-testid="reason-dialog"]').text()).toContain('Flag 192.0.2.1:21/tcp');
    expect(w.get('[data-testid="queue"]').attributes('aria-activedescendant')).toBe('queue-row-1');
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Escape' });
    w.unmount();
  });
});

describe('the snapshot report', () => {
  it('takes focus on its heading when it opens; Esc closes it and focus goes back to its opener', async () => {
    const e = engine();
    const opener = document.createElement('button');
    opener.textContent = 'Report';
    document.body.append(opener);
    opener.focus();
    const w = mount(ReportViewer, { props: { id: 3, html: '<html><body><h1>Snapshot 3</h1><p>body</p></body></html>' }, global: globals(e.platform), attachTo: document.body });
    await settle();
    const heading = w.get('[data-testid="report-title"]');
    expect(active()).toBe(heading.element);
    expect(heading.text()).toBe('Report of snapshot #3');
    expect(w.get('[data-testid="report-panel"]').attributes('aria-labelledby')).toBe(heading.attributes('id'));
    await heading.trigger('keydown', { key: 'Escape' });
    expect(w.emitted('close')).toHaveLength(1);
    expect(active()).toBe(opener);
    w.unmount();
  });

  it('in the Snapshots list: Report opens it focused; Close gives focus back to that Report button', async () => {
    const e = engine();
    await e.platform.api.snapshots.take({ note: 'Q2 review', by: 'alice', scope: 'all' });
    // The Snapshots view's part that matters here: the report above the list, as SnapshotsView.vue has it.
    const Panel = () => {
      const store = useSnapshotsStore();
      return h('div', [store.report ? h(ReportViewer, { id: store.report.id, html: store.report.html, onClose: () => store.closeReport() }) : null, h(SnapshotList)]);
    };
    const w = mount(Panel, { global: globals(e.platform), attachTo: document.body });
    await useSnapshotsStore().reload();
    await settle();
    const button = w.get('[data-testid="snapshot-report-1"]');
    (button.element as HTMLElement).focus();
    await button.trigger('click');
    await settle();
    expect(active()).toBe(w.get('[data-testid="report-title"]').element);
    await w.get('[data-testid="report-close"]').trigger('click');
    await settle();
    expect(w.find('[data-testid="report-panel"]').exists()).toBe(false);
    expect(active()).toBe(w.get('[data-testid="snapshot-report-1"]').element);
    w.unmount();
  });
});

describe('Snapshots: labels', () => {
  const snap = { id: 3, takenAt: '2025-06-30T18:00:00.000Z', scope: 'tag:CDE', note: 'Q2 review' };

  it('a Compare choice says id, time (UTC), scope and note; an export button names format and snapshot', () => {
    expect(snapshotChoice(snap)).toBe('#3 · 2025-06-30T18:00:00Z · tag:CDE · Q2 review');
    expect(snapshotChoice({ ...snap, note: '' })).toBe('#3 · 2025-06-30T18:00:00Z · tag:CDE');
    expect(snapshotChoice({ ...snap, note: `long\n${'x'.repeat(100)}` })).toMatch(/^#3 · 2025-06-30T18:00:00Z · tag:CDE · long x{54}…$/);
    expect(exportLabel(3, 'csv')).toBe('Export snapshot 3 as CSV');
    expect(exportLabel(3, 'pdf')).toBe('Export snapshot 3 as PDF');
  });

  it('in the page: each select has a label; options name the snapshot; every export button has its aria-label', async () => {
    const e = engine();
    await e.platform.api.snapshots.take({ note: 'Q1 baseline', by: 'alice', scope: 'all' });
    await e.platform.api.snapshots.take({ note: '', by: 'bob', scope: 'tag:CDE' });
    const c = mount(SnapshotCompare, { global: globals(e.platform), attachTo: document.body });
    const store = useSnapshotsStore();
    await store.reload();
    await settle();
    for (const [id, text] of [['compare-a', 'From snapshot'], ['compare-b', 'To snapshot']] as const) {
      const select = c.get(`[data-testid="${id}"]`);
      const label = c.get(`label[for="${select.attributes('id')}"]`);
      expect(label.text()).toContain(text);
      expect(label.element.contains(select.element)).toBe(true);
    }
    expect(c.get('[data-testid="compare-a"]').findAll('option').map((o) => o.text())).toEqual(['#1 · 2024-03-01T00:00:00Z · all · Q1 baseline', '#2 · 2024-03-02T00:00:00Z · tag:CDE']);
    c.unmount();

    const l = mount(SnapshotList, { global: globals(e.platform), attachTo: document.body });
    await useSnapshotsStore().reload();
    await settle();
    const labels = l.findAll('[data-testid^="snapshot-export-"]').map((b) => b.attributes('aria-label'));
    // Newest first, as the list shows them.
    expect(labels).toEqual([2, 1].flatMap((id) => ['CSV', 'JSON', 'HTML', 'PDF'].map((f) => `Export snapshot ${id} as ${f}`)));
    expect(l.get('[data-testid="snapshot-report-1"]').attributes('aria-label')).toBe('Report of snapshot 1');
    l.unmount();
  });
});

describe('the ignore dialog: a duration or a UTC time', () => {
  const now = Date.UTC(2025, 5, 1, 12, 0, 0);

  it('durations as the CLI reads them (shared with it): m, h, d, w (and s); nothing past the year 9999', () => {
    expect(durationMs('90m')).toBe(90 * 60_000);
    expect(durationMs(' 2w ')).toBe(14 * 86_400_000);
    expect(durationMs('30 d')).toBeNull();
    expect(durationMs('30D')).toBeNull();
    expect(durationMs('2025-06-30')).toBeNull();
    expect(timeFromDuration('12h', 1, now)).toEqual({ ok: true, iso: '2025-06-02T00:00:00.000Z' });
    expect(timeFromDuration('24h', -1, now)).toEqual({ ok: true, iso: '2025-05-31T12:00:00.000Z' });
    expect(timeFromDuration('999999w', 1, now)).toMatchObject({ ok: false, message: expect.stringContaining('after the year 9999') });
    expect(timeFromDuration('soon', 1, now)).toBeNull();
  });

  it('parseExpiryInput: durations ahead of now, dates as before, and words for anything else', () => {
    expect(parseExpiryInput('30d', now)).toEqual({ ok: true, iso: '2025-07-01T12:00:00.000Z' });
    expect(parseExpiryInput('2w', now)).toEqual({ ok: true, iso: '2025-06-15T12:00:00.000Z' });
    expect(parseExpiryInput('90m', now)).toEqual({ ok: true, iso: '2025-06-01T13:30:00.000Z' });
    expect(parseExpiryInput('', now)).toEqual({ ok: true, iso: null });
    expect(parseExpiryInput('2025-06-30T18:00Z', now)).toEqual({ ok: true, iso: '2025-06-30T18:00:00.000Z' });
    expect(parseExpiryInput('2025-05-01', now)).toEqual({ ok: false, message: '2025-05-01T00:00:00Z is already past' });
    expect(parseExpiryInput('0d', now)).toMatchObject({ ok: false, message: expect.stringContaining('longer than zero') });
    expect(parseExpiryInput('30y', now)).toMatchObject({ ok: false, message: expect.stringContaining('not a duration: 30y') });
    expect(parseExpiryInput('next week', now)).toMatchObject({ ok: false, message: expect.stringMatching(/^not a duration or a UTC date or time: next week \(use 30d, 12h, 2w/) });
    expect(parseExpiryInput('999999w', now)).toMatchObject({ ok: false, message: expect.stringContaining('after the year 9999') });
  });

  it('shows the end in UTC under the field before submit, and sends the ISO time', async () => {
    const e = engine();
    const w = mount(ReasonDialog, { props: { request: { action: 'ignore', ids: [1], count: 1 }, busy: false, error: null, subject: '192.0.2.1:21/tcp' }, global: globals(e.platform), attachTo: document.body });
    await settle();
    expect(w.get('[data-testid="expires-end"]').text()).toBe('No end: ignored until someone reviews it again.');
    await w.get('[data-testid="reason-input"]').setValue('lab box');
    const before = Date.now();
    await w.get('[data-testid="expires-input"]').setValue('30d');
    const shown = w.get('[data-testid="expires-end"]').text();
    const m = /^Ignored until (\S+Z) \(UTC\)\.$/.exec(shown);
    expect(m, shown).not.toBeNull();
    const end = Date.parse(m![1]!);
    expect(end - before).toBeGreaterThanOrEqual(30 * 86_400_000 - 1000);
    expect(end - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);
    expect(w.get('[data-testid="expires-input"]').attributes('aria-describedby')).toContain('expires-end');
    await w.get('form').trigger('submit');
    const sent = w.emitted('submit')?.[0]?.[0] as { expiresAt: string };
    expect(sent.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(sent.expiresAt) - end)).toBeLessThan(2000);
    w.unmount();
  });

  it('anything else: an inline error once the field is left (or Enter pressed), and nothing sent', async () => {
    const e = engine();
    const w = mount(ReasonDialog, { props: { request: { action: 'ignore', ids: [1], count: 1 }, busy: false, error: null, subject: 'x' }, global: globals(e.platform), attachTo: document.body });
    await settle();
    await w.get('[data-testid="reason-input"]').setValue('lab box');
    const field = w.get('[data-testid="expires-input"]');
    await field.setValue('next week');
    expect((w.get('[data-testid="reason-submit"]').element as HTMLButtonElement).disabled).toBe(true);
    await field.trigger('blur');
    const error = w.get('[data-testid="expires-error"]');
    expect(error.text()).toMatch(/^not a duration or a UTC date or time: next week/);
    expect(error.attributes('role')).toBe('alert');
    expect(field.attributes('aria-invalid')).toBe('true');
    await field.setValue('12x');
    expect(w.get('[data-testid="expires-error"]').text()).toContain('m, h, d or w');
    await field.trigger('keydown', { key: 'Enter' });
    expect(w.emitted('submit')).toBeUndefined();
    expect(active()).toBe(field.element);
    await field.setValue('12h');
    expect(w.find('[data-testid="expires-error"]').exists()).toBe(false);
    expect(w.get('[data-testid="expires-end"]').text()).toMatch(/^Ignored until \S+Z \(UTC\)\.$/);
    w.unmount();
  });
});
