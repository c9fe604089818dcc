/**
 * Accessibility, checked by axe-core in Chromium against `portolan serve` on a temp
 * database holding real data: two shared captures ingested with the CLI, a few services
 * reviewed, a connect scan of two closed loopback ports, two snapshots.
 *
 * Every main view is audited with the WCAG 2.1 A and AA rules (Overview, New ports with
 * its Rules panel open, Inventory and its detail panel, a Host page, Capture, Scan,
 * Snapshots with Compare run and a report open, and the reason dialog). A violation of
 * impact serious or critical fails the test, naming the rule, its impact and the
 * elements it found; moderate and minor ones are left to a human's judgement.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../support/cli';
import { collectPageErrors, launchChromium, startServe, stopServe } from '../support/e2e';
import { capturePath, CHROMIUM_PATH, hasChromium, hasSharedCaptures, REPO_ROOT, requireAllOf } from '../support/require';

const CAPTURES = ['zeek_var-services-std-ports.pcap', 'zeek_ftp-ipv4.pcap'];
const AXE_PATH = resolve(REPO_ROOT, 'node_modules/axe-core/axe.min.js');
/** WCAG 2.0 and 2.1, levels A and AA: the level auditors and procurement ask for. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const FAILING_IMPACTS = ['serious', 'critical'];

const ready = requireAllOf([
  [hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`],
  [CAPTURES.every((c) => hasSharedCaptures(c)), `shared captures not found (${capturePath(CAPTURES[0]!)})`],
  [existsSync(AXE_PATH), `axe-core not installed (${AXE_PATH}); run npm ci`],
]);

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  /** Each element found: its selector, then what axe says is wrong with it. */
  targets: string[];
}

/**
 * Runs axe on the whole document, injecting its source first when this document does not
 * have it yet (hash navigation keeps the document, a reload does not). The source goes in
 * through the DevTools protocol, not page.addScriptTag: the app's CSP (`script-src 'self'`)
 * rightly refuses inline scripts, and turning the CSP off for the test (bypassCSP) would
 * also let inline styles through, so the page audited would not be the page users get.
 */
async function audit(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(`${readFileSync(AXE_PATH, 'utf8')}\n;undefined`);
  const script = `window.axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_TAGS)} }, resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.join(' ') + ' — ' + [...n.any, ...n.all, ...n.none].map((c) => c.message).filter(Boolean)[0]) })))`;
  return (await page.evaluate(script)) as Violation[];
}

/** The serious and critical violations, one paragraph each: rule, impact, what it wants, where. */
function serious(violations: Violation[]): string[] {
  return violations
    .filter((v) => v.impact !== null && FAILING_IMPACTS.includes(v.impact))
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.targets.map((t) => `    ${t}`).join('\n')}`);
}

async function expectAccessible(page: Page, view: string): Promise<void> {
  // Let transitions and the debounced reloads settle, so colours are the final ones.
  await page.waitForTimeout(300);
  const found = serious(await audit(page));
  if (found.length) console.error(`[axe] ${view}:\n${found.join('\n')}`);
  expect.soft(found, `${view}: axe found serious or critical WCAG 2.1 A/AA violations`).toEqual([]);
}

describe.skipIf(!ready)('Accessibility: axe-core on every view (portolan serve + Chromium)', () => {
  let dir = '';
  let db = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-a11y-'));
    db = join(dir, 'e2e.db');
    for (const args of [
      ['ingest', ...CAPTURES.map((c) => capturePath(c))],
      ['review', '172.16.238.131:22/tcp', '--approve', '--reason', 'admin ssh, CHG-7', '--owner', 'ops'],
      ['review', '172.16.238.131:21/tcp', '--flag', '--reason', 'cleartext ftp'],
      ['snapshot', 'save', '--note', 'baseline', '--by', 'alice'],
      ['review', '172.16.238.131:80/tcp', '--approve', '--reason', 'intranet web', '--owner', 'web team'],
      ['snapshot', 'save', '--note', 'after the web review', '--by', 'alice'],
      // Two loopback ports nothing listens on: a finished run with results, sent nowhere else.
      ['scan', '127.0.0.1', '--ports', '1,2'],
    ]) {
      const r = portolan([...args, '--db', db], { PORTOLAN_USER: 'carol' });
      if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    }
    ({ child: server, url } = await startServe(db, { PORTOLAN_USER: 'erin' }));
    context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1000 });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Overview', async () => {
    await page.goto(`${url}#/overview`);
    await page.locator('[data-testid="count-new"] a').waitFor();
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Connected');
    await expectAccessible(page, 'Overview');
  });

  it('New ports, with the Rules panel open', async () => {
    await page.goto(`${url}#/new-ports`);
    await page.locator('[data-testid="queue-row"]').first().waitFor();
    await page.locator('[data-testid="rules-panel"] summary').click();
    await page.getByTestId('rule-where').waitFor();
    await expectAccessible(page, 'New ports');
  });

  it('the reason dialog (ignore, with its expiry field)', async () => {
    await page.getByTestId('queue').focus();
    await page.keyboard.press('j');
    await page.keyboard.press('i');
    await page.getByTestId('reason-dialog').waitFor();
    await page.getByTestId('expires-input').fill('30d');
    await expectAccessible(page, 'Reason dialog');
    await page.keyboard.press('Escape');
    await page.getByTestId('reason-dialog').waitFor({ state: 'detached' });
  });

  it('Inventory, and a service\'s detail panel', async () => {
    await page.goto(`${url}#/inventory`);
    await page.locator('[data-testid="service-row"]').first().waitFor();
    await expectAccessible(page, 'Inventory');
    const row = page.locator('[data-testid="service-row"]:has(td[data-col="port"][data-value="22"])').first();
    await row.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('service-detail').waitFor();
    await expectAccessible(page, 'Inventory detail panel');
    await page.keyboard.press('Escape');
    await page.getByTestId('service-detail').waitFor({ state: 'detached' });
  });

  it('a Host page', async () => {
    await page.goto(`${url}#/host/172.16.238.131`);
    await page.locator('[data-testid="host-service"]').first().waitFor();
    await expectAccessible(page, 'Host page');
  });

  it('Capture', async () => {
    await page.goto(`${url}#/capture`);
    await page.getByTestId('capture-view').waitFor();
    await expectAccessible(page, 'Capture');
  });

  it('Scan, with the past run opened', async () => {
    await page.goto(`${url}#/scan`);
    await page.getByTestId('scan-form').waitFor();
    await page.getByTestId('scan-run').first().waitFor();
    await expectAccessible(page, 'Scan');
    await page.getByTestId('scan-run-view-1').click();
    await expect.poll(() => page.locator('[data-testid="scan-run"][aria-current="true"]').count()).toBe(1);
    await expectAccessible(page, 'Scan with a run opened');
  });

  it('Snapshots, Compare run, and a report open', async () => {
    await page.goto(`${url}#/snapshots`);
    await expect.poll(() => page.getByTestId('snapshot-row').count()).toBe(2);
    await page.getByTestId('compare-a').selectOption('1');
    await page.getByTestId('compare-b').selectOption('2');
    await page.getByTestId('compare-run').click();
    await expect.poll(() => page.getByTestId('compare-summary').textContent()).toContain('changed');
    await expectAccessible(page, 'Snapshots with Compare');
    await page.getByTestId('snapshot-report-2').click();
    await page.getByTestId('report-panel').waitFor();
    await expectAccessible(page, 'Snapshot report');
    expect(pageErrors).toEqual([]);
  });
});
