/**
 * Linux cooked capture v2, LINKTYPE_LINUX_SLL2 = 276 (does not fit in the 16-bit pcap
 * field's low byte, so link types are never narrowed to a byte here).
 * protocol (2) | reserved (2) | interface index (4) | ARPHRD type (2) | packet type (1) |
 * address length (1) | address (8).
 */
import { fail, u16, type Packet } from './types';
import { next, type Step } from './step';

export function decodeSll2(b: Uint8Array, o: number, end: number, p: Packet, step: Step): boolean {
  if (end - o < 20) return fail(p, 'truncated', 'sll2');
  return next(step, 'ethertype', u16(b, o), o + 20);
}
