/**
 * Packet decoding: one dispatch table per layer, keyed by link type, EtherType and IP
 * protocol. `decodeFrame` never throws on bad bytes: the packet's `issue` says where and
 * why decoding stopped.
 */
import { decodeEthernet } from './ethernet';
import { decodeIpv4 } from './ipv4';
import { decodeIpv6 } from './ipv6';
import { decodeNull } from './loopback';
import { decodeMpls } from './mpls';
import { decodeRaw, decodeRawIpv4, decodeRawIpv6 } from './raw';
import { decodeSll } from './sll';
import { decodeSll2 } from './sll2';
import type { Step } from './step';
import { decodeTcp } from './tcp';
import { fail, resetPacket, type Packet } from './types';
import { decodeUdp } from './udp';
import { decodeVlan } from './vlan';

export type Decoder = (b: Uint8Array, o: number, p: Packet, step: Step) => boolean;

/** Link types (https://www.tcpdump.org/linktypes.html) → decoder. */
export const LINK_TYPES: ReadonlyMap<number, Decoder> = new Map<number, Decoder>([
  [0, decodeNull], // LINKTYPE_NULL
  [1, decodeEthernet], // LINKTYPE_ETHERNET
  [12, decodeRaw], // DLT_RAW as written by most BSDs
  [14, decodeRaw], // DLT_RAW on OpenBSD
  [101, decodeRaw], // LINKTYPE_RAW
  [108, decodeNull], // LINKTYPE_LOOP (network byte order family)
  [113, decodeSll], // LINKTYPE_LINUX_SLL
  [228, decodeRawIpv4], // LINKTYPE_IPV4
  [229, decodeRawIpv6], // LINKTYPE_IPV6
  [276, decodeSll2], // LINKTYPE_LINUX_SLL2
]);

/** Human names of the link types above, for warnings and capture records. */
export const LINK_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'null'],
  [1, 'ethernet'],
  [12, 'raw'],
  [14, 'raw'],
  [101, 'raw'],
  [108, 'loop'],
  [113, 'linux-sll'],
  [228, 'ipv4'],
  [229, 'ipv6'],
  [276, 'linux-sll2'],
]);

export const ETHER_TYPES: ReadonlyMap<number, Decoder> = new Map<number, Decoder>([
  [0x0800, decodeIpv4],
  [0x86dd, decodeIpv6],
  [0x8100, decodeVlan],
  [0x88a8, decodeVlan],
  [0x9100, decodeVlan],
  [0x8847, decodeMpls],
  [0x8848, decodeMpls],
]);

export const IP_PROTOCOLS: ReadonlyMap<number, Decoder> = new Map<number, Decoder>([
  [6, decodeTcp],
  [17, decodeUdp],
]);

/** Bound on layers per frame; every decoder consumes bytes, this is a second guard. */
const MAX_LAYERS = 32;

const step: Step = { kind: 'done', type: 0, offset: 0 };

/** Decodes one frame into `p` (reset first). Returns true when it reached a transport header. */
export function decodeFrame(linktype: number, frame: Uint8Array, p: Packet): boolean {
  resetPacket(p);
  const link = LINK_TYPES.get(linktype);
  if (!link) return fail(p, 'unsupported', `linktype ${linktype}`);
  if (!link(frame, 0, p, step)) return false;
  for (let i = 0; i < MAX_LAYERS; i++) {
    let dec: Decoder | undefined;
    switch (step.kind) {
      case 'done':
        return p.hasPorts;
      case 'ethertype':
        dec = ETHER_TYPES.get(step.type);
        if (!dec) return fail(p, 'unsupported', `ethertype 0x${step.type.toString(16)}`);
        break;
      case 'ipproto':
        dec = IP_PROTOCOLS.get(step.type);
        if (!dec) return fail(p, 'unsupported', `ip proto ${step.type}`);
        break;
      case 'ipguess': {
        if (step.offset >= frame.length) return fail(p, 'truncated', 'ip');
        const v = frame[step.offset]! >> 4;
        dec = v === 4 ? decodeIpv4 : v === 6 ? decodeIpv6 : undefined;
        if (!dec) return fail(p, 'unsupported', `ip version ${v}`);
        break;
      }
    }
    if (!dec(frame, step.offset, p, step)) return false;
  }
  return fail(p, 'malformed', 'layers');
}

export { newPacket } from './types';
export type { Packet, DecodeIssue } from './types';
