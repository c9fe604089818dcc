/**
 * UDP, RFC 768: source port (2) | destination port (2) | length incl. header (2) | checksum (2).
 */
import { fail, setPayload, u16, type Packet } from './types';
import { next, type Step } from './step';

export function decodeUdp(b: Uint8Array, o: number, end: number, p: Packet, step: Step): boolean {
  if (end - o < 8) return fail(p, 'truncated', 'udp');
  p.srcPort = u16(b, o);
  p.dstPort = u16(b, o + 2);
  p.hasPorts = true;
  const len = u16(b, o + 4);
  // Length 0 is legal in IPv6 jumbograms; otherwise it must cover the header.
  if (len !== 0 && len < 8) return fail(p, 'malformed', 'udp');
  p.payloadLength = Math.max(0, (len === 0 ? p.ipPayloadLength : Math.min(len, p.ipPayloadLength || len)) - 8);
  setPayload(p, b, o + 8, Math.min(end, o + 8 + p.payloadLength));
  return next(step, 'done', 0, o + 8);
}
