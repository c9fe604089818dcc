/**
 * Linux cooked capture v1, LINKTYPE_LINUX_SLL = 113 (tcpdump's `-i any`).
 * packet type (2) | ARPHRD type (2) | address length (2) | address (8) | protocol (2).
 * For ARPHRD types that carry Ethernet-style payloads the protocol is an EtherType.
 */
import { fail, u16, type Packet } from './types';
import { next, type Step } from './step';

export function decodeSll(b: Uint8Array, o: number, end: number, p: Packet, step: Step): boolean {
  if (end - o < 16) return fail(p, 'truncated', 'sll');
  return next(step, 'ethertype', u16(b, o + 14), o + 16);
}
