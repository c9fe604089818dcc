/**
 * Database rows → snapshot values, by the naming convention of docs/schema.md, so columns
 * that later migrations add are carried into a snapshot without code here knowing them:
 * `*_at` / `*_ms` are ms → ISO UTC, `*_us` are µs → ISO UTC with µs, `*_json` is parsed.
 * Non-integer numbers become their decimal text (the canonical form admits integers only).
 */
import { isoUtc, isoUtcUs } from './canonical';
import type { JsonValue } from './types';

export type Row = Record<string, unknown>;

export function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Any JSON-ish value made canonicalisable: floats as text, undefined dropped. */
export function sanitize(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(sanitize);
  if (typeof v === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = sanitize(x);
    return out;
  }
  return String(v);
}

export function convertColumn(name: string, v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (/_(at|ms)$/.test(name)) return isoUtc(v);
    if (/_us$/.test(name)) return isoUtcUs(v);
  }
  if (typeof v === 'string' && /_json$/.test(name)) {
    try {
      return sanitize(JSON.parse(v));
    } catch {
      return v;
    }
  }
  if (Buffer.isBuffer(v)) return v.toString('hex');
  return sanitize(v);
}

/** Every column not in `skip`, camel-cased (`_json` dropped from the name) and converted. */
export function restOf(row: Row, skip: ReadonlySet<string>): { [k: string]: JsonValue } {
  const out: { [k: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(row)) {
    if (skip.has(k)) continue;
    out[camel(k.replace(/_json$/, ''))] = convertColumn(k, v);
  }
  return out;
}

export const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
export const int = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) ? v : Number.parseInt(str(v), 10) || 0);
export const isoOrNull = (v: unknown): string | null => (typeof v === 'number' && Number.isFinite(v) ? isoUtc(v) : null);

/** A list stored as JSON array text, or separated by spaces / commas. */
export function listOf(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.map(String);
  const s = String(v).trim();
  if (!s) return [];
  if (s.startsWith('[')) {
    try {
      const a = JSON.parse(s) as unknown;
      if (Array.isArray(a)) return a.map(String);
    } catch {
      /* fall through to splitting */
    }
  }
  return s.split(/[\s,]+/).filter(Boolean);
}
