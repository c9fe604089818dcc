/**
 * Snapshot scope: which hosts a snapshot covers.
 * - `all` — every host;
 * - `subnet:<cidr>`, or a bare CIDR or address — hosts inside it (parsed as every other
 *   address is, hostkey.ts parseAddress: IPv4 only as a dotted quad; an IPv4 scope never
 *   matches IPv6 hosts and the reverse, except IPv4-mapped IPv6 addresses);
 * - `tag:<name>` — hosts carrying that tag (case-insensitive), e.g. `tag:CDE`.
 * The normalised text (`subnet:192.0.2.0/24`) is what the snapshot records.
 */
import ipaddr from 'ipaddr.js';
import { AddressError, parseAddress, parseBlock } from '../inventory/hostkey';

export class ScopeError extends Error {
  override name = 'ScopeError';
}

export type Scope = { kind: 'all'; text: 'all' } | { kind: 'subnet'; text: string; range: [ipaddr.IPv4 | ipaddr.IPv6, number] } | { kind: 'tag'; text: string; tag: string };

export function parseScope(input: string): Scope {
  const raw = input.trim();
  if (raw === '' || raw.toLowerCase() === 'all') return { kind: 'all', text: 'all' };
  if (/^tag:/i.test(raw)) {
    const tag = raw.slice(4).trim();
    if (!tag || tag.length > 128 || /[\u0000-\u001f]/.test(tag)) throw new ScopeError(`scope ${JSON.stringify(raw)}: a tag needs a name (tag:CDE)`);
    return { kind: 'tag', text: `tag:${tag}`, tag };
  }
  const spec = /^subnet:/i.test(raw) ? raw.slice(7).trim() : raw;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let bits: number;
  try {
    // The inventory's own address check: 198.51.100.010, 0x7f.0.0.25 and 2130706457 are
    // refused, not read as other hosts (.8, 127.0.0.25), and so is a zone id.
    if (spec.includes('/')) [addr, bits] = parseBlock(spec);
    else {
      addr = parseAddress(spec);
      bits = addr.kind() === 'ipv4' ? 32 : 128;
    }
  } catch (err) {
    const why = err instanceof AddressError ? ` (${err.message})` : '';
    throw new ScopeError(`scope ${JSON.stringify(raw)} is not 'all', a subnet (192.0.2.0/24) or a tag (tag:CDE)${why}`);
  }
  // An IPv4-mapped IPv6 block is the IPv4 block (the inventory stores those hosts as IPv4).
  if (addr.kind() === 'ipv6' && bits >= 96 && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  const network = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${bits}`) : ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${bits}`);
  return { kind: 'subnet', text: `subnet:${network.toString()}/${bits}`, range: [network, bits] };
}

/** Whether a host address (and its tags) falls in the scope. */
export function inScope(scope: Scope, address: string, tags: readonly string[]): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'tag') {
    const want = scope.tag.toLowerCase();
    return tags.some((t) => t.toLowerCase() === want);
  }
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    a = ipaddr.parse(address);
  } catch {
    return false;
  }
  const [net] = scope.range;
  if (a.kind() === 'ipv6' && net.kind() === 'ipv4' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  if (a.kind() !== net.kind()) return false;
  return a.match(scope.range as [typeof a, number]);
}
