/**
 * Builders for hand-made frames and capture files, so decoder and flow tests can state
 * exactly which bytes they feed. Addresses are documentation ranges only (RFC 5737/3849).
 */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function ip4(a: string): number[] {
  return a.split('.').map(Number);
}

function ip6(a: string): number[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':').filter(Boolean) : [];
  const t = tail ? tail.split(':').filter(Boolean) : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const v = parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
}

const be16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

export interface TcpSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  flags: string; // letters: S A F R P
  seq?: number;
  ack?: number;
  payload?: Uint8Array | string;
  vlans?: number[];
}

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10 };

function transportTcp(t: TcpSpec): number[] {
  const payload = typeof t.payload === 'string' ? [...Buffer.from(t.payload)] : [...(t.payload ?? [])];
  let flags = 0;
  for (const c of t.flags) flags |= FLAG_BITS[c] ?? 0;
  return [...be16(t.sport), ...be16(t.dport), ...be32(t.seq ?? 1000), ...be32(t.ack ?? 0), 0x50, flags, ...be16(65535), 0, 0, 0, 0, ...payload];
}

function ipWrap(src: string, dst: string, proto: number, l4: number[]): { type: number; bytes: number[] } {
  if (src.includes(':')) {
    return { type: 0x86dd, bytes: [0x60, 0, 0, 0, ...be16(l4.length), proto, 64, ...ip6(src), ...ip6(dst), ...l4] };
  }
  return { type: 0x0800, bytes: [0x45, 0, ...be16(20 + l4.length), 0, 0, 0x40, 0, 64, proto, 0, 0, ...ip4(src), ...ip4(dst), ...l4] };
}

function ether(type: number, payload: number[], vlans: number[] = []): Uint8Array {
  const mac = [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
  const tags = vlans.flatMap((v, i) => [...be16(i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100), ...be16(v)]);
  // With tags, the first tag's TPID replaces the EtherType slot; the real type follows the last tag.
  if (!vlans.length) return Uint8Array.from([...mac, ...be16(type), ...payload]);
  return Uint8Array.from([...mac, ...tags, ...be16(type), ...payload]);
}

export function tcpFrame(t: TcpSpec): Uint8Array {
  const { type, bytes } = ipWrap(t.src, t.dst, 6, transportTcp(t));
  return ether(type, bytes, t.vlans);
}

export function udpFrame(u: { src: string; dst: string; sport: number; dport: number; payload?: string }): Uint8Array {
  const payload = [...Buffer.from(u.payload ?? 'x')];
  const l4 = [...be16(u.sport), ...be16(u.dport), ...be16(8 + payload.length), 0, 0, ...payload];
  const { type, bytes } = ipWrap(u.src, u.dst, 17, l4);
  return ether(type, bytes);
}

export interface Rec {
  tsUs: number;
  data: Uint8Array;
  origLen?: number;
}

/** A classic pcap file (µs or ns magic, either byte order). */
export function pcapFile(recs: Rec[], opts: { linktype?: number; le?: boolean; nano?: boolean; snaplen?: number } = {}): Buffer {
  const le = opts.le ?? true;
  const head = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number): number => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const w16 = (b: Buffer, v: number, o: number): number => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  w32(head, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(head, 2, 4);
  w16(head, 4, 6);
  w32(head, opts.snaplen ?? 262144, 16);
  w32(head, opts.linktype ?? 1, 20);
  const parts = [head];
  for (const r of recs) {
    const h = Buffer.alloc(16);
    w32(h, Math.floor(r.tsUs / 1e6), 0);
    w32(h, opts.nano ? (r.tsUs % 1e6) * 1000 : r.tsUs % 1e6, 4);
    w32(h, r.data.length, 8);
    w32(h, r.origLen ?? r.data.length, 12);
    parts.push(h, Buffer.from(r.data));
  }
  return Buffer.concat(parts);
}

/** A little-endian pcapng file; `ifaces` gives each interface's link type and tsresol. */
export function pcapngFile(ifaces: Array<{ linktype: number; tsresol?: number }>, recs: Array<Rec & { iface: number }>): Buffer {
  const block = (type: number, body: Buffer): Buffer => {
    const pad = (4 - (body.length % 4)) % 4;
    const len = 12 + body.length + pad;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(len, 4);
    body.copy(b, 8);
    b.writeUInt32LE(len, len - 4);
    return b;
  };
  const shbBody = Buffer.alloc(16);
  shbBody.writeUInt32LE(0x1a2b3c4d, 0);
  shbBody.writeUInt16LE(1, 4);
  shbBody.writeUInt16LE(0, 6);
  shbBody.writeBigInt64LE(-1n, 8);
  const parts = [block(0x0a0d0d0a, shbBody)];
  // An unknown block type that readers must skip.
  parts.push(block(0x00000bad, Buffer.from('skip me!')));
  for (const i of ifaces) {
    const opts = i.tsresol !== undefined ? Buffer.from([9, 0, 1, 0, i.tsresol, 0, 0, 0, 0, 0, 0, 0]) : Buffer.from([0, 0, 0, 0]);
    const body = Buffer.alloc(8);
    body.writeUInt16LE(i.linktype, 0);
    body.writeUInt32LE(65535, 4);
    parts.push(block(1, Buffer.concat([body, opts])));
  }
  for (const r of recs) {
    const res = ifaces[r.iface]?.tsresol ?? 6;
    const units = BigInt(r.tsUs) * 10n ** BigInt(res) / 1000000n;
    const body = Buffer.alloc(20);
    body.writeUInt32LE(r.iface, 0);
    body.writeUInt32LE(Number(units >> 32n), 4);
    body.writeUInt32LE(Number(units & 0xffffffffn), 8);
    body.writeUInt32LE(r.data.length, 12);
    body.writeUInt32LE(r.origLen ?? r.data.length, 16);
    parts.push(block(6, Buffer.concat([body, Buffer.from(r.data)])));
  }
  return Buffer.concat(parts);
}
