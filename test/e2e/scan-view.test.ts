/**
 * The Scan view end to end (issue 4, item 8): `portolan serve` on a temp database (real
 * engine, real scanner, real SQLite file), the built UI in headless Chromium.
 *
 * Only 127.0.0.1 is ever probed. The test listens on an ephemeral port of its own (the
 * open port), and holds a second one it has just closed (the closed port). The large
 * sweep typed into the form (10.0.0.0/8) is never started: only its confirmation is
 * shown, and refused.
 *
 * 1. the view opens with an empty form, no sweep and no run: nothing starts by itself;
 * 2. bad targets and bad ports are shown inline and Start stays disabled; good ones
 *    show "addresses × ports = probes";
 * 3. a custom port list (open + closed) runs: the grid shows the open port, the progress
 *    bar ends full with a final summary, the run is in the history as complete;
 * 3b. the same when the scanner's own progress events are lost on the way (only the
 *    job's snapshots arrive): the sweep still ends complete and the form unlocks;
 * 4. a /8 asks for confirmation; No leaves everything as it was;
 * 5. a long sweep (every port, gentle profile) is cancelled: it stops, the bar stays
 *    where it stopped with a "cancelled" summary, and what it found is kept.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli';
import { collectPageErrors, launchChromium, spyOnSocket, startServe, stopServe } from '../support/e2e';
import { CHROMIUM_PATH, hasChromium, REPO_ROOT, requireOrSkip } from '../support/require';

const ready = requireOrSkip(hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`);
const OUTPUT_DIR = resolve(REPO_ROOT, 'test-output');

function listen(): Promise<Server> {
  return new Promise((ok, fail) => {
    const s = createServer((sock) => sock.destroy());
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => ok(s));
  });
}
const portOf = (s: Server): number => (s.address() as { port: number }).port;

/** A loopback port nothing listens on: bound by us a moment ago, then closed. */
async function closedPort(): Promise<number> {
  const s = await listen();
  const port = portOf(s);
  await new Promise((r) => s.close(r));
  return port;
}

interface Row {
  host: string;
  port: string;
  state: string;
}

const gridRows = (page: Page): Promise<Row[]> =>
  page.$$eval('[data-testid="scan-results"] [data-testid="scan-row"]', (rows) =>
    rows.map((r) => {
      const cell = (c: string) => r.querySelector(`[data-col="${c}"]`)?.textContent?.trim() ?? '';
      return { host: cell('host'), port: cell('port'), state: cell('state') };
    }),
  );

const runRows = (page: Page) =>
  page.$$eval('[data-testid="scan-run"]', (rows) =>
    rows.map((r) => ({
      id: r.querySelector('[data-col="id"]')?.textContent?.trim() ?? '',
      targets: r.querySelector('[data-col="targets"]')?.textContent?.trim() ?? '',
      ports: r.querySelector('[data-col="ports"]')?.textContent?.trim() ?? '',
      status: r.querySelector('[data-col="status"]')?.getAttribute('data-value') ?? '',
      found: r.querySelector('[data-col="found"]')?.textContent?.trim() ?? '',
    })),
  );

/** The progress bar's value and max, as numbers (the DOM's, not the attributes' text). */
const bar = (page: Page): Promise<{ value: number; max: number }> =>
  page.$eval('[data-testid="scan-progress"] progress', (p) => {
    const el = p as unknown as { value: number; max: number };
    return { value: el.value, max: el.max };
  });

describe.skipIf(!ready)('Scan view end to end (portolan serve + Chromium, 127.0.0.1 only)', () => {
  let dir = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;
  let listener: Server | undefined;
  let openPort = 0;
  let shutPort = 0;
  const pageErrors: string[] = [];
  /** Every scan.start the page sends over the WebSocket, as the server would read it. */
  const starts: Array<Record<string, unknown>> = [];
  let dropScanProgress = false;

  beforeAll(async () => {
    ensureBuilt();
    listener = await listen();
    openPort = portOf(listener);
    shutPort = await closedPort();
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-scan-'));
    ({ child: server, url } = await startServe(join(dir, 'e2e.db')));
    context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1000 });
    page = context.pages()[0] ?? (await context.newPage());
    collectPageErrors(page, pageErrors);
    // Between page and server: records every scan.start the page sends, and can drop the
    // scanner's own progress events (as a lost connection or a late start reply would).
    await spyOnSocket(page, 'scan.start', starts, (frame) => dropScanProgress && frame.includes('"event":"scan.progress"'));
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    await new Promise((r) => (listener ? listener.close(r) : r(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens with an empty form and starts nothing by itself', async () => {
    await page.goto(url);
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Connected');
    await page.getByTestId('nav-scan').click();
    await page.getByTestId('scan-form').waitFor();
    expect(await page.getByTestId('scan-targets').inputValue()).toBe('');
    expect(await page.getByTestId('scan-excludes').inputValue()).toBe('');
    await expect.poll(() => page.getByTestId('scan-runs').textContent()).toContain('No scans yet');
    // Give a self-starting form every chance to misbehave.
    await page.waitForTimeout(1500);
    expect(await page.getByTestId('scan-progress').count()).toBe(0);
    expect(await page.getByTestId('scan-start').isDisabled()).toBe(true);
    expect(starts).toEqual([]);
  });

  it('validates targets and ports inline and shows addresses × ports', async () => {
    const targets = page.getByTestId('scan-targets');
    await targets.fill('127.0.0.1, 300.1.2.3');
    await page.getByTestId('scan-target-errors').waitFor();
    expect(await page.getByTestId('scan-target-errors').textContent()).toContain('300.1.2.3');
    expect(await targets.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('scan-start').isDisabled()).toBe(true);

    await targets.fill('127.0.0.1');
    await page.getByTestId('scan-target-errors').waitFor({ state: 'detached' });
    await page.getByTestId('scan-preset-custom').check();
    await page.getByTestId('scan-custom-ports').fill('80,70000');
    await page.getByTestId('scan-port-error').waitFor();
    expect(await page.getByTestId('scan-port-error').textContent()).toContain('70000');
    expect(await page.getByTestId('scan-start').isDisabled()).toBe(true);

    await page.getByTestId('scan-custom-ports').fill(`${openPort},${shutPort}`);
    await page.getByTestId('scan-port-error').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('scan-estimate').textContent()).toBe('1 address × 2 ports = 2 probes');
    expect(await page.getByTestId('scan-start').isEnabled()).toBe(true);
    // Enter in a one-line field commits it; it never starts the sweep.
    await page.getByTestId('scan-custom-ports').press('Enter');
    await page.getByTestId('scan-excludes').press('Enter');
    await page.getByTestId('scan-preset-custom').press('Enter');
    await page.waitForTimeout(500);
    expect(await page.getByTestId('scan-progress').count()).toBe(0);
    expect(starts).toEqual([]);
  });

  it('runs the sweep: the open port fills the grid, the bar ends full, the run is in the history', async () => {
    await page.getByTestId('scan-start').click();
    await page.getByTestId('scan-progress').waitFor();
    await expect.poll(() => gridRows(page), { timeout: 20_000 }).toEqual([{ host: '127.0.0.1', port: String(openPort), state: 'open' }]);
    await page.getByTestId('scan-finished').waitFor({ timeout: 20_000 });
    await expect.poll(() => bar(page)).toEqual({ value: 2, max: 2 });
    expect(await page.getByTestId('scan-progress').getAttribute('data-status')).toBe('complete');
    // A full bar looks full: it spans its panel's content box, not a fixed part of it.
    const widths = await page.$eval('[data-testid="scan-progress"]', (panel) => {
      const cs = panel.ownerDocument.defaultView!.getComputedStyle(panel);
      const inner = panel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      return { bar: panel.querySelector('progress')!.getBoundingClientRect().width, inner };
    });
    expect(widths.inner).toBeGreaterThan(800);
    expect(widths.bar).toBeGreaterThanOrEqual(widths.inner - 1);
    const summary = await page.getByTestId('scan-summary').textContent();
    expect(summary).toMatch(/Complete/);
    expect(summary).toContain('2 / 2 probes');
    expect(summary).toContain('1 open');
    expect(summary).toContain('1 closed');
    // The form is free again; the finished sweep offers no Cancel.
    expect(await page.getByTestId('scan-cancel').count()).toBe(0);
    await expect.poll(() => page.getByTestId('scan-start').isEnabled()).toBe(true);

    await expect.poll(() => runRows(page)).toEqual([{ id: '1', targets: '127.0.0.1', ports: `${openPort},${shutPort}`, status: 'complete', found: '1 / 1 / 0' }]);
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ targets: '127.0.0.1', ports: `${openPort},${shutPort}`, confirmLarge: false });

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'e2e-scan.png'), fullPage: true });
  });

  it('ends full and complete even when the scanner\'s own progress events never arrive', async () => {
    // Only the job's snapshots get through (job.updated): the view must still end the sweep.
    dropScanProgress = true;
    try {
      await page.getByTestId('scan-custom-ports').fill(`${shutPort},${openPort}`);
      await expect.poll(() => page.getByTestId('scan-start').isEnabled()).toBe(true);
      await page.getByTestId('scan-start').click();
      await expect.poll(() => page.getByTestId('scan-progress').textContent()).toContain('Scan 2');
      await expect.poll(() => page.getByTestId('scan-progress').getAttribute('data-status'), { timeout: 20_000 }).toBe('complete');
      await expect.poll(() => bar(page)).toEqual({ value: 2, max: 2 });
      expect(await page.getByTestId('scan-summary').textContent()).toMatch(/^Complete: 2 \/ 2 probes in [\d.]+ m?s · 1 open · 1 closed · 0 filtered$/);
      await expect.poll(() => gridRows(page)).toEqual([{ host: '127.0.0.1', port: String(openPort), state: 'open' }]);
      await expect.poll(async () => (await runRows(page))[0]).toMatchObject({ id: '2', status: 'complete', found: '1 / 1 / 0' });
      // The form is not left locked by a sweep it thinks still runs.
      await expect.poll(() => page.getByTestId('scan-start').isEnabled()).toBe(true);
    } finally {
      dropScanProgress = false;
    }
  });

  it('asks before a large sweep, and No starts nothing', async () => {
    await page.getByTestId('scan-targets').fill('10.0.0.0/8');
    await page.getByTestId('scan-preset-top100').check();
    await expect.poll(() => page.getByTestId('scan-estimate').textContent()).toBe('16,777,216 addresses × 100 ports = 1,677,721,600 probes');
    await page.getByTestId('scan-start').click();
    const confirm = page.getByTestId('scan-confirm');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('1,677,721,600 probes');
    await page.getByTestId('scan-confirm-no').click();
    await confirm.waitFor({ state: 'detached' });
    await page.waitForTimeout(500);
    // Nothing went out: the page never asked, the history has the one run it had.
    expect(starts).toHaveLength(2);
    expect((await runRows(page)).map((r) => r.id)).toEqual(['2', '1']);
    expect(await page.getByTestId('scan-progress').getAttribute('data-status')).toBe('complete');
  });

  it('cancels a long sweep, which stops and keeps what it found', async () => {
    await page.getByTestId('scan-targets').fill('127.0.0.1');
    await page.getByTestId('scan-preset-custom').check();
    // Every port, the open one first, at the gentle profile's 100 probes/s: minutes of work.
    await page.getByTestId('scan-custom-ports').fill(`${openPort},1-65535`);
    await page.getByTestId('scan-profile').selectOption('gentle');
    await expect.poll(() => page.getByTestId('scan-estimate').textContent()).toBe('1 address × 65,535 ports = 65,535 probes');
    await page.getByTestId('scan-start').click();
    await expect.poll(() => page.getByTestId('scan-progress').getAttribute('data-status')).toBe('running');
    await expect.poll(() => gridRows(page), { timeout: 20_000 }).toEqual([{ host: '127.0.0.1', port: String(openPort), state: 'open' }]);
    await expect.poll(async () => (await bar(page)).value, { timeout: 20_000 }).toBeGreaterThan(50);

    await page.getByTestId('scan-cancel').click();
    await expect.poll(() => page.getByTestId('scan-progress').getAttribute('data-status'), { timeout: 20_000 }).toBe('cancelled');
    const stopped = await bar(page);
    expect(stopped.max).toBe(65535);
    expect(stopped.value).toBeGreaterThan(50);
    expect(stopped.value).toBeLessThan(65535);
    expect(await page.getByTestId('scan-summary').textContent()).toMatch(/Cancelled/);
    // It stays stopped.
    await page.waitForTimeout(1500);
    expect((await bar(page)).value).toBe(stopped.value);

    // What it found is kept: the open port in the grid and in the run, the closed ones counted.
    expect(await gridRows(page)).toEqual([{ host: '127.0.0.1', port: String(openPort), state: 'open' }]);
    await expect.poll(async () => (await runRows(page))[0]?.status).toBe('incomplete');
    const run = (await runRows(page))[0]!;
    expect(run.id).toBe('3');
    const [open, closed] = run.found.split(' / ').map((n: string) => Number(n.replace(/,/g, '')));
    expect(open).toBe(1);
    expect(closed).toBe(stopped.value - 1);
    expect(starts).toHaveLength(3);
    expect(pageErrors).toEqual([]);
  });
});
