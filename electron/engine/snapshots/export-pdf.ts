/**
 * PDF from the HTML report through headless Chromium (playwright-core drives the system's
 * browser; nothing is downloaded). JavaScript is off and every network request is
 * refused, so the report renders only from its own bytes. `PORTOLAN_CHROMIUM` names
 * another browser binary; without one a clear error says what to install.
 *
 * Portolan starts Chromium itself (its own process group, a throw-away profile) and
 * connects to it over the DevTools protocol, rather than letting Playwright launch it:
 * so a browser that never starts (a wrapper that hangs) fails after LAUNCH_TIMEOUT_MS,
 * a print that never ends after PRINT_TIMEOUT_MS, and an abort (Ctrl-C, SIGTERM) kills
 * the whole group at once — Playwright's own launch waits 180 s, leaves a hung
 * wrapper's children running, and keeps the process alive until they end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class PdfUnavailable extends Error {
  override name = 'PdfUnavailable';
}

/** The PDF was stopped by its caller's AbortSignal (the CLI's Ctrl-C or SIGTERM). */
export class PdfAborted extends Error {
  override name = 'AbortError';
}

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
/** From spawning Chromium to a connected DevTools session. */
export const LAUNCH_TIMEOUT_MS = 30_000;
/** From loading the report to the PDF's bytes. */
export const PRINT_TIMEOUT_MS = 60_000;

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PORTOLAN_CHROMIUM || DEFAULT_CHROMIUM;
}

interface BrowserLike {
  newContext(o: Record<string, unknown>): Promise<{ newPage(): Promise<PageLike>; route(url: string, h: (r: { abort(): Promise<void> }) => unknown): Promise<void> }>;
  close(): Promise<void>;
}
interface PlaywrightLike {
  chromium: { connectOverCDP(endpoint: string, o: Record<string, unknown>): Promise<BrowserLike> };
}
interface PageLike {
  setContent(html: string, o: Record<string, unknown>): Promise<void>;
  pdf(o: Record<string, unknown>): Promise<Buffer>;
}

async function loadPlaywright(): Promise<PlaywrightLike> {
  // A computed name keeps the bundler from inlining a dev-only package into the engine.
  const name = ['playwright', 'core'].join('-');
  try {
    return (await import(/* @vite-ignore */ name)) as PlaywrightLike;
  } catch {
    throw new PdfUnavailable(`PDF export needs the ${name} package (npm install ${name}); export --format html and print it instead`);
  }
}

export interface PdfOptions {
  footer: string;
  executablePath?: string;
  /** Stops the export at once: Chromium is killed and the promise rejects with PdfAborted. */
  signal?: AbortSignal;
  launchTimeoutMs?: number;
  printTimeoutMs?: number;
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--no-default-browser-check', '--hide-scrollbars', '--mute-audio', '--remote-debugging-port=0'];

/**
 * The first line of a cause worth showing: Playwright's messages run to several KB on
 * many lines ("Call log:", browser logs) with terminal colour codes.
 */
export function firstLineOf(message: string): string {
  const plain = message.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const line = plain.split(/\r?\n/).map((l) => l.trim()).find(Boolean) ?? 'unknown error';
  const bare = line.replace(/^[\w.]+\.\w+: /, ''); // "browserType.connectOverCDP: …"
  return bare.length > 300 ? `${bare.slice(0, 300)}…` : bare;
}

function abortError(signal: AbortSignal): PdfAborted {
  const why = typeof signal.reason === 'string' ? ` (${signal.reason})` : '';
  return new PdfAborted(`PDF export interrupted${why}`);
}

/** Rejects when `ms` pass or `signal` aborts, whichever comes first, unless `work` settles before. */
async function bounded<T>(work: Promise<T>, ms: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
        if (signal) {
          onAbort = () => reject(abortError(signal));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Starts Chromium and resolves with its DevTools endpoint, from the line it prints on stderr. */
function startChromium(exe: string, profile: string): { child: ChildProcess; endpoint: Promise<string> } {
  // Its own process group (detached), so a wrapper script and everything it started die together.
  const child = spawn(exe, [...ARGS, `--user-data-dir=${profile}`, 'about:blank'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const endpoint = new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      err = (err + chunk).slice(-16_384);
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('error', (e) => reject(e));
    child.on('exit', (code, sig) => {
      const last = err.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean).pop();
      reject(new Error(`it exited (${sig ?? `exit code ${code}`}) before it was ready${last ? `: ${last}` : ''}`));
    });
  });
  endpoint.catch(() => undefined); // rejected after a timeout or an abort: handled by the race
  return { child, endpoint };
}

/**
 * Ends Chromium and its process group: SIGTERM to Chromium first, so it shuts down and
 * reaps its own helper processes (killed with it they are left to init, which in a
 * container may never reap them), then SIGKILL to the group for anything still there (a
 * wrapper script's children, a process that ignores SIGTERM).
 */
async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const pid = child.pid;
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const gone = new Promise<void>((resolve) => (exited() ? resolve() : child.once('exit', () => resolve())));
  const wait = (ms: number): Promise<unknown> => Promise.race([gone, new Promise((r) => setTimeout(r, ms).unref())]);
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      if (!exited()) child.kill(sig); // the group is gone or was never made; the process itself
    }
  };
  if (!exited()) {
    child.kill('SIGTERM'); // Chromium alone: it ends its helpers itself
    await wait(1500);
  }
  signal('SIGKILL');
  await wait(1000);
}

export async function htmlToPdf(html: string, o: PdfOptions): Promise<Buffer> {
  const exe = o.executablePath ?? chromiumPath();
  if (!existsSync(exe)) {
    throw new PdfUnavailable(`PDF export needs Chromium at ${exe} (Debian/Ubuntu: sudo apt-get install chromium; or set PORTOLAN_CHROMIUM); export --format html and print it instead`);
  }
  if (o.signal?.aborted) throw abortError(o.signal);
  const pw = await loadPlaywright();
  const launchMs = o.launchTimeoutMs ?? LAUNCH_TIMEOUT_MS;
  const printMs = o.printTimeoutMs ?? PRINT_TIMEOUT_MS;
  const profile = await mkdtemp(join(tmpdir(), 'portolan-chromium-'));
  const { child, endpoint } = startChromium(exe, profile);
  let browser: BrowserLike | null = null;
  try {
    const started = Date.now();
    try {
      const ws = await bounded(endpoint, launchMs, () => new Error(`no answer within ${launchMs / 1000} s`), o.signal);
      const left = Math.max(1000, launchMs - (Date.now() - started));
      browser = await bounded(pw.chromium.connectOverCDP(ws, { timeout: left }), left, () => new Error(`no DevTools session within ${launchMs / 1000} s`), o.signal);
    } catch (err) {
      if (err instanceof PdfAborted) throw err;
      throw new PdfUnavailable(`Chromium at ${exe} did not start: ${firstLineOf((err as Error).message)}`);
    }
    const b = browser;
    const print = async (): Promise<Buffer> => {
      const context = await b.newContext({ javaScriptEnabled: false, offline: true });
      await context.route('**/*', (r) => r.abort());
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: 'load', timeout: printMs });
      return page.pdf({
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: `<div style="font-size:7pt;width:100%;padding:0 14mm;color:#5b6675;display:flex;justify-content:space-between;font-family:sans-serif"><span>${o.footer}</span><span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`,
      });
    };
    const printing = print();
    printing.catch(() => undefined); // a timeout or an abort wins the race; the browser is killed below
    try {
      return await bounded(printing, printMs, () => new Error(`did not print the report within ${printMs / 1000} s`), o.signal);
    } catch (err) {
      if (err instanceof PdfAborted) throw err;
      throw new Error(`Chromium at ${exe} failed to print the report: ${firstLineOf((err as Error).message)}`);
    }
  } finally {
    // Disconnecting leaves Chromium running: its process group is killed in any case.
    if (browser) await Promise.race([browser.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    await killGroup(child);
    await rm(profile, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }
}
