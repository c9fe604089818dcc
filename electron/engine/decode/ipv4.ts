/**
 * IPv4, RFC 791 §3.1.
 * version (4 bits) | IHL (4 bits, in 32-bit words, ≥ 5) | DSCP/ECN (1) | total length (2) |
 * identification (2) | flags (3 bits) + fragment offset (13 bits, 8-byte units) | TTL (1) |
 * protocol (1) | checksum (2) | source (4) | destination (4) | options (IHL*4 - 20).
 * Only the first fragment (offset 0) carries the transport header.
 */
import { fail, setAddresses, u16, type Packet } from './types';
import { next, type Step } from './step';

export function decodeIpv4(b: Uint8Array, o: number, end: number, p: Packet, step: Step): boolean {
  if (end - o < 20) return fail(p, 'truncated', 'ipv4');
  if (b[o]! >> 4 !== 4) return fail(p, 'malformed', 'ipv4');
  const ihl = (b[o]! & 0x0f) * 4;
  if (ihl < 20) return fail(p, 'malformed', 'ipv4');
  const total = u16(b, o + 2);
  p.ipVersion = 4;
  setAddresses(p, b, o + 12, o + 16);
  p.ipProto = b[o + 9]!;
  // A total length of 0 is written by TCP segmentation offload: fall back to what was captured.
  const declared = total === 0 ? end - o : total;
  if (declared < ihl) return fail(p, 'malformed', 'ipv4');
  p.ipPayloadLength = declared - ihl;
  if (end - o < ihl) return fail(p, 'truncated', 'ipv4');
  if ((u16(b, o + 6) & 0x1fff) !== 0) {
    p.laterFragment = true;
    return next(step, 'done', 0, o + ihl);
  }
  return next(step, 'ipproto', p.ipProto, o + ihl);
}
