/**
 * Targets: what the analyst typed, turned into address ranges. Accepted, alone or in
 * lists separated by commas, spaces or lines (a `#` starts a comment, as in files):
 * - an IPv4 or IPv6 address (`192.0.2.7`, `2001:db8::7`; an IPv4-mapped IPv6 address is
 *   scanned as the IPv4 address);
 * - a CIDR block (`192.0.2.0/24`; /32 is one address, /31 two; host bits are ignored);
 * - a dash range: `192.0.2.1-20` (last octet), `2001:db8::1-ff` (last group, hex), or two
 *   full addresses `192.0.2.1-192.0.2.40`;
 * - a hostname: every address it resolves to, IPv4 and IPv6, each scanned and reported;
 *   a name that does not resolve (not found, or a temporary DNS failure) is reported and
 *   the sweep goes on; when no target is left, that is a failed run, not a wrong command
 *   line (`UnresolvedTargets`). Names under the reserved `.invalid` TLD never go to DNS
 *   (RFC 6761 §6.4: resolvers answer them negatively at once).
 * An exclusion name that does not resolve stops the sweep before it starts: scanning
 * without it could knock on the very host the analyst excluded.
 * Exclusions use the same syntax and are subtracted. Parsing uses ipaddr.js; ranges are
 * BigInt so an IPv6 /64 (or /0) is counted exactly without being listed.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

export class TargetError extends Error {
  override name = 'TargetError';
}

/** Names that did not resolve left nothing to scan, or an exclusion unknown: the run fails (CLI exit 1). */
export class UnresolvedTargets extends Error {
  override name = 'UnresolvedTargets';
}

export type Family = 4 | 6;

/** An inclusive range of addresses of one family, as integers. */
export interface AddrRange {
  family: Family;
  start: bigint;
  end: bigint;
}

export type ParsedToken =
  | { kind: 'range'; input: string; range: AddrRange; edges: bigint[] }
  | { kind: 'name'; input: string; name: string };

export interface ResolvedName {
  name: string;
  addresses: string[];
}

export interface TargetPlan {
  /** Disjoint, sorted ranges (IPv4 first) after exclusions. */
  ranges: AddrRange[];
  /** Distinct addresses to scan. */
  count: bigint;
  resolved: ResolvedName[];
  unresolved: Array<{ name: string; reason: string }>;
  /**
   * Network and broadcast addresses of IPv4 blocks of /30 or wider (as text). They are
   * scanned; when the OS refuses to connect to one, that is logged, not reported as a port state.
   */
  edges: Set<string>;
}

export type Lookup = (name: string) => Promise<Array<{ address: string; family: number }>>;

/** RFC 6761 §6.4: `.invalid` names are answered negatively at once, without a DNS query. */
const isReservedInvalid = (name: string): boolean => /(^|\.)invalid\.?$/i.test(name);

const defaultLookup: Lookup = (name) =>
  isReservedInvalid(name) ? Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' })) : dnsLookup(name, { all: true, verbatim: true });

/**
 * Why a name did not resolve, in words. getaddrinfo's codes as Node reports them:
 * ENOTFOUND (no such name), ENODATA (the name has no address records), EAI_AGAIN (the
 * resolver did not answer in time or said try later: a temporary failure, reported and
 * skipped like a missing name, never a crash), EAI_FAIL (a permanent resolver failure).
 */
export function resolutionReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | null;
  switch (e?.code) {
    case 'ENOTFOUND':
      return 'name not found';
    case 'ENODATA':
      return 'no addresses';
    case 'EAI_AGAIN':
      return 'temporary DNS failure (EAI_AGAIN): the resolver did not answer; try again later';
    case 'EAI_FAIL':
      return 'DNS failure (EAI_FAIL)';
    default:
      return e?.code ?? (e instanceof Error ? e.message : String(err));
  }
}

const MAX_TOKEN = 255;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** Splits free text (a form field, a file) into tokens; `#` comments run to the end of a line. */
export function splitTargets(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, ''))
    .flatMap((l) => l.split(/[\s,;]+/))
    .filter((t) => t !== '');
}

function bitsOf(family: Family): number {
  return family === 4 ? 32 : 128;
}

export function addrToBig(a: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let n = 0n;
  for (const b of a.toByteArray()) n = (n << 8n) | BigInt(b);
  return n;
}

/** The text form of an address integer: dotted quad, or RFC 5952 IPv6. */
export function bigToAddr(family: Family, n: bigint): string {
  if (family === 4) return `${Number((n >> 24n) & 255n)}.${Number((n >> 16n) & 255n)}.${Number((n >> 8n) & 255n)}.${Number(n & 255n)}`;
  const bytes: number[] = new Array(16);
  let v = n;
  for (let i = 15; i >= 0; i--) {
    bytes[i] = Number(v & 255n);
    v >>= 8n;
  }
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

/** Parses one address strictly (four-part decimal IPv4, IPv6 without a zone). */
export function parseAddress(s: string): { family: Family; n: bigint } | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return { family: 4, n: addrToBig(ipaddr.IPv4.parse(s)) };
  if (s.includes(':') && !s.includes('%') && ipaddr.IPv6.isValid(s)) {
    const a = ipaddr.IPv6.parse(s);
    if (a.isIPv4MappedAddress()) return { family: 4, n: addrToBig(a.toIPv4Address()) };
    return { family: 6, n: addrToBig(a) };
  }
  return null;
}

/** A target as shown in a message: quoted, control characters escaped, at most 60 characters. */
function shown(s: string): string {
  const cut = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  return `'${cut.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

/** Parses one token without touching DNS. Throws TargetError for anything malformed. */
export function parseTargetToken(token: string): ParsedToken {
  const input = token.trim();
  if (!input) throw new TargetError('empty target');
  if (/[\x00-\x1f\x7f]/.test(input)) throw new TargetError(`${shown(input)} contains control characters`);
  if (input.length > MAX_TOKEN) throw new TargetError(`target too long: '${input.slice(0, 40)}…'`);
  if (input.includes('%')) throw new TargetError(`'${input}': IPv6 zone ids (fe80::1%eth0) are not supported`);

  if (input.includes('/')) {
    const parts = input.split('/');
    if (parts.length !== 2) throw new TargetError(`${shown(input)} is not a CIDR block (e.g. 192.0.2.0/24 or 2001:db8::/64)`);
    const [addr, bits] = parts;
    const a = parseAddress(addr ?? '');
    if (!a || !/^\d{1,3}$/.test(bits ?? '')) throw new TargetError(`'${input}' is not a CIDR block (e.g. 192.0.2.0/24 or 2001:db8::/64)`);
    // An IPv4-mapped block keeps its IPv6 prefix length only if it spans the mapped part.
    let prefix = Number(bits);
    let family = a.family;
    if (a.family === 4 && addr!.includes(':')) {
      if (prefix < 96) throw new TargetError(`'${input}': an IPv4-mapped block needs a prefix of /96 or longer`);
      prefix -= 96;
      family = 4;
    }
    const width = bitsOf(family);
    if (prefix > width) throw new TargetError(`'${input}': /${bits} is longer than /${width}`);
    const hostBits = BigInt(width - prefix);
    const start = (a.n >> hostBits) << hostBits;
    const end = start + (1n << hostBits) - 1n;
    const edges = family === 4 && prefix <= 30 ? [start, end] : [];
    return { kind: 'range', input, range: { family, start, end }, edges };
  }

  const dash = input.indexOf('-');
  if (dash > 0) {
    const left = parseAddress(input.slice(0, dash));
    if (left) {
      const right = input.slice(dash + 1);
      let end: bigint;
      const full = parseAddress(right);
      if (full) {
        if (full.family !== left.family) throw new TargetError(`'${input}': the two ends are of different families`);
        end = full.n;
      } else if (left.family === 4 && /^\d{1,3}$/.test(right) && Number(right) <= 255) {
        end = (left.n & ~255n) | BigInt(right);
      } else if (left.family === 6 && /^[0-9a-f]{1,4}$/i.test(right)) {
        end = (left.n & ~0xffffn) | BigInt(`0x${right}`);
      } else {
        throw new TargetError(`'${input}' is not a range (e.g. 192.0.2.1-20 or 192.0.2.1-192.0.2.40)`);
      }
      if (end < left.n) throw new TargetError(`range '${input}' runs backwards`);
      return { kind: 'range', input, range: { family: left.family, start: left.n, end }, edges: [] };
    }
  }

  const single = parseAddress(input);
  // 0.0.0.0 and :: name no host: a connect to them reaches this machine under a false name.
  if (single && single.n === 0n) throw new TargetError(`'${input}' is the unspecified address, not a host (to scan this machine, give 127.0.0.1 or ::1)`);
  if (single) return { kind: 'range', input, range: { family: single.family, start: single.n, end: single.n }, edges: [] };

  // Numeric forms the C resolver would take as addresses (0x7f.1, 127.1): refuse, never guess.
  const numericLabels = input.split('.').every((l) => /^(0x[0-9a-f]*|\d+)$/i.test(l));
  if (numericLabels || input.includes(':')) throw new TargetError(`'${input}' is not a valid IP address`);
  if (!HOSTNAME.test(input)) throw new TargetError(`${shown(input)} is not an address, range, CIDR block or hostname`);
  return { kind: 'name', input, name: input.toLowerCase().replace(/\.$/, '') };
}

/** Sorts and merges ranges (IPv4 first), so no address is counted or probed twice. */
export function mergeRanges(ranges: AddrRange[]): AddrRange[] {
  const sorted = [...ranges].sort((a, b) => a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: AddrRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.start <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ ...r });
  }
  return out;
}

/** Removes every address in `minus` from `ranges` (both merged). */
export function subtractRanges(ranges: AddrRange[], minus: AddrRange[]): AddrRange[] {
  let out = mergeRanges(ranges);
  for (const x of mergeRanges(minus)) {
    const next: AddrRange[] = [];
    for (const r of out) {
      if (r.family !== x.family || x.end < r.start || x.start > r.end) {
        next.push(r);
        continue;
      }
      if (x.start > r.start) next.push({ family: r.family, start: r.start, end: x.start - 1n });
      if (x.end < r.end) next.push({ family: r.family, start: x.end + 1n, end: r.end });
    }
    out = next;
  }
  return out;
}

export function countRanges(ranges: AddrRange[]): bigint {
  return ranges.reduce((n, r) => n + (r.end - r.start + 1n), 0n);
}

/** Parses every token; malformed ones are collected, not thrown. No DNS. */
export function parseTargetText(texts: string[]): { tokens: ParsedToken[]; errors: string[] } {
  const tokens: ParsedToken[] = [];
  const errors: string[] = [];
  for (const t of texts.flatMap(splitTargets)) {
    try {
      tokens.push(parseTargetToken(t));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return { tokens, errors };
}

async function resolveTokens(tokens: ParsedToken[], lookup: Lookup, resolved: ResolvedName[], unresolved: TargetPlan['unresolved']): Promise<AddrRange[]> {
  const ranges: AddrRange[] = [];
  const names = tokens.filter((t): t is Extract<ParsedToken, { kind: 'name' }> => t.kind === 'name');
  await Promise.all(
    names.map(async (t) => {
      try {
        const found = await lookup(t.name);
        const addresses: string[] = [];
        for (const f of found) {
          const a = parseAddress(f.address);
          if (!a) continue;
          ranges.push({ family: a.family, start: a.n, end: a.n });
          addresses.push(bigToAddr(a.family, a.n));
        }
        if (addresses.length) resolved.push({ name: t.name, addresses: [...new Set(addresses)] });
        else unresolved.push({ name: t.name, reason: 'no addresses' });
      } catch (err) {
        unresolved.push({ name: t.name, reason: resolutionReason(err) });
      }
    }),
  );
  for (const t of tokens) if (t.kind === 'range') ranges.push(t.range);
  return ranges;
}

/**
 * Turns targets and exclusions into the plan a sweep follows. Malformed input throws a
 * TargetError listing every bad token; target names that do not resolve are reported in
 * `unresolved` and skipped; an exclusion name that does not resolve throws
 * UnresolvedTargets (the sweep must not go on without the exclusion).
 */
export async function planTargets(targets: string[], excludes: string[] = [], lookup: Lookup = defaultLookup): Promise<TargetPlan> {
  const inc = parseTargetText(targets);
  const exc = parseTargetText(excludes);
  const bad = [...inc.errors, ...exc.errors.map((e) => `exclusion ${e}`)];
  // A file of garbage must not flood the terminal: the first few, then a count.
  if (bad.length) throw new TargetError(bad.length > 5 ? `${bad.slice(0, 5).join('; ')}; and ${bad.length - 5} more bad targets` : bad.join('; '));
  if (!inc.tokens.length) throw new TargetError('no targets given');
  const resolved: ResolvedName[] = [];
  const unresolved: TargetPlan['unresolved'] = [];
  const include = await resolveTokens(inc.tokens, lookup, resolved, unresolved);
  const unknownExclusions: TargetPlan['unresolved'] = [];
  const exclude = await resolveTokens(exc.tokens, lookup, [], unknownExclusions);
  if (unknownExclusions.length) {
    const list = unknownExclusions.map((u) => `${u.name} (${u.reason})`).join(', ');
    throw new UnresolvedTargets(`exclusion not resolved: ${list}; nothing was scanned, since the sweep could reach the host you excluded`);
  }
  const ranges = subtractRanges(include, exclude);
  const edges = new Set<string>();
  for (const t of inc.tokens) if (t.kind === 'range') for (const e of t.edges) edges.add(bigToAddr(4, e));
  resolved.sort((a, b) => a.name.localeCompare(b.name));
  unresolved.sort((a, b) => a.name.localeCompare(b.name));
  return { ranges, count: countRanges(ranges), resolved, unresolved, edges };
}

/**
 * A quick estimate while the analyst types: exact for addresses, ranges and blocks
 * (after exclusions), plus the number of hostnames still to resolve (each one or more
 * addresses). No DNS, no traffic.
 */
export function estimateTargets(targets: string, excludes: string): { addresses: bigint; names: number; errors: string[] } {
  const inc = parseTargetText([targets]);
  const exc = parseTargetText([excludes]);
  const ranges = inc.tokens.flatMap((t) => (t.kind === 'range' ? [t.range] : []));
  const minus = exc.tokens.flatMap((t) => (t.kind === 'range' ? [t.range] : []));
  return {
    addresses: countRanges(subtractRanges(ranges, minus)),
    names: new Set(inc.tokens.flatMap((t) => (t.kind === 'name' ? [t.name] : []))).size,
    errors: [...inc.errors, ...exc.errors.map((e) => `exclusion ${e}`)],
  };
}

/** Yields the plan's addresses in blocks of at most `size` (nmap's host groups). */
export function* hostBlocks(plan: Pick<TargetPlan, 'ranges'>, size: number): Generator<string[]> {
  let block: string[] = [];
  for (const r of plan.ranges) {
    for (let n = r.start; n <= r.end; n++) {
      block.push(bigToAddr(r.family, n));
      if (block.length >= size) {
        yield block;
        block = [];
      }
    }
  }
  if (block.length) yield block;
}

/**
 * Sweeps at or above these sizes need an explicit confirmation (`--confirm-large`, or
 * the dialog in the Scan view): more than a /16 of addresses, or more probes than a /24
 * with every port.
 */
export const LARGE_SWEEP_ADDRESSES = 65_536n;
export const LARGE_SWEEP_PROBES = 256n * 65_535n;

/** More than 65,536 addresses, or as many probes as a /24 with every port (16.8 million) or more. */
export function isLargeSweep(addresses: bigint, ports: number): boolean {
  return addresses > LARGE_SWEEP_ADDRESSES || addresses * BigInt(ports) >= LARGE_SWEEP_PROBES;
}
