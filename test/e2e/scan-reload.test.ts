/**
 * The Scan view and a sweep that outlives the page, end to end: `portolan serve` on a
 * temp database (real engine, real scanner), the built UI in headless Chromium. Only
 * 127.0.0.1 is probed, at 20 probes/s so the sweep runs long enough to reload the page,
 * and it is cancelled at the end.
 *
 * 1. the rate field refuses what it cannot read (`-5`, `1,000`): inline error, Start
 *    disabled; a whole number is sent as typed;
 * 2. after a reload the view finds the sweep still running in the engine and follows it:
 *    live progress, Pause / Resume / Cancel, the run history row keeps up, also after
 *    leaving the view and coming back; Cancel stops it and the row ends "incomplete
 *    (cancelled)".
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli';
import { collectPageErrors, launchChromium, spyOnSocket, startServe, stopServe } from '../support/e2e';
import { CHROMIUM_PATH, hasChromium, requireOrSkip } from '../support/require';

const ready = requireOrSkip(hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`);

function listen(): Promise<Server> {
  return new Promise((ok, fail) => {
    const s = createServer((sock) => sock.destroy());
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => ok(s));
  });
}

const bar = (page: Page): Promise<{ value: number; max: number }> =>
  page.$eval('[data-testid="scan-progress"] progress', (p) => {
    const el = p as unknown as { value: number; max: number };
    return { value: el.value, max: el.max };
  });

const runRow = (page: Page) =>
  page.$eval('[data-testid="scan-run"]', (r) => {
    const cell = r.querySelector('[data-col="status"]')!;
    return { id: r.querySelector('[data-col="id"]')?.textContent?.trim() ?? '', stored: cell.getAttribute('data-value') ?? '', shown: cell.getAttribute('data-shown') ?? '', text: cell.textContent?.trim() ?? '' };
  });

/** Probes done as the run history row says ("running (40 / 2,001)"). */
const rowDone = async (page: Page): Promise<number> => {
  const m = /\(([\d,]+) \//.exec((await runRow(page)).text);
  return m ? Number(m[1]!.replace(/,/g, '')) : -1;
};

describe.skipIf(!ready)('Scan view: a running sweep survives a reload (portolan serve + Chromium, 127.0.0.1 only)', () => {
  let dir = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;
  let listener: Server | undefined;
  let openPort = 0;
  const pageErrors: string[] = [];
  const starts: Array<Record<string, unknown>> = [];
  /** Probes in the sweep (2,001, or 2,000 when the open port falls inside the range). */
  let total = 0;

  beforeAll(async () => {
    ensureBuilt();
    listener = await listen();
    openPort = (listener.address() as { port: number }).port;
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-scan-reload-'));
    ({ child: server, url } = await startServe(join(dir, 'e2e.db')));
    context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1000 });
    page = context.pages()[0] ?? (await context.newPage());
    collectPageErrors(page, pageErrors);
    await spyOnSocket(page, 'scan.start', starts);
  });

  afterAll(async () => {
    // Whatever happened above, the sweep does not outlive the test.
    await page?.getByTestId('scan-cancel').click({ timeout: 1000 }).catch(() => {});
    await context?.close().catch(() => {});
    await stopServe(server);
    await new Promise((r) => (listener ? listener.close(r) : r(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a rate it cannot read, and starts a slow sweep with the rate typed', async () => {
    await page.goto(url);
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Connected');
    await page.getByTestId('nav-scan').click();
    await page.getByTestId('scan-targets').fill('127.0.0.1');
    await page.getByTestId('scan-preset-custom').check();
    await page.getByTestId('scan-custom-ports').fill(`${openPort},42001-44000`);
    await expect.poll(() => page.getByTestId('scan-start').isEnabled()).toBe(true);
    const rate = page.getByTestId('scan-rate');
    for (const bad of ['-5', '1,000', '50/s']) {
      await rate.fill(bad);
      await page.getByTestId('scan-rate-error').waitFor();
      expect(await rate.getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByTestId('scan-start').isDisabled()).toBe(true);
    }
    await page.getByTestId('scan-start').click({ force: true });
    await page.waitForTimeout(300);
    expect(starts).toEqual([]);

    await rate.fill('20');
    await page.getByTestId('scan-rate-error').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('scan-start').isEnabled()).toBe(true);
    await page.getByTestId('scan-start').click();
    await expect.poll(() => page.getByTestId('scan-progress').getAttribute('data-status')).toBe('running');
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ targets: '127.0.0.1', rate: 20 });
    await expect.poll(async () => (await bar(page)).value, { timeout: 10_000 }).toBeGreaterThan(5);
    total = (await bar(page)).max;
    expect([2000, 2001]).toContain(total);
  });

  it('after a reload, finds the sweep still running and follows it: progress, pause, resume, cancel', async () => {
    await page.reload();
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Connected');
    await page.getByTestId('nav-scan').click();
    const panel = page.getByTestId('scan-progress');
    await expect.poll(() => panel.getAttribute('data-status'), { timeout: 10_000 }).toBe('running');
    expect(await panel.textContent()).toContain('Scan 1');
    await page.getByTestId('scan-cancel').waitFor();
    // The open port stored before the reload is back in the grid.
    await expect.poll(() => page.$$eval('[data-testid="scan-results"] [data-testid="scan-row"] [data-col="port"]', (c) => c.map((x) => x.textContent?.trim()))).toEqual([String(openPort)]);
    // The bar and the run history row move on.
    const first = (await bar(page)).value;
    await expect.poll(async () => (await bar(page)).value, { timeout: 10_000 }).toBeGreaterThan(first + 10);
    expect((await bar(page)).max).toBe(total);
    const rowFirst = await rowDone(page);
    await expect.poll(() => rowDone(page), { timeout: 10_000 }).toBeGreaterThan(rowFirst);
    expect((await runRow(page)).shown).toBe('running');

    // Away and back: still followed.
    await page.getByTestId('nav-inventory').click();
    await page.getByTestId('nav-scan').click();
    await expect.poll(() => page.getByTestId('scan-progress').getAttribute('data-status')).toBe('running');

    await page.getByTestId('scan-pause').click();
    await expect.poll(() => page.getByTestId('scan-progress').getAttribute('data-status')).toBe('paused');
    await expect.poll(async () => (await runRow(page)).shown).toBe('paused');
    await page.getByTestId('scan-resume').click();
    await expect.poll(() => page.getByTestId('scan-progress').getAttribute('data-status')).toBe('running');

    await page.getByTestId('scan-cancel').click();
    await expect.poll(() => page.getByTestId('scan-progress').getAttribute('data-status'), { timeout: 20_000 }).toBe('cancelled');
    const stopped = await bar(page);
    expect(stopped.value).toBeLessThan(total);
    await expect.poll(() => runRow(page)).toMatchObject({ id: '1', stored: 'incomplete', shown: 'incomplete (cancelled)' });
    await page.waitForTimeout(1000);
    expect((await bar(page)).value).toBe(stopped.value);
    expect(await page.getByTestId('scan-cancel').count()).toBe(0);
    // The form is no longer held by a sweep it thinks still runs (after the reload it is empty).
    await expect.poll(() => page.getByText('A sweep is running').count()).toBe(0);
    expect(starts).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });
});
