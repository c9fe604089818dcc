/**
 * Ethernet II (IEEE 802.3 with EtherType), LINKTYPE_ETHERNET = 1.
 * dst MAC (6) | src MAC (6) | EtherType (2). A value below 0x0600 is an 802.3 length
 * (LLC/SNAP frames): not IP, reported as unsupported.
 */
import { fail, u16, type Packet } from './types';
import { next, type Step } from './step';

export function decodeEthernet(b: Uint8Array, o: number, end: number, p: Packet, step: Step): boolean {
  if (end - o < 14) return fail(p, 'truncated', 'ethernet');
  const type = u16(b, o + 12);
  if (type < 0x0600) return fail(p, 'unsupported', 'ethernet');
  return next(step, 'ethertype', type, o + 14);
}
