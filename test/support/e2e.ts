/**
 * What every end-to-end test needs: `portolan serve` on a temp database (the real
 * engine, the built renderer) and Debian's Chromium driven by playwright-core.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { chromium, type BrowserContext, type FileChooser, type Page } from 'playwright-core';
import { CHROMIUM_PATH, REPO_ROOT } from './require';

/** Flags for headless Chromium here: no sandbox as root, no GPU, no calls home. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Starts `portolan serve` and resolves with the URL (token included) it prints. */
export function startServe(dbPath: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(process.execPath, [resolve(REPO_ROOT, 'bin/portolan.js'), 'serve', '--port', '0', '--db', dbPath], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve printed no URL within 60 s\nstdout: ${out}\nstderr: ${err}`)), 60_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /https?:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, url: m[0] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

/** Stops a served instance: SIGTERM, then SIGKILL after 10 s. */
export async function stopServe(child: ChildProcessWithoutNullStreams | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Chromium with a fresh profile folder. */
export function launchChromium(profileDir: string, opts: { width?: number; height?: number; acceptDownloads?: boolean } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    acceptDownloads: opts.acceptDownloads ?? false,
    viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 },
    args: CHROMIUM_ARGS,
  });
}

/** The page's uncaught errors and console errors go into `into` (tests expect it empty). */
export function collectPageErrors(page: Page, into: string[]): void {
  page.on('pageerror', (e) => into.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') into.push(m.text());
  });
}

/**
 * Sits between the page and the server on the live-data WebSocket: records the input of
 * every call the page makes on `channel` into `into`, and drops a server frame when
 * `dropFromServer` says so (a lost event, as a broken connection would lose it).
 */
export async function spyOnSocket(page: Page, channel: string, into: Array<Record<string, unknown>>, dropFromServer: (frame: string) => boolean = () => false): Promise<void> {
  await page.routeWebSocket(/\/ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      try {
        const frame = JSON.parse(String(m)) as { channel?: string; input?: Record<string, unknown> };
        if (frame.channel === channel) into.push(frame.input ?? {});
      } catch {
        // not JSON: passed on as it came
      }
      server.send(m);
    });
    server.onMessage((m) => {
      if (!dropFromServer(String(m))) ws.send(m);
    });
  });
}

/**
 * The next file chooser the page opens. Playwright intercepts choosers only once a listener
 * exists, and turning that on is a message of its own: one round trip to the page after
 * adding the listener makes sure it took effect before the click or key that opens one
 * (on a busy machine the key had won the race, and the chooser never reached the test).
 */
export async function nextFileChooser(page: Page): Promise<{ chooser: Promise<FileChooser> }> {
  const chooser = page.waitForEvent('filechooser');
  await page.evaluate(() => null);
  // Wrapped: an async function returning the promise itself would wait for the chooser.
  return { chooser };
}
