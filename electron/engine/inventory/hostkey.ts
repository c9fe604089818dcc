/**
 * A sort key for host addresses: the 128-bit address as 32 hex digits, IPv4 mapped into
 * ::ffff:0:0/96, so 192.0.2.2 sorts before 192.0.2.10 and all IPv4 sorts together.
 * Text that is not an address (a hostname) sorts after every address.
 */
import ipaddr from 'ipaddr.js';

export function hostKey(host: string): string {
  try {
    const a = ipaddr.parse(host);
    const bytes = a.kind() === 'ipv4' ? (a as ipaddr.IPv4).toIPv4MappedAddress().toByteArray() : a.toByteArray();
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  } catch {
    return `~${host}`;
  }
}
