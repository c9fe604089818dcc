/**
 * Output formats of the CLI. The tsv column names are a public contract: scripts and
 * acceptance checks read them. Add columns at the end, never rename or drop one.
 */
import type { ServiceRow } from '../../shared/model';

/** Columns of `portolan services --format tsv|csv`, in order. */
export const SERVICE_COLUMNS = [
  'host', 'port', 'proto', 'evidence', 'status', 'first_seen', 'last_seen', 'sources', 'service', 'confidence',
  // Added later, at the end (what a review spreadsheet needs):
  'flows', 'bytes', 'insecure', 'reason', 'owner', 'reviewed_by', 'reviewed_at', 'first_stored', 'hostnames', 'mac', 'banner', 'ignored_until', 'rule_id',
  'compensating_control',
] as const;

function cells(r: ServiceRow): string[] {
  return [
    r.host, String(r.port), r.proto, r.evidence, r.status, r.firstSeen, r.lastSeen, r.sources.join(','), r.service ?? '', r.confidence,
    String(r.flows), String(r.bytes), r.insecure ?? '', r.reason ?? '', r.owner ?? '', r.reviewedBy ?? '', r.reviewedAt ?? '', r.createdAt ?? '',
    (r.hostnames ?? []).join(' '), r.mac ?? '', r.banner ?? '', r.ignoreUntil ?? '', r.ruleId == null ? '' : String(r.ruleId),
    r.compensatingControl ?? '',
  ];
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

/**
 * Each column's width: its header's or its longest cell's. A loop, not
 * `Math.max(...cells)`: spreading a column of 131,000 rows into one call's arguments
 * overflows the stack ("Maximum call stack size exceeded").
 */
export function columnWidths(head: readonly string[], body: ReadonlyArray<readonly string[]>): number[] {
  const widths = head.map((h) => h.length);
  for (const row of body) {
    for (let i = 0; i < widths.length; i++) {
      const n = row[i]?.length ?? 0;
      if (n > widths[i]!) widths[i] = n;
    }
  }
  return widths;
}

export function servicesTable(rows: ServiceRow[]): string {
  if (!rows.length) return 'no services\n';
  const head = ['HOST', 'PORT', 'PROTO', 'EVIDENCE', 'STATUS', 'SERVICE', 'FIRST SEEN', 'LAST SEEN'];
  const body = rows.map((r) => [r.host, String(r.port), r.proto, r.confidence === 'certain' ? r.evidence : `${r.evidence} (${r.confidence})`, r.status, r.service ?? '', r.firstSeen, r.lastSeen]);
  const widths = columnWidths(head, body);
  const line = (cols: string[]): string => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n') + '\n';
}

/** Columns of `portolan scan --format tsv`, in order (a public contract, as above). */
export const SCAN_COLUMNS = ['host', 'port', 'proto', 'state', 'reason', 'banner'] as const;

export interface ScanTsvRow {
  host: string;
  port: number;
  state: string;
  reason: string;
  banner: string | null;
}

/**
 * `portolan scan`'s tsv as bytes. A full sweep prints 65,535 rows; made as strings they
 * cost about 50 ms here, so the repeated parts (a host and its tab, a state with its
 * reason) are encoded once and copied, and ports are written digit by digit. Only the
 * banner (server-sent text) is cleaned of tabs and line breaks and encoded per row.
 */
export function scanTsv(rows: readonly ScanTsvRow[]): Buffer {
  const head = Buffer.from(`${SCAN_COLUMNS.join('\t')}\n`);
  let out = Buffer.allocUnsafe(head.length + rows.length * 48 + 64);
  head.copy(out, 0);
  let at = head.length;
  // Rows come sorted by host, and nearly all of a sweep's share one state and reason:
  // the last host's bytes and the last state's are kept, others looked up by text.
  const parts = new Map<string, Buffer>();
  const part = (s: string): Buffer => {
    let b = parts.get(s);
    if (!b) {
      if (parts.size > 4096) parts.clear();
      parts.set(s, (b = Buffer.from(s)));
    }
    return b;
  };
  let lastHost: string | null = null;
  let hostBytes: Buffer = head;
  let lastState: string | null = null;
  let lastReason: string | null = null;
  let tailBytes: Buffer = head;
  for (const r of rows) {
    if (r.host !== lastHost) {
      lastHost = r.host;
      hostBytes = part(`${r.host}\t`);
    }
    if (r.state !== lastState || r.reason !== lastReason) {
      lastState = r.state;
      lastReason = r.reason;
      tailBytes = part(`\ttcp\t${r.state}\t${r.reason}\t`);
    }
    const host = hostBytes;
    const tail = tailBytes;
    const banner = r.banner ? Buffer.from(tsvCell(r.banner)) : null;
    const need = host.length + 5 + tail.length + (banner?.length ?? 0) + 1;
    if (at + need > out.length) {
      const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, at + need));
      out.copy(bigger, 0, 0, at);
      out = bigger;
    }
    at = copyInto(out, at, host);
    let p = r.port;
    const digits = p >= 10000 ? 5 : p >= 1000 ? 4 : p >= 100 ? 3 : p >= 10 ? 2 : 1;
    for (let i = at + digits - 1; i >= at; i--) {
      out[i] = 48 + (p % 10);
      p = Math.floor(p / 10);
    }
    at += digits;
    at = copyInto(out, at, tail);
    if (banner) at = copyInto(out, at, banner);
    out[at++] = 10;
  }
  return out.subarray(0, at);
}

function copyInto(out: Buffer, at: number, b: Buffer): number {
  // Short runs: a loop beats Buffer.copy's call into C++.
  if (b.length > 32) return at + b.copy(out, at);
  for (let i = 0; i < b.length; i++) out[at + i] = b[i]!;
  return at + b.length;
}
