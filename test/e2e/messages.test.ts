/**
 * What the UI says, in Chromium against `portolan serve` on a temp database holding one
 * imported nmap report (documentation addresses):
 *
 * - an error shows the engine's message, never its class name ("ScopeError: …");
 * - counts agree with their words ("1 service on 1 host", "1 address × 1 port = 1 probe");
 * - Compare will not compare a snapshot with itself;
 * - the approve dialog: Enter without an owner says an owner is needed and moves there;
 *   Esc puts focus back on what opened the dialog (the button, or the queue for a key).
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../support/cli';
import { launchChromium, startServe, stopServe } from '../support/e2e';
import { CHROMIUM_PATH, hasChromium, requireOrSkip } from '../support/require';

const ready = requireOrSkip(hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`);

const NMAP = `<?xml version="1.0"?>
<nmaprun scanner="nmap" start="1709280000" version="7.94">
<host starttime="1709280010" endtime="1709280100"><status state="up"/>
  <address addr="192.0.2.10" addrtype="ipv4"/>
  <ports><port protocol="tcp" portid="22"><state state="open"/><service name="ssh"/></port></ports>
</host>
</nmaprun>`;

/** The focused element, as its data-testid (or tag name). */
const focused = (page: Page): Promise<string> => page.evaluate('document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName ?? ""') as Promise<string>;

describe.skipIf(!ready)('Messages, plurals and dialogs (portolan serve + Chromium)', () => {
  let dir = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-messages-'));
    const db = join(dir, 'e2e.db');
    writeFileSync(join(dir, 'scan.xml'), NMAP);
    const r = portolan(['import', join(dir, 'scan.xml'), '--db', db]);
    if (r.code !== 0) throw new Error(r.stderr);
    ({ child: server, url } = await startServe(db));
    context = await launchChromium(join(dir, 'profile'));
    page = context.pages()[0] ?? (await context.newPage());
    // A step that cannot happen fails at its own line, well inside the test's time.
    page.setDefaultTimeout(8000);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts agree with their words', async () => {
    await page.goto(`${url}#/overview`);
    await expect.poll(() => page.getByTestId('overview-counts').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.locator('.view p.muted').first().textContent()).toContain('1 service on 1 host;');
    await page.getByTestId('nav-scan').click();
    await page.getByTestId('scan-targets').fill('127.0.0.1');
    await page.getByTestId('scan-preset-custom').check();
    await page.getByTestId('scan-custom-ports').fill('9');
    await expect.poll(() => page.getByTestId('scan-estimate').textContent()).toBe('1 address × 1 port = 1 probe');
  });

  it('a refused snapshot says why without the engine\'s class name', async () => {
    await page.getByTestId('nav-snapshots').click();
    await page.getByTestId('snapshot-scope').fill('tag:NOPE');
    await page.getByTestId('snapshot-take').click();
    const err = page.getByTestId('snapshot-take-error');
    await err.waitFor();
    const text = (await err.textContent()) ?? '';
    expect(text).toContain('NOPE');
    expect(text).not.toMatch(/\b[A-Z][a-z]+[A-Z]\w*\s*:/); // no ScopeError:, InvalidInput:
  });

  it('Compare never offers a snapshot against itself', async () => {
    await page.getByTestId('snapshot-scope').fill('');
    await page.getByTestId('snapshot-take').click();
    await expect.poll(() => page.getByTestId('snapshot-row').count()).toBe(1);
    await page.getByTestId('snapshot-take').click();
    await expect.poll(() => page.getByTestId('snapshot-row').count()).toBe(2);
    await page.getByTestId('compare-a').selectOption('1');
    await page.getByTestId('compare-b').selectOption('2');
    expect(await page.getByTestId('compare-run').isEnabled()).toBe(true);
    // #1 is not offered as To while From is #1, nor #2 as From while To is #2.
    expect(await page.locator('[data-testid="compare-b"] option[value="1"]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="compare-a"] option[value="2"]').isDisabled()).toBe(true);
    await expect(page.getByTestId('compare-b').selectOption('1', { timeout: 1000 })).rejects.toThrow();
    await page.getByTestId('compare-run').click();
    await expect.poll(() => page.getByTestId('compare-summary').textContent()).toContain('#1 and #2');
  });

  it('approve: Enter without an owner says so; Esc gives focus back to the opener', async () => {
    await page.getByTestId('nav-new-ports').click();
    await page.locator('[data-testid="queue-row"]').first().waitFor({ timeout: 15_000 });

    await page.getByTestId('act-approve').click();
    await page.getByTestId('reason-dialog').waitFor();
    await page.getByTestId('reason-input').fill('admin ssh, CHG-1');
    await page.getByTestId('reason-input').press('Enter');
    const missing = page.getByTestId('owner-missing');
    await missing.waitFor();
    expect(await missing.textContent()).toContain('owner is needed');
    expect(await focused(page)).toBe('owner-input');
    expect(await page.getByTestId('reason-dialog').count()).toBe(1);

    await page.keyboard.press('Escape');
    await page.getByTestId('reason-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('act-approve');

    // Opened by its key from the page: focus comes back to the queue, not <body>.
    await page.keyboard.press('a');
    await page.getByTestId('reason-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('reason-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).not.toBe('BODY');
  });
});
