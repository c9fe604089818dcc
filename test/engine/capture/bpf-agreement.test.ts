/**
 * The kernel filter and the file-side filter agree, packet for packet: each fixture
 * packet is run through libpcap's own compiler and matcher (tcpdump -r with the compiled
 * BPF) and through filters/match.ts. They must give the same answer, except for IPv6
 * packets with extension headers, which the BPF passes on purpose (it cannot walk
 * them) and match.ts decides — a superset, never a packet lost live that a file keeps.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaptureSelectionInput } from '../../../electron/shared/capture';
import { decodeFrame, newPacket } from '../../../electron/engine/decode';
import { compileBpf } from '../../../electron/engine/filters/compile';
import { packetFilter } from '../../../electron/engine/filters/match';
import { resolveSelection } from '../../../electron/engine/filters/selection';
import { hex, pcapFile, tcpFrame, udpFrame } from '../../support/frames';
import { requireOrSkip } from '../../support/require';

const hasTcpdump = requireOrSkip(spawnSync('tcpdump', ['--version']).status === 0, 'tcpdump is not installed (the BPF agreement test runs libpcap through it)');

const A = '192.0.2.1';
const B = '198.51.100.7';
const C = '203.0.113.9';
const A6 = '2001:db8::1';
const B6 = '2001:db8:2::7';

interface Fixture {
  name: string;
  frame: Uint8Array;
  /** IPv6 with an extension header before the transport: BPF may pass more. */
  ext?: boolean;
}

const ETH = '020000000001 020000000002';

/** IPv6 → hop-by-hop (8 bytes of PadN) → TCP 40000 → 80, SYN. */
function ipv6HopByHop(): Uint8Array {
  return hex(`${ETH} 86dd
    60000000 001c 00 40             # version 6, payload 28, next header 0 (hop-by-hop), hop limit 64
    20010db8000000000000000000000001 # 2001:db8::1
    20010db8000200000000000000000007 # 2001:db8:2::7
    06 00 0104 00000000             # hop-by-hop: next TCP, length 0 (8 bytes), PadN
    9c40 0050 00000001 00000000 5002 ffff 0000 0000  # TCP 40000 → 80, SYN`);
}

/** A non-first IPv4 fragment of a TCP segment: no ports in it. */
function ipv4LaterFragment(): Uint8Array {
  return hex(`${ETH} 0800
    4500 001c 0001 00b9 40 06 0000 c0000201 c6336407  # offset 185 (×8), proto 6, 192.0.2.1 → 198.51.100.7
    0050 0050 00000000`);
}

function icmp(): Uint8Array {
  return hex(`${ETH} 0800 4500 001c 0002 0000 40 01 0000 c0000201 c6336407 0800 0000 0001 0001 00000000`);
}

function arp(): Uint8Array {
  return hex(`${ETH} 0806 0001 0800 06 04 0001 020000000002 c0000201 000000000000 c6336407`);
}

/** MPLS label 16 (bottom of stack) carrying IPv4 TCP to port 80. */
function mpls(): Uint8Array {
  const inner = tcpFrame({ src: A, dst: B, sport: 41000, dport: 80, flags: 'S' }).subarray(14);
  return Uint8Array.from([...hex(`${ETH} 8847 00010140`), ...inner]);
}

const FIXTURES: Fixture[] = [
  { name: 'tcp v4 to 80', frame: tcpFrame({ src: A, dst: B, sport: 40001, dport: 80, flags: 'S' }) },
  { name: 'tcp v4 from 80', frame: tcpFrame({ src: B, dst: A, sport: 80, dport: 40001, flags: 'SA' }) },
  { name: 'tcp v4 to 443', frame: tcpFrame({ src: A, dst: B, sport: 40002, dport: 443, flags: 'S' }) },
  { name: 'tcp v4 to 22', frame: tcpFrame({ src: A, dst: C, sport: 40003, dport: 22, flags: 'S' }) },
  { name: 'tcp v4 to 3306', frame: tcpFrame({ src: C, dst: B, sport: 40004, dport: 3306, flags: 'S' }) },
  { name: 'tcp v4 138 → 139', frame: tcpFrame({ src: A, dst: B, sport: 138, dport: 139, flags: 'S' }) },
  { name: 'udp v4 dns', frame: udpFrame({ src: A, dst: B, sport: 5353, dport: 53 }) },
  { name: 'udp v4 dns reply', frame: udpFrame({ src: B, dst: A, sport: 53, dport: 5353 }) },
  { name: 'udp v4 ntp', frame: udpFrame({ src: C, dst: B, sport: 123, dport: 123 }) },
  { name: 'udp v4 137', frame: udpFrame({ src: A, dst: C, sport: 50000, dport: 137 }) },
  { name: 'tcp v6 to 80', frame: tcpFrame({ src: A6, dst: B6, sport: 40005, dport: 80, flags: 'S' }) },
  { name: 'tcp v6 to 22', frame: tcpFrame({ src: B6, dst: A6, sport: 40006, dport: 22, flags: 'S' }) },
  { name: 'udp v6 dns', frame: udpFrame({ src: A6, dst: B6, sport: 40007, dport: 53 }) },
  { name: 'vlan 100 tcp 80', frame: tcpFrame({ src: A, dst: B, sport: 40008, dport: 80, flags: 'S', vlans: [100] }) },
  { name: 'vlan 100 tcp 22 to C', frame: tcpFrame({ src: A, dst: C, sport: 40009, dport: 22, flags: 'S', vlans: [100] }) },
  { name: 'qinq tcp 443', frame: tcpFrame({ src: A, dst: B, sport: 40010, dport: 443, flags: 'S', vlans: [10, 20] }) },
  { name: 'qinq v6 tcp 80', frame: tcpFrame({ src: A6, dst: B6, sport: 40011, dport: 80, flags: 'S', vlans: [10, 20] }) },
  { name: 'triple tag tcp 80', frame: tcpFrame({ src: A, dst: B, sport: 40012, dport: 80, flags: 'S', vlans: [1, 2, 3] }) },
  { name: 'v6 hop-by-hop tcp 80', frame: ipv6HopByHop(), ext: true },
  { name: 'v4 later fragment', frame: ipv4LaterFragment() },
  { name: 'icmp', frame: icmp() },
  { name: 'arp', frame: arp() },
  { name: 'mpls tcp 80', frame: mpls() },
];

const SELECTIONS: Array<[string, CaptureSelectionInput]> = [
  ['tcp only', { transports: ['tcp'] }],
  ['udp only', { transports: ['udp'] }],
  ['http and dns', { apps: ['http', 'dns'] }],
  ['tls over tcp', { transports: ['tcp'], apps: ['tls'] }],
  ['smb (tcp and udp ports)', { apps: ['smb'] }],
  ['ignore a subnet and a host', { ignore: ['203.0.113.0/24', '2001:db8:2::7'] }],
  ['ignore ports and a range', { ignore: ['22', '137-139'] }],
  ['everything chosen, one v6 subnet ignored', { transports: ['tcp', 'udp'], ignore: ['2001:db8::/32'] }],
  ['http, ignoring a host', { apps: ['http'], ignore: ['192.0.2.1'] }],
];

const dir = mkdtempSync(join(tmpdir(), 'portolan-bpf-'));
const file = join(dir, 'fixtures.pcap');
// One packet per second, so tcpdump's -tt timestamps name the fixture.
writeFileSync(file, pcapFile(FIXTURES.map((f, i) => ({ tsUs: (i + 1) * 1e6, data: f.frame }))));

function bpfMatches(bpf: string): Set<number> {
  const r = spawnSync('tcpdump', ['-r', file, '-nn', '-tt', '-q', bpf], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tcpdump refused the filter: ${r.stderr}\n${bpf}`);
  return new Set(r.stdout.split('\n').filter(Boolean).map((l) => Number(l.split('.')[0]) - 1));
}

describe.skipIf(!hasTcpdump)('BPF and the file-side filter agree on fixtures', () => {
  it.each(SELECTIONS)('%s', (_name, input) => {
    const sel = resolveSelection(input);
    const filter = packetFilter(sel)!;
    const pkt = newPacket();
    const bpf = bpfMatches(compileBpf(sel, { vlan: true }));
    FIXTURES.forEach((f, i) => {
      decodeFrame(1, f.frame, pkt);
      const ours = filter(pkt);
      if (f.ext) {
        if (ours) expect(bpf.has(i), `${f.name}: match.ts keeps it, so the BPF must pass it`).toBe(true);
      } else {
        expect(bpf.has(i), `${f.name}: BPF ${bpf.has(i)} vs match.ts ${ours}`).toBe(ours);
      }
    });
  });

  it('the fixtures exercise both answers under every selection', () => {
    for (const [, input] of SELECTIONS) {
      const sel = resolveSelection(input);
      const bpf = bpfMatches(compileBpf(sel, { vlan: true }));
      expect(bpf.size).toBeGreaterThan(0);
      expect(bpf.size).toBeLessThan(FIXTURES.length);
    }
  });

  it('on a link type without VLAN tags (Linux cooked capture) the plain form is used and agrees', () => {
    const sll = (frame: Uint8Array): Uint8Array => {
      // SLL header: packet type (2) | ARPHRD (2) | address length (2) | address (8) | protocol (2); then the L3 payload.
      const type = frame.subarray(12, 14);
      return Uint8Array.from([0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, type[0]!, type[1]!, ...frame.subarray(14)]);
    };
    // Untagged fixtures only: a cooked capture has no VLAN header to carry.
    const plain = FIXTURES.filter((f) => !f.ext && f.frame[12] !== 0x81 && f.frame[12] !== 0x88);
    const sllFile = join(dir, 'sll.pcap');
    writeFileSync(sllFile, pcapFile(plain.map((f, i) => ({ tsUs: (i + 1) * 1e6, data: sll(f.frame) })), { linktype: 113 }));
    const sel = resolveSelection({ apps: ['http', 'dns'], ignore: ['203.0.113.0/24'] });
    const r = spawnSync('tcpdump', ['-r', sllFile, '-nn', '-tt', '-q', compileBpf(sel, { vlan: false })], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const bpf = new Set(r.stdout.split('\n').filter(Boolean).map((l) => Number(l.split('.')[0]) - 1));
    const filter = packetFilter(sel)!;
    const pkt = newPacket();
    plain.forEach((f, i) => {
      decodeFrame(113, sll(f.frame), pkt);
      expect(bpf.has(i), f.name).toBe(filter(pkt));
    });
  });
});
