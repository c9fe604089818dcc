/**
 * The review queue end to end (issue 5): `portolan serve` with a real engine and SQLite
 * file, the built UI in headless Chromium, captures uploaded through the file picker.
 *
 * 1. ingest a capture with three listeners; approve them all from the New ports view;
 * 2. ingest a second capture holding the same three plus one new listener;
 * 3. exactly that one appears in New ports, and a `services.new` notice is raised
 *    (the in-app toast, the desktop notification's twin);
 * 4. approve it from the keyboard with a reason and an owner;
 * 5. the host's timeline shows who approved it, when and why.
 * Captures are built here from hand-made frames (documentation addresses only).
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, startServe, stopServe, collectPageErrors, nextFileChooser } from '../support/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli';
import { pcapFile, tcpFrame, type Rec } from '../support/frames';
import { CHROMIUM_PATH, hasChromium, REPO_ROOT, requireOrSkip } from '../support/require';

const ready = requireOrSkip(hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`);
const ANALYST = 'e2e-analyst';
const OUTPUT_DIR = resolve(REPO_ROOT, 'test-output');

/** Handshakes client → server:port, one per listener, at times close to now. */
function capture(listeners: Array<[string, number]>, startUs: number): Buffer {
  const recs: Rec[] = [];
  listeners.forEach(([host, port], i) => {
    const t = startUs + i * 1000;
    const sport = 40000 + i;
    recs.push({ tsUs: t, data: tcpFrame({ src: '192.0.2.50', dst: host, sport, dport: port, flags: 'S', seq: 100 }) });
    recs.push({ tsUs: t + 100, data: tcpFrame({ src: host, dst: '192.0.2.50', sport: port, dport: sport, flags: 'SA', seq: 500, ack: 101 }) });
    recs.push({ tsUs: t + 200, data: tcpFrame({ src: '192.0.2.50', dst: host, sport, dport: port, flags: 'A', seq: 101, ack: 501 }) });
  });
  return pcapFile(recs);
}


const keys = (page: Page) => page.$$eval('[data-testid="queue-row"]', (rows) => rows.map((r) => r.getAttribute('data-key') ?? '').sort());

describe.skipIf(!ready)('review queue end to end (portolan serve + Chromium)', () => {
  let dir = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-review-'));
    const now = Date.now() * 1000;
    const base: Array<[string, number]> = [
      ['198.51.100.2', 22],
      ['198.51.100.2', 80],
      ['198.51.100.3', 443],
    ];
    writeFileSync(join(dir, 'first.pcap'), capture(base, now - 60e6));
    writeFileSync(join(dir, 'second.pcap'), capture([...base, ['198.51.100.3', 8443]], now - 30e6));
    ({ child: server, url } = await startServe(join(dir, 'e2e.db'), { PORTOLAN_USER: ANALYST }));
    context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 900 });
    page = context.pages()[0] ?? (await context.newPage());
    collectPageErrors(page, pageErrors);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function ingest(file: string): Promise<void> {
    const { chooser } = await nextFileChooser(page);
    await page.getByTestId('import-capture').click();
    await (await chooser).setFiles(join(dir, file));
    await page.locator('[data-testid="job-panel"][data-status="done"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('job-dismiss').click();
  }

  it('approve all, then exactly the one new listener is queued, notified, approved with a reason, and its history shows who/when/why', async () => {
    await page.goto(`${url}#/new-ports`);
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Connected');

    // 1. First capture: three listeners in the queue; approve them all.
    await ingest('first.pcap');
    await expect.poll(() => keys(page), { timeout: 15_000 }).toEqual(['198.51.100.2:22/tcp', '198.51.100.2:80/tcp', '198.51.100.3:443/tcp']);
    await expect.poll(() => page.getByTestId('nav-badge-new-ports').textContent()).toBe('3');
    await page.getByTestId('new-services-toast').waitFor();
    await page.getByTestId('new-services-toast').getByRole('button', { name: 'Dismiss' }).click();
    await page.getByTestId('act-approve-matching').click();
    await page.getByTestId('reason-input').fill('baseline of the lab segment, CHG-100');
    await page.getByTestId('owner-input').fill('lab team');
    await page.getByTestId('reason-submit').click();
    await expect.poll(() => keys(page), { timeout: 15_000 }).toEqual([]);
    await expect.poll(() => page.getByTestId('nav-badge-new-ports').count()).toBe(0);

    // 2–3. Second capture: only the new listener is queued, and a notice is raised for it alone.
    await ingest('second.pcap');
    await expect.poll(() => keys(page), { timeout: 15_000 }).toEqual(['198.51.100.3:8443/tcp']);
    const toast = page.getByTestId('new-services-toast');
    await toast.waitFor();
    expect(await toast.getAttribute('data-total')).toBe('1');
    expect(await toast.textContent()).toContain('198.51.100.3:8443/tcp');
    await expect.poll(() => page.getByTestId('nav-badge-new-ports').textContent()).toBe('1');

    // 4. Approve it from the keyboard: focus the queue, move to the row, press a.
    await page.getByTestId('queue').focus();
    await page.keyboard.press('j');
    await page.keyboard.press('a');
    await page.getByTestId('reason-input').fill('new TLS admin port for the app, CHG-101');
    await page.getByTestId('owner-input').fill('app team');
    await page.getByTestId('reason-input').press('Enter');
    await expect.poll(() => keys(page), { timeout: 15_000 }).toEqual([]);

    // 5. The host's timeline: who, when, why.
    await page.goto(`${url}#/host/198.51.100.3`);
    const approveEvent = page.locator('[data-testid="timeline-event"][data-action="approve"][data-port="8443"]');
    await approveEvent.waitFor({ timeout: 15_000 });
    expect(await approveEvent.getByTestId('event-actor').textContent()).toBe(ANALYST);
    expect(await approveEvent.getByTestId('event-reason').textContent()).toBe('new TLS admin port for the app, CHG-101');
    const when = Date.parse((await approveEvent.locator('time').getAttribute('datetime')) ?? '');
    expect(Math.abs(Date.now() - when)).toBeLessThan(5 * 60_000);
    const row = page.locator('[data-testid="host-service"][data-port="8443"]');
    expect(await row.getAttribute('data-status')).toBe('approved');
    expect(await row.textContent()).toContain('app team');
    expect(await page.locator('[data-testid="timeline-event"][data-action="approve"][data-port="443"]').getByTestId('event-reason').textContent()).toBe('baseline of the lab segment, CHG-100');

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'e2e-host-timeline.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
