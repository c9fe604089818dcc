/**
 * The service detail panel end to end, from the keyboard: `portolan serve` on a temp
 * database (an nmap report with documentation addresses, reviewed with the CLI), the
 * built UI in Chromium.
 *
 * 1. Inventory: Enter on a row opens the service's panel (fields, history with who/why);
 *    an approved service is reopened, then approved again with a new owner; a
 *    compensating control is recorded; Esc closes and focus is back on the row; the
 *    table shows the new status. The database agrees (CLI `services`, `review --history`).
 * 2. Host page: a click on a flagged service's row opens the same panel with the actions
 *    a flagged service allows; it is ignored until an ISO UTC time.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv, portolan } from '../support/cli';
import { launchChromium, startServe, stopServe, collectPageErrors } from '../support/e2e';
import { CHROMIUM_PATH, hasChromium, REPO_ROOT, requireOrSkip } from '../support/require';

const ready = requireOrSkip(hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`);
const OUTPUT_DIR = resolve(REPO_ROOT, 'test-output');

const NMAP = `<?xml version="1.0"?>
<nmaprun scanner="nmap" start="1709280000" version="7.94">
<host starttime="1709280010" endtime="1709280100"><status state="up"/>
  <address addr="192.0.2.10" addrtype="ipv4"/>
  <ports>
    <port protocol="tcp" portid="21"><state state="open"/><service name="ftp"/></port>
    <port protocol="tcp" portid="22"><state state="open"/><service name="ssh"/></port>
  </ports>
</host>
</nmaprun>`;

const focusedTestId = (page: Page): Promise<string> => page.evaluate('document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName ?? ""') as Promise<string>;

describe.skipIf(!ready)('Service detail panel (portolan serve + Chromium, keyboard)', () => {
  let dir = '';
  let db = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  const status = (key: string): string => {
    const r = portolan(['services', '--db', db, '--format', 'tsv']);
    return parseTsv(r.stdout).find((x) => `${x.host}:${x.port}/${x.proto}` === key)?.status ?? '';
  };

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-detail-'));
    db = join(dir, 'e2e.db');
    writeFileSync(join(dir, 'scan.xml'), NMAP);
    for (const args of [
      ['import', join(dir, 'scan.xml')],
      ['review', '192.0.2.10:22/tcp', '--approve', '--reason', 'admin ssh from the jump host, CHG-1', '--owner', 'ops'],
      ['review', '192.0.2.10:21/tcp', '--flag', '--reason', 'cleartext ftp'],
    ]) {
      const r = portolan([...args, '--db', db], { PORTOLAN_USER: 'carol' });
      if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    }
    ({ child: server, url } = await startServe(db, { PORTOLAN_USER: 'dave' }));
    context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1000, acceptDownloads: true });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    collectPageErrors(page, pageErrors);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Inventory: Enter opens the panel; reopen, approve again, record a control; Esc returns to the row', async () => {
    await page.goto(`${url}#/inventory`);
    const row = page.locator('[data-testid="service-row"]:has(td[data-col="port"][data-value="22"])');
    await row.waitFor({ timeout: 15_000 });
    await row.focus();
    await page.keyboard.press('Enter');
    const panel = page.getByTestId('service-detail');
    await panel.waitFor();
    expect(await focusedTestId(page)).toBe('detail-close');
    await expect.poll(() => panel.getAttribute('data-status')).toBe('approved');
    expect(await page.getByTestId('detail-reason').textContent()).toBe('admin ssh from the jump host, CHG-1');
    expect(await page.getByTestId('detail-owner').textContent()).toBe('ops');
    const actions = () => panel.locator('.svc-detail-actions button').allTextContents();
    expect(await actions()).toEqual(['Edit approval', 'Flag', 'Ignore', 'Reopen']);
    expect(await page.locator('[data-testid="detail-event"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).toEqual(['approve', 'seen']);

    // Reopen, from the keyboard: Tab to the button, Enter, a reason, Enter.
    await page.getByTestId('detail-reopen').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('reason-dialog').waitFor();
    await page.keyboard.type('jump host retired, look again');
    await page.keyboard.press('Enter');
    await page.getByTestId('reason-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => panel.getAttribute('data-status')).toBe('new');
    expect(await actions()).toEqual(['Approve', 'Flag', 'Ignore']);
    expect(status('192.0.2.10:22/tcp')).toBe('new');

    // Approve again, with a new owner.
    await page.getByTestId('detail-approve').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.type('ssh from the new bastion, CHG-2');
    await page.getByTestId('owner-input').fill('platform team');
    await page.keyboard.press('Enter');
    await expect.poll(() => panel.getAttribute('data-status')).toBe('approved');
    expect(await page.getByTestId('detail-owner').textContent()).toBe('platform team');

    // A compensating control: type, Enter.
    await page.getByTestId('detail-control-input').fill('SSH keys only, from 192.0.2.1');
    await page.getByTestId('detail-control-input').press('Enter');
    await expect.poll(() => page.getByTestId('detail-control').textContent()).toContain('SSH keys only, from 192.0.2.1');
    expect(await page.locator('[data-testid="detail-event"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).toEqual(['control', 'approve', 'reopen', 'approve', 'seen']);
    expect(await page.locator('[data-testid="detail-event"]').first().textContent()).toContain('by dave');
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'e2e-service-detail.png') });

    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await expect.poll(() => focusedTestId(page)).toBe('service-row');
    await expect.poll(() => row.getAttribute('data-status')).toBe('approved');

    const history = portolan(['review', '192.0.2.10:22/tcp', '--history', '--db', db]);
    expect(history.stdout).toContain('SSH keys only, from 192.0.2.1');
    expect(history.stdout).toContain('platform team');
  });

  it('Host page: a click opens a flagged service; it is ignored until an ISO UTC time', async () => {
    await page.goto(`${url}#/host/192.0.2.10`);
    const row = page.locator('[data-testid="host-service"][data-port="21"]');
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    const panel = page.getByTestId('service-detail');
    await panel.waitFor();
    await expect.poll(() => panel.getAttribute('data-status')).toBe('flagged');
    expect(await panel.locator('.svc-detail-actions button').allTextContents()).toEqual(['Approve', 'Edit flag', 'Ignore', 'Reopen']);
    await page.getByTestId('detail-ignore').click();
    await page.getByTestId('reason-input').fill('decommissioned next month');
    await page.getByTestId('expires-input').fill('2099-01-31T12:00');
    await page.getByTestId('reason-submit').click();
    await expect.poll(() => panel.getAttribute('data-status')).toBe('ignored');
    await page.getByTestId('detail-close').click();
    await panel.waitFor({ state: 'detached' });
    await expect.poll(() => row.getAttribute('data-status')).toBe('ignored');
    expect(status('192.0.2.10:21/tcp')).toBe('ignored');
    expect(pageErrors).toEqual([]);
  });
  it('Inventory rows from the keyboard: j/k and arrows move, f flags with a reason, Esc on a review key changes nothing', async () => {
    await page.goto(`${url}#/inventory`);
    const rowOf = (port: number) => page.locator(`[data-testid="service-row"]:has(td[data-col="port"][data-value="${port}"])`);
    await rowOf(21).waitFor({ timeout: 15_000 });
    const focusedLabel = (): Promise<string> => page.evaluate('document.activeElement?.getAttribute("aria-label") ?? ""') as Promise<string>;
    await rowOf(21).focus();
    await page.keyboard.press('j');
    expect(await focusedLabel()).toMatch(/^192\.0\.2\.10 port 22\/tcp/);
    await page.keyboard.press('ArrowUp');
    expect(await focusedLabel()).toMatch(/^192\.0\.2\.10 port 21\/tcp/);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('k');
    expect(await focusedLabel()).toMatch(/port 21\/tcp, ignored/);

    // f: the reason dialog at once; Enter flags it, the panel is gone, focus is on the row.
    await page.keyboard.press('f');
    await page.getByTestId('reason-dialog').waitFor();
    await page.keyboard.type('cleartext ftp is back in use');
    await page.keyboard.press('Enter');
    await page.getByTestId('service-detail').waitFor({ state: 'detached' });
    await expect.poll(() => rowOf(21).getAttribute('data-status')).toBe('flagged');
    await expect.poll(focusedLabel).toMatch(/port 21\/tcp, flagged/);
    expect(await page.getByTestId('row-reviewed').textContent()).toBe('192.0.2.10:21/tcp: flagged');
    expect(status('192.0.2.10:21/tcp')).toBe('flagged');
    expect(portolan(['review', '192.0.2.10:21/tcp', '--history', '--db', db]).stdout).toContain('cleartext ftp is back in use');

    // a, then Esc: nothing is changed, focus is back on the row.
    await page.keyboard.press('a');
    await page.getByTestId('reason-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('service-detail').waitFor({ state: 'detached' });
    await expect.poll(focusedLabel).toMatch(/port 21\/tcp, flagged/);
    expect(status('192.0.2.10:21/tcp')).toBe('flagged');
    expect(pageErrors).toEqual([]);
  });
  it('Inventory: Export CSV saves every row of the current filter, the CLI csv for the same filter', async () => {
    await page.goto(`${url}#/inventory`);
    await page.locator('[data-testid="service-row"]').first().waitFor({ timeout: 15_000 });
    const all = page.waitForEvent('download');
    await page.getByTestId('export-csv').click();
    const dl = await all;
    expect(dl.suggestedFilename()).toMatch(/^portolan-services-\d{8}T\d{6}Z\.csv$/);
    expect(readFileSync((await dl.path())!, 'utf8')).toBe(`\uFEFF${portolan(['services', '--db', db, '--format', 'csv']).stdout}`);

    // Status flagged: only that row, and the file name says so.
    await page.getByTestId('status-filter').selectOption('flagged');
    await expect.poll(() => page.locator('[data-testid="service-row"]').count()).toBe(1);
    const some = page.waitForEvent('download');
    await page.getByTestId('export-csv').click();
    const dl2 = await some;
    expect(dl2.suggestedFilename()).toMatch(/^portolan-services-flagged-/);
    const lines = readFileSync((await dl2.path())!, 'utf8').split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^192\.0\.2\.10,21,tcp,import,flagged,/);
    // Nothing matches: nothing to export.
    await page.getByTestId('search').fill('no such service anywhere');
    await expect.poll(() => page.getByTestId('export-csv').isDisabled()).toBe(true);
    await page.getByTestId('search').fill('');
    await page.getByTestId('status-filter').selectOption('all');
    expect(pageErrors).toEqual([]);
  });
});
