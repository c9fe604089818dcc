/**
 * Exports arrive as data; these helpers make a file of them in the browser or the
 * Electron window (an <a download> over a blob: URL, which needs no Node and no new window).
 */
import type { SnapshotExport } from '../../../../electron/shared';

export function exportBytes(e: SnapshotExport): Uint8Array | string {
  if (e.encoding === 'utf8') return e.data;
  const bin = atob(e.data);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function saveExport(e: SnapshotExport, doc: Document = document): void {
  const bytes = exportBytes(e);
  const blob = new Blob([typeof bytes === 'string' ? bytes : bytes.buffer as ArrayBuffer], { type: e.mime });
  const url = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = e.filename;
  a.hidden = true;
  doc.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `3f2a…9c01`: enough of a seal to recognise it; the full one is in the title. */
export function shortHash(h: string | null): string {
  return h ? `${h.slice(0, 8)}…${h.slice(-4)}` : '—';
}

/**
 * The report's stylesheet adapted to a shadow root: document-level selectors (`:root`,
 * `html`, `body`) become the host and the wrapper, and print-only page rules are dropped.
 */
export function shadowCss(css: string): string {
  return css
    .replace(/@page\s*\{[^}]*\}/g, '')
    .replace(/:root\s*\{/g, ':host {')
    .replace(/(^|\})\s*html\s*\{/g, '$1 :host {')
    .replace(/(^|\})\s*body\s*\{/g, '$1 .report-body {');
}

/** Separates the report's <style> blocks from the rest of its markup. */
export function splitStyles(html: string): { css: string; markup: string } {
  const parts: string[] = [];
  const markup = html.replace(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi, (_m, css: string) => {
    parts.push(css);
    return '';
  });
  return { css: parts.join('\n'), markup };
}
