/**
 * Port specifications: `22,80,8000-8100`, `all` (1-65535), `top:N` (the first N of the
 * ranked list in resources/ports/tcp-ranked.txt, whose source and licence are noted in
 * the file), and combinations (`top:100,8000-8100`). Order is kept (ranked ports first),
 * duplicates dropped. Port 0 is never probed: it cannot be connected to.
 */
import RANKED_TEXT from '../../../resources/ports/tcp-ranked.txt?raw';

export class PortSpecError extends Error {
  override name = 'PortSpecError';
}

export const MAX_PORT = 65535;

interface Ranked {
  /** Every port 1-65535, most likely open first. */
  order: Uint16Array;
  /** Curated name per port, where the list gives one. */
  names: Map<number, string>;
  /** How many ports the hand-ranked head of the list holds. */
  curated: number;
}

let ranked: Ranked | null = null;

/** Parses the ranked list once; later calls reuse it. */
function rankedList(): Ranked {
  if (ranked) return ranked;
  const names = new Map<number, string>();
  const order: number[] = [];
  for (const raw of RANKED_TEXT.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [p, name] = line.split(/\s+/);
    const port = Number(p);
    if (!Number.isInteger(port) || port < 1 || port > MAX_PORT || names.has(port)) continue;
    names.set(port, name ?? '');
    order.push(port);
  }
  const curated = order.length;
  // Then the rest of the system ports, then everything else, ascending (see the file's header).
  for (let p = 1; p <= MAX_PORT; p++) if (!names.has(p)) order.push(p);
  ranked = { order: Uint16Array.from(order), names, curated };
  return ranked;
}

/** The first `n` ports of the ranked list. */
export function topPorts(n: number): number[] {
  const r = rankedList();
  return Array.from(r.order.subarray(0, Math.max(0, Math.min(n, MAX_PORT))));
}

/** The usual service name of a TCP port, from the ranked list, or null. */
export function portName(port: number): string | null {
  return rankedList().names.get(port) || null;
}

function parsePort(s: string, whole: string): number {
  if (!/^\d{1,5}$/.test(s)) throw new PortSpecError(`'${s}' in '${whole}' is not a port number`);
  const n = Number(s);
  if (n < 1 || n > MAX_PORT) throw new PortSpecError(`port ${n} in '${whole}' is outside 1-65535`);
  return n;
}

/**
 * Expands a port spec into the ordered list of distinct ports to probe.
 * Throws PortSpecError with a message naming the bad part.
 */
export function parsePortSpec(spec: string): number[] {
  const whole = spec.trim();
  if (!whole) throw new PortSpecError('no ports given (try 22,80,443 or 1-1024 or top:100 or all)');
  const seen = new Uint8Array(MAX_PORT + 1);
  const out: number[] = [];
  const add = (p: number): void => {
    if (!seen[p]) {
      seen[p] = 1;
      out.push(p);
    }
  };
  for (const part0 of whole.split(/[\s,]+/)) {
    const part = part0.toLowerCase();
    if (!part) continue;
    if (part === 'all' || part === '-') {
      for (let p = 1; p <= MAX_PORT; p++) add(p);
    } else if (part.startsWith('top:') || part.startsWith('top')) {
      const m = /^top:?(\d{1,5})$/.exec(part);
      if (!m) throw new PortSpecError(`'${part0}' should be top:N, e.g. top:100`);
      const n = Number(m[1]);
      if (n < 1 || n > MAX_PORT) throw new PortSpecError(`top:${n} must be between 1 and 65535`);
      for (const p of topPorts(n)) add(p);
    } else if (part.includes('-')) {
      const [a, b, ...rest] = part.split('-');
      if (rest.length) throw new PortSpecError(`'${part0}' is not a range (use 8000-8100)`);
      const lo = a === '' ? 1 : parsePort(a!, whole);
      const hi = b === '' ? MAX_PORT : parsePort(b!, whole);
      if (lo > hi) throw new PortSpecError(`range '${part0}' runs backwards`);
      for (let p = lo; p <= hi; p++) add(p);
    } else {
      add(parsePort(part, whole));
    }
  }
  if (!out.length) throw new PortSpecError('no ports given');
  return out;
}

/** The count of distinct ports a spec names, or an error message. Cheap enough for typing. */
export function countPorts(spec: string): { count: number } | { error: string } {
  try {
    return { count: parsePortSpec(spec).length };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** How many ports the hand-ranked head of the list holds (the rest is ascending order). */
export function curatedPortCount(): number {
  return rankedList().curated;
}
