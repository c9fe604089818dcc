// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../../renderer/src/App.vue';
import ImportCapture from '../../renderer/src/components/ingest/ImportCapture.vue';
import ServiceTable from '../../renderer/src/components/inventory/ServiceTable.vue';
import JobPanel from '../../renderer/src/components/jobs/JobPanel.vue';
import NewServicesToast from '../../renderer/src/components/review/NewServicesToast.vue';
import { PlatformKey } from '../../renderer/src/platform/inject';
import { createMemoryEngine, jobSnapshot, serviceRow, settle, type MemoryEngine } from './memory-engine';

function engineWith(n = 3): MemoryEngine {
  const rows = Array.from({ length: n }, (_, i) =>
    serviceRow({ id: i + 1, host: `192.0.2.${i + 1}`, port: 1000 + i, status: i % 2 ? 'approved' : 'new' }),
  );
  rows.push(serviceRow({ id: 999, host: '203.0.113.9', port: 25, evidence: 'data', confidence: 'medium' }));
  return createMemoryEngine(rows);
}

function globals(engine: MemoryEngine) {
  return { plugins: [createPinia()], provide: { [PlatformKey as symbol]: engine.platform } };
}

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

describe('ServiceTable', () => {
  it('shows one row per service with the agreed data-col cells', async () => {
    const engine = engineWith(3);
    const w = mount(ServiceTable, { props: { scope: 'inventory', caption: 'Inventory' }, global: globals(engine) });
    await settle();
    const rows = w.findAll('[data-testid="service-row"]');
    expect(rows).toHaveLength(4);
    const first = rows[0]!;
    expect(first.get('[data-col="host"]').text()).toBe('192.0.2.1');
    expect(first.get('[data-col="port"]').text()).toBe('1000');
    expect(first.get('[data-col="proto"]').text()).toBe('tcp');
    expect(first.get('[data-col="evidence"]').text()).toBe('handshake');
    expect(first.get('[data-col="status"]').text()).toBe('new');
    expect(first.get('[data-col="lastSeen"]').text()).toBe('2024-03-02T11:30:00Z');
    const weak = rows[3]!.get('[data-col="evidence"]');
    expect(weak.text()).toBe('data (medium)');
    expect(weak.attributes('data-value')).toBe('data');
    expect(w.get('[data-testid="pager-summary"]').text()).toBe('1–4 of 4');
  });

  it('sorts on header click and says so with aria-sort', async () => {
    const engine = engineWith(3);
    const w = mount(ServiceTable, { props: { scope: 'inventory', caption: 'Inventory' }, global: globals(engine) });
    await settle();
    const portTh = () => w.get('button[data-sort="port"]').element.parentElement!;
    expect(portTh().getAttribute('aria-sort')).toBe('none');
    await w.get('button[data-sort="port"]').trigger('click');
    await settle();
    expect(portTh().getAttribute('aria-sort')).toBe('ascending');
    expect(w.findAll('[data-col="port"]').map((c) => c.text())).toEqual(['25', '1000', '1001', '1002']);
    await w.get('button[data-sort="port"]').trigger('click');
    await settle();
    expect(portTh().getAttribute('aria-sort')).toBe('descending');
    expect(w.findAll('[data-col="port"]').map((c) => c.text())).toEqual(['1002', '1001', '1000', '25']);
    expect(engine.calls.at(-1)?.input).toMatchObject({ sort: 'port', dir: 'desc', offset: 0 });
  });

  it('filters by status and, after typing pauses, by search text', async () => {
    const engine = engineWith(3);
    const w = mount(ServiceTable, { props: { scope: 'inventory', caption: 'Inventory' }, global: globals(engine) });
    await settle();
    await w.get('[data-testid="status-filter"]').setValue('approved');
    await settle();
    expect(w.findAll('[data-testid="service-row"]').map((r) => r.attributes('data-status'))).toEqual(['approved']);
    await w.get('[data-testid="status-filter"]').setValue('all');
    await settle();
    await w.get('[data-testid="search"]').setValue('203.0');
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    expect(w.findAll('[data-col="host"]').map((c) => c.text())).toEqual(['203.0.113.9']);
  });

  it('keeps the DOM small on a big page and pages through the rest', async () => {
    const engine = engineWith(1200);
    const w = mount(ServiceTable, { props: { scope: 'inventory', caption: 'Inventory' }, global: globals(engine) });
    await settle();
    const rendered = w.findAll('[data-testid="service-row"]').length;
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(100);
    expect(w.get('[data-testid="pager-summary"]').text()).toBe('1–500 of 1,201');
    await w.get('[data-testid="page-next"]').trigger('click');
    await settle();
    expect(w.get('[data-testid="pager-summary"]').text()).toBe('501–1,000 of 1,201');
    expect(w.get('[data-testid="page-prev"]').attributes('disabled')).toBeUndefined();
  });

  it('shows a failed load clearly, with a retry', async () => {
    const engine = engineWith(1);
    engine.failNext('services.list', { name: 'StoreError', message: 'database is locked' });
    const w = mount(ServiceTable, { props: { scope: 'inventory', caption: 'Inventory' }, global: globals(engine) });
    await settle();
    expect(w.get('[role="alert"]').text()).toContain('database is locked');
    expect(w.get('[role="alert"]').text()).not.toContain('StoreError');
    await w.get('[role="alert"] button').trigger('click');
    await settle();
    expect(w.find('[role="alert"]').exists()).toBe(false);
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(2);
  });

  it('the review queue has no status select and shows only new services', async () => {
    const engine = engineWith(3);
    const w = mount(ServiceTable, { props: { scope: 'new', caption: 'New' }, global: globals(engine) });
    await settle();
    expect(w.find('[data-testid="status-filter"]').exists()).toBe(false);
    expect(w.findAll('[data-testid="service-row"]').every((r) => r.attributes('data-status') === 'new')).toBe(true);
  });
});

describe('JobPanel', () => {
  it('shows progress and a Cancel button while running', async () => {
    const job = jobSnapshot({ id: 'j1', progress: { done: 1024, total: 4096, unit: 'bytes', message: 'file 1 of 2: a.pcap' } });
    const w = mount(JobPanel, { props: { job } });
    const bar = w.get('[data-testid="job-progress"]').element as HTMLProgressElement;
    expect(bar.getAttribute('value')).toBe('1024');
    expect(bar.getAttribute('max')).toBe('4096');
    expect(w.get('[data-testid="job-amount"]').text()).toBe('1.0 KiB / 4.0 KiB');
    expect(w.get('[data-testid="job-message"]').text()).toBe('file 1 of 2: a.pcap');
    await w.get('[data-testid="job-cancel"]').trigger('click');
    expect(w.emitted('cancel')).toEqual([['j1']]);
  });

  it('shows the error of a failed job, and no Cancel', () => {
    const job = jobSnapshot({ id: 'j2', status: 'failed', abortable: false, error: { name: 'InvalidCapture', message: 'unsupported pcap version 2.5' } });
    const w = mount(JobPanel, { props: { job } });
    expect(w.get('[data-testid="job-error"]').text()).toBe('unsupported pcap version 2.5');
    expect(w.find('[data-testid="job-cancel"]').exists()).toBe(false);
    expect(w.attributes('data-status')).toBe('failed');
  });

  it('shows the result of a finished job', () => {
    const job = jobSnapshot({ id: 'j3', status: 'done', abortable: false, result: { flows: 31, services: 7 }, warnings: ['1 truncated frame'] });
    const w = mount(JobPanel, { props: { job } });
    expect(w.get('[data-testid="job-result"]').text()).toContain('flows');
    expect(w.get('[data-testid="job-warnings"]').text()).toBe('1 truncated frame');
  });
});

describe('JobPanel in words', () => {
  it('says an import\'s outcome in words, with the file name and capture, not the result keys', () => {
    const job = jobSnapshot({
      id: 'j4',
      status: 'done',
      abortable: false,
      result: {
        files: [{ path: 'upload: /tmp/x/lab.pcap', captureId: 4, status: 'complete', packets: 1, flows: 1, listeners: 3, added: 2, filteredOut: 5, warnings: [] }],
        packets: 1,
        flows: 1,
        listeners: 3,
        added: 2,
      },
      warnings: ['upload: /tmp/x/lab.pcap: 2 packets truncated'],
    });
    const w = mount(JobPanel, { props: { job } });
    const row = w.get('[data-testid="job-files"] tr');
    expect(row.get('td').text()).toBe('lab.pcap');
    expect(row.text()).toContain('capture 4: 1 packet, 1 flow, 3 listening services (2 new), 5 packets outside the protocol choice');
    const result = w.get('[data-testid="job-result"]').text();
    expect(result).toContain('1 flow');
    expect(result).not.toMatch(/1 flows|listeners|added|captureId/);
    expect(result).toContain('3 listening services found, 2 new');
    expect(w.get('[data-testid="job-warnings"]').text()).toBe('lab.pcap: 2 packets truncated');
  });

  it('says a capture job\'s outcome in words, never its raw counters or message', () => {
    const job = jobSnapshot({
      id: 'c1',
      kind: 'capture',
      status: 'done',
      abortable: false,
      endedAt: '2024-03-03T09:00:04.000Z',
      result: { captureId: 7, interface: 'eth0', bpf: '', linktype: 1, packets: 68, bytes: 6800, flows: 1, listeners: 3, added: 1, kernelDrops: 0, ifDrops: 0, appDrops: 0, filteredOut: 0, answering: [], status: 'complete' },
      progress: { done: 68, total: null, unit: 'packets', message: 'eth0: 68 packets · 1 flows · 1 new service · 0 dropped', counters: { packets: 68, flows: 1, newServices: 1 } },
    });
    const w = mount(JobPanel, { props: { job } });
    const text = w.text();
    for (const raw of ['captureId', 'kernelDrops', 'linktype', 'filteredOut', 'answering', '1 flows']) expect(text).not.toContain(raw);
    expect(text).toContain('capture 7');
    expect(text).toContain('no packets dropped');
    expect(text).toContain('3 listening services found, 1 new');
  });

  it('after Dismiss, focus goes to the next job\'s Dismiss, else the section heading', async () => {
    const a = jobSnapshot({ id: 'a', status: 'done', abortable: false });
    const b = jobSnapshot({ id: 'b', status: 'done', abortable: false });
    const Host = {
      components: { JobPanel },
      data: () => ({ jobs: [a, b] }),
      template: `<main><h1>Page</h1><section><h2 data-testid="h">Imports</h2><JobPanel v-for="(j, i) in jobs" :key="j.id" :job="j" @dismiss="jobs.splice(i, 1)" /></section></main>`,
    };
    const w = mount(Host, { attachTo: document.body });
    const first = w.findAll('[data-testid="job-dismiss"]')[0]!;
    (first.element as HTMLElement).focus();
    await first.trigger('click');
    await settle();
    const left = w.get('[data-testid="job-dismiss"]');
    expect(document.activeElement).toBe(left.element);
    await left.trigger('click');
    await settle();
    expect(w.find('[data-testid="job-panel"]').exists()).toBe(false);
    expect(document.activeElement).toBe(w.get('[data-testid="h"]').element);
    expect(w.get('[data-testid="h"]').attributes('tabindex')).toBe('-1');
    w.unmount();
  });
});

describe('NewServicesToast', () => {
  const svc = (i: number) => ({ id: i, host: `192.0.2.${i}`, port: 80, proto: 'tcp' as const, service: null, insecure: null });

  it('says how many more there are than it lists, linking to New ports', async () => {
    const engine = engineWith(1);
    const w = mount(NewServicesToast, { global: globals(engine), attachTo: document.body });
    engine.emit('services.new', { services: [1, 2, 3, 4, 5, 6, 7].map(svc), total: 7 });
    await settle();
    const toast = w.get('[data-testid="new-services-toast"]');
    expect(toast.text()).toContain('7 new listening services');
    expect(toast.findAll('li')).toHaveLength(3);
    const more = w.get('[data-testid="toast-more"] a');
    expect(more.text()).toBe('and 4 more');
    expect(more.attributes('href')).toBe('#/new-ports');
    w.unmount();
  });

  it('closes with its visible Dismiss button and with Esc', async () => {
    const engine = engineWith(1);
    const w = mount(NewServicesToast, { global: globals(engine), attachTo: document.body });
    engine.emit('services.new', { services: [svc(1)], total: 1 });
    await settle();
    expect(w.find('[data-testid="toast-more"]').exists()).toBe(false);
    const close = w.get('[data-testid="toast-dismiss"]');
    expect(close.text()).toContain('Dismiss');
    await close.trigger('click');
    expect(w.find('[data-testid="new-services-toast"]').exists()).toBe(false);
    engine.emit('services.new', { services: [svc(2)], total: 1 });
    await settle();
    expect(w.find('[data-testid="new-services-toast"]').exists()).toBe(true);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    await settle();
    expect(w.find('[data-testid="new-services-toast"]').exists()).toBe(false);
    w.unmount();
  });

  it('goes by itself after a while, but not while the pointer is on it', async () => {
    vi.useFakeTimers();
    const engine = engineWith(1);
    const w = mount(NewServicesToast, { global: globals(engine), attachTo: document.body });
    engine.emit('services.new', { services: [svc(1)], total: 1 });
    await vi.advanceTimersByTimeAsync(10);
    await w.get('[data-testid="new-services-toast"]').trigger('mouseenter');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(w.find('[data-testid="new-services-toast"]').exists()).toBe(true);
    await w.get('[data-testid="new-services-toast"]').trigger('mouseleave');
    await vi.advanceTimersByTimeAsync(29_000);
    expect(w.find('[data-testid="new-services-toast"]').exists()).toBe(true);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(w.find('[data-testid="new-services-toast"]').exists()).toBe(false);
    w.unmount();
  });
});

describe('ImportCapture', () => {
  it('starts an import, follows the job by events, and cancels it', async () => {
    const engine = engineWith(1);
    const w = mount(ImportCapture, { global: globals(engine) });
    await w.get('[data-testid="import-capture"]').trigger('click');
    await settle();
    expect(w.get('[data-testid="job-panel"]').attributes('data-status')).toBe('running');
    const id = [...engine.jobs.keys()][0]!;
    engine.emit('job.updated', jobSnapshot({ id, progress: { done: 500, total: 1000, unit: 'bytes' } }));
    await settle();
    expect(w.get('[data-testid="job-amount"]').text()).toBe('500 B / 1000 B');
    await w.get('[data-testid="job-cancel"]').trigger('click');
    await settle();
    expect(w.get('[data-testid="job-panel"]').attributes('data-status')).toBe('cancelled');
  });

  it('shows why an import could not start', async () => {
    const engine = engineWith(1);
    engine.failNext('ingest.start', { name: 'InvalidInput', message: 'paths: too many files' });
    const w = mount(ImportCapture, { global: globals(engine) });
    await w.get('[data-testid="import-capture"]').trigger('click');
    await settle();
    expect(w.get('[data-testid="import-error"]').text()).toContain('paths: too many files');
    expect(w.find('[data-testid="job-panel"]').exists()).toBe(false);
  });

  it('does nothing when the picker is cancelled', async () => {
    const engine = engineWith(1);
    engine.platform.importCaptures = async () => null;
    const w = mount(ImportCapture, { global: globals(engine) });
    await w.get('[data-testid="import-capture"]').trigger('click');
    await settle();
    expect(w.find('[data-testid="job-panel"]').exists()).toBe(false);
    expect(w.find('[role="alert"]').exists()).toBe(false);
  });
});

describe('App shell', () => {
  it('navigates by hash, marks the current page, and badges new ports', async () => {
    window.location.hash = '#/inventory';
    const engine = engineWith(3);
    const w = mount(App, { global: globals(engine), attachTo: document.body });
    await settle();
    expect(w.get('[data-testid="nav-inventory"]').attributes('aria-current')).toBe('page');
    expect(w.get('[data-testid="nav-badge-new-ports"]').text()).toBe('3');
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(4);
    window.location.hash = '#/scan';
    window.dispatchEvent(new Event('hashchange'));
    await settle();
    // The Scan view opens empty and starts nothing by itself.
    expect(w.get('[data-testid="scan-view"]').find('textarea').element.value).toBe('');
    expect(w.get('[data-testid="nav-scan"]').attributes('aria-current')).toBe('page');
    w.unmount();
  });

  it('moves focus through the nav with the arrow keys and jumps with Alt+digit', async () => {
    window.location.hash = '#/overview';
    const engine = engineWith(1);
    const w = mount(App, { global: globals(engine), attachTo: document.body });
    await settle();
    const first = w.get('[data-testid="nav-overview"]');
    (first.element as HTMLElement).focus();
    await first.trigger('keydown', { key: 'ArrowDown' });
    expect(document.activeElement?.getAttribute('data-testid')).toBe('nav-capture');
    await first.trigger('keydown', { key: 'End' });
    expect(document.activeElement?.getAttribute('data-testid')).toBe('nav-snapshots');
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '5', altKey: true }));
    await settle();
    expect(w.get('[data-testid="nav-inventory"]').attributes('aria-current')).toBe('page');
    w.unmount();
  });
});
