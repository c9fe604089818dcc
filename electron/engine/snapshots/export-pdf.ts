/**
 * PDF from the HTML report through headless Chromium (playwright-core drives the system's
 * browser; nothing is downloaded). JavaScript is off and every network request is
 * refused, so the report renders only from its own bytes. `PORTOLAN_CHROMIUM` names
 * another browser binary; without one a clear error says what to install.
 */
import { existsSync } from 'node:fs';

export class PdfUnavailable extends Error {
  override name = 'PdfUnavailable';
}

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PORTOLAN_CHROMIUM || DEFAULT_CHROMIUM;
}

interface PlaywrightLike {
  chromium: {
    launch(o: Record<string, unknown>): Promise<{
      newContext(o: Record<string, unknown>): Promise<{ newPage(): Promise<PageLike>; route(url: string, h: (r: { abort(): Promise<void> }) => unknown): Promise<void> }>;
      close(): Promise<void>;
    }>;
  };
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
}

export async function htmlToPdf(html: string, o: PdfOptions): Promise<Buffer> {
  const exe = o.executablePath ?? chromiumPath();
  if (!existsSync(exe)) {
    throw new PdfUnavailable(`PDF export needs Chromium at ${exe} (Debian/Ubuntu: sudo apt-get install chromium; or set PORTOLAN_CHROMIUM); export --format html and print it instead`);
  }
  const pw = await loadPlaywright();
  const browser = await pw.chromium.launch({ executablePath: exe, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    await context.route('**/*', (r) => r.abort());
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({
      format: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: `<div style="font-size:7pt;width:100%;padding:0 14mm;color:#5b6675;display:flex;justify-content:space-between;font-family:sans-serif"><span>${o.footer}</span><span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`,
    });
  } finally {
    await browser.close();
  }
}
