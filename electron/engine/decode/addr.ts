/**
 * Address text for decoded packets. IPv6 follows RFC 5952 §4: lower-case hex, no leading
 * zeros, the longest run of two or more zero groups shortened to `::` (the first run on
 * a tie), and IPv4-mapped addresses as `::ffff:a.b.c.d` (§5).
 */
import { ipv6GroupsText } from '../../shared/ipv6';

export function ipv4Text(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

export function ipv6Text(b: Uint8Array, o: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4Text(b, o + 12)}`;
  }
  return ipv6GroupsText(g);
}
