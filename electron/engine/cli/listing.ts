/**
 * Record listings of the CLI (`portolan captures`, `portolan scans`): one object per
 * row, written as an aligned table, tsv (header line, a stable column contract: add at
 * the end, never rename) or JSON.
 */
import { oneLine, UsageError } from './common';
import { columnWidths } from './format';

export type ListFormat = 'table' | 'tsv' | 'json';

export function listFormat(v: string | undefined): ListFormat {
  const f = v ?? 'table';
  if (f !== 'table' && f !== 'tsv' && f !== 'json') throw new UsageError('--format must be table, tsv or json');
  return f;
}

export function listLimit(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1_000_000) throw new UsageError('--limit must be a whole number from 1 to 1000000');
  return Number(v);
}

type Cell = string | number | null;

/** A cell on one line: control characters (a file name's tab, newline or escape sequence) written JSON-style, never raw. */
const text = (c: Cell): string => (c === null ? '' : oneLine(String(c)));

/**
 * `columns` are the tsv/json names; `empty` is what the table format says when there is
 * no row (tsv still prints its header, json an empty list).
 */
export function writeList(format: ListFormat, columns: readonly string[], rows: Array<Record<string, Cell>>, empty: string): void {
  if (format === 'json') {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  if (format === 'tsv') {
    process.stdout.write([columns.join('\t'), ...rows.map((r) => columns.map((c) => text(r[c] ?? null)).join('\t'))].join('\n') + '\n');
    return;
  }
  if (!rows.length) {
    process.stdout.write(`${empty}\n`);
    return;
  }
  const head = columns.map((c) => c.toUpperCase().replace(/_/g, ' '));
  const body = rows.map((r) => columns.map((c) => text(r[c] ?? null)));
  const widths = columnWidths(head, body);
  const line = (cols: string[]): string => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([line(head), ...body.map(line)].join('\n') + '\n');
}
