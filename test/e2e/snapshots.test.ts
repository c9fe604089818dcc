/**
 * Snapshots end to end: the report rendered by Chromium (a screenshot of the HTML, and
 * the CLI's PDF turned into PNG by pdftoppm), and the Snapshots view driven in Chromium
 * against `portolan serve` — take, list with seal status, compare, open the report,
 * download an export. Images land in test-output/ for a human to look at.
 */
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { launchChromium, startServe, stopServe } from '../support/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../../electron/engine/snapshots/store';
import { ensureBuilt, portolan } from '../support/cli';
import { CHROMIUM_PATH, hasChromium, REPO_ROOT, requireAllOf } from '../support/require';
import { BASE, freshDb, seed, T0 } from '../engine/snapshots/fixture';

const OUTPUT_DIR = resolve(REPO_ROOT, 'test-output');
const hasPdftoppm = spawnSync('pdftoppm', ['-v'], { stdio: 'ignore' }).status === 0;
const ready = requireAllOf([
  [hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`],
  [hasPdftoppm, 'pdftoppm not found (apt-get install poppler-utils)'],
]);

const EVIL = '<img src=x onerror=alert(1)>';


describe.skipIf(!ready)('snapshot report and view in Chromium', () => {
  let dir = '';
  let db = '';
  let context: BrowserContext | undefined;
  let server: ChildProcessWithoutNullStreams | undefined;

  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(OUTPUT_DIR, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'portolan-snap-e2e-'));
    const d = await freshDb(dir);
    await seed(d, [...BASE, { host: '192.0.2.66', port: 6666, service: EVIL, banner: EVIL, status: 'new' }]);
    await takeSnapshot(d, { note: 'Quarterly baseline (Q1)', by: 'alice', nowMs: T0 + 86_400_000 });
    await d.query(`UPDATE services SET status = 'approved', status_changed_at = ? WHERE port = 8080`, [T0 + 90_000_000]);
    await d.query(`INSERT INTO reviews (service_id, action, status_from, status_to, reason, owner, actor, at) SELECT id, 'approve', 'new', 'approved', 'Internal status page', 'Web team', 'bob', ? FROM services WHERE port = 8080`, [T0 + 90_000_000]);
    await takeSnapshot(d, { note: 'After the web review', by: 'alice', nowMs: T0 + 2 * 86_400_000 });
    db = d.path;
    await d.close();
    context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1000, acceptDownloads: true });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders the HTML report (screenshot) and the PDF (pdftoppm → PNG)', async () => {
    const html = join(dir, 'report.html');
    expect(portolan(['snapshot', 'export', '2', '--format', 'html', '--out', html, '--db', db]).code).toBe(0);
    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (d) => errors.push(`dialog: ${d.message()}`));
    await page.goto(`file://${html}`);
    expect(await page.locator('h1').textContent()).toBe('Listening services compliance snapshot #2');
    expect(await page.locator('body').textContent()).toContain(EVIL); // shown as text, never run
    expect(await page.locator('img').count()).toBe(0);
    await page.screenshot({ path: join(OUTPUT_DIR, 'snapshot-report.png'), fullPage: true });
    await page.close();
    expect(errors).toEqual([]);

    const pdf = join(dir, 'report.pdf');
    const r = portolan(['snapshot', 'export', '2', '--format', 'pdf', '--out', pdf, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const png = spawnSync('pdftoppm', ['-png', '-r', '70', pdf, join(dir, 'page')], { encoding: 'utf8' });
    expect(png.status, png.stderr).toBe(0);
    const pages = readdirSync(dir).filter((f) => /^page-\d+\.png$/.test(f)).sort();
    expect(pages.length).toBeGreaterThanOrEqual(2);
    spawnSync('cp', [join(dir, pages[0]!), join(OUTPUT_DIR, 'snapshot-report-pdf-page1.png')]);
    expect(statSync(join(OUTPUT_DIR, 'snapshot-report-pdf-page1.png')).size).toBeGreaterThan(20_000);

    // No Chromium: a clear error, nothing written.
    const missing = portolan(['snapshot', 'export', '2', '--format', 'pdf', '--out', join(dir, 'x.pdf'), '--db', db], { PORTOLAN_CHROMIUM: '/nonexistent/chromium' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/PDF export needs Chromium at \/nonexistent\/chromium/);
    expect(existsSync(join(dir, 'x.pdf'))).toBe(false);
  });

  it('takes, lists, compares, opens the report and downloads exports in the Snapshots view', async () => {
    let url = '';
    ({ child: server, url } = await startServe(db));
    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url);
    await page.getByTestId('nav-snapshots').click();
    await expect.poll(() => page.getByTestId('snapshot-row').count()).toBe(2);

    await page.getByTestId('snapshot-note').fill('Taken from the UI');
    await page.getByTestId('snapshot-scope').fill('192.0.2.0/24');
    await page.getByTestId('snapshot-take').click();
    await expect.poll(() => page.getByTestId('snapshot-taken').textContent()).toContain('Snapshot #3');
    await expect.poll(() => page.getByTestId('snapshot-row').count()).toBe(3);
    expect(await page.locator('[data-testid="snapshot-row"][data-seal="intact"]').count()).toBe(3);

    await page.getByTestId('compare-a').selectOption('1');
    await page.getByTestId('compare-b').selectOption('2');
    await page.getByTestId('compare-run').click();
    await expect.poll(() => page.getByTestId('compare-summary').textContent()).toContain('1 changed');
    expect(await page.getByTestId('compare-table').textContent()).toContain('approval.justification');
    expect(await page.getByTestId('compare-warning').count()).toBe(0);
    // #3 covers one subnet, #1 everything: the comparison says the scopes differ.
    await page.getByTestId('compare-b').selectOption('3');
    await page.getByTestId('compare-run').click();
    await expect.poll(() => page.getByTestId('compare-warning').textContent()).toContain('different scopes (#1: all, #3: subnet:192.0.2.0/24)');
    await page.getByTestId('compare-b').selectOption('2');
    await page.getByTestId('compare-run').click();
    await expect.poll(() => page.getByTestId('compare-warning').count()).toBe(0);

    await page.getByTestId('snapshot-report-2').click();
    const h2 = page.getByTestId('report-host').locator('h2').first();
    await expect.poll(() => h2.textContent()).toBe('1. Summary');
    // The report's own stylesheet applies inside the app despite its CSP (adopted sheet).
    expect(await h2.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).color)).toBe('rgb(31, 78, 121)');
    await page.screenshot({ path: join(OUTPUT_DIR, 'e2e-snapshots.png'), fullPage: false });

    const download = page.waitForEvent('download');
    await page.getByTestId('snapshot-export-2-csv').click();
    const file = await (await download).path();
    const csv = readFileSync(file, 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^\uFEFFhost,proto,port,service,status/);
    expect(csv).toContain('Internal status page');

    const jsonDl = page.waitForEvent('download');
    await page.getByTestId('snapshot-export-3-json').click();
    const jsonFile = join(dir, 'ui.json');
    await (await jsonDl).saveAs(jsonFile);
    const v = portolan(['snapshot', 'verify', jsonFile, '--db', db]);
    expect(v.code, v.stdout).toBe(0);
    await page.close();
    expect(errors).toEqual([]);
  });
});
