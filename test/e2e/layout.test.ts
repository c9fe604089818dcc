/**
 * Layout at a narrow window (800 × 700), in Chromium against `portolan serve` on a temp
 * database, the defects a new-user walkthrough found:
 *
 * - Inventory: port numbers and times are never cut; the table scrolls sideways instead;
 *   a service name and its "insecure" badge keep their distance;
 * - Host page: Port is narrow, First/Last seen whole, "Reviewed by" shows who and when
 *   apart, no header runs off the table; a long banner is cut with its full text in a title;
 * - Rules: subnet whole, a long reason cut with its full text in a title, Hits narrow; the
 *   expiry is an ISO 8601 UTC text field with validation, not a locale date picker;
 * - the new-services notice sits in the sidebar and covers no table column;
 * - Overview: the page is no taller than the window (the sidebar reaches the bottom),
 *   and an empty inventory says how to start, with links.
 *
 * Data: an nmap XML report (documentation addresses) imported with the CLI, reviews and
 * rules by the CLI; one sweep of 127.0.0.1 from the Scan view raises the notice.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../support/cli';
import { launchChromium, startServe, stopServe } from '../support/e2e';
import { CHROMIUM_PATH, hasChromium, requireOrSkip } from '../support/require';

const ready = requireOrSkip(hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`);

const LONG_BANNER = 'vsFTPd 3.0.5 ready, welcome to the partner file exchange of the example test network, be nice';
const LONG_REASON = 'legacy FTP drop box for partner uploads until the SFTP migration, CHG-4711';
const NMAP = `<?xml version="1.0"?>
<nmaprun scanner="nmap" start="1709280000" version="7.94">
<host starttime="1709280010" endtime="1709280100"><status state="up"/>
  <address addr="192.0.2.10" addrtype="ipv4"/>
  <ports>
    <port protocol="tcp" portid="21"><state state="open"/><service name="ftp" product="${LONG_BANNER}"/></port>
    <port protocol="tcp" portid="22"><state state="open"/><service name="ssh"/></port>
    <port protocol="tcp" portid="65535"><state state="open"/></port>
    <port protocol="udp" portid="123"><state state="open"/><service name="ntp"/></port>
  </ports>
</host>
<host starttime="1709280010" endtime="1709280100"><status state="up"/>
  <address addr="2001:db8:ffff:ffff:ffff:ffff:ffff:fff1" addrtype="ipv6"/>
  <ports><port protocol="tcp" portid="443"><state state="open"/><service name="https"/></port></ports>
</host>
</nmaprun>`;

/** Boxes of every element matching a selector, as plain numbers. */
const boxes = (page: Page, selector: string) =>
  page.$$eval(selector, (els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, right: r.right, width: r.width, scrollWidth: e.scrollWidth, clientWidth: e.clientWidth, text: e.textContent?.trim() ?? '' };
    }),
  );

function must(args: string[]): void {
  const r = portolan(args);
  if (r.code !== 0) throw new Error(`portolan ${args.join(' ')}: ${r.stderr}`);
}

describe.skipIf(!ready)('Layout at 800 px (portolan serve + Chromium)', () => {
  let dir = '';
  let db = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;
  let listener: Server | undefined;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-layout-'));
    db = join(dir, 'e2e.db');
    writeFileSync(join(dir, 'scan.xml'), NMAP);
    must(['import', join(dir, 'scan.xml'), '--db', db]);
    must(['review', '192.0.2.10:22/tcp', '--approve', '--reason', 'admin ssh from the jump host, CHG-1001', '--owner', 'root', '--db', db]);
    must(['review', '192.0.2.10:21/tcp', '--flag', '--reason', 'cleartext ftp, should be sftp', '--db', db]);
    must(['rules', 'add', '--approve', '--subnet', '198.51.100.0/24', '--port', '21', '--reason', LONG_REASON, '--owner', 'partner team', '--db', db]);
    ({ child: server, url } = await startServe(db));
    context = await launchChromium(join(dir, 'profile'), { width: 800, height: 700 });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    await new Promise((r) => (listener ? listener.close(r) : r(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Inventory: ports and times whole, the table scrolls sideways, badges apart', async () => {
    await page.goto(`${url}#/inventory`);
    await expect.poll(async () => (await boxes(page, '[data-testid="service-row"]')).length, { timeout: 15_000 }).toBe(5);
    for (const col of ['port', 'firstSeen', 'lastSeen', 'status']) {
      for (const cell of await boxes(page, `[data-testid="service-row"] td[data-col="${col}"]`)) {
        expect(cell.scrollWidth, `${col} cell "${cell.text}" is cut`).toBeLessThanOrEqual(cell.clientWidth);
      }
    }
    const [viewport] = await boxes(page, '.svc-viewport');
    expect(viewport!.scrollWidth).toBeGreaterThan(viewport!.clientWidth);
    // "ftp insecure", not "ftpinsecure".
    const gap = await page.$eval('[data-testid="service-row"] td[data-col="service"] .badge', (b) => {
      const range = b.ownerDocument.createRange();
      range.selectNodeContents(b.parentElement!.firstChild!);
      return b.getBoundingClientRect().left - range.getBoundingClientRect().right;
    });
    expect(gap).toBeGreaterThanOrEqual(4);
  });

  it('Host page: port narrow, times whole, reviewer and time apart, banner cut with a title', async () => {
    await page.goto(`${url}#/host/192.0.2.10`);
    await page.locator('[data-testid="host-service"]').first().waitFor({ timeout: 15_000 });
    const heads = await boxes(page, '[data-testid="host-services"] th');
    expect(heads.map((h) => h.text)).toEqual(['Port', 'Proto', 'Service', 'Evidence', 'Status', 'Owner', 'Why', 'Reviewed by', 'First seen (UTC)', 'Last seen (UTC)']);
    expect(heads[0]!.width).toBeLessThan(80);
    for (const cell of await boxes(page, '[data-testid="host-service"] td')) {
      expect(cell.scrollWidth, `cell "${cell.text}" is cut`).toBeLessThanOrEqual(cell.clientWidth + 1);
    }
    // Every header is inside the scrolling box's content, none spills past it.
    const scroll = await page.$eval('.table-scroll', (e) => ({ scrollWidth: e.scrollWidth }));
    const table = await page.$eval('[data-testid="host-services"]', (e) => e.getBoundingClientRect().width);
    expect(table).toBeLessThanOrEqual(scroll.scrollWidth + 1);
    const reviewed = await page.$$eval('[data-testid="host-service"][data-port="22"] [data-testid="host-reviewed"] > span', (spans) => spans.map((s) => ({ text: s.textContent, top: s.getBoundingClientRect().top })));
    expect(reviewed.map((r) => r.text)).toEqual(['root', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)]);
    expect(reviewed[1]!.top).toBeGreaterThan(reviewed[0]!.top);
    const banner = page.locator('[data-testid="host-service"][data-port="21"] [data-testid="host-banner"]');
    expect(await banner.getAttribute('title')).toContain(LONG_BANNER);
    const cut = await banner.evaluate((e) => e.scrollWidth > e.clientWidth);
    expect(cut).toBe(true);
  });

  it('Rules: subnet whole, reason cut with a title, Hits narrow; expiry is ISO UTC text, validated', async () => {
    await page.goto(`${url}#/new-ports`);
    await page.locator('[data-testid="rules-panel"] summary').click();
    const row = page.locator('[data-testid="rule-row"]').first();
    await row.waitFor();
    expect(await row.locator('[data-col="where"]').evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    expect(await row.locator('[data-col="reason"]').getAttribute('title')).toBe(LONG_REASON);
    const hits = (await boxes(page, '.rules-table th'))[7]!;
    expect(hits.text).toBe('Hits');
    expect(hits.width).toBeLessThan(80);

    const expires = page.getByTestId('rule-expires');
    expect(await expires.getAttribute('type')).toBeNull();
    await page.getByTestId('rule-where').fill('203.0.113.0/24');
    await page.getByTestId('rule-reason').fill('lab noise');
    await expires.fill('12/31/2099');
    await page.getByTestId('rule-expires-error').waitFor();
    expect(await page.getByTestId('rule-expires-error').textContent()).toContain('2025-06-30');
    expect(await page.getByTestId('rule-save').isDisabled()).toBe(true);
    await expires.fill('2099-12-31T18:30');
    await page.getByTestId('rule-expires-error').waitFor({ state: 'detached' });
    await page.getByTestId('rule-save').click();
    await expect.poll(() => page.locator('[data-testid="rule-row"]').count()).toBe(2);
    expect(await page.locator('[data-testid="rule-row"]').nth(1).textContent()).toContain('2099-12-31T18:30:00Z');
  });

  it('the new-services notice sits in the sidebar, over no table', async () => {
    listener = await new Promise<Server>((ok) => {
      const s = createServer((sock) => sock.destroy());
      s.listen(0, '127.0.0.1', () => ok(s));
    });
    const port = (listener.address() as { port: number }).port;
    await page.goto(`${url}#/scan`);
    await page.getByTestId('scan-targets').fill('127.0.0.1');
    await page.getByTestId('scan-preset-custom').check();
    await page.getByTestId('scan-custom-ports').fill(String(port));
    await expect.poll(() => page.getByTestId('scan-start').isEnabled()).toBe(true);
    await page.getByTestId('scan-start').click();
    const toast = page.getByTestId('new-services-toast');
    await toast.waitFor({ timeout: 20_000 });
    const box = (await toast.boundingBox())!;
    const sidebar = (await page.locator('.sidebar').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(sidebar.x);
    expect(box.x + box.width).toBeLessThanOrEqual(sidebar.x + sidebar.width);
    await toast.getByRole('button', { name: 'Dismiss' }).click();
    await toast.waitFor({ state: 'detached' });
  });

  it('Overview: no taller than the window, so the sidebar runs to the bottom', async () => {
    await page.goto(`${url}#/overview`);
    await page.getByTestId('new-per-day').waitFor({ timeout: 15_000 });
    const { doc, win } = (await page.evaluate('({ doc: document.documentElement.scrollHeight, win: window.innerHeight })')) as { doc: number; win: number };
    expect(doc).toBeLessThanOrEqual(win);
    const side = (await page.locator('.sidebar').boundingBox())!;
    expect(side.height).toBeGreaterThanOrEqual(win - 1);
  });

  it('Overview of an empty inventory: how to start, with links', async () => {
    const emptyDb = join(dir, 'empty.db');
    const empty = await startServe(emptyDb);
    try {
      await page.goto(`${empty.url}#/overview`);
      const hint = page.getByTestId('overview-empty');
      await hint.waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('new-per-day').count()).toBe(0);
      expect(await page.getByTestId('start-import').getAttribute('href')).toBe('#/capture');
      expect(await page.getByTestId('start-capture').getAttribute('href')).toBe('#/capture');
      expect(await page.getByTestId('start-scan').getAttribute('href')).toBe('#/scan');
      await page.getByTestId('start-scan').click();
      await page.getByTestId('scan-form').waitFor();
    } finally {
      await stopServe(empty.child);
    }
  });
});
