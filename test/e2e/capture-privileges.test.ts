/**
 * The Capture view tells an unprivileged analyst why capture cannot run and the command
 * that fixes it, naming the capture helper (docs/capture.md, "Capture privileges"); once
 * the helper has its rights, Refresh clears the problem. `portolan serve` runs as the
 * user `nobody` (no capability of its own), the view in Debian's Chromium.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli';
import { launchChromium, stopServe } from '../support/e2e';
import { CHROMIUM_PATH, hasChromium, isRoot, REPO_ROOT, requireAllOf } from '../support/require';

const BIN = resolve(REPO_ROOT, 'bin/portolan.js');
const NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

const ready = requireAllOf([
  [process.platform === 'linux', 'file capabilities are a Linux feature'],
  [isRoot(), 'granting capabilities and switching to an unprivileged user needs root'],
  [has('setcap') && has('getcap') && has('setpriv'), 'setcap/getcap (libcap2-bin) or setpriv (util-linux) missing'],
  [hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`],
  [isRoot() && spawnSync(NOBODY[0]!, [...NOBODY.slice(1), 'test', '-r', BIN]).status === 0, `the user nobody cannot read ${REPO_ROOT}`],
]);

describe.skipIf(!ready)('the Capture view, served to an unprivileged user', () => {
  let dir: string;
  let helper: string;
  let serve: ChildProcessWithoutNullStreams | undefined;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), `portolan-capture-view-${process.pid}-`));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'db'));
    chownSync(join(dir, 'db'), 65534, 65534);
    helper = join(dir, 'portolan-capture');
    copyFileSync(realpathSync(process.execPath), helper);
    chmodSync(helper, 0o755);
    const child = spawn(NOBODY[0]!, [...NOBODY.slice(1), 'env', '-i', `PATH=${process.env.PATH}`, `PORTOLAN_CAPTURE_HELPER=${helper}`, process.execPath, BIN, 'serve', '--port', '0', '--db', join(dir, 'db', 'p.db')], { cwd: '/' });
    serve = child;
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`serve printed no URL: ${out}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /https?:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
        if (m) {
          clearTimeout(timer);
          ok(m[0]);
        }
      });
      child.on('exit', (code) => fail(new Error(`serve exited ${code}: ${out}`)));
    });
    context = await launchChromium(join(dir, 'profile'));
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await stopServe(serve);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows no permission, and the fix grants the rights to the helper, not to the app', async () => {
    await page.getByTestId('nav-capture').click();
    const problem = page.getByTestId('capture-problem');
    await problem.waitFor({ timeout: 20_000 });
    expect(await problem.textContent()).toContain(`the capture helper ${helper} has no capture rights`);
    const fix = (await page.getByTestId('capture-fix').textContent()) ?? '';
    expect(fix).toContain(`grant capture rights to the capture helper ${helper}, not to the app`);
    expect(fix).toContain(`setcap cap_net_raw,cap_net_admin=eip ${helper}`);
    expect(fix).not.toContain(`setcap cap_net_raw,cap_net_admin=eip ${realpathSync(process.execPath)}`);
  }, 60_000);

  it('after the admin runs the setcap part, Refresh clears the problem', async () => {
    expect(spawnSync('setcap', ['cap_net_raw,cap_net_admin=eip', helper]).status).toBe(0);
    await page.getByTestId('interfaces-refresh').click();
    await expect.poll(() => page.getByTestId('capture-problem').count(), { timeout: 20_000 }).toBe(0);
    const options = await page.getByTestId('interface-select').locator('option').allTextContents();
    expect(options.join(' ')).toContain('lo');
  }, 60_000);
});
