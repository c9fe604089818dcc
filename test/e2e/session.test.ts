/**
 * A tab whose session token the server no longer accepts (issue: "Disconnected —
 * retrying" forever). `portolan serve` on a temp database, the built UI in Chromium:
 *
 * 1. a link with a wrong token says the session is not valid and to open the URL serve
 *    printed, instead of retrying quietly for ever;
 * 2. a tab left open while serve restarts (same port, new token) says the same once the
 *    new server is up; the URL the new serve printed connects.
 *
 * The browser cannot read the HTTP 401 that refuses the WebSocket handshake; the page
 * asks the server with a plain GET on the socket's path (401 or 426), which this test
 * also checks directly.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/cli';
import { launchChromium, stopServe } from '../support/e2e';
import { CHROMIUM_PATH, hasChromium, REPO_ROOT, requireOrSkip } from '../support/require';

const ready = requireOrSkip(hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`);

/** `portolan serve` on a given port (0: any); resolves with the URL it prints. */
function serveOn(dbPath: string, port: number): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(process.execPath, [resolve(REPO_ROOT, 'bin/portolan.js'), 'serve', '--port', String(port), '--db', dbPath], { cwd: REPO_ROOT });
  let out = '';
  let err = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve printed no URL within 60 s\n${out}\n${err}`)), 60_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, url: m[0] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code}\n${out}\n${err}`));
    });
  });
}

const connectionText = (page: Page) => page.getByTestId('connection').textContent();

describe.skipIf(!ready)('A refused session token (portolan serve + Chromium)', () => {
  let dir = '';
  let server: ChildProcessWithoutNullStreams | undefined;
  let url = '';
  let context: BrowserContext | undefined;
  let page: Page;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-e2e-session-'));
    ({ child: server, url } = await serveOn(join(dir, 'e2e.db'), 0));
    context = await launchChromium(join(dir, 'profile'));
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await stopServe(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers a plain GET on the socket path: 426 with the token, 401 without', async () => {
    const u = new URL(url);
    const token = u.searchParams.get('token') ?? '';
    const at = `${u.origin}/api/ws`;
    expect((await fetch(at, { headers: { 'x-portolan-token': token } })).status).toBe(426);
    expect((await fetch(at, { headers: { 'x-portolan-token': 'nope' } })).status).toBe(401);
    expect((await fetch(at)).status).toBe(401);
  });

  it('a wrong token says the session is not valid and where the right URL is', async () => {
    const wrong = new URL(url);
    wrong.searchParams.set('token', 'not-the-token');
    await page.goto(wrong.href);
    await expect.poll(() => connectionText(page), { timeout: 15_000 }).toContain('Session expired');
    const alert = page.getByTestId('session-expired');
    await alert.waitFor();
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.textContent()).toContain('Open the URL that portolan serve printed');
  });

  it('a tab left open while serve restarts with a new token says so; the new URL connects', async () => {
    await page.goto(url);
    await expect.poll(() => connectionText(page), { timeout: 15_000 }).toBe('Connected');
    expect(await page.getByTestId('session-expired').count()).toBe(0);

    const port = Number(new URL(url).port);
    await stopServe(server);
    ({ child: server, url } = await serveOn(join(dir, 'e2e.db'), port));
    await expect.poll(() => connectionText(page), { timeout: 30_000 }).toContain('Session expired');
    await page.getByTestId('session-expired').waitFor();

    await page.goto(url);
    await expect.poll(() => connectionText(page), { timeout: 15_000 }).toBe('Connected');
    expect(await page.getByTestId('session-expired').count()).toBe(0);
  });
});
