/**
 * MPLS label stack (EtherType 0x8847 unicast, 0x8848 multicast), RFC 3032 §2.1.
 * Each entry: label (20 bits) | TC (3) | bottom-of-stack S (1) | TTL (8).
 * The payload type is not signalled: after the bottom entry, the IP version nibble says.
 */
import { fail, type Packet } from './types';
import { next, type Step } from './step';

const MAX_LABELS = 16;

export function decodeMpls(b: Uint8Array, o: number, end: number, p: Packet, step: Step): boolean {
  for (let i = 0; i < MAX_LABELS; i++) {
    if (end - o < 4) return fail(p, 'truncated', 'mpls');
    const label = (b[o]! << 12) | (b[o + 1]! << 4) | (b[o + 2]! >> 4);
    const bottom = (b[o + 2]! & 0x01) === 1;
    p.mpls.push(label);
    o += 4;
    if (bottom) return next(step, 'ipguess', 0, o);
  }
  return fail(p, 'malformed', 'mpls');
}
