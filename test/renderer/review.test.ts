// @vitest-environment happy-dom
/**
 * The review queue in the renderer, over the in-memory transport: grouping helpers,
 * keyboard review with the reason dialog, bulk selection, and the new-services toast.
 */
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, KeepAlive, ref } from 'vue';
import ReviewQueue from '../../renderer/src/components/review/ReviewQueue.vue';
import NewServicesToast from '../../renderer/src/components/review/NewServicesToast.vue';
import ReasonDialog from '../../renderer/src/components/review/ReasonDialog.vue';
import RulesPanel from '../../renderer/src/components/review/RulesPanel.vue';
import SnapshotCompare from '../../renderer/src/components/snapshots/SnapshotCompare.vue';
import { exampleDate, groupItems, isQueueKey, keyCommand, nextAfter, serviceKey } from '../../renderer/src/components/review/grouping';
import { useSnapshotsStore } from '../../renderer/src/stores/snapshots';
import { PlatformKey } from '../../renderer/src/platform/inject';
import { createMemoryEngine, serviceRow, settle, type MemoryEngine } from './memory-engine';

function engine(): MemoryEngine {
  return createMemoryEngine([
    serviceRow({ id: 1, host: '192.0.2.1', port: 22 }),
    serviceRow({ id: 2, host: '192.0.2.1', port: 23, insecure: 'telnet' }),
    serviceRow({ id: 3, host: '192.0.2.2', port: 443 }),
    serviceRow({ id: 4, host: '192.0.2.3', port: 80, status: 'approved' }),
  ]);
}
const globals = (e: MemoryEngine) => ({ plugins: [createPinia()], provide: { [PlatformKey as symbol]: e.platform } });

afterEach(() => {
  document.body.innerHTML = '';
});

describe('queue helpers', () => {
  it('groups sorted rows by host or by port as one flat list', () => {
    const rows = [serviceRow({ id: 1, host: '192.0.2.1', port: 22 }), serviceRow({ id: 2, host: '192.0.2.1', port: 80 }), serviceRow({ id: 3, host: '192.0.2.2', port: 80 })];
    expect(groupItems(rows, 'host').map((i) => (i.kind === 'group' ? `[${i.label} ${i.count}]` : i.row.id))).toEqual(['[192.0.2.1 2]', 1, 2, '[192.0.2.2 1]', 3]);
    expect(groupItems([rows[0]!, rows[1]!, rows[2]!].sort((a, b) => a.port - b.port), 'port').filter((i) => i.kind === 'group').map((i) => (i.kind === 'group' ? i.label : ''))).toEqual(['port 22', 'port 80']);
  });

  it('maps keys to commands, ignoring modified keys', () => {
    expect(keyCommand({ key: 'a', ctrlKey: false, metaKey: false, altKey: false })).toEqual({ action: 'approve' });
    expect(keyCommand({ key: 'j', ctrlKey: false, metaKey: false, altKey: false })).toEqual({ move: 1 });
    expect(keyCommand({ key: ' ', ctrlKey: false, metaKey: false, altKey: false })).toEqual({ toggle: true });
    expect(keyCommand({ key: 'a', ctrlKey: true, metaKey: false, altKey: false })).toEqual({ selectAll: true });
    expect(keyCommand({ key: 'f', ctrlKey: false, metaKey: false, altKey: true })).toBeNull();
    expect(serviceKey({ host: '2001:db8::1', port: 53, proto: 'udp' })).toBe('[2001:db8::1]:53/udp');
  });

  it('leaves keys to fields, to controls that used them, and Space to buttons', () => {
    const el = (tag: string, attrs: Record<string, string> = {}) => Object.assign(document.createElement(tag), attrs) as HTMLElement;
    const ev = (key: string, target: EventTarget | null, defaultPrevented = false) => ({ key, target, defaultPrevented });
    expect(isQueueKey(ev('a', document.body))).toBe(true);
    expect(isQueueKey(ev('a', el('input')))).toBe(false);
    expect(isQueueKey(ev('f', el('textarea')))).toBe(false);
    expect(isQueueKey(ev('j', el('select')))).toBe(false);
    expect(isQueueKey(ev('i', { tagName: 'DIV', isContentEditable: true } as unknown as EventTarget))).toBe(false);
    expect(isQueueKey(ev(' ', el('button')))).toBe(false);
    expect(isQueueKey(ev('a', el('button')))).toBe(true);
    expect(isQueueKey(ev('Enter', el('a')))).toBe(false);
    expect(isQueueKey(ev('ArrowDown', el('a'), true))).toBe(false);
    expect(isQueueKey(ev('j', null))).toBe(true);
  });
});

describe('ReviewQueue', () => {
  it('lists only new services grouped by host, and marks insecure ones', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e), attachTo: document.body });
    await settle();
    expect(w.findAll('[data-testid="queue-row"]').map((r) => r.attributes('data-key'))).toEqual(['192.0.2.1:22/tcp', '192.0.2.1:23/tcp', '192.0.2.2:443/tcp']);
    expect(w.findAll('[data-testid="queue-group"]')).toHaveLength(2);
    expect(w.find('[data-key="192.0.2.1:23/tcp"]').text()).toContain('insecure');
    w.unmount();
  });

  it('selects with space, asks why on "f", and sends one review.apply with the ids and reason', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e), attachTo: document.body });
    await settle();
    const grid = w.get('[data-testid="queue"]');
    await grid.trigger('keydown', { key: 'j' }); // first row
    await grid.trigger('keydown', { key: ' ' });
    await grid.trigger('keydown', { key: 'j' });
    await grid.trigger('keydown', { key: 'x' });
    expect(w.get('[data-testid="selected-count"]').text()).toBe('2 selected');
    await grid.trigger('keydown', { key: 'f' });
    const dialog = w.get('[data-testid="reason-dialog"]');
    expect(dialog.text()).toContain('Flag 2 services');
    await settle();
    // It says under which name the history will record the change (the engine's reviewer).
    expect(w.get('[data-testid="reason-recorded-as"]').text()).toContain('Recorded as tester');
    expect((w.get('[data-testid="reason-submit"]').element as HTMLButtonElement).disabled).toBe(true);
    await w.get('[data-testid="reason-input"]').setValue('not in the baseline');
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Enter' });
    await settle();
    const call = e.calls.find((c) => c.channel === 'review.apply');
    expect(call?.input).toEqual({ ids: [1, 2], action: 'flag', reason: 'not in the baseline' });
    expect(w.find('[data-testid="reason-dialog"]').exists()).toBe(false);
    expect(w.findAll('[data-testid="queue-row"]').map((r) => r.attributes('data-key'))).toEqual(['192.0.2.2:443/tcp']);
    w.unmount();
  });

  it('approve needs an owner; Escape cancels without a call', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e), attachTo: document.body });
    await settle();
    const grid = w.get('[data-testid="queue"]');
    await grid.trigger('keydown', { key: 'j' });
    await grid.trigger('keydown', { key: 'a' });
    await w.get('[data-testid="reason-input"]').setValue('needed');
    expect((w.get('[data-testid="reason-submit"]').element as HTMLButtonElement).disabled).toBe(true);
    await w.get('[data-testid="owner-input"]').setValue('ops');
    expect((w.get('[data-testid="reason-submit"]').element as HTMLButtonElement).disabled).toBe(false);
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Escape' });
    expect(w.find('[data-testid="reason-dialog"]').exists()).toBe(false);
    expect(e.calls.some((c) => c.channel === 'review.apply')).toBe(false);
    w.unmount();
  });

  it('keys work with nothing focused, not while typing in a filter, and stop when the queue goes', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e), attachTo: document.body });
    await settle();
    const press = (key: string, target: EventTarget = document.body) => target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
    expect(document.activeElement).toBe(document.body);
    expect(press('j')).toBe(false); // handled (default prevented) with nothing focused
    press(' ');
    await settle();
    expect(w.get('[data-testid="selected-count"]').text()).toBe('1 selected');
    expect(w.get('[data-key="192.0.2.1:22/tcp"]').classes()).toContain('selected');
    // Typing in the port filter types; it reviews nothing.
    const port = w.get('[data-testid="filter-port"]').element as HTMLInputElement;
    port.focus();
    press('a', port);
    press('f', port);
    await settle();
    expect(w.find('[data-testid="reason-dialog"]').exists()).toBe(false);
    press('f');
    await settle();
    expect(w.get('[data-testid="reason-dialog"]').text()).toContain('Flag 192.0.2.1:22/tcp');
    // While the dialog is open, keys belong to it.
    press('j');
    await settle();
    expect(w.find('.cursor').attributes('data-key')).toBe('192.0.2.1:22/tcp');
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Escape' });
    w.unmount();
    expect(press('a')).toBe(true); // not cancelled: nobody listens any more
    expect(e.calls.some((c) => c.channel === 'review.apply')).toBe(false);
  });

  it('shows the key legend', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e), attachTo: document.body });
    await settle();
    const legend = w.get('[data-testid="queue-keys"]');
    expect(legend.findAll('kbd').map((k) => k.text())).toEqual(['↑', '↓', 'Space', 'a', 'f', 'i', 'Ctrl', 'A']);
    expect(legend.text()).toContain('approve');
    expect(legend.text()).toContain('select the page');
    expect(w.get('[data-testid="queue"]').attributes('aria-describedby')).toBe('queue-keys');
    w.unmount();
  });

  it('"approve all matching" sends the filter, not the ids', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e), attachTo: document.body });
    await settle();
    await w.get('[data-testid="act-approve-matching"]').trigger('click');
    expect(w.get('[data-testid="reason-dialog"]').text()).toContain('Approve 3 services');
    await w.get('[data-testid="reason-input"]').setValue('baseline');
    await w.get('[data-testid="owner-input"]').setValue('ops');
    await w.get('form').trigger('submit');
    await settle();
    expect(e.calls.find((c) => c.channel === 'review.apply')?.input).toEqual({ filter: { status: 'new' }, action: 'approve', reason: 'baseline', owner: 'ops' });
    w.unmount();
  });
});

describe('review fixes', () => {
  function sameHost(): MemoryEngine {
    return createMemoryEngine([1, 2, 3, 4, 5].map((id) => serviceRow({ id, host: '192.0.2.1', port: 20 + id })));
  }

  it('after a bulk flag, the cursor lands on the first row after the flagged ones', async () => {
    const e = sameHost();
    const w = mount(ReviewQueue, { global: globals(e), attachTo: document.body });
    await settle();
    const grid = w.get('[data-testid="queue"]');
    await grid.trigger('keydown', { key: 'j' });
    await grid.trigger('keydown', { key: 'x' });
    await grid.trigger('keydown', { key: 'j' });
    await grid.trigger('keydown', { key: 'x' });
    await grid.trigger('keydown', { key: 'f' });
    await w.get('[data-testid="reason-input"]').setValue('not in the baseline');
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Enter' });
    await settle();
    expect(w.findAll('[data-testid="queue-row"]').map((r) => r.attributes('data-id'))).toEqual(['3', '4', '5']);
    expect(w.get('.cursor').attributes('data-id')).toBe('3');
    // A single action moves on by one, as before.
    await grid.trigger('keydown', { key: 'f' });
    await w.get('[data-testid="reason-input"]').setValue('again');
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Enter' });
    await settle();
    expect(w.get('.cursor').attributes('data-id')).toBe('4');
    w.unmount();
  });

  it('finds the row after the acted-on ones that stays, else the nearest before', () => {
    const rows = [1, 2, 3, 4].map((id) => serviceRow({ id, host: '192.0.2.1', port: id }));
    const items = groupItems(rows, 'host'); // [group, 1, 2, 3, 4]
    expect(nextAfter(items, new Set([1, 2]), 2)).toBe(3);
    expect(nextAfter(items, new Set([1, 3]), 1)).toBe(4);
    expect(nextAfter(items, new Set([3, 4]), 4)).toBe(2);
    expect(nextAfter(items, new Set([1, 2, 3, 4]), 4)).toBeNull();
  });

  it('clears the "N changed" note when the view is left', async () => {
    const e = sameHost();
    const show = ref(true);
    const Other = () => h('p', 'elsewhere');
    const Shell = defineComponent({ setup: () => () => h(KeepAlive, null, [show.value ? h(ReviewQueue, { key: 'q' }) : h(Other, { key: 'o' })]) });
    const w = mount(Shell, { global: globals(e), attachTo: document.body });
    await settle();
    const grid = w.get('[data-testid="queue"]');
    await grid.trigger('keydown', { key: 'j' });
    await grid.trigger('keydown', { key: 'f' });
    await w.get('[data-testid="reason-input"]').setValue('noise');
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Enter' });
    await settle();
    expect(w.get('[data-testid="review-result"]').text()).toContain('1 changed');
    show.value = false;
    await settle();
    show.value = true;
    await settle();
    expect(w.find('[data-testid="review-result"]').exists()).toBe(false);
    w.unmount();
  });

  it('shows no queue rows while its filter is invalid', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e), attachTo: document.body });
    await settle();
    const port = w.get('[data-testid="filter-port"]');
    await port.setValue('99999');
    await port.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(w.findAll('[data-testid="queue-row"]')).toHaveLength(0);
    expect(w.find('[data-testid="queue-invalid"]').exists()).toBe(true);
    expect(w.find('[data-testid="queue-empty"]').exists()).toBe(false);
    expect(port.attributes('aria-invalid')).toBe('true');
    w.unmount();
  });

  it('gives example dates in the future, relative to today', async () => {
    expect(exampleDate(30, Date.UTC(2030, 0, 15, 12))).toBe('2030-02-14');
    const today = new Date().toISOString().slice(0, 10);
    const e = engine();
    const d = mount(ReasonDialog, { props: { request: { action: 'ignore', ids: [1], count: 1 }, busy: false, error: null, subject: 'x' }, global: globals(e), attachTo: document.body });
    const dates = (text: string | undefined) => [...(text ?? '').matchAll(/\d{4}-\d{2}-\d{2}/g)].map((m) => m[0]);
    const dialogDates = dates(d.get('[data-testid="expires-input"]').attributes('placeholder'));
    expect(dialogDates.length).toBeGreaterThan(0);
    for (const x of dialogDates) expect(x > today).toBe(true);
    d.unmount();
    const r = mount(RulesPanel, { global: globals(e), attachTo: document.body });
    await settle();
    const ruleDates = dates(r.get('[data-testid="rule-expires"]').attributes('placeholder'));
    expect(ruleDates.length).toBeGreaterThan(0);
    for (const x of ruleDates) expect(x > today).toBe(true);
    r.unmount();
  });

  it('writes services in snapshot Compare as everywhere else (host:port/proto)', async () => {
    const e = engine();
    const w = mount(SnapshotCompare, { global: globals(e), attachTo: document.body });
    const store = useSnapshotsStore();
    store.diff = {
      a: { id: 1, takenAt: '', sha256: '', scope: 'all' },
      b: { id: 2, takenAt: '', sha256: '', scope: 'all' },
      same: false,
      warnings: [],
      hosts: { new: [], gone: [] },
      services: { new: [{ host: '127.0.0.1', proto: 'tcp', port: 18080, service: null, status: 'new' }], gone: [{ host: '2001:db8::1', proto: 'udp', port: 53, service: null, status: 'approved' }], changed: [] },
    } as never;
    await settle();
    const keys = w.findAll('[data-testid="compare-row"] td.mono').filter((_, i) => i % 2 === 0).map((c) => c.text());
    expect(keys).toEqual(['127.0.0.1:18080/tcp', '[2001:db8::1]:53/udp']);
    w.unmount();
  });
});

describe('NewServicesToast', () => {
  it('shows a services.new notice with its total and keys', async () => {
    const e = engine();
    const w = mount(NewServicesToast, { global: globals(e) });
    await settle();
    expect(w.find('[data-testid="new-services-toast"]').exists()).toBe(false);
    e.emit('services.new', { services: [{ id: 9, host: '198.51.100.3', port: 8443, proto: 'tcp', service: null, insecure: null }], total: 1 });
    await settle();
    const t = w.get('[data-testid="new-services-toast"]');
    expect(t.attributes('data-total')).toBe('1');
    expect(t.text()).toContain('198.51.100.3:8443/tcp');
    w.unmount();
  });
});
