/**
 * The Inventory's "Export CSV": every service the current filter matches, in the table's
 * order, as the file `portolan services --format csv|tsv` writes (same columns, cells
 * that a spreadsheet would run as formulas neutralised; a CSV file starts with a UTF-8
 * byte-order mark so a spreadsheet reads its accents right). Read in pages of the list's own
 * size; a list too big for one message through the window's transport is refused with
 * the command that exports it instead.
 */
import { ServicesExportInput } from '../../shared/contract';
import type { ServiceRow } from '../../shared/model';
import type { SnapshotExport } from '../../shared/snapshots';
import { servicesCsv, servicesTsv } from '../cli/format';
import { UTF8_BOM } from '../snapshots/export-csv';
import type { Db } from '../store/db';
import { listServices } from './inventory';

/** Rows per read: services.list's largest page. */
const PAGE = 5000;
/** At most this many rows go through the window; EXPORT_MAX_BYTES bounds the text too. */
export const EXPORT_MAX_ROWS = 200_000;

/** At most this many characters of text in one export (the serve transport closes a client holding 64 MiB unsent). */
export const EXPORT_MAX_BYTES = 32 << 20;

/** The command that exports what the window cannot (the CLI filters by status, port, proto, subnet, insecure; not by free text). */
const CLI_HINT = (format: string): string => `'portolan services --format ${format}' (with --status, --port, --proto, --subnet or --insecure for the same filter)`;

export async function exportServices(db: Db, input: ServicesExportInput, now = new Date(), maxRows = EXPORT_MAX_ROWS, maxBytes = EXPORT_MAX_BYTES): Promise<SnapshotExport> {
  const { format, ...query } = ServicesExportInput.parse(input);
  const rows: ServiceRow[] = [];
  // One read transaction for every page: an ingest committing meanwhile neither repeats
  // nor drops rows (paging by offset over a changing table would).
  await db.readConsistent(async () => {
    for (let offset = 0; ; offset += PAGE) {
      const page = await listServices(db, { ...query, offset, limit: PAGE });
      if (offset === 0 && page.total > maxRows) {
        throw new Error(`${page.total.toLocaleString('en-US')} services match, more than the ${maxRows.toLocaleString('en-US')} an export from the window holds: narrow the filter, or run ${CLI_HINT(format)}`);
      }
      for (const r of page.rows) rows.push(r);
      if (page.rows.length < PAGE) break;
    }
  });
  const data = format === 'csv' ? UTF8_BOM + servicesCsv(rows) : servicesTsv(rows);
  // One reply through the window's transport must stay well under what it holds for a
  // client (64 MiB): long reasons make rows of 600 bytes and more.
  if (data.length > maxBytes) {
    throw new Error(`the export would be ${Math.ceil(data.length / 1048576)} MB, more than the ${Math.floor(maxBytes / 1048576)} MB an export from the window holds: narrow the filter, or run ${CLI_HINT(format)}`);
  }
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const which = query.status && query.status !== 'all' ? `-${query.status}` : '';
  return {
    filename: `portolan-services${which}-${stamp}.${format}`,
    mime: format === 'csv' ? 'text/csv' : 'text/tab-separated-values',
    encoding: 'utf8',
    data,
  };
}
