/**
 * BSD loopback encapsulations.
 * - LINKTYPE_NULL = 0: a 4-byte address family in the *capturing host's* byte order.
 * - LINKTYPE_LOOP = 108: the same family in network byte order (OpenBSD).
 * AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS),
 * 10 (Linux). We read the family in either byte order and then trust the IP version nibble.
 */
import { fail, type Packet } from './types';
import { next, type Step } from './step';

const INET_FAMILIES = new Set([2, 10, 24, 28, 30]);

export function decodeNull(b: Uint8Array, o: number, end: number, p: Packet, step: Step): boolean {
  if (end - o < 4) return fail(p, 'truncated', 'null');
  const le = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
  const be = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  if (!INET_FAMILIES.has(le) && !INET_FAMILIES.has(be)) return fail(p, 'unsupported', 'null');
  return next(step, 'ipguess', 0, o + 4);
}
