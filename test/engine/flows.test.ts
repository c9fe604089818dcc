/**
 * The listener rule on hand-built packets: who listens, with which evidence, and who
 * must never be reported (closed ports, scanners' resets, ephemeral client ports).
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, newPacket } from '../../electron/engine/decode';
import { FlowTable, connState } from '../../electron/engine/flows/table';
import type { FlowRecord, ListenerHit } from '../../electron/engine/flows/types';
import { tcpFrame, udpFrame, type TcpSpec } from '../support/frames';

type Step = { at: number } & ({ tcp: TcpSpec } | { udp: { src: string; dst: string; sport: number; dport: number } });

function run(steps: Step[]): { hits: ListenerHit[]; flows: FlowRecord[] } {
  const flows: FlowRecord[] = [];
  const table = new FlowTable({ onFlow: (f) => flows.push(f) });
  const p = newPacket();
  for (const s of steps) {
    const frame = 'tcp' in s ? tcpFrame(s.tcp) : udpFrame(s.udp);
    decodeFrame(1, frame, p);
    table.add(p, s.at, frame.length);
  }
  const hits = table.end();
  return { hits, flows };
}

const C = '192.0.2.10';
const S = '198.51.100.20';
const brief = (h: ListenerHit[]): string[] => h.map((x) => `${x.host}:${x.port}/${x.proto} ${x.evidence} ${x.confidence}`).sort();

describe('TCP handshake evidence', () => {
  it('the SYN-ACK sender listens (certain); the client does not', () => {
    const { hits, flows } = run([
      { at: 1, tcp: { src: C, dst: S, sport: 50000, dport: 22, flags: 'S', seq: 100 } },
      { at: 2, tcp: { src: S, dst: C, sport: 22, dport: 50000, flags: 'SA', seq: 900, ack: 101 } },
      { at: 3, tcp: { src: C, dst: S, sport: 50000, dport: 22, flags: 'A', seq: 101, ack: 901 } },
      { at: 4, tcp: { src: S, dst: C, sport: 22, dport: 50000, flags: 'PA', seq: 901, ack: 101, payload: 'SSH-2.0-OpenSSH_9.6\r\n' } },
      { at: 5, tcp: { src: C, dst: S, sport: 50000, dport: 22, flags: 'FA', seq: 101, ack: 922 } },
      { at: 6, tcp: { src: S, dst: C, sport: 22, dport: 50000, flags: 'FA', seq: 922, ack: 102 } },
    ]);
    expect(brief(hits)).toEqual([`${S}:22/tcp handshake certain`]);
    expect(hits[0]!.service).toBe('ssh');
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ srcIp: C, destIp: S, destPort: 22, connState: 'SF', appProto: 'ssh', packetsIn: 3, packetsOut: 3, ackPacketsOut: 1, directionKnown: true });
  });

  it('a port that answers SYN with RST is closed, never a listener (REJ)', () => {
    const { hits, flows } = run([
      { at: 1, tcp: { src: C, dst: S, sport: 50001, dport: 25, flags: 'S' } },
      { at: 2, tcp: { src: S, dst: C, sport: 25, dport: 50001, flags: 'RA', ack: 1001 } },
    ]);
    expect(hits).toEqual([]);
    expect(flows[0]!.connState).toBe('REJ');
  });

  it("a SYN scan's open port counts (SYN-ACK, then the scanner's RST); the scanner is no listener", () => {
    const { hits } = run([
      { at: 1, tcp: { src: C, dst: S, sport: 61000, dport: 80, flags: 'S' } },
      { at: 2, tcp: { src: S, dst: C, sport: 80, dport: 61000, flags: 'SA', ack: 1001 } },
      { at: 3, tcp: { src: C, dst: S, sport: 61000, dport: 80, flags: 'R', seq: 1001 } },
    ]);
    expect(brief(hits)).toEqual([`${S}:80/tcp handshake certain`]);
  });

  it('a reused 4-tuple after close is a new flow; a retransmitted SYN is not', () => {
    const hs = (t: number): Step[] => [
      { at: t, tcp: { src: C, dst: S, sport: 50002, dport: 443, flags: 'S' } },
      { at: t + 1, tcp: { src: C, dst: S, sport: 50002, dport: 443, flags: 'S' } },
      { at: t + 2, tcp: { src: S, dst: C, sport: 443, dport: 50002, flags: 'SA', ack: 1001 } },
      { at: t + 3, tcp: { src: C, dst: S, sport: 50002, dport: 443, flags: 'R', seq: 1001 } },
    ];
    const { flows, hits } = run([...hs(10), ...hs(20)]);
    expect(flows).toHaveLength(2);
    expect(hits[0]!.flows).toBe(2);
  });
});

describe('TCP data evidence (mid-stream, no handshake seen)', () => {
  it('the side that acknowledged data sent to a well-known port is inferred, not certain', () => {
    const { hits, flows } = run([
      { at: 1, tcp: { src: C, dst: S, sport: 51000, dport: 80, flags: 'PA', seq: 5000, ack: 7000, payload: 'GET / HTTP/1.1\r\n\r\n' } },
      { at: 2, tcp: { src: S, dst: C, sport: 80, dport: 51000, flags: 'A', seq: 7000, ack: 5018 } },
    ]);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ host: S, port: 80, evidence: 'data' });
    expect(hits[0]!.confidence).not.toBe('certain');
    expect(flows[0]).toMatchObject({ srcIp: C, destPort: 80, connState: 'OTH', directionKnown: false });
  });

  it('file order does not decide: the ephemeral side is never reported even if it "spoke first"', () => {
    const { hits } = run([
      { at: 1, tcp: { src: S, dst: C, sport: 80, dport: 51001, flags: 'PA', seq: 7000, ack: 5000, payload: 'HTTP/1.1 200 OK\r\n\r\n' } },
      { at: 2, tcp: { src: C, dst: S, sport: 51001, dport: 80, flags: 'A', seq: 5000, ack: 7019 } },
    ]);
    expect(brief(hits)).toEqual([`${S}:80/tcp data low`]);
  });

  it('an ACK that does not cover sent payload is not acknowledgement of data', () => {
    const { hits } = run([
      { at: 1, tcp: { src: C, dst: '203.0.113.5', sport: 40000, dport: 41000, flags: 'PA', seq: 10, ack: 1, payload: 'hello' } },
      { at: 2, tcp: { src: '203.0.113.5', dst: C, sport: 41000, dport: 40000, flags: 'A', seq: 1, ack: 5 } },
    ]);
    expect(hits).toEqual([]);
  });
});

describe('UDP reply evidence', () => {
  it('the host that answered the earliest datagram listens, whatever the file order', () => {
    const { hits } = run([
      { at: 20, udp: { src: S, dst: C, sport: 53, dport: 40001 } },
      { at: 10, udp: { src: C, dst: S, sport: 40001, dport: 53 } },
    ]);
    expect(brief(hits)).toEqual([`${S}:53/udp reply certain`]);
  });

  it('same port both ends (NTP 123↔123): who asked decides', () => {
    const { hits } = run([
      { at: 1, udp: { src: C, dst: S, sport: 123, dport: 123 } },
      { at: 2, udp: { src: S, dst: C, sport: 123, dport: 123 } },
    ]);
    expect(brief(hits)).toEqual([`${S}:123/udp reply certain`]);
  });

  it('an unanswered datagram proves nothing', () => {
    expect(run([{ at: 1, udp: { src: C, dst: S, sport: 40002, dport: 161 } }]).hits).toEqual([]);
  });
});

describe('conn_state', () => {
  const side = (o: Partial<{ syn: number; synAck: number; fin: number; rst: number }>) => ({ syn: 0, synAck: 0, fin: 0, rst: 0, pkts: 1, ...o });
  it.each([
    ['S0', side({ syn: 1 }), side({})],
    ['REJ', side({ syn: 1 }), side({ rst: 1 })],
    ['S1', side({ syn: 1 }), side({ synAck: 1 })],
    ['SF', side({ syn: 1, fin: 1 }), side({ synAck: 1, fin: 1 })],
    ['RSTO', side({ syn: 1, rst: 1 }), side({ synAck: 1 })],
    ['RSTR', side({ syn: 1 }), side({ synAck: 1, rst: 1 })],
    ['SH', side({ syn: 1, fin: 1 }), side({})],
    ['OTH', side({}), side({})],
  ])('%s', (state, o, r) => {
    expect(connState(o, r)).toBe(state);
  });
});
