/**
 * The flow table: packets in, flow records and listener inferences out.
 *
 * Listener rule (docs/listeners.md):
 * - TCP `handshake` (certain): the host sent a SYN-ACK from the port.
 * - TCP `data` (never certain): no SYN-ACK in the flow, but the host acknowledged payload
 *   sent to the port. If a pure SYN showed who the client was, the other side is the
 *   server (high). Otherwise the server is chosen by score: fan-in (distinct peers talking
 *   to that host:port), well-known vs ephemeral ports; the margin sets the confidence, a
 *   tie reports nothing.
 * - UDP `reply` (certain): the host received the earliest datagram of the exchange on the
 *   port (by timestamp, not file order) and sent one back.
 * - A handshake whose every SYN-ACK fails to acknowledge the SYN (ack ≠ seq + 1) is
 *   suspect: still `handshake`, but confidence `low`, and the flow is flagged.
 * - A host that answers SYN-ACK on an implausible share of the ports probed on it is
 *   "answering everything": its bare-handshake ports collapse into one AnsweringHost.
 *
 * Open flows live in FlowSlots (slots.ts): flat arrays indexed by slot, side a at 2f and
 * side b at 2f + 1. In this file `f` is a flow's slot and `me`, `peer`, `o` (originator),
 * `r` (responder) are side indices.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Packet } from '../decode/types';
import type { Confidence, Proto } from '../../shared/model';
import { sniff, type AppGuess } from './appproto';
import { FanIn } from './fanin';
import { ListenerBook, type Candidate, type EarlyHit, type Endpoint } from './listeners';
import { FlowSlots, KEEP_SEQS, KEY_WORDS, keyHash } from './slots';
import type { AnsweringHost, FlowRecord, ListenerHit } from './types';
import { connStateOf, historyText, H_ACK, H_DATA, H_FIN, H_RST, H_SYN, H_SYNACK, portScore } from './verdicts';

export { connState } from './verdicts';
export { ANSWERS_EVERYTHING, type EarlyHit } from './listeners';

export interface FlowTableOptions {
  /** Inactivity timeouts, microseconds of capture time. */
  tcpIdleUs?: number;
  tcpClosedUs?: number;
  udpIdleUs?: number;
  onFlow: (f: FlowRecord) => void;
  /**
   * Live capture: also note each handshake / UDP reply the moment it is seen, for
   * `drainEarly()`, instead of only when its flow ends.
   */
  early?: boolean;
}

const SERIAL_HALF = 0x80000000;
/** a > b in 32-bit serial arithmetic (RFC 1982). */
function seqGt(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < SERIAL_HALF;
}
function seqGe(a: number, b: number): boolean {
  return ((a - b) >>> 0) < SERIAL_HALF;
}

/** Bytes kept of a side's first payload: enough for a TLS ClientHello's server name. */
const KEEP_PAYLOAD = 512;

export class FlowTable {
  private readonly s = new FlowSlots();
  /** The current packet's key (see slots.ts), filled by keyOf. */
  private readonly key = new Uint32Array(KEY_WORDS);
  /** What the finished flows say about listeners (listeners.ts). */
  private readonly book = new ListenerBook();
  /** Distinct peers per TCP endpoint, over the flows finished so far (fanin.ts). */
  private fanIn = new FanIn();
  /** IPv4 address text by its 32-bit value: one string per host, not one per flow side. */
  private v4Text = new Map<number, string>();
  /** IPv6 address text by the address's 16 bytes (as 8 UTF-16 code units). */
  private v6Text = new Map<string, string>();
  private nowUs = 0;
  private sinceSweep = 0;
  readonly tcpIdleUs: number;
  readonly tcpClosedUs: number;
  readonly udpIdleUs: number;
  flowCount = 0;

  constructor(private readonly opts: FlowTableOptions) {
    this.tcpIdleUs = opts.tcpIdleUs ?? 300e6;
    this.tcpClosedUs = opts.tcpClosedUs ?? 5e6;
    this.udpIdleUs = opts.udpIdleUs ?? 60e6;
  }

  /** Feeds one decoded packet (must have ports). `wireLen` is the frame's original length. */
  add(p: Packet, tsUs: number, wireLen: number): void {
    if (!p.hasPorts || p.laterFragment) return;
    const s = this.s;
    const tcp = p.ipProto === 6;
    if (tsUs > this.nowUs) this.nowUs = tsUs;
    const srcLow = endpointOrder(p) <= 0;
    const h = this.keyOf(p, srcLow);
    let f = s.find(this.key, h);
    const isPureSyn = tcp && (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    if (f >= 0 && this.expired(f, tsUs, isPureSyn)) {
      this.finish(f);
      s.remove(f);
      f = -1;
    }
    if (f < 0) {
      f = s.insert(this.key, h);
      s.proto[f] = tcp ? 6 : 17;
      s.aIsLow[f] = srcLow ? 1 : 0;
      s.vlan[f] = p.vlans.length ? p.vlans.join(',') : '';
      this.openSide(2 * f, p, p.srcOff, p.srcPort, tsUs);
      this.openSide(2 * f + 1, p, p.dstOff, p.dstPort, tsUs);
    }
    // Same order as the side that opened the flow: from a. (Both ends equal: always a.)
    const me = srcLow === (s.aIsLow[f] === 1) ? 2 * f : 2 * f + 1;
    const peer = me ^ 1;
    s.pkts[me] = s.pkts[me]! + 1;
    s.bytes[me] = s.bytes[me]! + wireLen;
    if (tsUs < s.firstUs[me]!) s.firstUs[me] = tsUs;
    if (tsUs > s.lastUs[me]!) s.lastUs[me] = tsUs;
    if (tcp) this.tcp(f, me, peer, p, tsUs);
    else {
      if (p.payloadEnd > p.payloadOff && s.firstPayload[me] === null) {
        s.firstPayload[me] = keepPayload(p, 64);
        s.firstPayloadUs[me] = tsUs;
      }
      // A datagram back from the side that did not send first is a reply.
      if (this.opts.early && s.pkts[me] === 1 && s.pkts[peer]! > 0 && s.firstUs[peer]! <= tsUs) this.book.noteEarly(s.ip[me]!, s.port[me]!, 'udp', 'reply', tsUs);
    }
    // A sweep visits every open flow: keep its cost per packet flat as the table grows.
    if (++this.sinceSweep >= 65536 && this.sinceSweep >= 2 * s.size) this.sweep();
  }

  private openSide(j: number, p: Packet, off: number, port: number, tsUs: number): void {
    const s = this.s;
    s.ip[j] = this.addrText(p, off);
    s.port[j] = port;
    s.v4[j] = v4Of(p, off);
    s.firstUs[j] = tsUs;
    s.lastUs[j] = tsUs;
  }

  /**
   * Fills `this.key` for the packet and returns its hash: protocol and version, the
   * ports, then the lower endpoint's address and the higher's (see slots.ts).
   */
  private keyOf(p: Packet, srcLow: boolean): number {
    const k = this.key;
    const b = p.addrBuf;
    const lo = srcLow ? p.srcOff : p.dstOff;
    const hi = srcLow ? p.dstOff : p.srcOff;
    const lp = srcLow ? p.srcPort : p.dstPort;
    const hp = srcLow ? p.dstPort : p.srcPort;
    k[1] = ((lp << 16) | hp) >>> 0;
    if (p.ipVersion === 4) {
      k[0] = p.ipProto | (4 << 8);
      k[2] = word(b, lo);
      k[6] = word(b, hi);
      k[3] = k[4] = k[5] = k[7] = k[8] = k[9] = 0;
    } else {
      k[0] = p.ipProto | (6 << 8);
      for (let i = 0; i < 4; i++) {
        k[2 + i] = word(b, lo + 4 * i);
        k[6 + i] = word(b, hi + 4 * i);
      }
    }
    return keyHash(k);
  }

  /** The packet's address at `off` as text; texts are shared per address. */
  private addrText(p: Packet, off: number): string {
    if (p.ipVersion !== 4) {
      if (p.ipVersion !== 6) return off === p.srcOff ? p.src : p.dst;
      const b = p.addrBuf;
      for (let i = 0; i < 8; i++) KEY6[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
      const k = String.fromCharCode(KEY6[0]!, KEY6[1]!, KEY6[2]!, KEY6[3]!, KEY6[4]!, KEY6[5]!, KEY6[6]!, KEY6[7]!);
      let t6 = this.v6Text.get(k);
      if (t6 === undefined) {
        if (this.v6Text.size >= 1 << 16) this.v6Text.clear();
        t6 = off === p.srcOff ? p.src : p.dst;
        this.v6Text.set(k, t6);
      }
      return t6;
    }
    // As a signed 32-bit number the key is a small integer to V8 (no boxed number per lookup).
    const v = v4Of(p, off) | 0;
    let t = this.v4Text.get(v);
    if (t === undefined) {
      // Bounded for endless live captures: start again rather than grow without end.
      if (this.v4Text.size >= 1 << 18) this.v4Text.clear();
      t = off === p.srcOff ? p.src : p.dst;
      this.v4Text.set(v, t);
    }
    return t;
  }

  /** Moves the table's clock forward (live capture: wall time, so idle flows end without traffic). */
  advance(tsUs: number): void {
    if (tsUs > this.nowUs) this.nowUs = tsUs;
  }

  /**
   * Live capture: listeners first seen at least `holdUs` before the table's clock, except
   * on hosts that look like they answer everything (those wait for the end). Each is
   * returned once.
   */
  drainEarly(holdUs: number): EarlyHit[] {
    return this.book.drainEarly(this.nowUs - holdUs);
  }

  /** Hosts found answering everything, filled by end(). */
  get answering(): AnsweringHost[] {
    return this.book.answering;
  }

  private tcp(f: number, me: number, peer: number, p: Packet, tsUs: number): void {
    const s = this.s;
    const fl = p.tcpFlags;
    if (fl & TCP_SYN) {
      if (fl & TCP_ACK) {
        s.synAck[me] = s.synAck[me]! + 1;
        this.mark(me, H_SYNACK);
        keepSeq(s.synAckAcks, s.synAckN, me, p.ack);
        this.book.noteAnswered(s.ip[me]!, s.port[me]!);
        // Early (live) report, unless the SYN we saw is not the one acknowledged.
        if (this.opts.early && (s.synSeqN[peer] === 0 || hasSeq(s.synSeqs, s.synSeqN, peer, (p.ack - 1) >>> 0))) {
          this.book.noteEarly(s.ip[me]!, s.port[me]!, 'tcp', 'handshake', tsUs);
        }
      } else {
        s.syn[me] = s.syn[me]! + 1;
        this.mark(me, H_SYN);
        keepSeq(s.synSeqs, s.synSeqN, me, p.seq);
        this.book.noteProbed(s.ip[peer]!, s.port[peer]!);
      }
    }
    if (fl & TCP_FIN) {
      s.fin[me] = s.fin[me]! + 1;
      this.mark(me, H_FIN);
    }
    if (fl & TCP_RST) {
      s.rst[me] = s.rst[me]! + 1;
      this.mark(me, H_RST);
    }
    if (p.payloadLength > 0) {
      this.mark(me, H_DATA);
      const lo = (p.seq + (fl & TCP_SYN ? 1 : 0)) >>> 0;
      const hi = (lo + p.payloadLength) >>> 0;
      if (!s.hasData[me]) {
        s.hasData[me] = 1;
        s.dataLo[me] = lo;
        s.dataHi[me] = hi;
      } else {
        if (seqGt(s.dataLo[me]!, lo)) s.dataLo[me] = lo;
        if (seqGt(hi, s.dataHi[me]!)) s.dataHi[me] = hi;
      }
      if (s.firstPayload[me] === null && !s.settled[f] && p.payloadEnd > p.payloadOff) {
        s.firstPayload[me] = keepPayload(p, p.payloadBuf[p.payloadOff] === 0x16 ? KEEP_PAYLOAD : 128);
        s.firstPayloadUs[me] = tsUs;
      }
    }
    // An ACK (not a reset) whose number lies inside the peer's payload span acknowledges it.
    if (fl & TCP_ACK && !(fl & TCP_RST) && s.hasData[peer] && seqGt(p.ack, s.dataLo[peer]!) && seqGe(s.dataHi[peer]!, p.ack)) {
      s.acked[me] = s.acked[me]! + 1;
      this.mark(me, H_ACK);
    }
    if (!s.closed[f] && ((s.fin[2 * f]! > 0 && s.fin[2 * f + 1]! > 0) || fl & TCP_RST)) {
      s.closed[f] = 1;
      s.closedAtUs[f] = tsUs;
      this.compact(f);
    }
  }

  /** Records a history letter the first time it happens in that direction. */
  private mark(j: number, code: number): void {
    const bit = 1 << code;
    const s = this.s;
    if (s.historySeen[j]! & bit) return;
    s.historySeen[j] = s.historySeen[j]! | bit;
    s.history[j] = s.history[j]! * 8 + code;
  }

  /**
   * A closed flow lingers (tcpClosedUs) to absorb retransmissions and notice a reused
   * 4-tuple; it no longer needs its first payloads and SYN lists once the direction is
   * known from the flags. Their verdicts are taken now and the bytes let go: most of a
   * busy table is closed flows waiting out the linger.
   */
  private compact(f: number): void {
    const o = this.originByFlags(f);
    if (o < 0) return;
    const r = o ^ 1;
    const s = this.s;
    s.settled[f] = 1;
    s.settledGuess[f] = this.appGuess(o, r, 'tcp');
    s.settledSuspect[f] = this.synAckSuspect(o, r) ? 1 : 0;
    s.firstPayload[2 * f] = s.firstPayload[2 * f + 1] = null;
    s.synSeqN[2 * f] = s.synSeqN[2 * f + 1] = 0;
    s.synAckN[2 * f] = s.synAckN[2 * f + 1] = 0;
  }

  /** The time after which flow `f` ends if nothing more is seen: its last packet plus its timeout. */
  private idleLimit(f: number): number {
    const s = this.s;
    return s.proto[f] !== 6 ? this.udpIdleUs : s.closed[f] ? this.tcpClosedUs : this.tcpIdleUs;
  }

  private lastOf(f: number): number {
    const s = this.s;
    return Math.max(s.lastUs[2 * f]!, s.lastUs[2 * f + 1]!);
  }

  /** True when a packet at `tsUs` must start a new flow instead of joining flow `f`. */
  private expired(f: number, tsUs: number, isPureSyn: boolean): boolean {
    if (this.s.proto[f] === 6 && this.s.closed[f] && isPureSyn) return true; // a reused 4-tuple after close
    return tsUs - this.lastOf(f) > this.idleLimit(f);
  }

  /**
   * Finishes flows idle past their timeout, by capture time. `budgetMs`: stop after
   * about that long (live capture, so a burst of closes does not hold the event loop);
   * the rest wait for the next sweep.
   */
  sweep(budgetMs = Infinity): void {
    this.sinceSweep = 0;
    const t0 = performance.now();
    const s = this.s;
    let n = 0;
    for (let f = s.head; f >= 0; ) {
      const next = s.next[f]!;
      if (this.nowUs - this.lastOf(f) > this.idleLimit(f)) {
        this.finish(f);
        s.remove(f);
        if ((++n & 255) === 0 && performance.now() - t0 > budgetMs) return;
      }
      f = next;
    }
  }

  /**
   * Finishes up to `max` open flows (the end of a file, in slices, so their records can be
   * stored while the rest are finished). Returns how many are still open.
   */
  finishSome(max: number): number {
    const s = this.s;
    for (let n = 0; n < max && s.head >= 0; n++) {
      const f = s.head;
      this.finish(f);
      s.remove(f);
    }
    return s.size;
  }

  /** Finishes every open flow and resolves mid-stream conversations. Returns the listeners. */
  end(): ListenerHit[] {
    const s = this.s;
    for (let f = s.head; f >= 0; f = s.next[f]!) this.finish(f);
    s.reset();
    return this.book.end((c) => this.resolveMidstream(c));
  }

  get openFlows(): number {
    return this.s.size;
  }

  private endpoint(j: number): Endpoint {
    return { ip: this.s.ip[j]!, port: this.s.port[j]!, v4: this.s.v4[j]! };
  }

  private finish(f: number): void {
    this.flowCount++;
    const s = this.s;
    const a = 2 * f;
    const b = a + 1;
    const tcp = s.proto[f] === 6;
    let o: number;
    let known = true;
    if (tcp) {
      const byFlags = this.originByFlags(f);
      if (byFlags >= 0) o = byFlags;
      else {
        known = false;
        o = this.guessClient(a, b);
      }
      this.noteFanIn(a, b);
    } else {
      o = s.firstUs[a]! <= s.firstUs[b]! ? a : b;
    }
    const r = o ^ 1;
    const guess = s.settled[f] ? s.settledGuess[f]! : this.appGuess(o, r, tcp ? 'tcp' : 'udp');
    const appProto = guess?.proto ?? null;
    const suspect = tcp && (s.settled[f] ? s.settledSuspect[f] === 1 : this.synAckSuspect(o, r));
    this.inferListeners(f, o, r, known, appProto, suspect);
    this.opts.onFlow({
      transport: tcp ? 'tcp' : 'udp',
      srcIp: s.ip[o]!,
      srcPort: s.port[o]!,
      destIp: s.ip[r]!,
      destPort: s.port[r]!,
      startUs: Math.min(s.firstUs[a]!, s.pkts[b] ? s.firstUs[b]! : s.firstUs[a]!),
      endUs: Math.max(s.lastUs[a]!, s.lastUs[b]!),
      packetsIn: s.pkts[o]!,
      packetsOut: s.pkts[r]!,
      bytesIn: s.bytes[o]!,
      bytesOut: s.bytes[r]!,
      ackPacketsIn: s.acked[r]!,
      ackPacketsOut: s.acked[o]!,
      syn: s.syn[a]! + s.syn[b]!,
      synAck: s.synAck[a]! + s.synAck[b]!,
      fin: s.fin[a]! + s.fin[b]!,
      rst: s.rst[a]! + s.rst[b]!,
      connState: tcp ? connStateOf(s.syn[o]!, s.fin[o]!, s.rst[o]!, s.synAck[r]!, s.fin[r]!, s.rst[r]!) : s.pkts[r] ? 'SF' : 'S0',
      history: historyText(s.history[o]!, true) + historyText(s.history[r]!, false),
      appProto,
      vlan: s.vlan[f]!,
      directionKnown: known,
      serverName: guess?.serverName ?? null,
      flags: suspect ? 'synack-bad-ack' : '',
    });
  }

  private inferListeners(f: number, o: number, r: number, known: boolean, service: string | null, suspect: boolean): void {
    const s = this.s;
    const first = Math.min(s.firstUs[o]!, s.pkts[r] ? s.firstUs[r]! : s.firstUs[o]!);
    const last = Math.max(s.lastUs[o]!, s.lastUs[r]!);
    const bytes = s.bytes[o]! + s.bytes[r]!;
    if (s.proto[f] !== 6) {
      if (s.pkts[r]! > 0) this.book.hit(s.ip[r]!, s.port[r]!, 'udp', 'reply', 'certain', first, last, bytes, service, true);
      return;
    }
    let sawHandshake = false;
    for (let j = 2 * f; j <= 2 * f + 1; j++) {
      if (s.synAck[j]! > 0) {
        sawHandshake = true;
        const peer = j ^ 1;
        const talked = (s.hasData[j] === 1 && s.acked[peer]! > 0) || s.acked[j]! > 0;
        this.book.hit(s.ip[j]!, s.port[j]!, 'tcp', 'handshake', suspect && j === r ? 'low' : 'certain', first, last, bytes, j === r ? service : null, talked);
      }
    }
    if (sawHandshake) return;
    if (known) {
      // A pure SYN named the client: the server is the other side, if it took data.
      if (s.acked[r]! > 0) this.book.hit(s.ip[r]!, s.port[r]!, 'tcp', 'data', 'high', first, last, bytes, service, true);
      return;
    }
    const a = 2 * f;
    const b = a + 1;
    if (s.acked[a]! > 0 || s.acked[b]! > 0) {
      this.book.midstream.push({
        a: { ...this.endpoint(a), acked: s.acked[a]! > 0 },
        b: { ...this.endpoint(b), acked: s.acked[b]! > 0 },
        firstUs: first,
        lastUs: last,
        bytes,
        service,
      });
    }
  }

  private peers(e: Endpoint): number {
    return e.v4 >= 0 ? this.fanIn.peers4(e.v4, e.port) : this.fanIn.peers6(e.ip, e.port);
  }

  private serverScore(e: Endpoint): number {
    return portScore(e.port) + peerScore(this.peers(e));
  }

  /** serverScore of side j, without making an Endpoint. */
  private sideScore(j: number): number {
    const s = this.s;
    const v4 = s.v4[j]!;
    const port = s.port[j]!;
    return portScore(port) + peerScore(v4 >= 0 ? this.fanIn.peers4(v4, port) : this.fanIn.peers6(s.ip[j]!, port));
  }

  private guessClient(a: number, b: number): number {
    return this.sideScore(a) >= this.sideScore(b) ? b : a;
  }

  /**
   * A conversation with no SYN and no SYN-ACK: score both ends as servers (port, fan-in,
   * and having acknowledged data sent to it), report the winner with a confidence from
   * the margin. A tie reports nothing; an ephemeral port without fan-in is never reported.
   */
  private resolveMidstream(c: Candidate): void {
    const score = (e: Candidate['a']): number => this.serverScore(e) + (e.acked ? 1 : 0);
    const sa = score(c.a);
    const sb = score(c.b);
    if (sa === sb) return;
    const server = sa > sb ? c.a : c.b;
    const peers = this.peers(server);
    if (portScore(server.port) < 0 && peers < 2) return;
    const margin = Math.abs(sa - sb);
    const confidence: Confidence = margin >= 4 ? 'high' : margin >= 3 ? 'medium' : 'low';
    this.book.hit(server.ip, server.port, 'tcp', 'data', confidence, c.firstUs, c.lastUs, c.bytes, c.service, true);
  }

  private noteFanIn(a: number, b: number): void {
    const s = this.s;
    const va = s.v4[a]!;
    const vb = s.v4[b]!;
    if (va >= 0 && vb >= 0) {
      this.fanIn.note4(va, s.port[a]!, vb, s.port[b]!);
      this.fanIn.note4(vb, s.port[b]!, va, s.port[a]!);
      return;
    }
    this.fanIn.note6(s.ip[a]!, s.port[a]!, s.ip[b]!, s.port[b]!);
    this.fanIn.note6(s.ip[b]!, s.port[b]!, s.ip[a]!, s.port[a]!);
  }

  /** The TCP originator as the flags tell it (SYN, else SYN-ACK), or -1 when they do not. */
  private originByFlags(f: number): number {
    const s = this.s;
    if (s.proto[f] !== 6) return -1;
    const a = 2 * f;
    const b = a + 1;
    const sa = s.syn[a]!;
    const sb = s.syn[b]!;
    if (sa && !sb) return a;
    if (sb && !sa) return b;
    if (sa && sb) return s.firstUs[a]! <= s.firstUs[b]! ? a : b;
    if (s.synAck[a] && !s.synAck[b]) return b;
    if (s.synAck[b] && !s.synAck[a]) return a;
    return -1;
  }

  /** The app protocol from both sides' first payloads. */
  private appGuess(o: number, r: number, proto: Proto): AppGuess | null {
    const s = this.s;
    const op = s.firstPayload[o]!;
    const rp = s.firstPayload[r]!;
    if (op === null && rp === null) return null;
    const serverFirst = rp !== null && (op === null || s.firstPayloadUs[r]! < s.firstPayloadUs[o]!);
    return sniff(bytesOf(op, SCRATCH_O), bytesOf(rp, SCRATCH_R), serverFirst, proto);
  }

  /** Suspect: a SYN and a SYN-ACK were both seen, and no SYN-ACK acknowledged any SYN. */
  private synAckSuspect(o: number, r: number): boolean {
    const s = this.s;
    if (s.synSeqN[o] === 0 || s.synAckN[r] === 0) return false;
    for (let i = 0; i < s.synAckN[r]!; i++) {
      if (hasSeq(s.synSeqs, s.synSeqN, o, (s.synAckAcks[r * KEEP_SEQS + i]! - 1) >>> 0)) return false;
    }
    return true;
  }
}

/** Adds a sequence number to side `j`'s short list (at most KEEP_SEQS, no repeats). */
function keepSeq(list: Uint32Array, count: Uint8Array, j: number, n: number): void {
  const c = count[j]!;
  if (c >= KEEP_SEQS || hasSeq(list, count, j, n)) return;
  list[j * KEEP_SEQS + c] = n;
  count[j] = c + 1;
}

function hasSeq(list: Uint32Array, count: Uint8Array, j: number, n: number): boolean {
  for (let i = 0; i < count[j]!; i++) if (list[j * KEEP_SEQS + i] === n) return true;
  return false;
}

/**
 * The first `max` bytes of the packet's payload as a Latin-1 string: one byte a
 * character, 16 bytes of overhead, where a byte view costs ~90 bytes before its data.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;
function keepPayload(p: Packet, max: number): string {
  return latin1Slice.call(p.payloadBuf, p.payloadOff, Math.min(p.payloadEnd, p.payloadOff + max));
}

/**
 * A kept payload (Latin-1 text) as bytes for the sniffers, written into one of two
 * scratch buffers (originator's, responder's) instead of a new Buffer per flow side.
 * The view is only read during the sniff.
 */
const SCRATCH_O = Buffer.alloc(KEEP_PAYLOAD);
const SCRATCH_R = Buffer.alloc(KEEP_PAYLOAD);
function bytesOf(s: string | null, scratch: Buffer): Uint8Array | null {
  if (s === null) return null;
  const n = scratch.write(s, 0, 'latin1');
  return new Uint8Array(scratch.buffer, scratch.byteOffset, n);
}

function word(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function v4Of(p: Packet, off: number): number {
  return p.ipVersion === 4 ? word(p.addrBuf, off) : -1;
}

/**
 * Compares the packet's source endpoint with its destination (address bytes, then port):
 * negative when the source is lower. Works on bytes, so no address text is made.
 */
function endpointOrder(p: Packet): number {
  const b = p.addrBuf;
  const n = p.ipVersion === 6 ? 16 : 4;
  for (let i = 0; i < n; i++) {
    const d = b[p.srcOff + i]! - b[p.dstOff + i]!;
    if (d !== 0) return d;
  }
  return p.srcPort - p.dstPort;
}

const KEY6: number[] = new Array<number>(8).fill(0);

/** What fan-in adds to a port's server score: 2 for three or more peers, 1 for two. */
function peerScore(peers: number): number {
  return peers >= 3 ? 2 : peers >= 2 ? 1 : 0;
}

