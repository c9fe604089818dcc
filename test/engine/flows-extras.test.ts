/**
 * The listener rule's extras: a SYN-ACK that does not acknowledge the SYN is suspect; a
 * host answering SYN-ACK on (nearly) every probed port is collapsed into one
 * "answers everything" record instead of flooding the inventory; live capture hears of
 * listeners before their flows end; app protocols are named from payload.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, newPacket } from '../../electron/engine/decode';
import { clientHelloSni, sniff, sniffClient, sniffServer } from '../../electron/engine/flows/appproto';
import { FlowTable } from '../../electron/engine/flows/table';
import type { FlowRecord, ListenerHit } from '../../electron/engine/flows/types';
import { tcpFrame, udpFrame, type TcpSpec } from '../support/frames';

const C = '192.0.2.10';
const S = '198.51.100.20';

function feed(table: FlowTable, specs: Array<{ at: number; tcp?: TcpSpec; udp?: { src: string; dst: string; sport: number; dport: number; payload?: string } }>): void {
  const p = newPacket();
  for (const s of specs) {
    const frame = s.tcp ? tcpFrame(s.tcp) : udpFrame(s.udp!);
    decodeFrame(1, frame, p);
    table.add(p, s.at, frame.length);
  }
}

const brief = (h: ListenerHit[]): string[] => h.map((x) => `${x.host}:${x.port}/${x.proto} ${x.evidence} ${x.confidence}`).sort();

describe('suspect handshakes', () => {
  it('a SYN-ACK whose ack is not the SYN seq + 1 is handshake evidence of low confidence, and the flow is flagged', () => {
    const flows: FlowRecord[] = [];
    const t = new FlowTable({ onFlow: (f) => flows.push(f) });
    feed(t, [
      { at: 1, tcp: { src: C, dst: S, sport: 50000, dport: 8443, flags: 'S', seq: 1000 } },
      { at: 2, tcp: { src: S, dst: C, sport: 8443, dport: 50000, flags: 'SA', seq: 5, ack: 777777 } },
      { at: 3, tcp: { src: C, dst: S, sport: 50001, dport: 22, flags: 'S', seq: 0xffffffff } },
      { at: 4, tcp: { src: S, dst: C, sport: 22, dport: 50001, flags: 'SA', seq: 5, ack: 0 } }, // seq + 1 wraps to 0
    ]);
    expect(brief(t.end())).toEqual([`${S}:22/tcp handshake certain`, `${S}:8443/tcp handshake low`]);
    expect(flows.find((f) => f.destPort === 8443)!.flags).toBe('synack-bad-ack');
    expect(flows.find((f) => f.destPort === 22)!.flags).toBe('');
  });

  it('one good handshake on the port is enough for certainty', () => {
    const t = new FlowTable({ onFlow: () => undefined });
    feed(t, [
      { at: 1, tcp: { src: C, dst: S, sport: 50000, dport: 80, flags: 'S', seq: 10 } },
      { at: 2, tcp: { src: S, dst: C, sport: 80, dport: 50000, flags: 'SA', ack: 99 } },
      { at: 3, tcp: { src: C, dst: S, sport: 50002, dport: 80, flags: 'S', seq: 10 } },
      { at: 4, tcp: { src: S, dst: C, sport: 80, dport: 50002, flags: 'SA', ack: 11 } },
    ]);
    expect(brief(t.end())).toEqual([`${S}:80/tcp handshake certain`]);
  });
});

/** A scan of `ports` on `host`; `open` answer SYN-ACK (then the scanner resets), the rest RST. */
function scan(t: FlowTable, host: string, ports: number[], open: (p: number) => boolean, start = 0): void {
  let at = start;
  for (const port of ports) {
    feed(t, [{ at: (at += 10), tcp: { src: C, dst: host, sport: 61000, dport: port, flags: 'S', seq: 41 } }]);
    if (open(port)) {
      feed(t, [
        { at: (at += 10), tcp: { src: host, dst: C, sport: port, dport: 61000, flags: 'SA', seq: 9, ack: 42 } },
        { at: (at += 10), tcp: { src: C, dst: host, sport: 61000, dport: port, flags: 'R', seq: 42 } },
      ]);
    } else feed(t, [{ at: (at += 10), tcp: { src: host, dst: C, sport: port, dport: 61000, flags: 'RA', ack: 42 } }]);
  }
}

describe('hosts that answer everything', () => {
  it('collapses a host answering SYN-ACK on every probed port; a real conversation on it still counts', () => {
    const t = new FlowTable({ onFlow: () => undefined });
    const ports = Array.from({ length: 200 }, (_, i) => 1000 + i);
    scan(t, S, ports, () => true);
    // A real HTTPS conversation on the same host: the client's data is acknowledged.
    feed(t, [
      { at: 90000, tcp: { src: C, dst: S, sport: 52000, dport: 443, flags: 'S', seq: 1 } },
      { at: 90001, tcp: { src: S, dst: C, sport: 443, dport: 52000, flags: 'SA', seq: 500, ack: 2 } },
      { at: 90002, tcp: { src: C, dst: S, sport: 52000, dport: 443, flags: 'PA', seq: 2, ack: 501, payload: 'hello' } },
      { at: 90003, tcp: { src: S, dst: C, sport: 443, dport: 52000, flags: 'A', seq: 501, ack: 7 } },
    ]);
    const hits = t.end();
    expect(brief(hits)).toEqual([`${S}:443/tcp handshake certain`]);
    expect(t.answering).toEqual([expect.objectContaining({ host: S, probedPorts: 201, answeredPorts: 201, collapsedPorts: 200 })]);
  });

  it('leaves a real host alone: a SYN scan of 1000 ports with a few open lists exactly those', () => {
    const t = new FlowTable({ onFlow: () => undefined });
    const open = new Set([22, 80, 443, 8080]);
    scan(t, S, Array.from({ length: 1000 }, (_, i) => i + 1).concat([8080]), (p) => open.has(p));
    expect(brief(t.end())).toEqual([...open].map((p) => `${S}:${p}/tcp handshake certain`).sort());
    expect(t.answering).toEqual([]);
  });

  it('needs enough probes: a small scan with every port open is reported port by port', () => {
    const t = new FlowTable({ onFlow: () => undefined });
    scan(t, S, [21, 22, 25, 80, 443], () => true);
    expect(t.end()).toHaveLength(5);
    expect(t.answering).toEqual([]);
  });
});

describe('early listeners (live capture)', () => {
  it('reports a handshake or a UDP reply once it is older than the hold time, once', () => {
    const t = new FlowTable({ early: true, onFlow: () => undefined });
    feed(t, [
      { at: 1_000_000, tcp: { src: C, dst: S, sport: 50000, dport: 22, flags: 'S', seq: 1 } },
      { at: 1_000_100, tcp: { src: S, dst: C, sport: 22, dport: 50000, flags: 'SA', ack: 2 } },
      { at: 1_000_200, udp: { src: C, dst: S, sport: 40000, dport: 53 } },
      { at: 1_000_300, udp: { src: S, dst: C, sport: 53, dport: 40000 } },
    ]);
    t.advance(1_500_000);
    expect(t.drainEarly(2_000_000)).toEqual([]);
    t.advance(3_100_000);
    expect(t.drainEarly(2_000_000).map((e) => `${e.host}:${e.port}/${e.proto} ${e.evidence}`).sort()).toEqual([`${S}:22/tcp handshake`, `${S}:53/udp reply`]);
    expect(t.drainEarly(2_000_000)).toEqual([]);
  });

  it('holds back a host that answers everything, and a SYN-ACK that does not match the SYN', () => {
    const t = new FlowTable({ early: true, onFlow: () => undefined });
    scan(t, S, Array.from({ length: 64 }, (_, i) => 2000 + i), () => true);
    feed(t, [
      { at: 50, tcp: { src: C, dst: '203.0.113.5', sport: 50000, dport: 25, flags: 'S', seq: 1 } },
      { at: 60, tcp: { src: '203.0.113.5', dst: C, sport: 25, dport: 50000, flags: 'SA', ack: 12345 } },
    ]);
    t.advance(1e12);
    expect(t.drainEarly(0)).toEqual([]);
  });
});

/** A TLS 1.2 ClientHello with one extension, server_name = `name`. */
function clientHello(name: string): Uint8Array {
  const n = Buffer.from(name);
  const sni = Buffer.concat([Buffer.from([0x00, 0x00]), u16(n.length + 5), u16(n.length + 3), Buffer.from([0x00]), u16(n.length), n]);
  const body = Buffer.concat([Buffer.from([0x03, 0x03]), Buffer.alloc(32), Buffer.from([0x00]), u16(2), Buffer.from([0x13, 0x01]), Buffer.from([0x01, 0x00]), u16(sni.length), sni]);
  const hs = Buffer.concat([Buffer.from([0x01, 0x00]), u16(body.length), body]);
  return Uint8Array.from(Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(hs.length), hs]));
}

function u16(v: number): Buffer {
  return Buffer.from([v >> 8, v & 0xff]);
}

const b = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('app protocol by payload', () => {
  it('reads the TLS server name from a ClientHello, and never runs past the bytes', () => {
    const hello = clientHello('Portal.Example.org');
    expect(sniffClient(hello)).toEqual({ proto: 'tls', serverName: 'portal.example.org' });
    expect(clientHelloSni(hello)).toBe('portal.example.org');
    for (let cut = 0; cut < hello.length; cut++) expect(() => clientHelloSni(hello.subarray(0, cut))).not.toThrow();
    expect(clientHelloSni(hello.subarray(0, hello.length - 3))).toBeNull();
  });

  it('names DNS over UDP and TCP from the header, not the port', () => {
    const query = b('\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03org\x00\x00\x01\x00\x01');
    const reply = b('\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x07example\x03org\x00\x00\x01\x00\x01');
    expect(sniff(query, reply, false, 'udp')?.proto).toBe('dns');
    expect(sniffClient(b(`\x00\x1d${Buffer.from(query).toString('latin1')}`), 'tcp')?.proto).toBe('dns');
    expect(sniffClient(b('hello world, not dns'), 'udp')).toBeNull();
  });

  it.each([
    ['rdp', b('\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03\x00\x00\x00'), null, false],
    ['postgresql', b('\x00\x00\x00\x08\x04\xd2\x16\x2f'), null, false],
    ['redis', b('*1\r\n$4\r\nPING\r\n'), b('+PONG\r\n'), false],
    ['mysql', null, b('\x4a\x00\x00\x00\x0a8.0.36\x00\x08\x00\x00\x00abcdefgh\x00\xff\xff'), true],
    ['pop3', null, b('+OK POP3 server ready\r\n'), true],
    ['imap', null, b('* OK IMAP4rev1 ready\r\n'), true],
    ['smtp', null, b('220 mail.example.org ESMTP Postfix\r\n'), true],
    ['ftp', null, b('220 (vsFTPd 3.0.5)\r\n'), true],
    ['ssh', b('SSH-2.0-OpenSSH_9.6\r\n'), b('SSH-2.0-OpenSSH_9.6\r\n'), true],
    ['http', b('GET / HTTP/1.1\r\n'), b('HTTP/1.1 200 OK\r\n'), false],
  ] as const)('%s', (proto, client, server, serverFirst) => {
    expect(sniff(client, server, serverFirst, 'tcp')?.proto).toBe(proto);
  });

  it('a greeting only counts when the server spoke first: a Redis "+OK" reply is not POP3', () => {
    expect(sniff(b('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n'), b('+OK\r\n'), false, 'tcp')?.proto).toBe('redis');
    expect(sniffServer(b('+OK\r\n'), 'tcp', false)).toBeNull();
  });

  it('short or hostile bytes name nothing and never throw', () => {
    for (const junk of [b(''), b('\x16'), b('\x16\x03\x01\x00\x05\x01\xff\xff\xff'), b('\x03\x00'), b('\xff\xff\xff\xff\xff\xff\xff\xff')]) {
      expect(() => sniff(junk, junk, true, 'tcp')).not.toThrow();
      expect(() => sniff(junk, junk, true, 'udp')).not.toThrow();
    }
  });
});
