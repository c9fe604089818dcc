/**
 * Where the flow table keeps its open flows: one slot per flow in flat typed arrays (a
 * struct of arrays), found by the flow's key through an open-addressing hash index.
 *
 * Why not a Map of objects: a busy table touches a flow per packet and holds tens of
 * thousands of them. As objects (a flow, two sides, their lists) that was a string key
 * built and hashed per packet, megamorphic property loads, and most of the garbage
 * collector's work; here a packet costs a few array reads and writes, and a flow no
 * allocation beyond its address texts (shared per address) and first payloads.
 *
 * Layout: slot `f` holds the flow; its two sides are `2f` (side a, the one that sent the
 * first packet) and `2f + 1` (side b). The key is KEY_WORDS 32-bit words: IP protocol |
 * version << 8, then the lower endpoint's port << 16 | the higher's, then the lower
 * address (4 words, IPv4 in the first), then the higher. Slots are linked in the order
 * their flows were created, so finishing "in order" means what it did with a Map.
 *
 * The index is linear probing at most half full; a removal shifts the entries after it
 * back (no tombstones), so lookups never slow down in a long live capture.
 */
import type { AppGuess } from './appproto';

export const KEY_WORDS = 10;
/** SYN sequence numbers (and SYN-ACK acknowledgments) kept per side, at most. */
export const KEEP_SEQS = 4;

export class FlowSlots {
  capacity: number;
  size = 0;
  /** The first and last slot in creation order (-1 when empty), and the links between. */
  head = -1;
  tail = -1;
  prev: Int32Array;
  next: Int32Array;
  keys: Uint32Array;
  hash: Uint32Array;

  // Per flow.
  /** 6 (TCP) or 17 (anything else with ports, handled as UDP). */
  proto: Uint8Array;
  /** 1 when side a is the lower endpoint of the key. */
  aIsLow: Uint8Array;
  closed: Uint8Array;
  closedAtUs: Float64Array;
  /** 1 once a closed flow's verdicts were taken early (see FlowTable.compact). */
  settled: Uint8Array;
  settledSuspect: Uint8Array;
  settledGuess: (AppGuess | null)[];
  /** VLAN ids outermost first, comma-separated; '' when untagged. */
  vlan: string[];

  // Per side (2 per flow).
  ip: string[];
  port: Uint16Array;
  /** IPv4 address as a number, or -1 (IPv6): a compact fan-in key. */
  v4: Float64Array;
  pkts: Float64Array;
  bytes: Float64Array;
  syn: Uint32Array;
  synAck: Uint32Array;
  fin: Uint32Array;
  rst: Uint32Array;
  /** Packets this side sent acknowledging the peer's payload. */
  acked: Uint32Array;
  firstUs: Float64Array;
  lastUs: Float64Array;
  /** Sequence span of payload this side sent (serial numbers), valid when hasData. */
  hasData: Uint8Array;
  dataLo: Uint32Array;
  dataHi: Uint32Array;
  /** History letters this side sent, in order, as 3-bit codes; which ones, one bit each. */
  history: Uint32Array;
  historySeen: Uint8Array;
  /** The first payload bytes this side sent, as a Latin-1 string (one byte a character). */
  firstPayload: (string | null)[];
  firstPayloadUs: Float64Array;
  /** SYN sequence numbers and SYN-ACK acknowledgment numbers, KEEP_SEQS per side. */
  synSeqs: Uint32Array;
  synSeqN: Uint8Array;
  synAckAcks: Uint32Array;
  synAckN: Uint8Array;

  private index: Int32Array;
  private mask: number;
  private free: Int32Array;
  private nfree: number;

  constructor(capacity = 1024) {
    this.capacity = capacity;
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.keys = new Uint32Array(capacity * KEY_WORDS);
    this.hash = new Uint32Array(capacity);
    this.proto = new Uint8Array(capacity);
    this.aIsLow = new Uint8Array(capacity);
    this.closed = new Uint8Array(capacity);
    this.closedAtUs = new Float64Array(capacity);
    this.settled = new Uint8Array(capacity);
    this.settledSuspect = new Uint8Array(capacity);
    this.settledGuess = new Array<AppGuess | null>(capacity).fill(null);
    this.vlan = new Array<string>(capacity).fill('');
    const sides = capacity * 2;
    this.ip = new Array<string>(sides).fill('');
    this.port = new Uint16Array(sides);
    this.v4 = new Float64Array(sides);
    this.pkts = new Float64Array(sides);
    this.bytes = new Float64Array(sides);
    this.syn = new Uint32Array(sides);
    this.synAck = new Uint32Array(sides);
    this.fin = new Uint32Array(sides);
    this.rst = new Uint32Array(sides);
    this.acked = new Uint32Array(sides);
    this.firstUs = new Float64Array(sides);
    this.lastUs = new Float64Array(sides);
    this.hasData = new Uint8Array(sides);
    this.dataLo = new Uint32Array(sides);
    this.dataHi = new Uint32Array(sides);
    this.history = new Uint32Array(sides);
    this.historySeen = new Uint8Array(sides);
    this.firstPayload = new Array<string | null>(sides).fill(null);
    this.firstPayloadUs = new Float64Array(sides);
    this.synSeqs = new Uint32Array(sides * KEEP_SEQS);
    this.synSeqN = new Uint8Array(sides);
    this.synAckAcks = new Uint32Array(sides * KEEP_SEQS);
    this.synAckN = new Uint8Array(sides);
    this.index = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.nfree = capacity;
  }

  /** The slot holding `key` (KEY_WORDS words, hash `h`), or -1. */
  find(key: Uint32Array, h: number): number {
    const index = this.index;
    const keys = this.keys;
    const mask = this.mask;
    for (let pos = h & mask; ; pos = (pos + 1) & mask) {
      const e = index[pos]!;
      if (e === 0) return -1;
      const s = e - 1;
      if (this.hash[s] !== h) continue;
      const k = s * KEY_WORDS;
      if (keys[k + 1] === key[1] && keys[k + 2] === key[2] && keys[k + 6] === key[6] && keys[k] === key[0] && sameTail(keys, k, key)) return s;
    }
  }

  /** A new slot for `key` (not already present), appended to the creation order, its fields zeroed. */
  insert(key: Uint32Array, h: number): number {
    if (this.nfree === 0) this.grow();
    const s = this.free[--this.nfree]!;
    this.keys.set(key, s * KEY_WORDS);
    this.hash[s] = h;
    const mask = this.mask;
    let pos = h & mask;
    while (this.index[pos] !== 0) pos = (pos + 1) & mask;
    this.index[pos] = s + 1;
    this.prev[s] = this.tail;
    this.next[s] = -1;
    if (this.tail >= 0) this.next[this.tail] = s;
    else this.head = s;
    this.tail = s;
    this.size++;
    this.clear(s);
    return s;
  }

  /** Takes slot `s` out of the index and the order, and frees it. */
  remove(s: number): void {
    const index = this.index;
    const mask = this.mask;
    let hole = this.hash[s]! & mask;
    while (index[hole] !== s + 1) hole = (hole + 1) & mask;
    // Backward-shift deletion: move up every entry after the hole that may live there.
    for (let j = (hole + 1) & mask; index[j] !== 0; j = (j + 1) & mask) {
      const ideal = this.hash[index[j]! - 1]! & mask;
      const stays = hole <= j ? hole < ideal && ideal <= j : hole < ideal || ideal <= j;
      if (!stays) {
        index[hole] = index[j]!;
        hole = j;
      }
    }
    index[hole] = 0;
    const p = this.prev[s]!;
    const n = this.next[s]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    // Let go of the strings the slot referred to.
    this.settledGuess[s] = null;
    this.vlan[s] = '';
    this.ip[2 * s] = this.ip[2 * s + 1] = '';
    this.firstPayload[2 * s] = this.firstPayload[2 * s + 1] = null;
    this.free[this.nfree++] = s;
    this.size--;
  }

  /** Empties the table. */
  reset(): void {
    for (let s = this.head; s >= 0; ) {
      const n = this.next[s]!;
      this.remove(s);
      s = n;
    }
  }

  private clear(s: number): void {
    this.closed[s] = 0;
    this.closedAtUs[s] = 0;
    this.settled[s] = 0;
    this.settledSuspect[s] = 0;
    this.settledGuess[s] = null;
    this.vlan[s] = '';
    for (let j = 2 * s; j < 2 * s + 2; j++) {
      this.pkts[j] = 0;
      this.bytes[j] = 0;
      this.syn[j] = 0;
      this.synAck[j] = 0;
      this.fin[j] = 0;
      this.rst[j] = 0;
      this.acked[j] = 0;
      this.hasData[j] = 0;
      this.dataLo[j] = 0;
      this.dataHi[j] = 0;
      this.history[j] = 0;
      this.historySeen[j] = 0;
      this.firstPayload[j] = null;
      this.firstPayloadUs[j] = 0;
      this.synSeqN[j] = 0;
      this.synAckN[j] = 0;
    }
  }

  /** Doubles every array; the index is rebuilt at twice the new capacity. */
  private grow(): void {
    const old = this.capacity;
    const cap = old * 2;
    const f64 = (a: Float64Array, n: number): Float64Array => copy(new Float64Array(n), a);
    const u32 = (a: Uint32Array, n: number): Uint32Array => copy(new Uint32Array(n), a);
    const u16 = (a: Uint16Array, n: number): Uint16Array => copy(new Uint16Array(n), a);
    const u8 = (a: Uint8Array, n: number): Uint8Array => copy(new Uint8Array(n), a);
    const i32 = (a: Int32Array, n: number): Int32Array => copy(new Int32Array(n), a);
    this.prev = i32(this.prev, cap);
    this.next = i32(this.next, cap);
    this.keys = u32(this.keys, cap * KEY_WORDS);
    this.hash = u32(this.hash, cap);
    this.proto = u8(this.proto, cap);
    this.aIsLow = u8(this.aIsLow, cap);
    this.closed = u8(this.closed, cap);
    this.closedAtUs = f64(this.closedAtUs, cap);
    this.settled = u8(this.settled, cap);
    this.settledSuspect = u8(this.settledSuspect, cap);
    for (let i = old; i < cap; i++) {
      this.settledGuess.push(null);
      this.vlan.push('');
    }
    const sides = cap * 2;
    for (let i = old * 2; i < sides; i++) {
      this.ip.push('');
      this.firstPayload.push(null);
    }
    this.port = u16(this.port, sides);
    this.v4 = f64(this.v4, sides);
    this.pkts = f64(this.pkts, sides);
    this.bytes = f64(this.bytes, sides);
    this.syn = u32(this.syn, sides);
    this.synAck = u32(this.synAck, sides);
    this.fin = u32(this.fin, sides);
    this.rst = u32(this.rst, sides);
    this.acked = u32(this.acked, sides);
    this.firstUs = f64(this.firstUs, sides);
    this.lastUs = f64(this.lastUs, sides);
    this.hasData = u8(this.hasData, sides);
    this.dataLo = u32(this.dataLo, sides);
    this.dataHi = u32(this.dataHi, sides);
    this.history = u32(this.history, sides);
    this.historySeen = u8(this.historySeen, sides);
    this.firstPayloadUs = f64(this.firstPayloadUs, sides);
    this.synSeqs = u32(this.synSeqs, sides * KEEP_SEQS);
    this.synSeqN = u8(this.synSeqN, sides);
    this.synAckAcks = u32(this.synAckAcks, sides * KEEP_SEQS);
    this.synAckN = u8(this.synAckN, sides);
    // Every slot of the old capacity is in use (grow runs only when none is free).
    const free = new Int32Array(cap);
    let nfree = 0;
    for (let i = cap - 1; i >= old; i--) free[nfree++] = i;
    this.free = free;
    this.nfree = nfree;
    this.capacity = cap;
    this.index = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
    for (let s = this.head; s >= 0; s = this.next[s]!) {
      let pos = this.hash[s]! & this.mask;
      while (this.index[pos] !== 0) pos = (pos + 1) & this.mask;
      this.index[pos] = s + 1;
    }
  }
}

function copy<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array | Int32Array>(to: T, from: T): T {
  (to as Uint8Array).set(from as Uint8Array);
  return to;
}

/** Key words 3-5 and 7-9: zero for IPv4, the rest of the addresses for IPv6. */
function sameTail(keys: Uint32Array, k: number, key: Uint32Array): boolean {
  return keys[k + 3] === key[3] && keys[k + 4] === key[4] && keys[k + 5] === key[5] && keys[k + 7] === key[7] && keys[k + 8] === key[8] && keys[k + 9] === key[9];
}

/** The key's hash: each word mixed in (FNV-style multiply), then avalanched (murmur3's finaliser). */
export function keyHash(key: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < KEY_WORDS; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
