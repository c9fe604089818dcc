/**
 * What the flow table has learnt about listeners, kept apart from the packets: the
 * listener inferences aggregated per host, port, protocol and evidence; the mid-stream
 * conversations waiting for the end of the capture (their server is chosen by fan-in
 * then, docs/listeners.md); per host, the ports probed with a SYN and the ports that
 * answered SYN-ACK, to find hosts that answer everything; and, for live capture, the
 * listeners noted the moment they answered.
 */
import type { Confidence, Proto } from '../../shared/model';
import type { AnsweringHost, ListenerHit } from './types';

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

/** A TCP endpoint: its address text, port, and IPv4 address as a number (-1 for IPv6). */
export interface Endpoint {
  ip: string;
  port: number;
  v4: number;
}

/** A conversation with no SYN and no SYN-ACK, resolved at the end (FlowTable.resolveMidstream). */
export interface Candidate {
  a: Endpoint & { acked: boolean };
  b: Endpoint & { acked: boolean };
  firstUs: number;
  lastUs: number;
  bytes: number;
  service: string | null;
}

const CONF_RANK: Record<Confidence, number> = { certain: 3, high: 2, medium: 1, low: 0 };
const EVIDENCE_CODE: Record<ListenerHit['evidence'], number> = { handshake: 0, data: 1, reply: 2, scan: 3, import: 3 };

export class ListenerBook {
  /**
   * Listener inferences by host text (shared per address, so its hash is made once), then
   * by port × 8 + protocol and evidence code; `hitList` keeps them in the order first seen.
   */
  private hits = new Map<string, Map<number, ListenerHit>>();
  private hitList: ListenerHit[] = [];
  /** Mid-stream conversations, resolved by end(). */
  midstream: Candidate[] = [];
  /** Per host: distinct TCP ports that received a pure SYN / sent a SYN-ACK. */
  private probed = new Map<string, Set<number>>();
  private answered = new Map<string, Set<number>>();
  private early = new Map<string, EarlyHit>();
  private earlyReported = new Set<string>();
  /** Hosts found answering everything, filled by end(). */
  answering: AnsweringHost[] = [];

  hit(host: string, port: number, proto: Proto, evidence: ListenerHit['evidence'], confidence: Confidence, firstUs: number, lastUs: number, bytes: number, service: string | null, talked: boolean): void {
    let byPort = this.hits.get(host);
    if (!byPort) this.hits.set(host, (byPort = new Map()));
    const key = port * 8 + (proto === 'tcp' ? 0 : 4) + EVIDENCE_CODE[evidence];
    const h = byPort.get(key);
    if (!h) {
      const hit: ListenerHit = { host, port, proto, evidence, confidence, firstUs, lastUs, flows: 1, bytes, service, talked };
      byPort.set(key, hit);
      this.hitList.push(hit);
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

  /** A pure SYN reached `host`:`port`. */
  noteProbed(host: string, port: number): void {
    addPort(this.probed, host, port);
  }

  /** `host` answered SYN-ACK from `port`. */
  noteAnswered(host: string, port: number): void {
    addPort(this.answered, host, port);
  }

  noteEarly(host: string, port: number, proto: Proto, evidence: EarlyHit['evidence'], tsUs: number): void {
    const key = `${proto}|${host}|${port}`;
    if (this.earlyReported.has(key) || this.early.has(key)) return;
    this.early.set(key, { host, port, proto, evidence, firstUs: tsUs });
  }

  /** Early listeners first seen at or before `untilUs`, except on hosts that answer everything; each once. */
  drainEarly(untilUs: number): EarlyHit[] {
    const out: EarlyHit[] = [];
    for (const [key, e] of this.early) {
      if (e.firstUs > untilUs) continue;
      if (e.proto === 'tcp' && this.looksLikeAnsweringEverything(e.host)) continue;
      out.push(e);
      this.early.delete(key);
      this.earlyReported.add(key);
    }
    return out;
  }

  /**
   * Resolves the mid-stream conversations (through `resolve`, which calls hit()), takes
   * the bare handshakes of hosts that answer everything out, and returns the listeners.
   */
  end(resolve: (c: Candidate) => void): ListenerHit[] {
    for (const c of this.midstream) resolve(c);
    this.midstream = [];
    return this.collapseAnswering([...this.hitList]);
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
        firstUs: bare.reduce((m, h) => Math.min(m, h.firstUs), Infinity),
        lastUs: bare.reduce((m, h) => Math.max(m, h.lastUs), -Infinity),
      });
    }
    return drop.size ? hits.filter((h) => !drop.has(h)) : hits;
  }
}

function addPort(map: Map<string, Set<number>>, host: string, port: number): void {
  let set = map.get(host);
  if (!set) map.set(host, (set = new Set()));
  set.add(port);
}
