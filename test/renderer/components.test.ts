// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../../renderer/src/App.vue';
import ImportCapture from '../../renderer/src/components/ingest/ImportCapture.vue';
import ServiceTable from '../../renderer/src/components/inventory/ServiceTable.vue';
import JobPanel from '../../renderer/src/components/jobs/JobPanel.vue';
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
