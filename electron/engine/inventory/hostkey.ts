/**
 * A sort key for host addresses: the 128-bit address as 32 hex digits, IPv4 mapped into
 * ::ffff:0:0/96, so 192.0.2.2 sorts before 192.0.2.10 and all IPv4 sorts together.
 * Text that is not an address (a hostname) sorts after every address.
 *
 * Because the key is fixed-width hex, a subnet is one contiguous key range: subnet
 * filters and rules are a BETWEEN on an indexed column, not a scan.
 */
import ipaddr from 'ipaddr.js';

function keyOf(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

function bytes16(a: ipaddr.IPv4 | ipaddr.IPv6): number[] {
  return a.kind() === 'ipv4' ? (a as ipaddr.IPv4).toIPv4MappedAddress().toByteArray() : a.toByteArray();
}

export function hostKey(host: string): string {
  try {
    return keyOf(bytes16(ipaddr.parse(host)));
  } catch {
    return `~${host}`;
  }
}

export class AddressError extends Error {
  override name = 'InvalidAddress';
}

/**
 * The one check every address a person or a file gives goes through (options, CIDR
 * blocks, tag hosts, snapshot scopes, imports). IPv4 is four decimal parts 0-255 without
 * leading zeros: inet_aton's other forms (198.51.100.010 is octal, .8; 0x7f.0.0.25 hex;
 * 2130706457 a bare 32-bit number, 127.0.0.25) name another host than the reader sees,
 * so they are refused, never reinterpreted. The same holds for an IPv4 tail in IPv6
 * (::ffff:198.51.100.010). A zone id (fe80::1%eth0) names an interface of the local
 * machine, not part of the host's address: refused too (stored addresses carry none).
 * Throws AddressError.
 */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const t = text.trim();
  const shown = JSON.stringify(t.slice(0, 64));
  if (t.includes('%')) throw new AddressError(`${shown} has a zone id (%…); addresses are stored without it`);
  if (t.includes(':')) {
    if (!ipaddr.IPv6.isValid(t)) throw new AddressError(`not an IP address: ${shown}`);
    const tail = t.slice(t.lastIndexOf(':') + 1);
    if (tail.includes('.') && !ipaddr.IPv4.isValidFourPartDecimal(tail)) throw new AddressError(`not an IPv6 address: ${shown} (its IPv4 part must be four decimal numbers 0-255 without leading zeros)`);
    return ipaddr.IPv6.parse(t);
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) return ipaddr.IPv4.parse(t);
  if (ipaddr.IPv4.isValid(t)) throw new AddressError(`not a dotted-quad IPv4 address: ${shown} (four decimal numbers 0-255 without leading zeros; octal, hex and single-number forms name other hosts)`);
  throw new AddressError(`not an IP address: ${shown}`);
}

/**
 * A CIDR block (`net/len`) under parseAddress's rules, the length a decimal number within
 * the family's width. The address need not be the network address. Throws AddressError.
 */
export function parseBlock(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const t = text.trim();
  const slash = t.lastIndexOf('/');
  const lenText = t.slice(slash + 1);
  if (slash < 0 || !/^\d{1,3}$/.test(lenText)) throw new AddressError(`not a CIDR subnet: ${JSON.stringify(t.slice(0, 64))}`);
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = parseAddress(t.slice(0, slash));
  } catch (err) {
    throw new AddressError(`not a CIDR subnet: ${JSON.stringify(t.slice(0, 64))}: ${(err as Error).message}`);
  }
  const len = Number(lenText);
  if (len > (addr.kind() === 'ipv4' ? 32 : 128)) throw new AddressError(`not a CIDR subnet: ${JSON.stringify(t.slice(0, 64))}: the prefix length is at most ${addr.kind() === 'ipv4' ? 32 : 128}`);
  return [addr, len];
}

/**
 * An address as the inventory stores it: IPv4 dotted quad, IPv6 in RFC 5952 form. An
 * IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, a dual-stack socket's view of an IPv4
 * peer) is that IPv4 host and is stored as its dotted quad, so one host is one entry
 * whichever way a tool wrote it (the scanner already resolves it so). Throws
 * AddressError on anything parseAddress refuses (IPv4 with leading zeros, fewer than
 * four parts, hex; a zone id).
 */
export function normalizeHost(text: string): string {
  const a = parseAddress(text);
  if (a.kind() === 'ipv4') return a.toString();
  const v6 = a as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return v6.toRFC5952String();
}

export interface KeyRange {
  /** Normalised text: `a.b.c.d` for one address, `net/len` (network address) for a subnet. */
  text: string;
  lo: string;
  hi: string;
}

/**
 * A host text as the inventory keeps it: an IPv4-mapped IPv6 address (from a capture
 * of a dual-stack socket, an import) becomes its IPv4 dotted quad; anything else is
 * returned as given (already normalised by its decoder or importer).
 */
export function plainHost(host: string): string {
  if (host.length < 9 || !/^::ffff:/i.test(host)) return host;
  try {
    const a = ipaddr.parse(host);
    return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address().toString() : host;
  } catch {
    return host;
  }
}

/** The keys of IPv4 hosts: ::ffff:0:0/96. */
export const MAPPED_LO = '00000000000000000000ffff00000000';
export const MAPPED_HI = '00000000000000000000ffffffffffff';

/**
 * True when `r` is an IPv6 block that reaches beyond ::ffff:0:0/96 and so would take in
 * the IPv4 hosts keyed inside it (`::/0`, `::/64`): such a block means IPv6 hosts only,
 * so callers leave the IPv4 keys out. A block inside ::ffff:0:0/96 (written as IPv4 or
 * as `::ffff:10.0.0.0/104`) is IPv4 and keeps them.
 */
export function excludesIpv4(r: KeyRange): boolean {
  return r.text.includes(':') && r.lo <= MAPPED_HI && r.hi >= MAPPED_LO && (r.lo < MAPPED_LO || r.hi > MAPPED_HI);
}

/** True when host key `k` lies in range `r`, IPv4 keys left out of IPv6-only blocks (excludesIpv4). */
export function inKeyRange(k: string, r: KeyRange): boolean {
  if (k < r.lo || k > r.hi) return false;
  return !(k >= MAPPED_LO && k <= MAPPED_HI && excludesIpv4(r));
}

/** The host_key range of an address or a CIDR subnet. Throws AddressError when invalid. */
export function keyRange(text: string): KeyRange {
  const t = text.trim();
  if (!t.includes('/')) {
    const host = normalizeHost(t);
    const k = hostKey(host);
    return { text: host, lo: k, hi: k };
  }
  const [addr, len] = parseBlock(t);
  const full = addr.kind() === 'ipv4' ? len + 96 : len;
  const b = bytes16(addr);
  const lo = b.slice();
  const hi = b.slice();
  for (let bit = full; bit < 128; bit++) {
    const i = bit >> 3;
    const m = 0x80 >> (bit & 7);
    lo[i] = (lo[i] ?? 0) & ~m;
    hi[i] = (hi[i] ?? 0) | m;
  }
  // A block inside ::ffff:0:0/96 is IPv4 and is written so (::ffff:10.0.0.0/104 is
  // 10.0.0.0/8), as the inventory writes its hosts.
  const mapped = addr.kind() === 'ipv6' && full >= 96 && lo.slice(0, 12).every((b, i) => b === (i < 10 ? 0 : 0xff));
  const written = addr.kind() === 'ipv4' || mapped ? `${lo.slice(12).join('.')}/${full - 96}` : `${normalizeHost(ipaddr.fromByteArray(lo).toString())}/${len}`;
  return { text: written, lo: keyOf(lo), hi: keyOf(hi) };
}
