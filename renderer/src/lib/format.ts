/**
 * Pure display helpers. Times are shown as ISO 8601 UTC everywhere, because analysts
 * paste them into tickets and audit notes next to logs from other time zones.
 */
import type { Confidence, Evidence, ErrorInfo } from '../../../electron/shared';
import { timeFromDuration } from '../../../electron/shared/duration';

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

/** "1 host", "2 hosts", "1,024 services": a count with the word that agrees with it. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "1–100 of 1,234", or "0 of 0" for an empty result. */
export function pagerSummary(offset: number, shown: number, total: number): string {
  if (shown === 0) return `0 of ${formatCount(total)}`;
  return `${formatCount(offset + 1)}–${formatCount(offset + shown)} of ${formatCount(total)}`;
}

/**
 * One line for an error that crossed the transport as `{name, message}`: the message
 * only. The engine writes messages for people ("scope tag:NOPE names no host"); its class
 * names (ScopeError, InvalidInput) mean nothing to them. The name is shown only when
 * there is no message at all.
 */
export function errorLine(err: ErrorInfo): string {
  return err.message.trim() || err.name || 'unknown error';
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

export type UtcInput = { ok: true; iso: string | null } | { ok: false; message: string };

const UTC_INPUT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A time typed as ISO 8601, read in UTC like every time the app shows: `2025-06-30`
 * (midnight UTC), `2025-06-30T18:00`, `2025-06-30T18:00:00Z`; an explicit offset
 * (`+02:00`) is honoured. Empty is "no time" (`iso: null`). A browser date picker would
 * show the user's locale (mm/dd/yyyy) and local midnight; this keeps one format.
 * With `future`, a time already past is refused (an expiry that ended at once).
 */
export function parseUtcInput(text: string, opts: { future?: boolean; nowMs?: number } = {}): UtcInput {
  const t = text.trim();
  if (!t) return { ok: true, iso: null };
  const m = UTC_INPUT.exec(t);
  const bad: UtcInput = { ok: false, message: `not a UTC date or time: ${t.slice(0, 40)} (use 2025-06-30 or 2025-06-30T18:00Z)` };
  if (!m) return bad;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7) as string[];
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const back = new Date(ms);
  // Date.UTC rolls 2025-02-30 over to March; a real date reads back the same.
  if (back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return bad;
  const zone = m[7];
  let offsetMin = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    offsetMin = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
  }
  const at = ms - offsetMin * 60_000;
  if (opts.future && at <= (opts.nowMs ?? Date.now())) return { ok: false, message: `${formatUtc(new Date(at).toISOString())} is already past` };
  return { ok: true, iso: new Date(at).toISOString() };
}

/**
 * An end time typed into an expiry field (the ignore dialog): a duration from now as the
 * CLI's `--expires` takes it (`90m`, `12h`, `30d`, `2w`), or a UTC date or time as
 * `parseUtcInput` reads it. Always a time to come; empty is "no end" (`iso: null`). The
 * engine is sent the ISO time, never the duration.
 */
export function parseExpiryInput(text: string, nowMs = Date.now()): UtcInput {
  const t = text.trim();
  const d = timeFromDuration(t, 1, nowMs);
  if (d) {
    if (!d.ok) return d;
    return Date.parse(d.iso) > nowMs ? d : { ok: false, message: `${t} ends at once: give a duration longer than zero` };
  }
  // Digits and a letter, but not one of the CLI's units (30y, 2mo): say which units there are.
  if (/^\d+\s*[a-z]+$/i.test(t)) return { ok: false, message: `not a duration: ${t.slice(0, 40)} (a whole number then m, h, d or w, no space: 90m, 12h, 30d, 2w)` };
  const iso = parseUtcInput(t, { future: true, nowMs });
  if (iso.ok || /already past$/.test(iso.message)) return iso;
  return { ok: false, message: `not a duration or a UTC date or time: ${t.slice(0, 40)} (use 30d, 12h, 2w, 2025-06-30 or 2025-06-30T18:00Z)` };
}
