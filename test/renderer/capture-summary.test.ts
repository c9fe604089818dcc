// @vitest-environment happy-dom
/**
 * What a finished capture says, in words: the summary instead of the engine's result
 * keys, the rate after the end, the list of services it found, plurals, and where focus
 * goes when "Stop and store" disappears.
 */
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import type { FoundService, JobSnapshot } from '../../electron/shared';
import { captureSummary, dropsText, durationText, ingestFiles, ingestSummary, warningLines } from '../../renderer/src/components/capture/summary';
import { PlatformKey } from '../../renderer/src/platform/inject';
import { windowRates } from '../../renderer/src/stores/capture';
import CaptureView from '../../renderer/src/views/CaptureView.vue';
import { createMemoryEngine, jobSnapshot, serviceRow, settle, type MemoryEngine } from './memory-engine';

function mountView(engine: MemoryEngine) {
  return mount(CaptureView, { global: { plugins: [createPinia()], provide: { [PlatformKey as symbol]: engine.platform } }, attachTo: document.body });
}

afterEach(() => {
  document.body.innerHTML = '';
});

const STARTED = '2024-03-03T09:00:00.000Z';
const ENDED = '2024-03-03T09:00:04.000Z';

/** The live capture's result record as the engine returns it (capture/live.ts LiveResult). */
function liveResult(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    captureId: 7,
    interface: 'eth0',
    bpf: '',
    linktype: 1,
    packets: 68,
    bytes: 6800,
    flows: 1,
    listeners: 3,
    added: 1,
    kernelDrops: 0,
    ifDrops: 0,
    appDrops: 0,
    filteredOut: 0,
    answering: [],
    status: 'complete',
    ...over,
  };
}

function finished(id: string, result: Record<string, unknown>, counters: Record<string, number> = { packets: 68, bytes: 6800, flows: 1, newServices: 1, seconds: 4 }): JobSnapshot {
  return jobSnapshot({ id, kind: 'capture', status: 'done', abortable: false, startedAt: STARTED, endedAt: ENDED, result, progress: { done: 68, total: null, unit: 'packets', message: 'eth0: 68 packets · 1 flows · 1 new service · 0 dropped', counters } });
}

async function startCapture(engine: MemoryEngine) {
  const w = mountView(engine);
  await settle();
  await w.get('[data-testid="capture-start"]').trigger('click');
  await settle();
  return { w, id: [...engine.jobs.keys()].at(-1)! };
}

describe('finished capture summary', () => {
  it('says what the capture found in words, not the result record', async () => {
    const engine = createMemoryEngine();
    const { w, id } = await startCapture(engine);
    engine.emit('job.updated', finished(id, liveResult()));
    await settle();
    const text = w.get('[data-testid="capture-live"]').text();
    for (const raw of ['captureId', 'kernelDrops', 'ifDrops', 'appDrops', 'filteredOut', 'linktype', 'answering', 'bpf', 'Listeners']) expect(text).not.toContain(raw);
    expect(w.get('[data-testid="summary-capture"]').text()).toBe('capture 7, on eth0');
    expect(w.get('[data-testid="summary-duration"]').text()).toBe('4 seconds');
    expect(w.get('[data-testid="summary-packets"]').text()).toBe('68 packets (6.6 KiB)');
    expect(w.get('[data-testid="summary-flows"]').text()).toBe('1 flow');
    expect(w.get('[data-testid="summary-services"]').text()).toBe('3 listening services found, 1 new');
    expect(w.get('[data-testid="summary-drops"]').text()).toBe('no packets dropped');
    // No protocol choice, no filter, no host answering everything: no lines for them.
    expect(w.find('[data-testid="summary-filteredOut"]').exists()).toBe(false);
    expect(w.find('[data-testid="summary-filter"]').exists()).toBe(false);
    expect(w.find('[data-testid="summary-answering"]').exists()).toBe(false);
    // The import panel is for imports: the capture's job is not dumped there too.
    expect(w.find('[data-testid="job-panel"]').exists()).toBe(false);
  });

  it('explains drops, the protocol choice, the filter and hosts answering everything when there are any', async () => {
    const engine = createMemoryEngine();
    const { w, id } = await startCapture(engine);
    const answering = [{ host: '198.51.100.9', proto: 'tcp', probedPorts: 1000, answeredPorts: 990, collapsedPorts: 985, firstUs: 1, lastUs: 2 }];
    engine.emit(
      'job.updated',
      jobSnapshot({
        ...finished(id, liveResult({ bpf: 'tcp and port 80', filteredOut: 12, kernelDrops: 3, ifDrops: 1, appDrops: 0, answering })),
        warnings: ['198.51.100.9 answered SYN-ACK on 990 of 1000 probed TCP ports (SYN proxy, tarpit?): 985 bare handshakes not listed as services'],
      }),
    );
    await settle();
    expect(w.get('[data-testid="summary-filteredOut"]').text()).toBe('12 packets left out');
    expect(w.get('[data-testid="summary-filter"]').text()).toBe('tcp and port 80');
    const drops = w.get('[data-testid="summary-drops"]').text();
    expect(drops).toMatch(/^4 packets dropped: 3 by the kernel's capture ring .*, 1 by the network interface$/);
    expect(w.get('[data-testid="summary-answering"]').text()).toMatch(/198\.51\.100\.9 \(990 of 1,000 probed ports\).*985 bare handshakes/);
    // Said once, in the summary, not again as a raw warning.
    expect(w.text().match(/198\.51\.100\.9/g)).toHaveLength(1);
  });

  it('shows the average rate after the end, not the last spike, and measures the live rate over a window', async () => {
    const engine = createMemoryEngine();
    const { w, id } = await startCapture(engine);
    const tick = (packets: number) => engine.emit('job.updated', jobSnapshot({ id, kind: 'capture', startedAt: STARTED, progress: { done: packets, total: null, unit: 'packets', counters: { packets } } }));
    tick(0);
    await new Promise((r) => setTimeout(r, 5));
    tick(68); // a burst flushed a few ms after the previous event
    await settle();
    // Over a window of at least a second: never thousands a second for 68 packets.
    expect(Number(w.get('[data-testid="rate-now"]').text().replace(/,/g, ''))).toBeLessThanOrEqual(68);
    engine.emit('job.updated', finished(id, liveResult()));
    await settle();
    const rate = w.get('[data-testid="rate-now"]');
    expect(rate.attributes('data-kind')).toBe('average');
    expect(rate.text()).toBe('17'); // 68 packets over 4 s
    expect(w.get('.cap-rate').text()).toMatch(/Average packets \/ s over the capture/);
  });

  it('lists what the capture found once it ends, even when an earlier lookup answers late', async () => {
    const engine = createMemoryEngine();
    const { w, id } = await startCapture(engine);
    // The lookup made while running is slow; the final one (by capture id) is not.
    let release: (v: FoundService[]) => void = () => {};
    const slow = new Promise<FoundService[]>((r) => (release = r));
    engine.platform.api.capture.found = () => slow;
    engine.emit('job.updated', jobSnapshot({ id, kind: 'capture', startedAt: STARTED, progress: { done: 5, total: null, unit: 'packets', counters: { packets: 5, newServices: 1 } } }));
    await settle();
    engine.rows.push(serviceRow({ id: 3, host: '198.51.100.7', port: 21, evidence: 'data', confidence: 'high', sources: ['capture:7'], createdAt: new Date().toISOString() }));
    engine.emit('job.updated', finished(id, liveResult()));
    await settle();
    expect(w.findAll('[data-testid="found-row"]')).toHaveLength(1);
    release([]);
    await settle();
    expect(w.findAll('[data-testid="found-row"]').map((r) => r.text())).toEqual([expect.stringMatching(/198\.51\.100\.7\s*21/)]);
    expect(w.find('[data-testid="found-empty"]').exists()).toBe(false);
  });

  it('says "none found" (not "none yet") when the capture ends without new services', async () => {
    const engine = createMemoryEngine();
    const { w, id } = await startCapture(engine);
    expect(w.get('[data-testid="found-empty"]').text()).toMatch(/^None yet/);
    engine.emit('job.updated', finished(id, liveResult({ added: 0 }), { packets: 68, flows: 1, newServices: 0 }));
    await settle();
    const empty = w.get('[data-testid="found-empty"]').text();
    expect(empty).not.toMatch(/None yet/);
    expect(empty).toBe('None found: the 3 listening services it saw were already in the inventory.');
  });

  it('moves focus from "Stop and store" to the summary heading when the capture ends', async () => {
    const engine = createMemoryEngine();
    const { w } = await startCapture(engine);
    const stop = w.get('[data-testid="capture-stop"]');
    (stop.element as HTMLElement).focus();
    await stop.trigger('click');
    await settle();
    expect(w.find('[data-testid="capture-stop"]').exists()).toBe(false);
    const heading = w.get('[data-testid="capture-summary-heading"]');
    expect(heading.attributes('tabindex')).toBe('-1');
    expect(document.activeElement).toBe(heading.element);
  });
});

describe('summary helpers', () => {
  it('says durations and drops in words, with plurals that agree', () => {
    expect(durationText(1)).toBe('1 second');
    expect(durationText(4)).toBe('4 seconds');
    expect(durationText(125)).toBe('2 minutes 5 seconds');
    expect(durationText(3600 + 60)).toBe('1 hour 1 minute');
    expect(dropsText(0, 0, 0)).toBe('no packets dropped');
    expect(dropsText(0, 0, 1)).toMatch(/^1 packet dropped: 1 by Portolan's own queue/);
  });

  it('windows the live rate so a burst a few ms apart is no spike', () => {
    const pts = [
      { atMs: 0, packets: 0 },
      { atMs: 10, packets: 68 },
    ];
    expect(windowRates(pts)).toEqual([68]);
    // A steady 100/s, sampled every 250 ms, reads 100 once the window is full.
    const steady = Array.from({ length: 20 }, (_, i) => ({ atMs: i * 250, packets: i * 25 }));
    expect(windowRates(steady).at(-1)).toBe(100);
  });

  it('leaves out lines that would say nothing', () => {
    const lines = captureSummary(finished('x', liveResult())).map((l) => l.key);
    expect(lines).toEqual(['capture', 'duration', 'packets', 'flows', 'services', 'drops']);
  });

  it('says an import in words: file name, capture, packets, flows, services, warnings', () => {
    const job = jobSnapshot({
      id: 'i1',
      kind: 'ingest',
      status: 'done',
      abortable: false,
      result: {
        files: [{ path: 'upload: lab/a.pcap', captureId: 3, status: 'complete', packets: 1, flows: 1, listeners: 1, added: 1, warnings: ['1 packet truncated'] }],
        packets: 1,
        flows: 1,
        listeners: 1,
        added: 1,
      },
      warnings: ['upload: lab/a.pcap: 1 packet truncated'],
    });
    expect(ingestFiles(job)).toEqual([{ name: 'a.pcap', status: 'complete', text: 'capture 3: 1 packet, 1 flow, 1 listening service (1 new)' }]);
    expect(ingestSummary(job).map((l) => `${l.label}: ${l.text}`)).toEqual(['File: a.pcap, stored as capture 3', 'Packets: 1 packet', 'Flows: 1 flow', 'Listening services: 1 listening service found, 1 new']);
    expect(warningLines(job)).toEqual(['a.pcap: 1 packet truncated']);
  });
});
