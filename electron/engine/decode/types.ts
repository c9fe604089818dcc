import { ipv4Text, ipv6Text } from './addr';

/**
 * What the decoders share. Decoders are pure functions over a byte view: they check
 * every length before reading and report `truncated` or `malformed` instead of throwing.
 */

/** Why a layer could not be decoded. Kept per packet, counted per capture. */
export type DecodeIssue =
  | 'truncated' // the captured bytes end inside this header
  | 'malformed' // a field contradicts itself (bad version, header length below minimum)
  | 'unsupported'; // a protocol or link type we do not decode (not an error)

/**
 * One decoded packet, flattened. A single instance is reused by the caller for every
 * packet (decoders overwrite it), so nothing here may be kept past the next packet
 * except copied primitives and strings.
 */
export interface Packet {
  /** Where decoding stopped early, and in which layer; null when fully decoded. */
  issue: DecodeIssue | null;
  issueLayer: string;
  /** 802.1Q / 802.1ad VLAN ids, outermost first. */
  vlans: number[];
  /** MPLS labels seen, outermost first. */
  mpls: number[];
  /** 4 or 6 once an IP header was read, else 0. */
  ipVersion: 0 | 4 | 6;
  /**
   * Addresses as text (dotted quad, or RFC 5952 IPv6), made on first read: the hot path
   * (flow keys, filters) works on the bytes at `srcOff` / `dstOff` in `addrBuf` instead,
   * so most packets never build an address string.
   */
  readonly src: string;
  readonly dst: string;
  /** The frame the addresses are in (valid only while this packet is current). */
  addrBuf: Uint8Array;
  srcOff: number;
  dstOff: number;
  /** IP protocol number of the transport (after IPv6 extension headers). */
  ipProto: number;
  /** True when this is a non-first IP fragment: it carries no transport header. */
  laterFragment: boolean;
  /** Bytes of transport header + payload as the IP header says (not the captured count). */
  ipPayloadLength: number;
  srcPort: number;
  dstPort: number;
  /** TCP only. Flags bit mask (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20). */
  tcpFlags: number;
  seq: number;
  ack: number;
  /** Transport payload length in bytes according to the headers (may exceed captured bytes). */
  payloadLength: number;
  /**
   * Captured transport payload (a view into the frame; may be shorter than
   * payloadLength), made on first read: the hot path uses `payloadOff` / `payloadEnd`
   * into `addrBuf`'s frame instead, so most packets never allocate a view.
   */
  readonly payload: Uint8Array;
  /** The frame the payload is in, and where it starts and ends (end - off = captured bytes). */
  payloadBuf: Uint8Array;
  payloadOff: number;
  payloadEnd: number;
  /** True once a TCP or UDP header was decoded. */
  hasPorts: boolean;
}

/** Sets where the addresses are; their text is made only if someone reads `src` / `dst`. */
export function setAddresses(p: Packet, b: Uint8Array, srcOff: number, dstOff: number): void {
  const s = p as PacketState;
  s.srcText = null;
  s.dstText = null;
  p.addrBuf = b;
  p.srcOff = srcOff;
  p.dstOff = dstOff;
}

/** Sets where the transport payload is; the view is made only if someone reads `payload`. */
export function setPayload(p: Packet, b: Uint8Array, off: number, end: number): void {
  (p as PacketState).payloadView = null;
  p.payloadBuf = b;
  p.payloadOff = off;
  p.payloadEnd = end;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

const EMPTY = new Uint8Array(0);

interface PacketState extends Packet {
  srcText: string | null;
  dstText: string | null;
  payloadView: Uint8Array | null;
}

function addrText(p: PacketState, off: number): string {
  if (p.ipVersion === 4) return ipv4Text(p.addrBuf, off);
  if (p.ipVersion === 6) return ipv6Text(p.addrBuf, off);
  return '';
}

/**
 * The one packet object decoders fill. A class, so every field is an own data property
 * from the start and the lazy texts are getters on the prototype: an object literal with
 * getters this size is kept in dictionary mode by V8, which made every field read and
 * write in the decoders and the flow table a hash lookup.
 */
class PacketImpl implements PacketState {
  issue: DecodeIssue | null = null;
  issueLayer = '';
  vlans: number[] = [];
  mpls: number[] = [];
  ipVersion: 0 | 4 | 6 = 0;
  srcText: string | null = null;
  dstText: string | null = null;
  addrBuf: Uint8Array = EMPTY;
  srcOff = 0;
  dstOff = 0;
  ipProto = -1;
  laterFragment = false;
  ipPayloadLength = 0;
  srcPort = 0;
  dstPort = 0;
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  payloadLength = 0;
  payloadView: Uint8Array | null = null;
  payloadBuf: Uint8Array = EMPTY;
  payloadOff = 0;
  payloadEnd = 0;
  hasPorts = false;

  get src(): string {
    return (this.srcText ??= addrText(this, this.srcOff));
  }

  get dst(): string {
    return (this.dstText ??= addrText(this, this.dstOff));
  }

  get payload(): Uint8Array {
    return (this.payloadView ??= this.payloadEnd > this.payloadOff ? this.payloadBuf.subarray(this.payloadOff, this.payloadEnd) : EMPTY);
  }
}

export function newPacket(): Packet {
  return new PacketImpl();
}

export function resetPacket(p: Packet): void {
  p.issue = null;
  p.issueLayer = '';
  if (p.vlans.length) p.vlans.length = 0;
  if (p.mpls.length) p.mpls.length = 0;
  p.ipVersion = 0;
  const s = p as PacketState;
  s.srcText = null;
  s.dstText = null;
  s.payloadView = null;
  p.addrBuf = EMPTY;
  p.srcOff = 0;
  p.dstOff = 0;
  p.ipProto = -1;
  p.laterFragment = false;
  p.ipPayloadLength = 0;
  p.srcPort = 0;
  p.dstPort = 0;
  p.tcpFlags = 0;
  p.seq = 0;
  p.ack = 0;
  p.payloadLength = 0;
  p.payloadBuf = EMPTY;
  p.payloadOff = 0;
  p.payloadEnd = 0;
  p.hasPorts = false;
}

/** Marks the packet as stopped in `layer` and returns false, for `return fail(...)`. */
export function fail(p: Packet, issue: DecodeIssue, layer: string): false {
  p.issue = issue;
  p.issueLayer = layer;
  return false;
}

export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
}
