/**
 * CSV export: one row per service, RFC 4180 (CRLF, quotes doubled), and every cell that
 * a spreadsheet would run as a formula (starting = + - @ tab CR) neutralised by csvCell.
 * The JSON export keeps the raw text; only this format rewrites cells.
 */
import { csvCell } from '../cli/format';
import type { SealedSnapshot } from './types';

/** Column names, a stable contract: add at the end, never rename. */
export const SNAPSHOT_CSV_COLUMNS = [
  'host', 'proto', 'port', 'service', 'status', 'status_since', 'evidence', 'confidence', 'first_seen', 'last_seen',
  'sources', 'flows', 'bytes', 'justification', 'owner', 'approved_by', 'approved_at', 'flag_reason',
  'insecure', 'compensating_control', 'hostnames', 'mac', 'tags', 'banner', 'control_recorded_by', 'control_recorded_at',
  'ignore_reason', 'ignored_by', 'ignored_at', 'ignored_until', 'ignore_rule', 'flagged_by', 'flagged_at',
] as const;

/**
 * Written at the start of CSV files (exports, not the CLI's standard output): without it
 * a spreadsheet opened by double-click reads UTF-8 as the local code page and shows
 * "JÃ¼rgen" for "Jürgen".
 */
export const UTF8_BOM = '\uFEFF';

export function snapshotCsv(doc: SealedSnapshot): string {
  const hosts = new Map(doc.snapshot.hosts.map((h) => [h.address, h]));
  const lines = [SNAPSHOT_CSV_COLUMNS.join(',')];
  for (const s of doc.snapshot.services) {
    const h = hosts.get(s.host);
    const cells = [
      s.host, s.proto, String(s.port), s.service ?? '', s.status, s.statusSince, s.evidence, s.confidence, s.firstSeen, s.lastSeen,
      s.sources.map((e) => `${e.source} ${e.evidence}`).join('; '),
      String(s.sources.reduce((n, e) => n + e.flows, 0)),
      String(s.sources.reduce((n, e) => n + e.bytes, 0)),
      s.approval?.justification ?? '', s.approval?.owner ?? '', s.approval?.approvedBy ?? '', s.approval?.approvedAt ?? '',
      s.flag?.reason ?? '', s.insecure?.protocol ?? '', s.compensatingControl?.note ?? s.insecure?.compensatingControl ?? '',
      (h?.hostnames ?? []).join(' '), h?.mac ?? '', (h?.tags ?? []).join(' '), s.banner ?? '',
      s.compensatingControl?.recordedBy ?? '', s.compensatingControl?.recordedAt ?? '',
      s.ignore?.reason ?? '', s.ignore?.ignoredBy ?? '', s.ignore?.ignoredAt ?? '', s.ignore ? (s.ignore.until ?? 'never') : '', s.ignore?.rule == null ? '' : String(s.ignore.rule),
      s.flag?.flaggedBy ?? '', s.flag?.flaggedAt ?? '',
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
