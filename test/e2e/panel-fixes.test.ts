/**
 * The service detail panel, the reason dialog and the inventory search, in Chromium
 * against `portolan serve` on a temp database (an nmap report, documentation addresses):
 *
 * - two tabs on one service's panel: what one does shows in the other's open panel
 *   (status, history, actions); a flag submitted over a review made meanwhile is not
 *   applied silently: the dialog says who changed it and to what, and a second submit applies;
 * - a search the engine refuses (longer than its 512 characters) shows no rows and no
 *   count, in words; the field itself stops at 512;
 * - the reason dialog checks invisible and bidirectional text before sending, keeps focus
 *   and Esc, stays one line (Shift+Enter), and shows a counter at its 512 limit.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv, portolan } from '../support/cli';
import { collectPageErrors, launchChromium, startServe, stopServe } from '../support/e2e';
import { CHROMIUM_PATH, hasChromium, requireOrSkip } from '../support/require';

const ready = requireOrSkip(hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`);

const NMAP = `<?xml version="1.0"?>
<nmaprun scanner="nmap" start="1709280000" version="7.94">
<host starttime="1709280010" endtime="1709280100"><status state="up"/>
  <address addr="192.0.2.20" addrtype="ipv4"/>
  <ports>
    <port protocol="tcp" portid="22"><state state="open"/><service name="ssh"/></port>
    <port protocol="tcp" portid="80"><state state="open"/><service name="http"/></port>
    <port protocol="tcp" portid="443"><state state="open"/><service name="https"/></port>
  </ports>
</host>
</nmaprun>`;

const focusedTestId = (page: Page): Promise<string> => page.evaluate('document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName ?? ""') as Promise<string>;

describe.skipIf(!ready)('Panel, dialog and search fixes (portolan serve + Chromium)', () => {
  let dir = '';
  let db = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let tab1: Page;
  let tab2: Page;
  const pageErrors: string[] = [];

  const status = (key: string): string => {
    const r = portolan(['services', '--db', db, '--format', 'tsv']);
    return parseTsv(r.stdout).find((x) => `${x.host}:${x.port}/${x.proto}` === key)?.status ?? '';
  };

  /** Opens the panel of 192.0.2.20:<port> in a tab's Inventory. */
  async function openPanel(page: Page, port: number): Promise<void> {
    await page.goto(`${url}#/inventory`);
    const row = page.locator(`[data-testid="service-row"]:has(td[data-col="port"][data-value="${port}"])`);
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    await page.getByTestId('service-detail').waitFor();
  }

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-panel-'));
    db = join(dir, 'e2e.db');
    writeFileSync(join(dir, 'scan.xml'), NMAP);
    const r = portolan(['import', join(dir, 'scan.xml'), '--db', db]);
    if (r.code !== 0) throw new Error(`import: ${r.stderr}`);
    ({ child: server, url } = await startServe(db, { PORTOLAN_USER: 'erin' }));
    context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1000 });
    tab1 = context.pages()[0] ?? (await context.newPage());
    tab2 = await context.newPage();
    for (const p of [tab1, tab2]) {
      p.setDefaultTimeout(10_000);
      collectPageErrors(p, pageErrors);
    }
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an open panel follows a review made in another tab, and a review over it is not silent', async () => {
    await openPanel(tab1, 22);
    await openPanel(tab2, 22);
    const panel1 = tab1.getByTestId('service-detail');
    const panel2 = tab2.getByTestId('service-detail');
    expect(await panel2.getAttribute('data-status')).toBe('new');

    // Tab 1 approves.
    await tab1.getByTestId('detail-approve').click();
    await tab1.getByTestId('reason-input').fill('admin ssh from the bastion, CHG-7');
    await tab1.getByTestId('owner-input').fill('ops');
    await tab1.keyboard.press('Enter');
    await expect.poll(() => panel1.getAttribute('data-status')).toBe('approved');

    // Tab 2's open panel shows it: status, two history events, the approved service's actions.
    await expect.poll(() => panel2.getAttribute('data-status')).toBe('approved');
    await expect.poll(() => tab2.locator('[data-testid="detail-event"]').count()).toBe(2);
    expect(await panel2.locator('.svc-detail-actions button').allTextContents()).toEqual(['Edit approval', 'Flag', 'Ignore', 'Reopen']);

    // Tab 2 opens Flag; meanwhile tab 1 reopens. Tab 2's submit is not applied: it is told.
    await tab2.getByTestId('detail-flag').click();
    await tab2.getByTestId('reason-input').fill('nobody should reach ssh here');
    await tab1.getByTestId('detail-reopen').click();
    await tab1.getByTestId('reason-input').fill('bastion retired');
    await tab1.keyboard.press('Enter');
    await expect.poll(() => panel1.getAttribute('data-status')).toBe('new');
    await tab2.getByTestId('reason-input').press('Enter');
    const conflict = tab2.getByTestId('review-conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toMatch(/Changed by erin at \d{4}-\d\d-\d\dT[\d:]+Z: now new \(was approved\) — review again\?/);
    expect(status('192.0.2.20:22/tcp')).toBe('new');
    // Submitted again, knowingly: applied, and tab 1's open panel and row follow.
    await tab2.getByTestId('reason-input').press('Enter');
    await tab2.getByTestId('reason-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => panel2.getAttribute('data-status')).toBe('flagged');
    expect(status('192.0.2.20:22/tcp')).toBe('flagged');
    await expect.poll(() => panel1.getAttribute('data-status')).toBe('flagged');
    await expect.poll(() => tab1.getByTestId('detail-status').textContent()).toBe('flagged');
    await tab1.keyboard.press('Escape');
    await expect.poll(() => tab1.locator('[data-testid="service-row"]:has(td[data-col="port"][data-value="22"])').getAttribute('data-status')).toBe('flagged');
    await tab2.keyboard.press('Escape');
    await panel2.waitFor({ state: 'detached' });
  });

  it('a refused search shows no rows and no count, in words; the field stops at 512', async () => {
    const page = tab1;
    await page.goto(`${url}#/inventory`);
    await page.locator('[data-testid="service-row"]').first().waitFor();
    const search = page.getByTestId('search');
    expect(await search.getAttribute('maxlength')).toBe('512');
    await search.fill('192.0.2.20');
    await expect.poll(() => page.locator('[data-testid="service-row"]').count()).toBe(3);
    // Past the field's limit (as a script or an older page could): the engine refuses it.
    await search.evaluate((el) => el.removeAttribute('maxlength'));
    await search.fill('x'.repeat(600));
    const error = page.getByTestId('services-error');
    await error.waitFor();
    expect(await error.textContent()).not.toContain('Too big');
    expect(await error.textContent()).toContain('at most 512 characters');
    expect(await page.locator('[data-testid="service-row"]').count()).toBe(0);
    expect(await page.getByTestId('pager-summary').textContent()).toBe('not loaded');
    await search.fill('');
    await expect.poll(() => page.locator('[data-testid="service-row"]').count()).toBe(3);
  });

  it('the reason dialog: checks before sending, keeps focus and Esc, one line, a counter at the limit', async () => {
    const page = tab1;
    await openPanel(page, 80);
    await page.getByTestId('detail-approve').click();
    const reason = page.getByTestId('reason-input');
    await reason.fill('\u200b');
    await page.getByTestId('owner-input').fill('\u200b\u200b');
    await reason.press('Enter');
    expect(await page.getByTestId('reason-missing').textContent()).toContain('must contain visible text');
    expect(await focusedTestId(page)).toBe('reason-input');
    await reason.fill('CHG-12 \u202Efdp.exe');
    expect(await page.getByTestId('reason-unsafe').textContent()).toContain('control characters');
    await reason.fill('web front end');
    await reason.press('Enter');
    expect(await page.getByTestId('owner-missing').textContent()).toContain('must contain visible text');
    expect(await focusedTestId(page)).toBe('owner-input');
    expect(status('192.0.2.20:80/tcp')).toBe('new');

    // One line: Shift+Enter adds nothing; pasted line breaks are spaces.
    await reason.focus();
    await page.keyboard.press('Shift+Enter');
    expect(await reason.inputValue()).toBe('web front end');
    await reason.fill('web front end\nCHG-9');
    expect(await reason.inputValue()).toBe('web front end CHG-9');

    // Long text: never more than 512, and the counter says so.
    await reason.fill('');
    await page.keyboard.insertText('r'.repeat(5000));
    expect((await reason.inputValue()).length).toBe(512);
    expect(await page.getByTestId('reason-count').textContent()).toContain('512 / 512');

    // Focus dropped to <body>: Esc still cancels the dialog (and only the dialog).
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await page.keyboard.press('Escape');
    await page.getByTestId('reason-dialog').waitFor({ state: 'detached' });
    expect(await page.getByTestId('service-detail').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
