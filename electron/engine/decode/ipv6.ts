/**
 * IPv6, RFC 8200 §3 and §4.
 * version (4 bits) | traffic class (8 bits) | flow label (20 bits) | payload length (2) |
 * next header (1) | hop limit (1) | source (16) | destination (16).
 * Extension headers walked here: hop-by-hop (0), routing (43), destination options (60):
 * next header (1) | length in 8-byte units not counting the first 8 (1) | ...;
 * fragment (44): fixed 8 bytes, offset (13 bits) in bytes 2-3, non-first fragments carry
 * no transport header; AH (51, RFC 4302): length in 4-byte units minus 2.
 */
import { fail, setAddresses, u16, type Packet } from './types';
import { next, type Step } from './step';

/** Bound on the extension chain, so a crafted loop of headers cannot spin. */
const MAX_EXTENSIONS = 16;

export function decodeIpv6(b: Uint8Array, o: number, end: number, p: Packet, step: Step): boolean {
  if (end - o < 40) return fail(p, 'truncated', 'ipv6');
  if (b[o]! >> 4 !== 6) return fail(p, 'malformed', 'ipv6');
  p.ipVersion = 6;
  setAddresses(p, b, o + 8, o + 24);
  let payloadLength = u16(b, o + 4);
  // Payload length 0 means a jumbogram or offload: use what was captured.
  if (payloadLength === 0) payloadLength = end - o - 40;
  let nh = b[o + 6]!;
  let at = o + 40;
  for (let i = 0; i < MAX_EXTENSIONS; i++) {
    if (nh === 0 || nh === 43 || nh === 60) {
      if (end - at < 8) return fail(p, 'truncated', 'ipv6-ext');
      const len = (b[at + 1]! + 1) * 8;
      nh = b[at]!;
      at += len;
      payloadLength -= len;
    } else if (nh === 44) {
      if (end - at < 8) return fail(p, 'truncated', 'ipv6-frag');
      const offset = u16(b, at + 2) >> 3;
      nh = b[at]!;
      at += 8;
      payloadLength -= 8;
      if (offset !== 0) {
        p.ipProto = nh;
        p.laterFragment = true;
        p.ipPayloadLength = Math.max(0, payloadLength);
        return next(step, 'done', 0, at);
      }
    } else if (nh === 51) {
      if (end - at < 8) return fail(p, 'truncated', 'ipv6-ah');
      const len = (b[at + 1]! + 2) * 4;
      nh = b[at]!;
      at += len;
      payloadLength -= len;
    } else {
      p.ipProto = nh;
      if (payloadLength < 0) return fail(p, 'malformed', 'ipv6-ext');
      p.ipPayloadLength = payloadLength;
      if (at > end) return fail(p, 'truncated', 'ipv6-ext');
      return next(step, 'ipproto', nh, at);
    }
  }
  return fail(p, 'malformed', 'ipv6-ext');
}
