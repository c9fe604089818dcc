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

/**
 * One layer's decoder: reads the header at `o` of the frame that ends at `end` (the
 * frame is bytes [start, end) of `b`, which may hold other frames around it: offsets are
 * absolute, so nothing is copied or sliced per packet), fills `p`, and says in `step`
 * where the next layer starts and how to pick its decoder.
 */
export type Decoder = (b: Uint8Array, o: number, end: number, p: Packet, step: Step) => boolean;

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

/**
 * The tables above as arrays indexed by number, for the per-packet path: a Map lookup
 * per layer was a good part of decoding's time. Index 0 of each decoder list is "none".
 */
function denseTable(table: ReadonlyMap<number, Decoder>, size: number): { slot: Uint8Array; decoders: Array<Decoder | undefined> } {
  const decoders: Array<Decoder | undefined> = [undefined];
  const slot = new Uint8Array(size);
  for (const [n, d] of table) {
    let i = decoders.indexOf(d);
    if (i < 0) i = decoders.push(d) - 1;
    slot[n] = i;
  }
  return { slot, decoders };
}
const LINK = denseTable(LINK_TYPES, 1 << 16);
const ETHER = denseTable(ETHER_TYPES, 1 << 16);
const IPPROTO = denseTable(IP_PROTOCOLS, 256);

/** Decodes one frame into `p` (reset first). Returns true when it reached a transport header. */
export function decodeFrame(linktype: number, frame: Uint8Array, p: Packet): boolean {
  return decodeFrameAt(linktype, frame, 0, frame.length, p);
}

/** The same, for the frame at bytes [start, end) of `buf` (a capture file's read buffer). */
export function decodeFrameAt(linktype: number, buf: Uint8Array, start: number, end: number, p: Packet): boolean {
  resetPacket(p);
  const link = linktype >= 0 && linktype < 1 << 16 ? LINK.decoders[LINK.slot[linktype]!] : undefined;
  if (!link) return fail(p, 'unsupported', `linktype ${linktype}`);
  if (!link(buf, start, end, p, step)) return false;
  for (let i = 0; i < MAX_LAYERS; i++) {
    let dec: Decoder | undefined;
    switch (step.kind) {
      case 'done':
        return p.hasPorts;
      case 'ethertype':
        dec = ETHER.decoders[ETHER.slot[step.type]!];
        if (!dec) return fail(p, 'unsupported', `ethertype 0x${step.type.toString(16)}`);
        break;
      case 'ipproto':
        dec = IPPROTO.decoders[IPPROTO.slot[step.type]!];
        if (!dec) return fail(p, 'unsupported', `ip proto ${step.type}`);
        break;
      case 'ipguess': {
        if (step.offset >= end) return fail(p, 'truncated', 'ip');
        const v = buf[step.offset]! >> 4;
        dec = v === 4 ? decodeIpv4 : v === 6 ? decodeIpv6 : undefined;
        if (!dec) return fail(p, 'unsupported', `ip version ${v}`);
        break;
      }
    }
    if (!dec(buf, step.offset, end, p, step)) return false;
  }
  return fail(p, 'malformed', 'layers');
}

export { newPacket } from './types';
export type { Packet, DecodeIssue } from './types';
