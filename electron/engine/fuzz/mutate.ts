/**
 * Seeded mutations of capture files for the decoder fuzzer: the kinds of damage real
 * files and hostile senders produce. Pure functions over bytes; the same seed gives the
 * same inputs on every machine, so a finding can be replayed from (seed, index).
 */

/** xorshift32: small, fast, reproducible. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

/** 32-bit values that make length and offset fields lie. */
const INTERESTING32 = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
/** Link types worth swapping in, including unknown ones. */
const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 147, 228, 229, 276, 65535];

export type Mutation = 'bitflip' | 'byte' | 'truncate' | 'length-lie' | 'linktype' | 'zero-run' | 'splice' | 'duplicate';
export const MUTATIONS: readonly Mutation[] = ['bitflip', 'byte', 'truncate', 'length-lie', 'linktype', 'zero-run', 'splice', 'duplicate'];

/** Applies 1-4 mutations to a copy of `seed`; returns the bytes and what was done. */
export function mutate(seed: Uint8Array, rng: Rng, other?: Uint8Array): { data: Uint8Array; applied: Mutation[] } {
  let d = Uint8Array.from(seed);
  const applied: Mutation[] = [];
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const m = rng.pick(MUTATIONS);
    applied.push(m);
    if (d.length === 0) break;
    switch (m) {
      case 'bitflip': {
        const flips = 1 + rng.int(8);
        for (let i = 0; i < flips; i++) d[rng.int(d.length)]! ^= 1 << rng.int(8);
        break;
      }
      case 'byte':
        d[rng.int(d.length)] = rng.pick([0, 0xff, 0x7f, 0x80, rng.int(256)]);
        break;
      case 'truncate':
        d = d.subarray(0, rng.int(d.length));
        break;
      case 'length-lie': {
        // Overwrite an aligned 32-bit word (record/block lengths live there) in either byte order.
        if (d.length < 4) break;
        const at = rng.int(d.length >> 2) << 2;
        const v = rng.pick(INTERESTING32);
        const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
        dv.setUint32(Math.min(at, d.length - 4), v, rng.int(2) === 0);
        break;
      }
      case 'linktype': {
        // pcap global header link type at 20; for pcapng, any 16-bit field gets a shot.
        const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
        const at = d.length >= 24 && rng.int(2) === 0 ? 20 : rng.int(Math.max(1, d.length - 2));
        if (at + 2 <= d.length) dv.setUint16(at, rng.pick(LINK_TYPES), rng.int(2) === 0);
        break;
      }
      case 'zero-run': {
        const at = rng.int(d.length);
        d.fill(0, at, Math.min(d.length, at + 1 + rng.int(64)));
        break;
      }
      case 'splice': {
        if (!other || other.length === 0) break;
        const cut = rng.int(d.length);
        const from = rng.int(other.length);
        const out = new Uint8Array(cut + other.length - from);
        out.set(d.subarray(0, cut), 0);
        out.set(other.subarray(from), cut);
        d = out;
        break;
      }
      case 'duplicate': {
        const at = rng.int(d.length);
        const len = Math.min(d.length - at, 1 + rng.int(256));
        const out = new Uint8Array(d.length + len);
        out.set(d.subarray(0, at + len), 0);
        out.set(d.subarray(at, at + len), at + len);
        out.set(d.subarray(at + len), at + 2 * len);
        d = out;
        break;
      }
    }
  }
  return { data: d, applied };
}
