/**
 * Output formats of the CLI. The tsv column names are a public contract: scripts and
 * acceptance checks read them. Add columns at the end, never rename or drop one.
 */
import type { ServiceRow } from '../../shared/model';

/** Columns of `portolan services --format tsv|csv`, in order. */
export const SERVICE_COLUMNS = ['host', 'port', 'proto', 'evidence', 'status', 'first_seen', 'last_seen', 'sources', 'service', 'confidence'] as const;

function cells(r: ServiceRow): string[] {
  return [r.host, String(r.port), r.proto, r.evidence, r.status, r.firstSeen, r.lastSeen, r.sources.join(','), r.service ?? '', r.confidence];
}

/** TSV has no quoting: tabs and line breaks inside a value become spaces. */
function tsvCell(s: string): string {
  return s.replace(/[\t\r\n]/g, ' ');
}

export function servicesTsv(rows: ServiceRow[]): string {
  const lines = [SERVICE_COLUMNS.join('\t'), ...rows.map((r) => cells(r).map(tsvCell).join('\t'))];
  return lines.join('\n') + '\n';
}

/**
 * RFC 4180 quoting, plus formula neutralising: a cell starting with = + - @ tab or CR
 * gets a leading apostrophe so a spreadsheet shows it as text instead of running it.
 */
export function csvCell(s: string): string {
  let v = s;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) || v !== s ? `"${v.replace(/"/g, '""')}"` : v;
}

export function servicesCsv(rows: ServiceRow[]): string {
  const lines = [SERVICE_COLUMNS.join(','), ...rows.map((r) => cells(r).map(csvCell).join(','))];
  return lines.join('\r\n') + '\r\n';
}

export function servicesTable(rows: ServiceRow[]): string {
  if (!rows.length) return 'no services\n';
  const head = ['HOST', 'PORT', 'PROTO', 'EVIDENCE', 'STATUS', 'SERVICE', 'FIRST SEEN', 'LAST SEEN'];
  const body = rows.map((r) => [r.host, String(r.port), r.proto, r.confidence === 'certain' ? r.evidence : `${r.evidence} (${r.confidence})`, r.status, r.service ?? '', r.firstSeen, r.lastSeen]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cols: string[]): string => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n') + '\n';
}
