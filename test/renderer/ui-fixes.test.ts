// @vitest-environment happy-dom
/**
 * UI fixes over the in-memory transport: what an empty filtered Inventory says, a subnet
 * the filter form refuses, the review dialogs prefilled from the review in force, rule
 * delete with confirmation, one Tab stop for the Inventory's rows, the queue's current
 * row for screen readers, the insecure warning of a bulk approve, and the small ones
 * (rule errors in words, the start-up message, per-file import outcome, Taken by,
 * labels, host tags).
 */
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import type { HostDetail, JobSnapshot } from '../../electron/shared';
import { partlyLine, ingestFiles } from '../../renderer/src/components/capture/summary';
import ServiceFilters from '../../renderer/src/components/inventory/ServiceFilters.vue';
import ServiceTable from '../../renderer/src/components/inventory/ServiceTable.vue';
import JobPanel from '../../renderer/src/components/jobs/JobPanel.vue';
import ReviewQueue from '../../renderer/src/components/review/ReviewQueue.vue';
import { useReviewStore } from '../../renderer/src/stores/review';
import RulesPanel from '../../renderer/src/components/review/RulesPanel.vue';
import ScanForm from '../../renderer/src/components/scan/ScanForm.vue';
import ServiceDetail from '../../renderer/src/components/service/ServiceDetail.vue';
import { editedReview } from '../../renderer/src/components/service/serviceDetail';
import TakeSnapshotForm from '../../renderer/src/components/snapshots/TakeSnapshotForm.vue';
import { fatalText } from '../../renderer/src/lib/fatal';
import { PlatformKey } from '../../renderer/src/platform/inject';
import type { Platform } from '../../renderer/src/platform/types';
import { RemoteError } from '../../renderer/src/platform/wire-client';
import { ruleErrorInfo } from '../../renderer/src/stores/rules';
import { useScanStore } from '../../renderer/src/stores/scan';
import HostView from '../../renderer/src/views/HostView.vue';
import InventoryView from '../../renderer/src/views/InventoryView.vue';
import { createMemoryEngine, jobSnapshot, serviceRow, settle, type MemoryEngine } from './memory-engine';

const globals = (platform: Platform) => ({ plugins: [createPinia()], provide: { [PlatformKey as symbol]: platform } });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const active = () => document.activeElement as HTMLElement | null;

afterEach(() => {
  document.body.innerHTML = '';
  window.location.hash = '';
});

function engine(): MemoryEngine {
  return createMemoryEngine([
    serviceRow({ id: 1, host: '192.0.2.1', port: 21, insecure: 'ftp', service: 'ftp' }),
    serviceRow({ id: 2, host: '192.0.2.1', port: 22, service: 'ssh' }),
    serviceRow({ id: 3, host: '192.0.2.2', port: 23, insecure: 'telnet', service: 'telnet' }),
    serviceRow({ id: 4, host: '192.0.2.2', port: 443 }),
    serviceRow({ id: 5, host: '192.0.2.3', port: 80, status: 'approved', reason: 'public web, CHG-42', owner: 'web team' }),
    serviceRow({ id: 6, host: '192.0.2.3', port: 161, proto: 'udp', status: 'ignored', reason: 'lab snmp', ignoreUntil: '2099-01-31T12:00:00.000Z' }),
    serviceRow({ id: 7, host: '192.0.2.3', port: 8080, status: 'ignored', reason: 'lab noise', ruleId: 1, ignoreUntil: null }),
  ]);
}

describe('Inventory: empty answers and filters', () => {
  it('a search that matches nothing says "No services match this filter", and clearing it brings the rows back', async () => {
    const e = engine();
    const w = mount(InventoryView, { global: globals(e.platform), attachTo: document.body });
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(7);
    await w.get('[data-testid="search"]').setValue('no such service');
    await wait(350);
    await settle();
    expect(w.find('[data-testid="services-empty"]').exists()).toBe(false);
    expect(w.get('[data-testid="services-no-match"]').text()).toContain('No services match this filter');
    expect(w.text()).not.toContain('Import a capture file to start');
    await w.get('[data-testid="clear-filter"]').trigger('click');
    await wait(350);
    await settle();
    expect(w.findAll('[data-testid="service-row"]')).toHaveLength(7);
    expect((w.get('[data-testid="search"]').element as HTMLInputElement).value).toBe('');
    w.unmount();
  });

  it('an empty inventory, unfiltered, still says how to start', async () => {
    const e = createMemoryEngine([]);
    const w = mount(InventoryView, { global: globals(e.platform), attachTo: document.body });
    await settle();
    expect(w.get('[data-testid="services-empty"]').text()).toContain('No services yet. Import a capture file');
    w.unmount();
  });

  it('a subnet /33 is refused by the form (the "filter is not valid" state), never sent, no Retry', async () => {
    const e = engine();
    const Inventory = defineComponent({ setup: () => () => [h(ServiceFilters, { scope: 'inventory' }), h(ServiceTable, { scope: 'inventory', caption: 'Inventory' })] });
    const w = mount(Inventory, { global: globals(e.platform), attachTo: document.body });
    await settle();
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', '300.1.2.3', '10.0.0.0/8/1']) {
      const subnet = w.get('[data-testid="filter-subnet"]');
      await subnet.setValue(bad);
      await subnet.trigger('keydown', { key: 'Enter' });
      await settle();
      expect(w.find('[data-testid="services-invalid"]').exists(), bad).toBe(true);
      expect(subnet.attributes('aria-invalid'), bad).toBe('true');
      expect(w.find('[data-testid="services-error"]').exists(), bad).toBe(false);
      expect(w.text()).not.toContain('Retry');
      expect(e.calls.some((c) => c.channel === 'services.list' && (c.input as { subnet?: string }).subnet === bad), bad).toBe(false);
    }
    await w.get('[data-testid="filter-subnet"]').setValue('2001:db8::/32');
    await w.get('[data-testid="filter-subnet"]').trigger('keydown', { key: 'Enter' });
    await settle();
    expect(e.calls.at(-1)?.input).toMatchObject({ subnet: '2001:db8::/32' });
    w.unmount();
  });
});

describe('review dialogs prefilled; ignore end and rule shown', () => {
  const open = async (e: MemoryEngine, id: number) => {
    const w = mount(ServiceDetail, { props: { serviceId: id }, global: globals(e.platform), attachTo: document.body });
    await settle();
    return w;
  };

  it('Edit approval starts from the reason and owner in force; Flag (a new decision) starts empty', async () => {
    const e = engine();
    const w = await open(e, 5);
    await w.get('[data-testid="detail-approve"]').trigger('click');
    await settle();
    expect((w.get('[data-testid="reason-input"]').element as HTMLTextAreaElement).value).toBe('public web, CHG-42');
    expect((w.get('[data-testid="owner-input"]').element as HTMLInputElement).value).toBe('web team');
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Escape' });
    await settle();
    await w.get('[data-testid="detail-flag"]').trigger('click');
    await settle();
    expect((w.get('[data-testid="reason-input"]').element as HTMLTextAreaElement).value).toBe('');
    w.unmount();
  });

  it('an ignored service says until when ("never" without an end) and which rule; Edit ignore starts from its end', async () => {
    const e = engine();
    let w = await open(e, 6);
    expect(w.get('[data-testid="detail-ignore-until"]').text()).toContain('2099-01-31T12:00:00Z');
    expect(w.find('[data-testid="detail-rule"]').exists()).toBe(false);
    await w.get('[data-testid="detail-ignore"]').trigger('click');
    await settle();
    expect((w.get('[data-testid="reason-input"]').element as HTMLTextAreaElement).value).toBe('lab snmp');
    expect((w.get('[data-testid="expires-input"]').element as HTMLInputElement).value).toBe('2099-01-31T12:00:00Z');
    expect(w.find('[data-testid="expires-error"]').exists()).toBe(false);
    w.unmount();
    w = await open(e, 7);
    expect(w.get('[data-testid="detail-ignore-until"]').text()).toBe('never');
    expect(w.get('[data-testid="detail-rule"]').text()).toContain('rule #1');
    w.unmount();
  });

  it('editedReview: only an action on its own status edits', () => {
    const s = { status: 'flagged' as const, reason: 'why', owner: 'me', ignoreUntil: null };
    expect(editedReview('flag', s)).toEqual({ reason: 'why', owner: 'me', expiresAt: null });
    expect(editedReview('approve', s)).toBeNull();
    expect(editedReview('reopen', s)).toBeNull();
  });
});

describe('Rules: delete asks first; the message says what the delete did', () => {
  async function panel() {
    const e = engine();
    e.rules.push({ id: 1, kind: 'ignore', host: '192.0.2.3', subnet: null, port: 8080, proto: null, reason: 'lab noise', owner: null, expiresAt: null, createdBy: 'carol', createdAt: '2024-03-01T00:00:00.000Z', hits: 3, active: true });
    const w = mount(RulesPanel, { global: globals(e.platform), attachTo: document.body });
    await settle();
    (w.element as HTMLDetailsElement).open = true;
    return { e, w };
  }

  it('Delete opens a confirmation (what returns to the queue); Esc keeps the rule, focus back on Delete', async () => {
    const { e, w } = await panel();
    const del = w.get('[data-testid="rule-delete"]');
    (del.element as HTMLElement).focus();
    await del.trigger('click');
    await settle();
    expect(e.calls.some((c) => c.channel === 'rules.delete')).toBe(false);
    const confirm = w.get('[data-testid="rule-confirm"]');
    expect(confirm.text()).toContain('Delete rule #1');
    expect(confirm.text()).toContain('return to the queue');
    expect(confirm.text()).toContain('3 services');
    expect(active()?.getAttribute('data-testid')).toBe('rule-confirm-yes');
    await w.get('[data-testid="rule-confirm-yes"]').trigger('keydown', { key: 'Escape' });
    await settle();
    expect(w.find('[data-testid="rule-confirm"]').exists()).toBe(false);
    expect(active()?.getAttribute('data-testid')).toBe('rule-delete');
    expect(w.findAll('[data-testid="rule-row"]')).toHaveLength(1);
    w.unmount();
  });

  it('confirmed: the rule goes, the old "Applied to…" line is replaced by what the delete did', async () => {
    const { e, w } = await panel();
    await w.get('[data-testid="rule-where"]').setValue('198.51.100.0/24');
    await w.get('[data-testid="rule-reason"]').setValue('web tier noise');
    await w.get('form').trigger('submit');
    await settle();
    expect(w.get('[data-testid="rule-notice"]').text()).toBe('Applied to 0 services in the queue.');
    await w.get('[data-testid="rule-delete"][data-rule="1"]').trigger('click');
    await settle();
    await w.get('[data-testid="rule-confirm-yes"]').trigger('click');
    await settle();
    expect(e.calls.filter((c) => c.channel === 'rules.delete').map((c) => c.input)).toEqual([{ id: 1 }]);
    expect(w.findAll('[data-testid="rule-row"]')).toHaveLength(1);
    expect(w.get('[data-testid="rule-notice"]').text()).toBe('Rule #1 deleted; 1 service returned to the queue.');
    expect(w.text()).not.toContain('Applied to');
    expect(e.rows.find((r) => r.id === 7)?.status).toBe('new');
    w.unmount();
  });

  it('a host that is not an address is refused in words, nothing sent; an engine message loses its field path', async () => {
    const { e, w } = await panel();
    await w.get('[data-testid="rule-where"]').setValue('not-a-host');
    await w.get('[data-testid="rule-reason"]').setValue('noise');
    await w.get('form').trigger('submit');
    await settle();
    expect(w.get('[data-testid="rule-where-error"]').text()).toBe('Host or subnet: not an IP address or a CIDR subnet (e.g. 192.0.2.10 or 198.51.100.0/24)');
    expect(w.get('[data-testid="rule-where"]').attributes('aria-invalid')).toBe('true');
    expect(e.calls.some((c) => c.channel === 'rules.save')).toBe(false);
    expect(ruleErrorInfo(Object.assign(new Error('must be an IP address or a CIDR subnet at host'), { name: 'InvalidInput' })).message).toBe('Host or subnet: must be an IP address or a CIDR subnet');
    expect(ruleErrorInfo(new Error('a rule needs a host, a subnet or a port')).message).toBe('a rule needs a host, a subnet or a port');
    w.unmount();
  });
});

describe('keyboard', () => {
  it('Inventory rows: one Tab stop (the current row), host links out of the Tab order; focus moves the stop', async () => {
    const e = engine();
    const w = mount(ServiceTable, { props: { scope: 'inventory', caption: 'Inventory' }, global: globals(e.platform), attachTo: document.body });
    await settle();
    const rows = () => w.findAll('[data-testid="service-row"]');
    expect(rows().map((r) => r.attributes('tabindex'))).toEqual(['0', '-1', '-1', '-1', '-1', '-1', '-1']);
    expect(w.findAll('[data-testid="service-row"] a').every((a) => a.attributes('tabindex') === '-1')).toBe(true);
    (rows()[0]!.element as HTMLElement).focus();
    await rows()[0]!.trigger('keydown', { key: 'j' });
    await settle();
    expect(active()).toBe(rows()[1]!.element);
    expect(rows().map((r) => r.attributes('tabindex'))).toEqual(['-1', '0', '-1', '-1', '-1', '-1', '-1']);
    // Enter still opens the panel from the row.
    await rows()[1]!.trigger('keydown', { key: 'Enter' });
    await settle();
    expect(w.find('[data-testid="service-detail"]').exists()).toBe(true);
    w.unmount();
  });

  it('New ports: the grid points aria-activedescendant at the row the keys act on', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e.platform), attachTo: document.body });
    await settle();
    const grid = w.get('[data-testid="queue"]');
    const current = () => document.getElementById(grid.attributes('aria-activedescendant') ?? '')?.getAttribute('data-key');
    // No row is current until a key makes one so (see 'the first j' below).
    expect(grid.attributes('aria-activedescendant')).toBeUndefined();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'j' }));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'j' }));
    await settle();
    expect(current()).toBe('192.0.2.1:22/tcp');
    // No stray text in the check-box cell before the host.
    expect(w.get('[data-testid="queue-row"] td').text()).toBe('');
    w.unmount();
  });

  it('Snapshots: focus stays on Take snapshot after it; Taken by starts as the reviewer', async () => {
    const e = engine();
    const w = mount(TakeSnapshotForm, { global: globals(e.platform), attachTo: document.body });
    await settle();
    expect((w.get('[data-testid="snapshot-by"]').element as HTMLInputElement).value).toBe('tester');
    const take = w.get('[data-testid="snapshot-take"]');
    (take.element as HTMLElement).focus();
    await w.get('form').trigger('submit');
    // A disabled button loses focus (as the browser does): the form must give it back.
    (document.activeElement as HTMLElement | null)?.blur();
    await settle();
    expect(w.find('[data-testid="snapshot-taken"]').exists()).toBe(true);
    expect(active()).toBe(take.element);
    expect(e.calls.find((c) => c.channel === 'snapshots.take')?.input).toMatchObject({ by: 'tester' });
    w.unmount();
  });
});

describe('bulk approve warns about insecure protocols', () => {
  it('"Approve all N matching…" says how many are insecure before anything is applied', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e.platform), attachTo: document.body });
    await settle();
    await w.get('[data-testid="act-approve-matching"]').trigger('click');
    await settle();
    expect(w.get('[data-testid="reason-insecure"]').text()).toMatch(/^2 of these 4 services are insecure protocols \(ftp, telnet\)/);
    w.unmount();
  });

  it('a filter naming one host counts that host only', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e.platform), attachTo: document.body });
    await settle();
    const review = useReviewStore();
    expect(await review.countInsecure({ status: 'new', host: '192.0.2.1' })).toEqual({ count: 1, labels: ['ftp'] });
    expect(await review.countInsecure({ status: 'new' })).toMatchObject({ count: 2 });
    w.unmount();
  });

  it('a selection: counted from its rows; none insecure, no warning', async () => {
    const e = engine();
    const w = mount(ReviewQueue, { global: globals(e.platform), attachTo: document.body });
    await settle();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'j' }));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    await settle();
    expect(w.get('[data-testid="reason-insecure"]').text()).toMatch(/^This service is an insecure protocol \(ftp\)/);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    await w.get('[data-testid="reason-input"]').trigger('keydown', { key: 'Escape' });
    await settle();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'j' }));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    await settle();
    expect(w.find('[data-testid="reason-dialog"]').exists()).toBe(true);
    expect(w.find('[data-testid="reason-insecure"]').exists()).toBe(false);
    w.unmount();
  });
});

describe('small ones', () => {
  it('the start-up failure shows the message, not the error class', () => {
    const text = fatalText(new RemoteError({ name: 'NoToken', message: 'this page needs the token from the URL printed by `portolan serve` (…/?token=…)' }));
    expect(text).toMatch(/^This page needs the token/);
    expect(text).not.toContain('NoToken');
  });

  it('an import with a bogus file and an already-ingested one says what happened to each', () => {
    const job: JobSnapshot = jobSnapshot({
      id: 'job-9',
      status: 'failed',
      endedAt: '2024-03-03T09:01:00.000Z',
      abortable: false,
      error: { name: 'IngestError', message: '1 of 2 files failed' },
      result: { files: [{ path: 'upload: notes.pcap', status: 'failed', error: 'upload: notes.pcap: not a pcap or pcapng file' }, { path: 'upload: web.pcap', status: 'skipped', captureId: 3 }] },
    });
    expect(partlyLine(ingestFiles(job))).toBe('1 file could not be read; 1 was already imported and skipped — see each file below');
    const w = mount(JobPanel, { props: { job } });
    expect(w.get('[data-testid="job-status-text"]').text()).not.toContain('the others were stored');
    expect(w.get('[data-testid="job-status-text"]').text()).toContain('already imported and skipped');
    w.unmount();
  });

  it('the Scan form labels Custom ports and the profile name', async () => {
    const e = engine();
    const w = mount(ScanForm, { global: globals(e.platform), attachTo: document.body });
    useScanStore().preset = 'custom';
    await settle();
    for (const id of ['scan-custom-ports', 'scan-profile-name']) {
      const input = w.get(`[data-testid="${id}"]`).element as HTMLInputElement;
      expect(input.id, id).not.toBe('');
      expect(document.querySelector(`label[for="${input.id}"]`)?.textContent?.trim(), id).toBeTruthy();
    }
    w.unmount();
  });

  it('the Host page shows the host\'s tags when host.get gives them', async () => {
    const e = engine();
    const get = async (host: string) => ({ ...(await e.platform.api.hosts.get(host)), tags: ['CDE', 'BES Cyber System'] }) as HostDetail;
    const platform = { ...e.platform, api: { ...e.platform.api, hosts: { get } } } as Platform;
    window.location.hash = '#/host/192.0.2.1';
    const w = mount(HostView, { global: globals(platform), attachTo: document.body });
    await settle();
    expect(w.findAll('[data-testid="host-tag"]').map((t) => t.text())).toEqual(['CDE', 'BES Cyber System']);
    w.unmount();
  });
});
