/**
 * Fan-in: how many distinct peers each TCP endpoint (address and port) has talked to in
 * the flows finished so far, counted up to MAX_PEERS. The listener rule asks it when the
 * flags do not say who the server is (docs/listeners.md): a server has many peers, a
 * client port one.
 *
 * Endpoints live in typed arrays: an open-addressing table keyed by (address, port)
 * holding the peer count and the first peer inline, with a small array of further peers
 * only for the endpoints that have more than one (servers). IPv4 addresses are their
 * 32-bit value; IPv6 addresses get a number of their own the first time they are seen
 * (one table per family, so the two never collide). As a Map keyed by address × 65536 +
 * port (or "address|port" text), every key was a heap number or a new string, and every
 * finished flow cost two such lookups.
 */

/** Distinct peers counted per endpoint, at most. */
export const MAX_PEERS = 16;

export class FanIn {
  private readonly v4 = new EndpointTable();
  private readonly v6 = new EndpointTable();
  /** IPv6 address text → its number in `v6`. */
  private readonly v6Ids = new Map<string, number>();

  /** Notes that IPv4 endpoint (a, ap) talked to (b, bp). Addresses are 32-bit numbers. */
  note4(a: number, ap: number, b: number, bp: number): void {
    this.v4.note(a, ap, b, bp);
  }

  peers4(a: number, ap: number): number {
    return this.v4.peers(a, ap);
  }

  /** Notes that IPv6 endpoint (a, ap) talked to (b, bp); addresses as text. */
  note6(a: string, ap: number, b: string, bp: number): void {
    this.v6.note(this.id6(a), ap, this.id6(b), bp);
  }

  peers6(a: string, ap: number): number {
    const id = this.v6Ids.get(a);
    return id === undefined ? 0 : this.v6.peers(id, ap);
  }

  private id6(a: string): number {
    let id = this.v6Ids.get(a);
    if (id === undefined) this.v6Ids.set(a, (id = this.v6Ids.size));
    return id;
  }
}

/** Peer counts of (address number, port) endpoints. */
class EndpointTable {
  private cap = 1 << 12;
  private mask = this.cap - 1;
  private size = 0;
  /** Per entry: address, port + 1 (0: empty), peer count, the first peer's address and port. */
  private addr = new Uint32Array(this.cap);
  private port = new Int32Array(this.cap);
  private count = new Uint8Array(this.cap);
  private peerAddr = new Uint32Array(this.cap);
  private peerPort = new Int32Array(this.cap);
  /** Further peers (as address × 65536 + port) of entries with more than one, by entry. */
  private more = new Map<number, number[]>();

  note(a: number, ap: number, b: number, bp: number): void {
    const i = this.slot(a, ap, true);
    const c = this.count[i]!;
    if (c === 0) {
      this.count[i] = 1;
      this.peerAddr[i] = b;
      this.peerPort[i] = bp;
      return;
    }
    if (c >= MAX_PEERS || (this.peerAddr[i] === b && this.peerPort[i] === bp)) return;
    const key = b * 65536 + bp;
    let rest = this.more.get(i);
    if (!rest) this.more.set(i, (rest = []));
    else if (rest.includes(key)) return;
    rest.push(key);
    this.count[i] = c + 1;
  }

  peers(a: number, ap: number): number {
    const i = this.slot(a, ap, false);
    return i < 0 ? 0 : this.count[i]!;
  }

  /** The entry of (a, ap); created when `create`, else -1 when absent. */
  private slot(a: number, ap: number, create: boolean): number {
    let h = Math.imul(a ^ Math.imul(ap + 1, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const p = this.port[i]!;
      if (p === 0) {
        if (!create) return -1;
        if (2 * (this.size + 1) > this.cap) {
          this.grow();
          return this.slot(a, ap, true);
        }
        this.addr[i] = a;
        this.port[i] = ap + 1;
        this.size++;
        return i;
      }
      if (p === ap + 1 && this.addr[i] === a) return i;
    }
  }

  private grow(): void {
    const old = { addr: this.addr, port: this.port, count: this.count, peerAddr: this.peerAddr, peerPort: this.peerPort, more: this.more, cap: this.cap };
    this.cap *= 2;
    this.mask = this.cap - 1;
    this.size = 0;
    this.addr = new Uint32Array(this.cap);
    this.port = new Int32Array(this.cap);
    this.count = new Uint8Array(this.cap);
    this.peerAddr = new Uint32Array(this.cap);
    this.peerPort = new Int32Array(this.cap);
    this.more = new Map();
    for (let j = 0; j < old.cap; j++) {
      if (old.port[j] === 0) continue;
      const i = this.slot(old.addr[j]!, old.port[j]! - 1, true);
      this.count[i] = old.count[j]!;
      this.peerAddr[i] = old.peerAddr[j]!;
      this.peerPort[i] = old.peerPort[j]!;
      const rest = old.more.get(j);
      if (rest) this.more.set(i, rest);
    }
  }
}
