/**
 * Capture files dropped on the Capture view's drop zone (issue 3, item 7), end to end:
 * `portolan serve` on a temp database (real engine, real SQLite file), the built UI in
 * headless Chromium, and real drag events carrying a DataTransfer that holds real public
 * captures' bytes (read from ../shared/captures at test time, never copied here).
 *
 * 1. dragging files over the zone highlights it; leaving takes the highlight away;
 * 2. a dropped .txt is refused by name, in words, and nothing is uploaded or started;
 * 3. two captures and a .txt dropped together: the .txt is refused, the captures make
 *    one ingest job whose panel ends done with one result line per file, and the
 *    inventory then holds exactly the listeners an independent tshark analysis found
 *    (evidence handshake / reply), as test/e2e/ui.test.ts checks for the picker;
 * 4. from the keyboard, the button inside the zone opens the same picker.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, JSHandle, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli';
import { launchChromium, startServe, stopServe, collectPageErrors, nextFileChooser } from '../support/e2e';
import { capturePath, CHROMIUM_PATH, expectedPath, hasChromium, hasSharedCaptures, REPO_ROOT, requireAllOf } from '../support/require';

const CAPTURES = ['zeek_var-services-std-ports.pcap', 'chrissanders_http_ip4and6.pcapng'];
const OUTPUT_DIR = resolve(REPO_ROOT, 'test-output');

const ready = requireAllOf([
  [hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`],
  [CAPTURES.every((c) => hasSharedCaptures(c) && existsSync(expectedPath(c))), `shared captures not found (${CAPTURES.map((c) => capturePath(c)).join(', ')})`],
]);

const key = (l: { host: string; port: string; proto: string; evidence: string }) => `${l.host}\t${l.port}\t${l.proto}\t${l.evidence}`;

/** Rows of `<file>.tsv` (header `host port proto evidence`), as keys. */
function readExpected(file: string): string[] {
  const [header, ...lines] = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const cols = (header ?? '').split('\t');
  return lines.map((line) => {
    const v = line.split('\t');
    const at = (name: string) => v[cols.indexOf(name)] ?? '';
    return key({ host: at('host'), port: at('port'), proto: at('proto'), evidence: at('evidence') });
  });
}

interface DroppedFile {
  name: string;
  type: string;
  b64: string;
}

/** The page's DOM, as far as these tests use it (this file compiles without the DOM types). */
type PageGlobals = {
  DataTransfer: new () => { items: { add(file: File): unknown } };
  getComputedStyle(el: unknown): { borderStyle: string };
};

/** A DataTransfer in the page holding these files, as a drag from the desktop would. */
function dataTransfer(page: Page, files: DroppedFile[]): Promise<JSHandle<unknown>> {
  return page.evaluateHandle((list) => {
    const dt = new (globalThis as unknown as PageGlobals).DataTransfer();
    for (const f of list) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, files);
}

const capture = (name: string): DroppedFile => ({ name, type: 'application/vnd.tcpdump.pcap', b64: readFileSync(capturePath(name)).toString('base64') });
const text = (name: string, body: string): DroppedFile => ({ name, type: 'text/plain', b64: Buffer.from(body).toString('base64') });

describe.skipIf(!ready)('capture files dropped on the UI (portolan serve + Chromium)', () => {
  let dir = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const uploads: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-drop-'));
    ({ child: server, url } = await startServe(join(dir, 'e2e.db')));
    context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1000 });
    page = context.pages()[0] ?? (await context.newPage());
    collectPageErrors(page, pageErrors);
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/upload') uploads.push(new URL(r.url()).searchParams.get('name') ?? '');
    });
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('highlights the zone while files are dragged over it', async () => {
    await page.goto(url);
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Connected');
    await page.getByTestId('nav-capture').click();
    const zone = page.getByTestId('capture-dropzone');
    await zone.waitFor();
    const idle = await zone.evaluate((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).borderStyle);
    expect(await zone.getAttribute('data-drag')).toBe('idle');

    const dt = await dataTransfer(page, [capture(CAPTURES[0]!)]);
    await zone.dispatchEvent('dragenter', { dataTransfer: dt });
    await zone.dispatchEvent('dragover', { dataTransfer: dt });
    expect(await zone.getAttribute('data-drag')).toBe('over');
    // Visibly so: the dashed border turns solid and the label invites the drop.
    expect(await zone.evaluate((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).borderStyle)).not.toBe(idle);
    expect(await zone.textContent()).toContain('Release to import');
    await zone.dispatchEvent('dragleave', { dataTransfer: dt });
    expect(await zone.getAttribute('data-drag')).toBe('idle');
    await dt.dispose();
  });

  it('refuses a dropped file that is not a capture, in words, and starts nothing', async () => {
    const zone = page.getByTestId('capture-dropzone');
    const dt = await dataTransfer(page, [text('notes.txt', 'not a capture\n')]);
    await zone.dispatchEvent('dragenter', { dataTransfer: dt });
    await zone.dispatchEvent('drop', { dataTransfer: dt });
    const refused = page.getByTestId('drop-rejected');
    await refused.waitFor();
    expect(await refused.textContent()).toBe('notes.txt is not a capture file (.pcap, .pcapng, .cap, .dmp); it was not imported.');
    expect(await refused.getAttribute('role')).toBe('alert');
    expect(await zone.getAttribute('data-drag')).toBe('idle');
    await page.waitForTimeout(500);
    expect(uploads).toEqual([]);
    expect(await page.getByTestId('job-panel').count()).toBe(0);
    await dt.dispose();
  });

  it('ingests the captures of a drop as one job and lists exactly the proven listeners', async () => {
    const zone = page.getByTestId('capture-dropzone');
    const dt = await dataTransfer(page, [capture(CAPTURES[0]!), text('readme.txt', 'hello'), capture(CAPTURES[1]!)]);
    await zone.dispatchEvent('dragenter', { dataTransfer: dt });
    await zone.dispatchEvent('dragover', { dataTransfer: dt });
    await zone.dispatchEvent('drop', { dataTransfer: dt });

    expect(await page.getByTestId('drop-rejected').textContent()).toBe('readme.txt is not a capture file (.pcap, .pcapng, .cap, .dmp); it was not imported.');
    const panel = page.getByTestId('job-panel');
    await panel.waitFor({ timeout: 30_000 });
    const final = ['done', 'failed', 'cancelled', 'interrupted'].map((s) => `[data-status="${s}"]`).join(',');
    await page.locator(`[data-testid="job-panel"]:is(${final})`).waitFor({ timeout: 60_000 });
    expect(await panel.getAttribute('data-status')).toBe('done');
    expect(uploads).toEqual(CAPTURES);

    // One result line per file, in words, named as dropped.
    const lines = await page.$$eval('[data-testid="job-files"] tr', (rows) => rows.map((r) => ({ name: r.querySelector('td')?.textContent?.trim(), status: r.getAttribute('data-status') })));
    expect(lines).toEqual(CAPTURES.map((name) => ({ name, status: 'complete' })));

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'e2e-drop-ingest.png'), fullPage: true });

    const expected = [...new Set(CAPTURES.flatMap((c) => readExpected(expectedPath(c))))].sort();
    await page.getByTestId('nav-inventory').click();
    const rows = () =>
      page.$$eval('[data-testid="service-row"]', (trs) =>
        trs.map((row) => {
          const cell = (col: string) => row.querySelector(`[data-col="${col}"]`)?.getAttribute('data-value') ?? '';
          return { host: cell('host'), port: cell('port'), proto: cell('proto'), evidence: cell('evidence') };
        }),
      );
    const strong = async () =>
      (await rows())
        .filter((r) => r.evidence === 'handshake' || r.evidence === 'reply')
        .map(key)
        .sort();
    await expect.poll(strong, { timeout: 15_000 }).toEqual(expected);
    for (const r of await rows()) expect(['handshake', 'reply', 'data']).toContain(r.evidence);
    await dt.dispose();
  });

  it('offers the same import from the keyboard: the button inside the zone opens the picker', async () => {
    await page.getByTestId('nav-capture').click();
    const button = page.getByTestId('capture-dropzone').getByTestId('import-capture');
    await button.focus();
    const { chooser } = await nextFileChooser(page);
    await page.keyboard.press('Enter');
    const picker = await chooser;
    expect(picker.isMultiple()).toBe(true);
    await picker.setFiles([]);
    expect(pageErrors).toEqual([]);
  });
});
