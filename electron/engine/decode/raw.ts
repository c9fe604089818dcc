/**
 * Raw IP link types: the frame starts with the IP header.
 * LINKTYPE_RAW = 101 (and DLT_RAW 12 / 14 as written by some systems): version nibble says.
 * LINKTYPE_IPV4 = 228 and LINKTYPE_IPV6 = 229: fixed versions (checked by the IP decoders).
 */
import type { Packet } from './types';
import { next, type Step } from './step';

export function decodeRaw(_b: Uint8Array, o: number, _end: number, _p: Packet, step: Step): boolean {
  return next(step, 'ipguess', 0, o);
}

export function decodeRawIpv4(_b: Uint8Array, o: number, _end: number, _p: Packet, step: Step): boolean {
  return next(step, 'ethertype', 0x0800, o);
}

export function decodeRawIpv6(_b: Uint8Array, o: number, _end: number, _p: Packet, step: Step): boolean {
  return next(step, 'ethertype', 0x86dd, o);
}
