/**
 * End to end through the real UI: `portolan serve` (real engine, real SQLite file), the
 * built renderer in headless Chromium, a real capture uploaded through the file picker.
 * The inventory must then show exactly the listeners an independent tshark analysis
 * found (evidence handshake / reply); weaker evidence (`data`) may appear besides.
 */
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, startServe, stopServe, collectPageErrors, nextFileChooser } from '../support/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturePath, CHROMIUM_PATH, expectedPath, hasChromium, hasSharedCaptures, REPO_ROOT, requireAllOf } from '../support/require';

const CAPTURE = 'zeek_var-services-std-ports.pcap';
const OUTPUT_DIR = resolve(REPO_ROOT, 'test-output');

const ready = requireAllOf([
  [hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`],
  [hasSharedCaptures(CAPTURE) && existsSync(expectedPath(CAPTURE)), `shared captures not found (${capturePath(CAPTURE)})`],
]);

interface Listener {
  host: string;
  port: string;
  proto: string;
  evidence: string;
}
const key = (l: Listener) => `${l.host}\t${l.port}\t${l.proto}\t${l.evidence}`;

/** Rows of `<file>.tsv`: header `host port proto evidence`, tab-separated. */
function readExpected(file: string): string[] {
  const [header, ...lines] = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const cols = (header ?? '').split('\t');
  return lines
    .map((line) => {
      const v = line.split('\t');
      const at = (name: string) => v[cols.indexOf(name)] ?? '';
      return key({ host: at('host'), port: at('port'), proto: at('proto'), evidence: at('evidence') });
    })
    .sort();
}

/** Starts `portolan serve` and resolves with the URL it prints. */

async function readRows(page: Page): Promise<Listener[]> {
  return page.$$eval('[data-testid="service-row"]', (rows) =>
    rows.map((row) => {
      const cell = (col: string) => row.querySelector(`[data-col="${col}"]`)?.getAttribute('data-value') ?? '';
      return { host: cell('host'), port: cell('port'), proto: cell('proto'), evidence: cell('evidence') };
    }),
  );
}

describe.skipIf(!ready)('UI end to end (portolan serve + Chromium)', () => {
  let dir = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(resolve(REPO_ROOT, 'out/renderer/index.html')) || !existsSync(resolve(REPO_ROOT, 'out/main/cli.js'))) {
      const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
      if (build.status !== 0) throw new Error(`electron-vite build failed (${build.status})`);
    }
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-'));
    ({ child: server, url } = await startServe(join(dir, 'e2e.db')));
    context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 900 });
    page = context.pages()[0] ?? (await context.newPage());
    collectPageErrors(page, pageErrors);
    page.on('response', (r) => {
      if (r.status() >= 400) pageErrors.push(`HTTP ${r.status()} ${new URL(r.url()).pathname}`);
    });
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports a capture through the picker and lists exactly the proven listeners', async () => {
    await page.goto(url);
    await page.getByTestId('nav-inventory').click();
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Connected');

    const { chooser } = await nextFileChooser(page);
    await page.getByTestId('import-capture').click();
    await (await chooser).setFiles(capturePath(CAPTURE));

    const panel = page.getByTestId('job-panel');
    await panel.waitFor({ timeout: 30_000 });
    const final = ['done', 'failed', 'cancelled', 'interrupted'].map((s) => `[data-status="${s}"]`).join(',');
    await page.locator(`[data-testid="job-panel"]:is(${final})`).waitFor({ timeout: 60_000 });
    const status = await panel.getAttribute('data-status');
    const jobError = (await page.getByTestId('job-error').count()) ? await page.getByTestId('job-error').textContent() : null;
    expect({ status, jobError }).toEqual({ status: 'done', jobError: null });

    const expected = readExpected(expectedPath(CAPTURE));
    const strong = async () =>
      (await readRows(page))
        .filter((r) => r.evidence === 'handshake' || r.evidence === 'reply')
        .map(key)
        .sort();
    // The table reloads (debounced) after the ingest's services.changed event.
    await expect.poll(strong, { timeout: 15_000 }).toEqual(expected);

    // Everything else carries weaker evidence, never a claimed handshake/reply.
    const all = await readRows(page);
    for (const r of all) expect(['handshake', 'reply', 'data', 'scan', 'import']).toContain(r.evidence);
    const summary = await page.getByTestId('pager-summary').textContent();
    expect(summary).toBe(`1–${all.length} of ${all.length}`);

    // New services are badged and listed in the review queue.
    await expect.poll(() => page.getByTestId('nav-badge-new-ports').textContent()).toBe(String(all.length));

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'e2e-inventory.png'), fullPage: true });

    // The review queue lists them all (its own rows: grouped, selectable).
    await page.getByTestId('nav-new-ports').click();
    await expect.poll(async () => page.locator('[data-testid="queue-row"]').count()).toBe(all.length);

    expect(pageErrors).toEqual([]);
  });
});
