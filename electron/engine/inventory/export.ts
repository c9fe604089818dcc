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
/** At most this many rows go through the window (about 40 MB of CSV at the widest). */
export const EXPORT_MAX_ROWS = 200_000;

export async function exportServices(db: Db, input: ServicesExportInput, now = new Date(), maxRows = EXPORT_MAX_ROWS): Promise<SnapshotExport> {
  const { format, ...query } = ServicesExportInput.parse(input);
  const rows: ServiceRow[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await listServices(db, { ...query, offset, limit: PAGE });
    if (offset === 0 && page.total > maxRows) {
      throw new Error(`${page.total.toLocaleString('en-US')} services match, more than the ${maxRows.toLocaleString('en-US')} an export from the window holds: narrow the filter, or run 'portolan services --format ${format}'`);
    }
    for (const r of page.rows) rows.push(r);
    if (page.rows.length < PAGE) break;
  }
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const which = query.status && query.status !== 'all' ? `-${query.status}` : '';
  return {
    filename: `portolan-services${which}-${stamp}.${format}`,
    mime: format === 'csv' ? 'text/csv' : 'text/tab-separated-values',
    encoding: 'utf8',
    data: format === 'csv' ? UTF8_BOM + servicesCsv(rows) : servicesTsv(rows),
  };
}
