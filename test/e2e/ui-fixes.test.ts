/**
 * UI fixes, in Chromium against `portolan serve` on a temp database: an nmap report of
 * 66 services on three hosts (documentation addresses; ftp and telnet among them), some
 * reviewed with the CLI, one ignored by a rule.
 *
 * - Inventory: one Tab stop for all the rows (roving tabindex), host links out of the Tab
 *   order; a search that matches nothing says so (not "import a capture"), with a way to
 *   clear it; a subnet /33 is refused in the form, not shown as a server failure;
 * - the detail panel prefills Edit flag / Edit ignore and says until when and by which rule;
 * - New ports: the grid names its current row (aria-activedescendant); no stray glyph
 *   before the host; "Approve all N matching…" says how many are insecure;
 * - Rules: a host that is not one is refused in words;
 * - Snapshots: "Taken by" starts as the reviewer; focus stays on Take snapshot;
 * - Overview cards are styled, not the browser's blue links; no token: the message only;
 * - keyboard and labels: back from the host page h opened, focus is on that row again; the
 *   first j in New ports makes the first row current; the snapshot report takes focus and
 *   Esc gives it back; Compare's choices and the export buttons say which snapshot; the
 *   ignore dialog takes a duration (30d) and the engine stores the ISO end it showed.
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

const HOSTS = ['192.0.2.10', '192.0.2.11', '192.0.2.12'];
/** 22 ports a host: ftp and telnet, then unnamed high ports. */
const PORTS = [21, 23, ...Array.from({ length: 20 }, (_, i) => 1000 + i)];
const NMAP = `<?xml version="1.0"?>
<nmaprun scanner="nmap" start="1709280000" version="7.94">
${HOSTS.map(
  (h) => `<host starttime="1709280010" endtime="1709280100"><status state="up"/><address addr="${h}" addrtype="ipv4"/><ports>
${PORTS.map((p) => `<port protocol="tcp" portid="${p}"><state state="open"/>${p === 21 ? '<service name="ftp"/>' : p === 23 ? '<service name="telnet"/>' : ''}</port>`).join('\n')}
</ports></host>`,
).join('\n')}
</nmaprun>`;

const focusedTestId = (page: Page): Promise<string> => page.evaluate('document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName ?? ""') as Promise<string>;

describe.skipIf(!ready)('UI fixes (portolan serve + Chromium)', () => {
  let dir = '';
  let db = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-uifix-'));
    db = join(dir, 'e2e.db');
    writeFileSync(join(dir, 'scan.xml'), NMAP);
    for (const args of [
      ['import', join(dir, 'scan.xml')],
      ['review', '192.0.2.12:1000/tcp', '--flag', '--reason', 'unknown listener, ask the owner', '--owner', 'lab team'],
      ['review', '192.0.2.12:1001/tcp', '--ignore', '--reason', 'test box until the rebuild', '--expires', '2099-01-31T12:00Z'],
      ['rules', 'add', '--ignore', '--host', '192.0.2.12', '--port', '1002', '--reason', 'lab noise'],
    ]) {
      const r = portolan([...args, '--db', db], { PORTOLAN_USER: 'carol' });
      if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    }
    ({ child: server, url } = await startServe(db, { PORTOLAN_USER: 'erin' }));
    context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1000 });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    collectPageErrors(page, pageErrors);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Inventory: one Tab stop for the rows, host links out of the Tab order; the row keys still move', async () => {
    await page.goto(`${url}#/inventory`);
    await page.locator('[data-testid="service-row"]').first().waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('pager-summary').textContent()).toBe('1–66 of 66');
    const inTabOrder = () =>
      page.evaluate(
        '[...document.querySelectorAll(\'[data-testid="service-row"], [data-testid="service-row"] a\')].filter((e) => e.tabIndex >= 0).map((e) => e.getAttribute("aria-label") ?? e.tagName)',
      ) as Promise<string[]>;
    expect(await inTabOrder()).toEqual([expect.stringMatching(/^192\.0\.2\.10 port 21\/tcp/)]);

    // From Search, Tab reaches the rows once and then leaves the table: well under 20 presses, not 130.
    await page.getByTestId('search').focus();
    let presses = 0;
    const seen: string[] = [];
    for (; presses < 40; presses++) {
      await page.keyboard.press('Tab');
      const where = (await page.evaluate('(() => { const a = document.activeElement; return a?.closest(".svc-viewport") ? (a.getAttribute("data-testid") ?? a.tagName) : "out:" + (a?.getAttribute("data-testid") ?? a?.tagName); })()')) as string;
      seen.push(where);
      if (where.startsWith('out:') && seen.includes('service-row')) break;
    }
    expect(seen.filter((s) => s === 'service-row')).toHaveLength(1);
    expect(presses).toBeLessThan(20);

    // j moves, and the row moved to becomes the Tab stop.
    await page.locator('[data-testid="service-row"]').first().focus();
    await page.keyboard.press('j');
    await page.keyboard.press('ArrowDown');
    expect(await inTabOrder()).toEqual([expect.stringMatching(/^192\.0\.2\.10 port 1000\/tcp/)]);
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toMatch(/^192\.0\.2\.10 port 1000\/tcp/);
    expect(pageErrors).toEqual([]);
  });

  it('Inventory: a search that matches nothing says so and clears; a subnet /33 is refused in the form', async () => {
    await page.getByTestId('search').fill('no such service anywhere');
    await page.getByTestId('services-no-match').waitFor();
    expect(await page.getByTestId('services-no-match').textContent()).toContain('No services match this filter');
    expect(await page.getByTestId('services-empty').count()).toBe(0);
    await page.getByTestId('clear-filter').click();
    await expect.poll(() => page.getByTestId('pager-summary').textContent()).toBe('1–66 of 66');
    expect(await page.getByTestId('search').inputValue()).toBe('');

    await page.getByTestId('filter-subnet').fill('10.0.0.0/33');
    await page.getByTestId('filter-subnet').press('Enter');
    await page.getByTestId('services-invalid').waitFor();
    expect(await page.getByTestId('filter-subnet-error').textContent()).toContain('Subnet');
    expect(await page.getByTestId('filter-subnet').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('services-error').count()).toBe(0);
    await page.getByTestId('filter-subnet').fill('192.0.2.12/32');
    await page.getByTestId('filter-subnet').press('Enter');
    await expect.poll(() => page.getByTestId('pager-summary').textContent()).toBe('1–22 of 22');
    await page.getByTestId('filter-subnet').fill('');
    await page.getByTestId('filter-subnet').press('Enter');
    await expect.poll(() => page.getByTestId('pager-summary').textContent()).toBe('1–66 of 66');
  });

  it('Detail panel: Edit flag and Edit ignore start from the review in force; until when, by which rule', async () => {
    await page.goto(`${url}#/inventory`);
    await page.getByTestId('search').fill('192.0.2.12');
    await expect.poll(() => page.getByTestId('pager-summary').textContent(), { timeout: 15_000 }).toBe('1–22 of 22');
    const row = (port: number) => page.locator(`[data-testid="service-row"]:has(td[data-col="port"][data-value="${port}"])`);
    const open = async (port: number) => {
      await row(port).focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('service-detail').waitFor();
    };
    await row(1000).waitFor({ timeout: 15_000 });
    await open(1000);
    await page.getByTestId('detail-flag').click();
    expect(await page.getByTestId('reason-input').inputValue()).toBe('unknown listener, ask the owner');
    expect(await page.getByTestId('owner-input').inputValue()).toBe('lab team');
    await page.keyboard.press('Escape');
    await page.getByTestId('reason-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('detail-close').click();

    await open(1001);
    expect(await page.getByTestId('detail-ignore-until').textContent()).toContain('2099-01-31T12:00:00Z');
    expect(await page.getByTestId('detail-rule').count()).toBe(0);
    await page.getByTestId('detail-ignore').click();
    expect(await page.getByTestId('reason-input').inputValue()).toBe('test box until the rebuild');
    expect(await page.getByTestId('expires-input').inputValue()).toBe('2099-01-31T12:00:00Z');
    expect(await page.getByTestId('expires-error').count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.getByTestId('detail-close').click();

    await open(1002);
    expect(await page.getByTestId('detail-ignore-until').textContent()).toContain('never');
    expect(await page.getByTestId('detail-rule').textContent()).toMatch(/rule #\d+/);
    await page.getByTestId('detail-close').click();
    await page.getByTestId('search').fill('');
    expect(pageErrors).toEqual([]);
  });

  it('New ports: the grid names its current row; no stray glyph before the host; bulk approve says how many are insecure', async () => {
    await page.goto(`${url}#/new-ports`);
    await page.locator('[data-testid="queue-row"]').first().waitFor({ timeout: 15_000 });
    const grid = page.getByTestId('queue');
    const active = async () => {
      const id = await grid.getAttribute('aria-activedescendant');
      return id ? page.locator(`[id="${id}"]`).getAttribute('data-key') : null;
    };
    expect(await active()).toBeNull(); // no row is current until a key makes one so
    await grid.focus();
    await page.keyboard.press('j'); // the first row
    expect(await active()).toBe('192.0.2.10:21/tcp');
    await page.keyboard.press('j');
    expect(await active()).toBe('192.0.2.10:23/tcp');

    // The check-box cell is wide enough for its box: nothing cut, so no "…" drawn before the host.
    const cells = await page.$$eval('[data-testid="queue-row"] td.c-check', (tds) => tds.map((td) => ({ scroll: td.scrollWidth, client: td.clientWidth })));
    expect(cells.length).toBeGreaterThan(0);
    for (const c of cells) expect(c.scroll).toBeLessThanOrEqual(c.client);

    await page.getByTestId('act-approve-matching').click();
    const warn = page.getByTestId('reason-insecure');
    await warn.waitFor();
    expect(await warn.textContent()).toMatch(/^6 of these 63 services are insecure protocols \((ftp, telnet|telnet, ftp)\)/);
    await page.keyboard.press('Escape');
    await page.getByTestId('reason-dialog').waitFor({ state: 'detached' });
  });

  it('Rules: a host that is not an address is refused in words, without a field path', async () => {
    await page.locator('[data-testid="rules-panel"] summary').click();
    await page.getByTestId('rule-where').fill('not-an-ip');
    await page.getByTestId('rule-reason').fill('noise');
    await page.getByTestId('rule-save').click();
    const msg = page.getByTestId('rule-where-error');
    await msg.waitFor();
    expect(await msg.textContent()).toContain('Host or subnet: not an IP address or a CIDR subnet');
    expect(await page.locator('[data-testid="rules-panel"]').textContent()).not.toMatch(/ at host\b/);
  });

  it('Snapshots: Taken by starts as the reviewer; focus stays on Take snapshot', async () => {
    await page.goto(`${url}#/snapshots`);
    await expect.poll(() => page.getByTestId('snapshot-by').inputValue(), { timeout: 15_000 }).toBe('erin');
    await page.getByTestId('snapshot-take').click();
    await page.getByTestId('snapshot-taken').waitFor();
    await expect.poll(() => focusedTestId(page)).toBe('snapshot-take');
    expect(await page.getByTestId('snapshot-row').first().textContent()).toContain('erin');
  });

  it('Overview: the cards are not the browser\'s default links', async () => {
    await page.goto(`${url}#/overview`);
    const link = page.locator('[data-testid="count-new"] a');
    await link.waitFor({ timeout: 15_000 });
    const style = (await page.evaluate('(() => { const s = getComputedStyle(document.querySelector(\'[data-testid="count-new"] a\')); return { color: s.color, line: s.textDecorationLine }; })()')) as { color: string; line: string };
    expect(style.color).not.toBe('rgb(0, 0, 238)');
    expect(style.line).toBe('none');
    expect(pageErrors).toEqual([]);
  });

  it('Inventory: back from the host page h opened (its Back link, or the browser\'s), focus is on that row, which holds the Tab stop', async () => {
    await page.goto(`${url}#/inventory`);
    await page.getByTestId('search').fill('192.0.2.11');
    await expect.poll(() => page.getByTestId('pager-summary').textContent(), { timeout: 15_000 }).toBe('1–22 of 22');
    const row = page.locator('[data-testid="service-row"]:has(td[data-col="port"][data-value="1010"])');
    const label = /^192\.0\.2\.11 port 1010\/tcp/;
    const focusedLabel = (): Promise<string> => page.evaluate('document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.tagName ?? ""') as Promise<string>;
    const tabStop = () => page.locator('[data-testid="service-row"][tabindex="0"]').getAttribute('aria-label');
    const toHost = async () => {
      await page.keyboard.press('h');
      await expect.poll(() => page.locator('[data-testid="host-view"] h1').textContent()).toBe('Host 192.0.2.11');
    };
    await row.focus();
    await toHost();
    await page.getByTestId('host-back').click();
    await expect.poll(focusedLabel).toMatch(label);
    expect(await tabStop()).toMatch(label);

    await toHost();
    await page.goBack();
    await expect.poll(focusedLabel).toMatch(label);
    expect(await tabStop()).toMatch(label);
    await page.getByTestId('search').fill('');
    expect(pageErrors).toEqual([]);
  });

  it('New ports: the first j after the view opens makes the first row current, on the focused grid', async () => {
    await page.goto(`${url}#/new-ports`);
    await page.reload(); // a fresh view: no row current yet
    const first = page.locator('[data-testid="queue-row"]').first();
    await first.waitFor({ timeout: 15_000 });
    const grid = page.getByTestId('queue');
    expect(await grid.getAttribute('aria-activedescendant')).toBeNull();
    await page.keyboard.press('j');
    await expect.poll(() => grid.getAttribute('aria-activedescendant')).toBe(await first.getAttribute('id'));
    expect(await focusedTestId(page)).toBe('queue');
    expect(await first.getAttribute('class')).toContain('cursor');
  });

  it('Ignore dialog: a duration (30d) shows its end in UTC, and the engine stores that ISO time', async () => {
    const first = page.locator('[data-testid="queue-row"]').first();
    const key = (await first.getAttribute('data-key')) ?? '';
    await page.keyboard.press('i');
    await page.getByTestId('reason-dialog').waitFor();
    await page.getByTestId('reason-input').fill('lab box, rebuilt next month');
    await page.getByTestId('expires-input').fill('soon');
    await page.getByTestId('expires-input').press('Tab');
    expect(await page.getByTestId('expires-error').textContent()).toMatch(/^not a duration or a UTC date or time: soon/);
    const before = Date.now();
    await page.getByTestId('expires-input').fill('30d');
    const shown = (await page.getByTestId('expires-end').textContent()) ?? '';
    const end = /Ignored until (\S+Z) \(UTC\)/.exec(shown)?.[1] ?? '';
    expect(Date.parse(end) - before).toBeGreaterThan(30 * 86_400_000 - 5_000);
    expect(Date.parse(end) - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);
    await page.getByTestId('expires-input').press('Enter');
    await page.getByTestId('reason-dialog').waitFor({ state: 'detached' });
    await expect
      .poll(() => parseTsv(portolan(['services', '--db', db, '--status', 'ignored', '--format', 'tsv']).stdout).find((x) => `${x.host}:${x.port}/${x.proto}` === key)?.ignored_until ?? '', { timeout: 15_000 })
      .toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const stored = parseTsv(portolan(['services', '--db', db, '--status', 'ignored', '--format', 'tsv']).stdout).find((x) => `${x.host}:${x.port}/${x.proto}` === key)?.ignored_until ?? '';
    expect(Math.abs(Date.parse(stored) - Date.parse(end))).toBeLessThan(60_000);
    expect(pageErrors).toEqual([]);
  });

  it('Snapshots: the report takes focus when it opens; Esc closes it, focus back on its Report button; choices and exports say which snapshot', async () => {
    const saved = portolan(['snapshot', 'save', '--note', 'Q2 review', '--scope', 'all', '--db', db]);
    expect(saved.code, saved.stderr).toBe(0);
    await page.goto(`${url}#/snapshots`);
    await page.getByTestId('snapshot-report-2').waitFor({ timeout: 15_000 });
    await page.getByTestId('snapshot-report-2').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('report-panel').waitFor();
    await expect.poll(() => focusedTestId(page)).toBe('report-title');
    expect(await page.getByTestId('report-title').textContent()).toBe('Report of snapshot #2');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Escape');
    await page.getByTestId('report-panel').waitFor({ state: 'detached' });
    await expect.poll(() => focusedTestId(page)).toBe('snapshot-report-2');

    const options = await page.getByLabel('To snapshot').locator('option').allTextContents();
    expect(options).toEqual([expect.stringMatching(/^#1 · \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z · all$/), expect.stringMatching(/^#2 · \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z · all · Q2 review$/)]);
    expect(await page.getByLabel('From snapshot').inputValue()).toBe('1');
    for (const f of ['CSV', 'JSON', 'HTML', 'PDF']) expect(await page.getByRole('button', { name: `Export snapshot 2 as ${f}`, exact: true }).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('without a token: the human message, not the error\'s class name', async () => {
    const bare = new URL(url);
    bare.search = '';
    await page.goto(bare.toString());
    const fatal = page.locator('.fatal p');
    await fatal.waitFor();
    const text = (await fatal.textContent()) ?? '';
    expect(text).toMatch(/^This page needs the token/);
    expect(text).not.toContain('NoToken');
  });
});
