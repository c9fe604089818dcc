/**
 * The canonical form that is hashed: JSON with object keys sorted recursively (by UTF-16
 * code units), no insignificant whitespace, strings escaped as ECMAScript's
 * JSON.stringify does. For the values a snapshot holds (strings, integers, booleans,
 * null, arrays, objects) this is exactly RFC 8785 (JCS), so an auditor can recompute any
 * hash with an independent JCS implementation. Non-integer numbers, `undefined`, and
 * anything else JSON cannot carry are refused instead of being silently dropped: a value
 * that changes on a round trip through a file would make a seal unverifiable.
 */
import { createHash } from 'node:crypto';

export class CanonicalError extends Error {
  override name = 'CanonicalError';
}

export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(v: unknown, path: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(v)) throw new CanonicalError(`${path}: only safe integers are allowed, got ${v}`);
      return Object.is(v, -0) ? '0' : String(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x, i) => write(x, `${path}[${i}]`)).join(',')}]`;
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new CanonicalError(`${path}: not a plain object`);
      const keys = Object.keys(v).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write((v as Record<string, unknown>)[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new CanonicalError(`${path}: ${typeof v} cannot be part of a snapshot`);
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 of a value's canonical form. */
export function hashOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/**
 * Milliseconds since the epoch as ISO 8601 UTC with the offset written out:
 * `2024-03-01T10:00:00.000+00:00`. The same on every machine, whatever its TZ.
 */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '+00:00');
}

/** Microseconds (packet time) likewise, keeping the microseconds. */
export function isoUtcUs(us: number): string {
  const ms = Math.floor(us / 1000);
  const frac = String(((us % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${frac}+00:00`);
}
