/**
 * Pure display helpers. Times are shown as ISO 8601 UTC everywhere, because analysts
 * paste them into tickets and audit notes next to logs from other time zones.
 */
import type { Confidence, Evidence, ErrorInfo } from '../../../electron/shared';

/** `2024-05-01T10:02:03Z` (whole seconds); an unparsable input is shown as it came. */
export function formatUtc(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Evidence with its confidence, which is only worth showing when it is not certain. */
export function evidenceLabel(evidence: Evidence, confidence: Confidence): string {
  return confidence === 'certain' ? evidence : `${evidence} (${confidence})`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1–100 of 1,234", or "0 of 0" for an empty result. */
export function pagerSummary(offset: number, shown: number, total: number): string {
  if (shown === 0) return `0 of ${formatCount(total)}`;
  return `${formatCount(offset + 1)}–${formatCount(offset + shown)} of ${formatCount(total)}`;
}

/** One line for an error that crossed the transport as `{name, message}`. */
export function errorLine(err: ErrorInfo): string {
  return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
}

/** Bytes as B / KiB / MiB / GiB with one decimal, for job progress. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
