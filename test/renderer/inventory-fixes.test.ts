// @vitest-environment happy-dom
/**
 * Inventory and service panel fixes, over the in-memory transport: focus after the
 * reason dialog, filters that cannot be applied, filters applied as you type, the
 * Overview's card links and the counts they open on, the host page's way back.
 */
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import type { ServicesQuery, ServiceRow } from '../../electron/shared';
import NavBar from '../../renderer/src/components/layout/NavBar.vue';
import ServiceFilters from '../../renderer/src/components/inventory/ServiceFilters.vue';
import ServiceTable from '../../renderer/src/components/inventory/ServiceTable.vue';
import { inventoryHref, parseInventoryLink } from '../../renderer/src/components/inventory/inventoryLink';
import ServiceDetail from '../../renderer/src/components/service/ServiceDetail.vue';
import { PlatformKey } from '../../renderer/src/platform/inject';
import type { Platform } from '../../renderer/src/platform/types';
import { useServicesStore } from '../../renderer/src/stores/services';
import HostView from '../../renderer/src/views/HostView.vue';
import InventoryView from '../../renderer/src/views/InventoryView.vue';
import OverviewView from '../../renderer/src/views/OverviewView.vue';
import { createMemoryEngine, serviceRow, settle, type MemoryEngine } from './memory-engine';

const globals = (platform: Platform) => ({ plugins: [createPinia()], provide: { [PlatformKey as symbol]: platform } });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => {
  document.body.innerHTML = '';
  window.location.hash = '';
});

/**
 * The memory engine's services.list ignores port / subnet / insecure; this one honours
 * `insecure` and `port` as the real engine does, so counts can be compared with the Overview's.
 */
function filtering(e: MemoryEngine): Platform {
  const list = async (q: ServicesQuery) => {
    const base = await e.platform.api.services.list({ ...q, offset: 0, limit: 5000 });
    const hit = base.rows.filter((r: ServiceRow) => (q.insecure === undefined || !!r.insecure === q.insecure) && (q.port === undefined || r.port === q.port));
    const offset = q.offset ?? 0;
    return { ...base, rows: hit.slice(offset, offset + (q.limit ?? 500)), total: hit.length };
  };
  return { ...e.platform, api: { ...e.platform.api, services: { ...e.platform.api.services, list } } } as Platform;
}

function inventoryEngine(): MemoryEngine {
  return createMemoryEngine([
    serviceRow({ id: 1, host: '192.0.2.1', port: 21, insecure: 'ftp', status: 'approved' }),
    serviceRow({ id: 2, host: '192.0.2.1', port: 23, insecure: 'telnet', status: 'ignored' }),
    serviceRow({ id: 3, host: '192.0.2.2', port: 23, insecure: 'telnet', status: 'gone' }),
    serviceRow({ id: 4, host: '192.0.2.2', port: 80, insecure: 'http' }),
    serviceRow({ id: 5, host: '192.0.2.3', port: 443, status: 'flagged' }),
    serviceRow({ id: 6, host: '192.0.2.3', port: 22, status: 'flagged' }),
    serviceRow({ id: 7, host: '192.0.2.4', port: 18080, status: 'approved', flows: 1 }),
  ]);
}

describe('service detail panel: focus after the reason dialog', () => {
  async function open(e: MemoryEngine) {
    const w = mount(ServiceDetail, { props: { serviceId: 4 }, global: globals(e.platform), attachTo: document.body });
    await settle();
    return w;
  }
  const active = () => document.activeElement as HTMLElement | null;

  it('returns focus to the action button after the action is applied with Enter; Esc then closes the panel', async () => {
    const e = inventoryEngine();
    const w = await open(e);
    const approve = w.get('[data-testid="detail-approve"]').element as HTMLButtonElement;
    approve.focus();
    await w.get('[data-testid="detail-approve"]').trigger('click');
    await settle();
    expect(active()?.getAttribute('data-testid')).toBe('reason-input');
    await w.get('[data-testid="reason-input"]').setValue('business need');
    await w.get('[data-testid="owner-input"]').setValue('ops');
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Enter' });
    await settle();
    expect(e.calls.some((c) => c.channel === 'review.apply')).toBe(true);
    expect(w.find('[data-testid="reason-dialog"]').exists()).toBe(false);
    const panel = w.get('[data-testid="service-detail"]').element;
    expect(active()).not.toBe(document.body);
    expect(panel.contains(active())).toBe(true);
    expect(active()?.getAttribute('data-testid')).toBe('detail-approve');
    // Esc, from where focus now is, closes the panel.
    active()!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
    expect(w.emitted('close')).toHaveLength(1);
    w.unmount();
  });

  it('returns focus into the panel when the dialog is cancelled with Esc, and Esc on <body> still closes', async () => {
    const e = inventoryEngine();
    const w = await open(e);
    (w.get('[data-testid="detail-flag"]').element as HTMLButtonElement).focus();
    await w.get('[data-testid="detail-flag"]').trigger('click');
    await settle();
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Escape' });
    await settle();
    expect(w.find('[data-testid="reason-dialog"]').exists()).toBe(false);
    expect(active()?.getAttribute('data-testid')).toBe('detail-flag');
    expect(w.emitted('close')).toBeUndefined();
    // Focus dropped to <body> (a browser does that when the focused element goes): Esc still closes.
    active()!.blur();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
    expect(w.emitted('close')).toHaveLength(1);
    w.unmount();
  });

  it('is modal: focus that reaches the page behind comes back into the panel', async () => {
    const e = inventoryEngine();
    const outside = document.createElement('button');
    document.body.append(outside);
    const w = await open(e);
    outside.focus();
    await settle();
    expect(w.get('[data-testid="service-detail"]').element.contains(active())).toBe(true);
    w.unmount();
  });

  it('says "1 flow", not "1 flows"', async () => {
    const e = inventoryEngine();
    const w = mount(ServiceDetail, { props: { serviceId: 7 }, global: globals(e.platform), attachTo: document.body });
    await settle();
    expect(w.get('[data-testid="detail-traffic"]').text()).toMatch(/^1 flow,/);
    w.unmount();
  });
});

describe('inventory filters', () => {
  const Inventory = defineComponent({
    setup: () => () => [h(ServiceFilters, { scope: 'inventory' }), h(ServiceTable, { scope: 'inventory', caption: 'Inventory' })],
  });

  it('shows no rows while a filter is invalid, marks the field and says why', async () => {
    const e = inventoryEngine();
    const w = mount(Inventory, { global: globals(filtering(e)), attachTo: document.body });
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(7);
    const port = w.get('[data-testid="filter-port"]');
    await port.setValue('99999');
    await port.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(0);
    expect(w.find('[data-testid="services-invalid"]').exists()).toBe(true);
    expect(w.get('[data-testid="pager-summary"]').text()).toBe('filter not applied');
    expect(port.attributes('aria-invalid')).toBe('true');
    const describedBy = port.attributes('aria-describedby');
    expect(describedBy).toBeTruthy();
    expect(document.getElementById(describedBy!)?.textContent).toContain('Port');
    // A change in the inventory meanwhile does not bring the old rows back.
    await useServicesStore().reload();
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(0);

    // Subnet too.
    await port.setValue('');
    await port.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(7);
    expect(port.attributes('aria-invalid')).toBeUndefined();
    const subnet = w.get('[data-testid="filter-subnet"]');
    await subnet.setValue('garbage');
    await subnet.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(0);
    expect(subnet.attributes('aria-invalid')).toBe('true');
    expect(document.getElementById(subnet.attributes('aria-describedby')!)?.textContent).toContain('Subnet');
    w.unmount();
  });

  it('applies Port and Subnet as you type, after a pause, like Search', async () => {
    const e = inventoryEngine();
    const w = mount(Inventory, { global: globals(filtering(e)), attachTo: document.body });
    await settle();
    await w.get('[data-testid="filter-port"]').setValue('23');
    await wait(400);
    await settle();
    expect(e.calls.at(-1)?.input).toMatchObject({ port: 23 });
    expect(w.findAll('[data-testid="service-row"]').map((r) => r.get('[data-col="port"]').text())).toEqual(['23', '23']);
    // An invalid value typed (no Enter) empties the table too.
    await w.get('[data-testid="filter-port"]').setValue('99999');
    await wait(400);
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(0);
    await w.get('[data-testid="filter-subnet"]').setValue('192.0.2.0/24');
    await w.get('[data-testid="filter-port"]').setValue('');
    await wait(400);
    await settle();
    expect(e.calls.at(-1)?.input).toMatchObject({ subnet: '192.0.2.0/24' });
    w.unmount();
  });
});

describe('Overview cards open the Inventory on what they count', () => {
  it('links each card to a filtered Inventory', async () => {
    const e = inventoryEngine();
    const w = mount(OverviewView, { global: globals(e.platform), attachTo: document.body });
    await settle();
    const href = (key: string) => w.get(`[data-testid="count-${key}"] a`).attributes('href');
    expect(href('approved')).toBe('#/inventory?status=approved');
    expect(href('flagged')).toBe('#/inventory?status=flagged');
    expect(href('gone')).toBe('#/inventory?status=gone');
    expect(href('new')).toBe('#/inventory?status=new');
    expect(parseInventoryLink(href('insecure')!)).toEqual({ status: 'listening', insecure: true });
    w.unmount();
  });

  it('parses Inventory links', () => {
    expect(parseInventoryLink('#/inventory')).toBeNull();
    expect(parseInventoryLink('#/inventory?status=flagged')).toEqual({ status: 'flagged' });
    expect(parseInventoryLink('#/inventory?insecure=1')).toEqual({ status: 'listening', insecure: true });
    expect(parseInventoryLink('#/inventory?status=bogus')).toBeNull();
    expect(parseInventoryLink('#/overview?status=flagged')).toBeNull();
    expect(inventoryHref({ status: 'gone' })).toBe('#/inventory?status=gone');
  });

  for (const key of ['approved', 'flagged', 'gone', 'new', 'insecure'] as const) {
    it(`the Inventory opened from "${key}" counts what the card says`, async () => {
      const e = inventoryEngine();
      const platform = filtering(e);
      const ov = mount(OverviewView, { global: globals(platform), attachTo: document.body });
      await settle();
      const card = Number(ov.get(`[data-testid="count-${key}"] dd`).text());
      const href = ov.get(`[data-testid="count-${key}"] a`).attributes('href')!;
      ov.unmount();
      expect(card).toBeGreaterThan(0);
      window.location.hash = href;
      const w = mount(InventoryView, { global: globals(platform), attachTo: document.body });
      await settle();
      expect(w.findAll('[data-testid="service-row"]')).toHaveLength(card);
      expect(w.get('[data-testid="pager-summary"]').text()).toBe(`1–${card} of ${card}`);
      w.unmount();
    });
  }

  it('an Overview link replaces filters and search left in the Inventory, and the fields show it', async () => {
    const e = inventoryEngine();
    const w = mount(InventoryView, { global: globals(filtering(e)), attachTo: document.body });
    await settle();
    await w.get('[data-testid="filter-port"]').setValue('80');
    await w.get('[data-testid="filter-port"]').trigger('keydown', { key: 'Enter' });
    await w.get('[data-testid="search"]').setValue('192.0.2.2');
    await wait(400);
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(1);
    window.location.hash = '#/inventory?status=flagged';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle();
    await wait(400);
    await settle();
    expect(w.findAll('[data-testid="service-row"]').map((r) => r.attributes('data-status'))).toEqual(['flagged', 'flagged']);
    expect((w.get('[data-testid="filter-port"]').element as HTMLInputElement).value).toBe('');
    expect((w.get('[data-testid="search"]').element as HTMLInputElement).value).toBe('');
    expect((w.get('[data-testid="status-filter"]').element as HTMLSelectElement).value).toBe('flagged');
    w.unmount();
  });
});

describe('host page', () => {
  it('has a keyboard-reachable link back to the Inventory', async () => {
    const e = inventoryEngine();
    window.location.hash = '#/host/192.0.2.1';
    const w = mount(HostView, { global: globals(e.platform), attachTo: document.body });
    await settle();
    const back = w.get('[data-testid="host-back"]');
    expect(back.element.tagName).toBe('A');
    expect(back.attributes('href')).toBe('#/inventory');
    expect(back.text()).toContain('Inventory');
    w.unmount();
  });

  it('keeps Inventory marked current in the navigation', async () => {
    const items = [
      { id: 'overview' as const, label: 'Overview' },
      { id: 'inventory' as const, label: 'Inventory' },
    ];
    const w = mount(NavBar, { props: { items, current: 'host' } });
    await flushPromises();
    expect(w.get('[data-testid="nav-inventory"]').attributes('aria-current')).toBe('page');
    expect(w.get('[data-testid="nav-overview"]').attributes('aria-current')).toBeUndefined();
    w.unmount();
  });
});
