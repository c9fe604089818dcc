/**
 * One entry for every export format, shared by the CLI and the contract
 * (`snapshots.export`). The report compares with the snapshot taken just before.
 * A snapshot whose stored row no longer matches its seal is refused (SnapshotBroken).
 */
import type { ExportFormat, SnapshotExport } from '../../shared/snapshots';
import type { Db } from '../store/db';
import { isoUtc } from './canonical';
import { diffSnapshots } from './diff';
import { snapshotCsv, UTF8_BOM } from './export-csv';
import { htmlToPdf } from './export-pdf';
import { esc, renderReport } from './report-html';
import { checkedPreviousOf, getSnapshot } from './store';
import type { SealedSnapshot } from './types';

export async function reportHtml(db: Db, id: number, nowMs = Date.now()): Promise<{ html: string; footer: string }> {
  // Both checked against their seals: a broken snapshot, or a broken one to compare with, is refused.
  const { doc } = await getSnapshot(db, id);
  const prev = await checkedPreviousOf(db, id);
  // The seal chain's link: the snapshot just before, whatever its scope.
  const link = await db.get<{ id: number; canonical_json: string }>('snapPrev', [id]);
  const chainPrev = link ? { id: link.id, scope: (JSON.parse(link.canonical_json) as SealedSnapshot).snapshot.meta.scope } : null;
  const html = renderReport({ doc, prev: prev?.doc ?? null, chainPrev, diff: prev ? diffSnapshots(prev.doc, doc) : null, generatedAt: isoUtc(nowMs) });
  const footer = `Portolan snapshot #${esc(doc.snapshot.meta.id)} · ${esc(doc.snapshot.meta.takenAt)} · seal ${esc(doc.seal.sha256.slice(0, 16))}…`;
  return { html, footer };
}

export interface ExportBytes {
  filename: string;
  mime: string;
  bytes: Buffer;
}

export interface ExportOptions {
  /** Stops a PDF export at once (Chromium is killed; PdfAborted). */
  signal?: AbortSignal;
}

export async function exportSnapshot(db: Db, id: number, format: ExportFormat, o: ExportOptions = {}): Promise<ExportBytes> {
  const base = `portolan-snapshot-${id}`;
  switch (format) {
    case 'json': {
      const { row } = await getSnapshot(db, id);
      // The stored canonical text, byte for byte: the sealed form itself.
      return { filename: `${base}.json`, mime: 'application/json', bytes: Buffer.from(row.canonical_json, 'utf8') };
    }
    case 'csv': {
      const { doc } = await getSnapshot(db, id);
      return { filename: `${base}.csv`, mime: 'text/csv; charset=utf-8', bytes: Buffer.from(UTF8_BOM + snapshotCsv(doc), 'utf8') };
    }
    case 'html':
      return { filename: `${base}.html`, mime: 'text/html; charset=utf-8', bytes: Buffer.from((await reportHtml(db, id)).html, 'utf8') };
    case 'pdf': {
      const { html, footer } = await reportHtml(db, id);
      return { filename: `${base}.pdf`, mime: 'application/pdf', bytes: await htmlToPdf(html, { footer, signal: o.signal }) };
    }
  }
}

/** The contract's form: text as UTF-8, PDF as base64. */
export async function exportForContract(db: Db, id: number, format: ExportFormat): Promise<SnapshotExport> {
  const e = await exportSnapshot(db, id, format);
  const binary = format === 'pdf';
  return { filename: e.filename, mime: e.mime, encoding: binary ? 'base64' : 'utf8', data: e.bytes.toString(binary ? 'base64' : 'utf8') };
}
