/**
 * 802.1Q (0x8100), 802.1ad QinQ (0x88A8) and the old 0x9100 stacking tag.
 * Tag Control Information (2: PCP 3 bits, DEI 1 bit, VLAN id 12 bits) | EtherType (2).
 * Stacked tags come back here through the EtherType table, outermost first.
 */
import { fail, u16, type Packet } from './types';
import { next, type Step } from './step';

/** Bound on stacked tags: real networks use two, a loop of tags is malformed. */
const MAX_TAGS = 8;

export function decodeVlan(b: Uint8Array, o: number, end: number, p: Packet, step: Step): boolean {
  if (end - o < 4) return fail(p, 'truncated', 'vlan');
  if (p.vlans.length >= MAX_TAGS) return fail(p, 'malformed', 'vlan');
  p.vlans.push(u16(b, o) & 0x0fff);
  return next(step, 'ethertype', u16(b, o + 2), o + 4);
}
