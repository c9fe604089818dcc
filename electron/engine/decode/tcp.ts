/**
 * TCP, RFC 9293 §3.1.
 * source port (2) | destination port (2) | sequence (4) | acknowledgment (4) |
 * data offset (4 bits, in 32-bit words, ≥ 5) + reserved (4 bits) | flags (1) | window (2) |
 * checksum (2) | urgent pointer (2) | options (data offset*4 - 20).
 * Options are walked with a bound: kind 0 ends, kind 1 is one byte, others carry a
 * length ≥ 2 that must stay inside the header (a zero or overlong length is malformed).
 */
import { fail, setPayload, u16, u32, type Packet } from './types';
import { next, type Step } from './step';

export function decodeTcp(b: Uint8Array, o: number, end: number, p: Packet, step: Step): boolean {
  if (end - o < 20) return fail(p, 'truncated', 'tcp');
  p.srcPort = u16(b, o);
  p.dstPort = u16(b, o + 2);
  p.seq = u32(b, o + 4);
  p.ack = u32(b, o + 8);
  p.tcpFlags = b[o + 13]!;
  const hlen = (b[o + 12]! >> 4) * 4;
  if (hlen < 20) return fail(p, 'malformed', 'tcp');
  // The fixed header is sound: ports, flags and numbers are usable even when the
  // options below are cut off by the snap length.
  p.hasPorts = true;
  p.payloadLength = Math.max(0, p.ipPayloadLength - hlen);
  if (end - o < hlen) return fail(p, 'truncated', 'tcp-options');
  if (!optionsWellFormed(b, o + 20, o + hlen)) return fail(p, 'malformed', 'tcp-options');
  const start = o + hlen;
  setPayload(p, b, start, Math.min(end, start + p.payloadLength));
  return next(step, 'done', 0, start);
}

function optionsWellFormed(b: Uint8Array, at: number, stop: number): boolean {
  while (at < stop) {
    const kind = b[at]!;
    if (kind === 0) return true;
    if (kind === 1) {
      at += 1;
      continue;
    }
    if (at + 1 >= stop) return false;
    const len = b[at + 1]!;
    if (len < 2 || at + len > stop) return false;
    at += len;
  }
  return true;
}
