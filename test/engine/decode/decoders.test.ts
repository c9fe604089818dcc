/**
 * Decoder tests: annotated hex fixtures per protocol, then a shared suite every link
 * type runs (every prefix of a valid frame decodes without throwing and says why it
 * stopped), then the malformed cases that must not loop or crash.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, newPacket, LINK_TYPES } from '../../../electron/engine/decode';
import { ipv6Text } from '../../../electron/engine/decode/addr';
import { hex, tcpFrame, udpFrame } from '../../support/frames';

const ETH_IPV4_TCP_SYNACK = hex(`
  02 00 00 00 00 01              # Ethernet dst MAC
  02 00 00 00 00 02              # Ethernet src MAC
  08 00                          # EtherType IPv4
  45                             # IPv4 version 4, IHL 5 (20 bytes)
  00                             # DSCP/ECN
  00 2c                          # total length 44 = 20 IP + 24 TCP
  00 01 40 00                    # id 1, flags DF, fragment offset 0
  40 06 00 00                    # TTL 64, protocol 6 (TCP), checksum (unchecked)
  c0 00 02 0a                    # source 192.0.2.10
  c6 33 64 14                    # destination 198.51.100.20
  00 16                          # TCP source port 22
  c3 50                          # TCP destination port 50000
  00 00 03 e8                    # sequence 1000
  00 00 07 d1                    # acknowledgment 2001
  60 12                          # data offset 6 (24 bytes), flags SYN+ACK
  ff ff 00 00 00 00              # window, checksum, urgent
  02 04 05 b4                    # option MSS 1460
`);

describe('Ethernet / IPv4 / TCP', () => {
  it('reads a SYN-ACK field by field', () => {
    const p = newPacket();
    expect(decodeFrame(1, ETH_IPV4_TCP_SYNACK, p)).toBe(true);
    expect(p.issue).toBeNull();
    expect(p).toMatchObject({ ipVersion: 4, src: '192.0.2.10', dst: '198.51.100.20', ipProto: 6, srcPort: 22, dstPort: 50000, seq: 1000, ack: 2001, tcpFlags: 0x12, payloadLength: 0 });
  });

  it('reads stacked VLAN tags (802.1ad outer, 802.1Q inner), outermost first', () => {
    const p = newPacket();
    expect(decodeFrame(1, tcpFrame({ src: '192.0.2.1', dst: '192.0.2.2', sport: 1, dport: 80, flags: 'S', vlans: [100, 200] }), p)).toBe(true);
    expect(p.vlans).toEqual([100, 200]);
    expect(p.dstPort).toBe(80);
  });

  it('reads MPLS then IPv4 (bottom-of-stack bit, version nibble)', () => {
    const inner = tcpFrame({ src: '192.0.2.1', dst: '192.0.2.2', sport: 1, dport: 443, flags: 'S' }).subarray(14);
    const frame = Uint8Array.from([...ETH_IPV4_TCP_SYNACK.subarray(0, 12), 0x88, 0x47, 0x00, 0x01, 0x01, 0x40, 0x00, 0x02, 0x01, 0x40, ...inner]);
    // first label 16 (S=0), second label 16 with S=1
    frame[16] = 0x00;
    frame[15] = 0x01;
    const p = newPacket();
    expect(decodeFrame(1, frame, p)).toBe(true);
    expect(p.mpls.length).toBe(2);
    expect(p.dstPort).toBe(443);
  });

  it('keeps ports and flags when only the TCP options are cut off by the snaplen', () => {
    const p = newPacket();
    expect(decodeFrame(1, ETH_IPV4_TCP_SYNACK.subarray(0, ETH_IPV4_TCP_SYNACK.length - 2), p)).toBe(false);
    expect(p.issue).toBe('truncated');
    expect(p.issueLayer).toBe('tcp-options');
    expect(p.hasPorts).toBe(true);
    expect(p.srcPort).toBe(22);
  });

  it('treats a zero-length TCP option as malformed without looping', () => {
    const f = Uint8Array.from(ETH_IPV4_TCP_SYNACK);
    f[f.length - 3] = 0; // MSS option length 4 → 0
    const p = newPacket();
    decodeFrame(1, f, p);
    expect(p.issue).toBe('malformed');
  });

  it('treats an overlong TCP option as malformed', () => {
    const f = Uint8Array.from(ETH_IPV4_TCP_SYNACK);
    f[f.length - 3] = 40;
    const p = newPacket();
    decodeFrame(1, f, p);
    expect(p.issue).toBe('malformed');
  });

  it('gives no ports for a later IPv4 fragment', () => {
    const f = Uint8Array.from(ETH_IPV4_TCP_SYNACK);
    f[14 + 6] = 0x00;
    f[14 + 7] = 0x10; // fragment offset 16 (×8 bytes)
    const p = newPacket();
    expect(decodeFrame(1, f, p)).toBe(false);
    expect(p.laterFragment).toBe(true);
    expect(p.hasPorts).toBe(false);
  });

  it('rejects an IHL below 5 as malformed', () => {
    const f = Uint8Array.from(ETH_IPV4_TCP_SYNACK);
    f[14] = 0x44;
    const p = newPacket();
    expect(decodeFrame(1, f, p)).toBe(false);
    expect(p.issue).toBe('malformed');
  });
});

describe('IPv6', () => {
  it('walks hop-by-hop and destination options headers to UDP', () => {
    const base = udpFrame({ src: '2001:db8::1', dst: '2001:db8::53', sport: 5353, dport: 53, payload: 'query' });
    const ip = base.subarray(14);
    const l4 = ip.subarray(40);
    const hbh = [60, 0, 1, 4, 0, 0, 0, 0]; // next: dest opts, len 0 (8 bytes), PadN
    const dst = [17, 0, 1, 4, 0, 0, 0, 0]; // next: UDP
    const hdr = Uint8Array.from(ip.subarray(0, 40));
    hdr[6] = 0; // next header: hop-by-hop
    const plen = 16 + l4.length;
    hdr[4] = plen >> 8;
    hdr[5] = plen & 0xff;
    const frame = Uint8Array.from([...base.subarray(0, 14), ...hdr, ...hbh, ...dst, ...l4]);
    const p = newPacket();
    expect(decodeFrame(1, frame, p)).toBe(true);
    expect(p).toMatchObject({ ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::53', ipProto: 17, srcPort: 5353, dstPort: 53, payloadLength: 5 });
  });

  it('formats addresses per RFC 5952', () => {
    const addr = (s: string): string => ipv6Text(hex(s), 0);
    expect(addr('20010db8000000000000000000000001')).toBe('2001:db8::1');
    expect(addr('20010db8000000010000000000000001')).toBe('2001:db8:0:1::1'); // longest run wins
    expect(addr('20010db8000000000001000000000001')).toBe('2001:db8::1:0:0:1'); // first run on a tie
    expect(addr('20010db8000100010001000100010001')).toBe('2001:db8:1:1:1:1:1:1');
    expect(addr('20010db8000000010001000100010001')).toBe('2001:db8:0:1:1:1:1:1'); // a single 0 is not shortened
    expect(addr('00000000000000000000ffffc0000201')).toBe('::ffff:192.0.2.1');
    expect(addr('00000000000000000000000000000000')).toBe('::');
  });
});

describe('link types', () => {
  const ipPacket = ETH_IPV4_TCP_SYNACK.subarray(14);
  const cases: Array<[number, Uint8Array]> = [
    [0, Uint8Array.from([2, 0, 0, 0, ...ipPacket])], // NULL, AF_INET little-endian
    [108, Uint8Array.from([0, 0, 0, 2, ...ipPacket])], // LOOP, network order
    [101, Uint8Array.from(ipPacket)], // RAW
    [228, Uint8Array.from(ipPacket)], // IPV4
    [113, Uint8Array.from([0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00, ...ipPacket])], // SLL
    [276, Uint8Array.from([0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...ipPacket])], // SLL2
    [1, ETH_IPV4_TCP_SYNACK],
  ];

  it.each(cases)('link type %i reaches the TCP ports', (linktype, frame) => {
    const p = newPacket();
    expect(decodeFrame(linktype, frame, p)).toBe(true);
    expect([p.src, p.srcPort, p.dstPort]).toEqual(['192.0.2.10', 22, 50000]);
  });

  it.each(cases)('link type %i: every truncated prefix decodes without throwing and names the issue', (linktype, frame) => {
    const p = newPacket();
    for (let n = 0; n < frame.length; n++) {
      const ok = decodeFrame(linktype, frame.subarray(0, n), p);
      if (!ok) expect(p.issue).not.toBeNull();
    }
  });

  it('reports an unknown link type as unsupported', () => {
    const p = newPacket();
    expect(decodeFrame(147, ETH_IPV4_TCP_SYNACK, p)).toBe(false);
    expect(p.issue).toBe('unsupported');
  });

  it('covers every registered link type in the cases above', () => {
    const tested = new Set(cases.map(([t]) => t));
    for (const t of LINK_TYPES.keys()) if (![12, 14, 229].includes(t)) expect(tested.has(t)).toBe(true);
  });

  it('never throws on random bytes under any link type', () => {
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const p = newPacket();
    for (let i = 0; i < 3000; i++) {
      const len = Math.floor(rnd() * 120);
      const buf = new Uint8Array(len);
      for (let j = 0; j < len; j++) buf[j] = Math.floor(rnd() * 256);
      // Bias toward plausible headers so the deeper layers are reached too.
      if (len > 14 && rnd() < 0.5) {
        buf[12] = 0x08;
        buf[13] = 0x00;
        buf[14] = 0x45;
      }
      for (const lt of LINK_TYPES.keys()) expect(() => decodeFrame(lt, buf, p)).not.toThrow();
    }
  });
});
