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
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Packet } from '../decode/types';
import type { Confidence, Proto } from '../../shared/model';
import { sniff, type AppGuess } from './appproto';
import type { AnsweringHost, FlowRecord, ListenerHit } from './types';

interface Side {
  ip: string;
  port: number;
  pkts: number;
  bytes: number;
  syn: number;
  synAck: number;
  fin: number;
  rst: number;
  firstUs: number;
  lastUs: number;
  /** Sequence span of payload this side sent (serial numbers), valid when hasData. */
  hasData: boolean;
  dataLo: number;
  dataHi: number;
  /** Packets this side sent acknowledging the peer's payload. */
  ackedPeerData: number;
  /** History letters this side sent, in order, as 3-bit codes (see HISTORY_LETTERS). */
  history: number;
  /** Which letters are already in `history`, one bit per code. */
  historySeen: number;
  /** The first payload bytes this side sent, as a Latin-1 string (one byte a character). */
  firstPayload: string | null;
  firstPayloadUs: number;
  /** The IPv4 address as a 32-bit number, or -1 (IPv6): a compact fan-in key. */
  v4: number;
  /** Sequence numbers of this side's SYNs (a few, for the SYN-ACK check); null until one. */
  synSeqs: number[] | null;
  /** Acknowledgment numbers of this side's SYN-ACKs (a few); null until one. */
  synAckAcks: number[] | null;
}

interface Flow {
  proto: Proto;
  a: Side;
  b: Side;
  /** Whether side `a` is the lower endpoint of the key (see flowKey). */
  aIsLow: boolean;
  vlan: string;
  closed: boolean;
  closedAtUs: number;
  /**
   * Set when a closed flow with a known direction was compacted (see compact()): its app
   * protocol guess and SYN-ACK check, made at close; its payloads and SYN lists dropped.
   */
  settled: { guess: AppGuess | null; suspect: boolean } | null;
}

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

/** A listener seen the moment it answered (live capture), before its flow ended. */
export interface EarlyHit {
  host: string;
  port: number;
  proto: Proto;
  evidence: 'handshake' | 'reply';
  firstUs: number;
}

/**
 * "Answers everything": at least this many distinct ports of a host were probed with a
 * SYN, at least this share of them answered SYN-ACK, and at least MIN_BARE answered
 * ports never carried a conversation. A real host with a SYN scan of 1000 ports answers
 * on a few dozen at most; SYN proxies, tarpits and some transparent proxies answer on all.
 */
export const ANSWERS_EVERYTHING = { minProbed: 32, share: 0.75, minBare: 16 } as const;

const SERIAL_HALF = 0x80000000;
/** a > b in 32-bit serial arithmetic (RFC 1982). */
function seqGt(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < SERIAL_HALF;
}
function seqGe(a: number, b: number): boolean {
  return ((a - b) >>> 0) < SERIAL_HALF;
}

/** Ports registered for common services above 1023 (servers more often than clients). */
const KNOWN_HIGH_PORTS = new Set([
  1080, 1194, 1433, 1521, 1723, 1883, 2049, 2375, 2376, 3128, 3306, 3389, 5050, 5060, 5061, 5222, 5223, 5432, 5671,
  5672, 5900, 5984, 6379, 6443, 6667, 6697, 8000, 8008, 8080, 8081, 8443, 8888, 9000, 9042, 9090, 9092, 9200, 9300,
  9418, 11211, 27017,
]);

/** How strongly a host:port looks like a server, from its port alone. */
function portScore(port: number): number {
  if (port < 1024) return 2;
  if (KNOWN_HIGH_PORTS.has(port)) return 1;
  if (port >= 32768) return -1;
  return 0;
}

interface Candidate {
  a: { ip: string; port: number; v4: number; acked: boolean };
  b: { ip: string; port: number; v4: number; acked: boolean };
  firstUs: number;
  lastUs: number;
  bytes: number;
  service: string | null;
}

const MAX_FANIN_TRACKED = 16;
/** Bytes kept of a side's first payload: enough for a TLS ClientHello's server name. */
const KEEP_PAYLOAD = 512;
const KEEP_SEQS = 4;

export class FlowTable {
  private flows = new Map<string, Flow>();
  private hits = new Map<string, ListenerHit>();
  private midstream: Candidate[] = [];
  /**
   * Distinct peers per TCP endpoint (see endpointKey) → the key of its only peer, or the
   * set of them once there are two, capped. Most endpoints are clients with one peer.
   */
  private fanIn = new Map<EndpointKey, EndpointKey | Set<EndpointKey>>();
  /** IPv4 address text by its 32-bit value: one string per host, not one per flow side. */
  private v4Text = new Map<number, string>();
  /** IPv6 address text by the address's 16 bytes (as 8 UTF-16 code units). */
  private v6Text = new Map<string, string>();
  /** Per host: distinct TCP ports that received a pure SYN / sent a SYN-ACK. */
  private probed = new Map<string, Set<number>>();
  private answered = new Map<string, Set<number>>();
  private early = new Map<string, EarlyHit>();
  private earlyReported = new Set<string>();
  /** Hosts found answering everything, filled by end(). */
  answering: AnsweringHost[] = [];
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
    const proto: Proto = p.ipProto === 6 ? 'tcp' : 'udp';
    if (tsUs > this.nowUs) this.nowUs = tsUs;
    const srcLow = endpointOrder(p) <= 0;
    const key = flowKey(p, srcLow);
    let flow = this.flows.get(key);
    const isPureSyn = proto === 'tcp' && (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    if (flow && this.expired(flow, tsUs, isPureSyn)) {
      this.finish(flow);
      this.flows.delete(key);
      flow = undefined;
    }
    if (!flow) {
      flow = {
        proto,
        a: newSide(this.addrText(p, p.srcOff), p.srcPort, tsUs, v4Of(p, p.srcOff)),
        b: newSide(this.addrText(p, p.dstOff), p.dstPort, tsUs, v4Of(p, p.dstOff)),
        aIsLow: srcLow,
        vlan: p.vlans.length ? p.vlans.join(',') : '',
        closed: false,
        closedAtUs: 0,
        settled: null,
      };
      this.flows.set(key, flow);
    }
    // Same order as the side that opened the flow: from a. (Both ends equal: always a.)
    const fromA = srcLow === flow.aIsLow;
    const me = fromA ? flow.a : flow.b;
    const peer = fromA ? flow.b : flow.a;
    me.pkts++;
    me.bytes += wireLen;
    if (tsUs < me.firstUs) me.firstUs = tsUs;
    if (tsUs > me.lastUs) me.lastUs = tsUs;
    if (proto === 'tcp') this.tcp(flow, me, peer, p, tsUs);
    else {
      if (p.payloadEnd > p.payloadOff && !me.firstPayload) {
        me.firstPayload = keepPayload(p, 64);
        me.firstPayloadUs = tsUs;
      }
      // A datagram back from the side that did not send first is a reply.
      if (this.opts.early && me.pkts === 1 && peer.pkts > 0 && peer.firstUs <= tsUs) this.noteEarly(me.ip, me.port, 'udp', 'reply', tsUs);
    }
    // A sweep visits every open flow: keep its cost per packet flat as the table grows.
    if (++this.sinceSweep >= 65536 && this.sinceSweep >= 2 * this.flows.size) this.sweep();
  }

  /** The packet's address at `off` as text; IPv4 texts are shared per address. */
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
    const v = v4Of(p, off);
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

  private noteEarly(host: string, port: number, proto: Proto, evidence: EarlyHit['evidence'], tsUs: number): void {
    const key = `${proto}|${host}|${port}`;
    if (this.earlyReported.has(key) || this.early.has(key)) return;
    this.early.set(key, { host, port, proto, evidence, firstUs: tsUs });
  }

  /**
   * Live capture: listeners first seen at least `holdUs` before the table's clock, except
   * on hosts that look like they answer everything (those wait for the end). Each is
   * returned once.
   */
  drainEarly(holdUs: number): EarlyHit[] {
    const out: EarlyHit[] = [];
    for (const [key, e] of this.early) {
      if (e.firstUs > this.nowUs - holdUs) continue;
      if (e.proto === 'tcp' && this.looksLikeAnsweringEverything(e.host)) continue;
      out.push(e);
      this.early.delete(key);
      this.earlyReported.add(key);
    }
    return out;
  }

  private answeredShare(host: string): { probed: number; answered: number } {
    const probed = this.probed.get(host);
    const answered = this.answered.get(host);
    if (!probed || !answered) return { probed: probed?.size ?? 0, answered: 0 };
    let n = 0;
    for (const port of answered) if (probed.has(port)) n++;
    return { probed: probed.size, answered: n };
  }

  private looksLikeAnsweringEverything(host: string): boolean {
    const { probed, answered } = this.answeredShare(host);
    return probed >= ANSWERS_EVERYTHING.minProbed && answered >= ANSWERS_EVERYTHING.share * probed;
  }

  private tcp(flow: Flow, me: Side, peer: Side, p: Packet, tsUs: number): void {
    const f = p.tcpFlags;
    if (f & TCP_SYN) {
      if (f & TCP_ACK) {
        me.synAck++;
        mark(me, H_SYNACK);
        me.synAckAcks = keepSeq(me.synAckAcks, p.ack);
        addPort(this.answered, me.ip, me.port);
        // Early (live) report, unless the SYN we saw is not the one acknowledged.
        if (this.opts.early && (!peer.synSeqs || peer.synSeqs.some((s) => ((s + 1) >>> 0) === p.ack))) {
          this.noteEarly(me.ip, me.port, 'tcp', 'handshake', tsUs);
        }
      } else {
        me.syn++;
        mark(me, H_SYN);
        me.synSeqs = keepSeq(me.synSeqs, p.seq);
        addPort(this.probed, peer.ip, peer.port);
      }
    }
    if (f & TCP_FIN) {
      me.fin++;
      mark(me, H_FIN);
    }
    if (f & TCP_RST) {
      me.rst++;
      mark(me, H_RST);
    }
    if (p.payloadLength > 0) {
      mark(me, H_DATA);
      const lo = (p.seq + ((f & TCP_SYN) ? 1 : 0)) >>> 0;
      const hi = (lo + p.payloadLength) >>> 0;
      if (!me.hasData) {
        me.hasData = true;
        me.dataLo = lo;
        me.dataHi = hi;
      } else {
        if (seqGt(me.dataLo, lo)) me.dataLo = lo;
        if (seqGt(hi, me.dataHi)) me.dataHi = hi;
      }
      if (!me.firstPayload && !flow.settled && p.payloadEnd > p.payloadOff) {
        me.firstPayload = keepPayload(p, p.payloadBuf[p.payloadOff] === 0x16 ? KEEP_PAYLOAD : 128);
        me.firstPayloadUs = tsUs;
      }
    }
    // An ACK (not a reset) whose number lies inside the peer's payload span acknowledges it.
    if ((f & TCP_ACK) && !(f & TCP_RST) && peer.hasData && seqGt(p.ack, peer.dataLo) && seqGe(peer.dataHi, p.ack)) {
      me.ackedPeerData++;
      mark(me, H_ACK);
    }
    if (!flow.closed && ((flow.a.fin > 0 && flow.b.fin > 0) || (f & TCP_RST))) {
      flow.closed = true;
      flow.closedAtUs = tsUs;
      this.compact(flow);
    }
  }

  /**
   * A closed flow lingers (tcpClosedUs) to absorb retransmissions and notice a reused
   * 4-tuple; it no longer needs its first payloads and SYN lists once the direction is
   * known from the flags. Their verdicts are taken now and the bytes let go: most of a
   * busy table is closed flows waiting out the linger.
   */
  private compact(flow: Flow): void {
    const orig = originByFlags(flow);
    if (!orig) return;
    const resp = orig === flow.a ? flow.b : flow.a;
    flow.settled = { guess: appGuess(orig, resp, flow.proto), suspect: synAckSuspect(orig, resp) };
    flow.a.firstPayload = flow.b.firstPayload = null;
    flow.a.synSeqs = flow.b.synSeqs = null;
    flow.a.synAckAcks = flow.b.synAckAcks = null;
  }

  /** True when a packet at `tsUs` must start a new flow instead of joining `flow`. */
  private expired(flow: Flow, tsUs: number, isPureSyn: boolean): boolean {
    const last = Math.max(flow.a.lastUs, flow.b.lastUs);
    if (flow.proto === 'udp') return tsUs - last > this.udpIdleUs;
    if (flow.closed && isPureSyn) return true; // a reused 4-tuple after close
    return tsUs - last > (flow.closed ? this.tcpClosedUs : this.tcpIdleUs);
  }

  /**
   * Finishes flows idle past their timeout, by capture time. `budgetMs`: stop after
   * about that long (live capture, so a burst of closes does not hold the event loop);
   * the rest wait for the next sweep.
   */
  sweep(budgetMs = Infinity): void {
    this.sinceSweep = 0;
    const t0 = performance.now();
    let n = 0;
    for (const [key, flow] of this.flows) {
      const last = Math.max(flow.a.lastUs, flow.b.lastUs);
      const limit = flow.proto === 'udp' ? this.udpIdleUs : flow.closed ? this.tcpClosedUs : this.tcpIdleUs;
      if (this.nowUs - last > limit) {
        this.finish(flow);
        this.flows.delete(key);
        if ((++n & 255) === 0 && performance.now() - t0 > budgetMs) return;
      }
    }
  }

  /**
   * Finishes up to `max` open flows (the end of a file, in slices, so their records can be
   * stored while the rest are finished). Returns how many are still open.
   */
  finishSome(max: number): number {
    let n = 0;
    for (const [key, flow] of this.flows) {
      if (n++ >= max) break;
      this.finish(flow);
      this.flows.delete(key);
    }
    return this.flows.size;
  }

  /** Finishes every open flow and resolves mid-stream conversations. Returns the listeners. */
  end(): ListenerHit[] {
    for (const flow of this.flows.values()) this.finish(flow);
    this.flows.clear();
    for (const c of this.midstream) this.resolveMidstream(c);
    this.midstream = [];
    return this.collapseAnswering([...this.hits.values()]);
  }

  /** Takes the bare-handshake ports of hosts that answer everything out of `hits`. */
  private collapseAnswering(hits: ListenerHit[]): ListenerHit[] {
    this.answering = [];
    const drop = new Set<ListenerHit>();
    for (const host of this.answered.keys()) {
      if (!this.looksLikeAnsweringEverything(host)) continue;
      const bare = hits.filter((h) => h.host === host && h.proto === 'tcp' && h.evidence === 'handshake' && !h.talked);
      if (bare.length < ANSWERS_EVERYTHING.minBare) continue;
      const { probed, answered } = this.answeredShare(host);
      for (const h of bare) drop.add(h);
      this.answering.push({
        host,
        proto: 'tcp',
        probedPorts: probed,
        answeredPorts: answered,
        collapsedPorts: bare.length,
        firstUs: Math.min(...bare.map((h) => h.firstUs)),
        lastUs: Math.max(...bare.map((h) => h.lastUs)),
      });
    }
    return drop.size ? hits.filter((h) => !drop.has(h)) : hits;
  }

  get openFlows(): number {
    return this.flows.size;
  }

  private finish(flow: Flow): void {
    this.flowCount++;
    const { a, b } = flow;
    let orig: Side;
    let known = true;
    if (flow.proto === 'tcp') {
      const byFlags = originByFlags(flow);
      if (byFlags) orig = byFlags;
      else {
        known = false;
        orig = this.guessClient(a, b);
      }
      this.noteFanIn(a, b);
    } else {
      orig = a.firstUs <= b.firstUs ? a : b;
    }
    const resp = orig === a ? b : a;
    const guess = flow.settled ? flow.settled.guess : appGuess(orig, resp, flow.proto);
    const appProto = guess?.proto ?? null;
    const suspect = flow.proto === 'tcp' && (flow.settled ? flow.settled.suspect : synAckSuspect(orig, resp));
    this.inferListeners(flow, orig, resp, known, appProto, suspect);
    this.opts.onFlow({
      transport: flow.proto,
      srcIp: orig.ip,
      srcPort: orig.port,
      destIp: resp.ip,
      destPort: resp.port,
      startUs: Math.min(a.firstUs, b.pkts ? b.firstUs : a.firstUs),
      endUs: Math.max(a.lastUs, b.lastUs),
      packetsIn: orig.pkts,
      packetsOut: resp.pkts,
      bytesIn: orig.bytes,
      bytesOut: resp.bytes,
      ackPacketsIn: resp.ackedPeerData,
      ackPacketsOut: orig.ackedPeerData,
      syn: a.syn + b.syn,
      synAck: a.synAck + b.synAck,
      fin: a.fin + b.fin,
      rst: a.rst + b.rst,
      connState: flow.proto === 'tcp' ? connState(orig, resp) : resp.pkts ? 'SF' : 'S0',
      history: historyText(orig, true) + historyText(resp, false),
      appProto,
      vlan: flow.vlan,
      directionKnown: known,
      serverName: guess?.serverName ?? null,
      flags: suspect ? 'synack-bad-ack' : '',
    });
  }

  private inferListeners(flow: Flow, orig: Side, resp: Side, known: boolean, service: string | null, suspect: boolean): void {
    const first = Math.min(orig.firstUs, resp.pkts ? resp.firstUs : orig.firstUs);
    const last = Math.max(orig.lastUs, resp.lastUs);
    const bytes = orig.bytes + resp.bytes;
    if (flow.proto === 'udp') {
      if (resp.pkts > 0) this.hit(resp.ip, resp.port, 'udp', 'reply', 'certain', first, last, bytes, service, true);
      return;
    }
    let sawHandshake = false;
    for (const s of [flow.a, flow.b]) {
      if (s.synAck > 0) {
        sawHandshake = true;
        const peer = s === flow.a ? flow.b : flow.a;
        const talked = (s.hasData && peer.ackedPeerData > 0) || s.ackedPeerData > 0;
        this.hit(s.ip, s.port, 'tcp', 'handshake', suspect && s === resp ? 'low' : 'certain', first, last, bytes, s === resp ? service : null, talked);
      }
    }
    if (sawHandshake) return;
    if (known) {
      // A pure SYN named the client: the server is the other side, if it took data.
      if (resp.ackedPeerData > 0) this.hit(resp.ip, resp.port, 'tcp', 'data', 'high', first, last, bytes, service, true);
      return;
    }
    if (flow.a.ackedPeerData > 0 || flow.b.ackedPeerData > 0) {
      this.midstream.push({
        a: { ip: flow.a.ip, port: flow.a.port, v4: flow.a.v4, acked: flow.a.ackedPeerData > 0 },
        b: { ip: flow.b.ip, port: flow.b.port, v4: flow.b.v4, acked: flow.b.ackedPeerData > 0 },
        firstUs: first,
        lastUs: last,
        bytes,
        service,
      });
    }
  }

  private peers(e: Endpoint): number {
    const v = this.fanIn.get(endpointKey(e));
    return v === undefined ? 0 : v instanceof Set ? v.size : 1;
  }

  private serverScore(e: Endpoint): number {
    const port = e.port;
    const peers = this.peers(e);
    return portScore(port) + (peers >= 3 ? 2 : peers >= 2 ? 1 : 0);
  }

  private guessClient(a: Side, b: Side): Side {
    return this.serverScore(a) >= this.serverScore(b) ? b : a;
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
    this.hit(server.ip, server.port, 'tcp', 'data', confidence, c.firstUs, c.lastUs, c.bytes, c.service, true);
  }

  private noteFanIn(a: Side, b: Side): void {
    const ka = endpointKey(a);
    const kb = endpointKey(b);
    addPeer(this.fanIn, ka, kb);
    addPeer(this.fanIn, kb, ka);
  }

  private hit(host: string, port: number, proto: Proto, evidence: ListenerHit['evidence'], confidence: Confidence, firstUs: number, lastUs: number, bytes: number, service: string | null, talked: boolean): void {
    const key = `${proto}|${host}|${port}|${evidence}`;
    const h = this.hits.get(key);
    if (!h) {
      this.hits.set(key, { host, port, proto, evidence, confidence, firstUs, lastUs, flows: 1, bytes, service, talked });
      return;
    }
    if (talked) h.talked = true;
    h.flows++;
    h.bytes += bytes;
    if (firstUs < h.firstUs) h.firstUs = firstUs;
    if (lastUs > h.lastUs) h.lastUs = lastUs;
    if (CONF_RANK[confidence] > CONF_RANK[h.confidence]) h.confidence = confidence;
    if (!h.service && service) h.service = service;
  }
}

const CONF_RANK: Record<Confidence, number> = { certain: 3, high: 2, medium: 1, low: 0 };

/**
 * Zeek-style history letters, kept per side as 3-bit codes in order of first occurrence
 * (no string per packet): written upper case for the originator, lower for the responder.
 */
const HISTORY_LETTERS = ' shadfr';
const H_SYN = 1;
const H_SYNACK = 2;
const H_ACK = 3;
const H_DATA = 4;
const H_FIN = 5;
const H_RST = 6;

/** Records a history letter the first time it happens in that direction. */
function mark(s: Side, code: number): void {
  const bit = 1 << code;
  if (s.historySeen & bit) return;
  s.historySeen |= bit;
  s.history = s.history * 8 + code;
}

function historyText(s: Side, originator: boolean): string {
  let out = '';
  for (let h = s.history; h > 0; h = Math.floor(h / 8)) out = HISTORY_LETTERS[h % 8]! + out;
  return originator ? out.toUpperCase() : out;
}

/** Adds a sequence number to a side's short list (at most KEEP_SEQS, no repeats). */
function keepSeq(list: number[] | null, n: number): number[] {
  if (!list) return [n];
  if (list.length < KEEP_SEQS && !list.includes(n)) list.push(n);
  return list;
}

/**
 * The first `max` bytes of the packet's payload as a Latin-1 string: one byte a
 * character, 16 bytes of overhead, where a byte view costs ~90 bytes before its data.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;
function keepPayload(p: Packet, max: number): string {
  return latin1Slice.call(p.payloadBuf, p.payloadOff, Math.min(p.payloadEnd, p.payloadOff + max));
}

function bytesOf(s: string | null): Uint8Array | null {
  return s === null ? null : Buffer.from(s, 'latin1');
}

/** The TCP originator as the flags tell it (SYN, else SYN-ACK), or null when they do not. */
function originByFlags(flow: Flow): Side | null {
  const { a, b } = flow;
  if (flow.proto !== 'tcp') return null;
  if (a.syn && !b.syn) return a;
  if (b.syn && !a.syn) return b;
  if (a.syn && b.syn) return a.firstUs <= b.firstUs ? a : b;
  if (a.synAck && !b.synAck) return b;
  if (b.synAck && !a.synAck) return a;
  return null;
}

/** The app protocol from both sides' first payloads. */
function appGuess(orig: Side, resp: Side, proto: Proto): AppGuess | null {
  if (!orig.firstPayload && !resp.firstPayload) return null;
  const serverFirst = !!resp.firstPayload && (!orig.firstPayload || resp.firstPayloadUs < orig.firstPayloadUs);
  return sniff(bytesOf(orig.firstPayload), bytesOf(resp.firstPayload), serverFirst, proto);
}

/** Suspect: a SYN and a SYN-ACK were both seen, and no SYN-ACK acknowledged any SYN. */
function synAckSuspect(orig: Side, resp: Side): boolean {
  const synSeqs = orig.synSeqs;
  return !!synSeqs && !!resp.synAckAcks && !resp.synAckAcks.some((k) => synSeqs.some((s) => ((s + 1) >>> 0) === k));
}

/** A TCP endpoint for fan-in: IPv4 as one number (address × 65536 + port), IPv6 as text. */
type EndpointKey = number | string;
interface Endpoint {
  ip: string;
  port: number;
  v4: number;
}
function endpointKey(e: Endpoint): EndpointKey {
  return e.v4 >= 0 ? e.v4 * 65536 + e.port : `${e.ip}|${e.port}`;
}

function v4Of(p: Packet, off: number): number {
  if (p.ipVersion !== 4) return -1;
  const b = p.addrBuf;
  return ((b[off]! << 24) >>> 0) + (b[off + 1]! << 16) + (b[off + 2]! << 8) + b[off + 3]!;
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

const KEY6: number[] = new Array<number>(19).fill(0);

/**
 * The flow table's key: protocol, then the lower endpoint, then the higher, as 16-bit
 * code units of a short string (7 for IPv4, 19 for IPv6) instead of address text.
 */
function flowKey(p: Packet, srcLow: boolean): string {
  const b = p.addrBuf;
  const lo = srcLow ? p.srcOff : p.dstOff;
  const hi = srcLow ? p.dstOff : p.srcOff;
  const lp = srcLow ? p.srcPort : p.dstPort;
  const hp = srcLow ? p.dstPort : p.srcPort;
  if (p.ipVersion === 4) {
    return String.fromCharCode(p.ipProto, (b[lo]! << 8) | b[lo + 1]!, (b[lo + 2]! << 8) | b[lo + 3]!, (b[hi]! << 8) | b[hi + 1]!, (b[hi + 2]! << 8) | b[hi + 3]!, lp, hp);
  }
  KEY6[0] = p.ipProto;
  for (let i = 0; i < 8; i++) {
    KEY6[1 + i] = (b[lo + 2 * i]! << 8) | b[lo + 2 * i + 1]!;
    KEY6[9 + i] = (b[hi + 2 * i]! << 8) | b[hi + 2 * i + 1]!;
  }
  KEY6[17] = lp;
  KEY6[18] = hp;
  return String.fromCharCode.apply(null, KEY6);
}

function newSide(ip: string, port: number, tsUs: number, v4: number): Side {
  return {
    ip,
    port,
    pkts: 0,
    bytes: 0,
    syn: 0,
    synAck: 0,
    fin: 0,
    rst: 0,
    firstUs: tsUs,
    lastUs: tsUs,
    hasData: false,
    dataLo: 0,
    dataHi: 0,
    ackedPeerData: 0,
    history: 0,
    historySeen: 0,
    firstPayload: null,
    firstPayloadUs: 0,
    v4,
    synSeqs: null,
    synAckAcks: null,
  };
}

function addPort(map: Map<string, Set<number>>, host: string, port: number): void {
  let set = map.get(host);
  if (!set) map.set(host, (set = new Set()));
  set.add(port);
}

function addPeer(map: Map<EndpointKey, EndpointKey | Set<EndpointKey>>, key: EndpointKey, peer: EndpointKey): void {
  const v = map.get(key);
  if (v === undefined) map.set(key, peer);
  else if (!(v instanceof Set)) {
    if (v !== peer) map.set(key, new Set([v, peer]));
  } else if (v.size < MAX_FANIN_TRACKED) v.add(peer);
}

/**
 * Zeek conn_state from the originator's and responder's flags:
 * S0 SYN, no reply | REJ SYN answered by RST | S1 established, open | SF established and
 * closed by FIN both ways | S2 / S3 established, only originator / responder sent FIN |
 * RSTO / RSTR established, reset by originator / responder | RSTOS0 originator SYN then
 * RST, no SYN-ACK | RSTRH responder SYN-ACK then RST, no SYN seen | SH originator SYN then
 * FIN, no SYN-ACK | SHR responder SYN-ACK then FIN, no SYN | OTH no SYN, mid-stream.
 */
export function connState(o: Pick<Side, 'syn' | 'synAck' | 'fin' | 'rst' | 'pkts'>, r: Pick<Side, 'syn' | 'synAck' | 'fin' | 'rst' | 'pkts'>): string {
  const synSeen = o.syn > 0;
  const synAckSeen = r.synAck > 0;
  if (synSeen && !synAckSeen) {
    if (r.rst > 0) return 'REJ';
    if (o.rst > 0) return 'RSTOS0';
    if (o.fin > 0) return 'SH';
    return 'S0';
  }
  if (!synSeen && synAckSeen) {
    if (r.rst > 0) return 'RSTRH';
    if (r.fin > 0) return 'SHR';
    return 'OTH';
  }
  if (!synSeen && !synAckSeen) return 'OTH';
  if (o.rst > 0) return 'RSTO';
  if (r.rst > 0) return 'RSTR';
  if (o.fin > 0 && r.fin > 0) return 'SF';
  if (o.fin > 0) return 'S2';
  if (r.fin > 0) return 'S3';
  return 'S1';
}
