/**
 * The packet filter of a capture selection: the exact decision, applied identically to
 * live frames (after the kernel's BPF pre-filter, compile.ts) and to capture files.
 * It mirrors pcap-filter(7) semantics: `port` matches either end and never a non-first
 * fragment; `host`/`net` match either address; an ignore rule drops the packet.
 */
import type { Net } from '../../shared/capture';
import { IPPROTO_TCP, IPPROTO_UDP, type Packet } from '../decode/types';
import type { ResolvedSelection } from './selection';

export type PacketFilter = (p: Packet) => boolean;

function inNet(b: Uint8Array, off: number, n: Net): boolean {
  let bit = 0;
  for (; bit + 8 <= n.prefix; bit += 8) if (b[off + (bit >> 3)] !== n.bytes[bit >> 3]) return false;
  if (bit < n.prefix) {
    const mask = (0xff << (8 - (n.prefix - bit))) & 0xff;
    if ((b[off + (bit >> 3)]! & mask) !== n.bytes[bit >> 3]) return false;
  }
  return true;
}

/** Builds the filter; null when the selection takes everything (no work per packet). */
export function packetFilter(r: ResolvedSelection): PacketFilter | null {
  if (r.all) return null;
  const allowTcp = r.transports.includes('tcp');
  const allowUdp = r.transports.includes('udp');
  const tcpPorts = r.ports.tcp ? new Set(r.ports.tcp) : null;
  const udpPorts = r.ports.udp ? new Set(r.ports.udp) : null;
  const ranges = r.portRanges;
  const nets = r.nets;
  // Compared on the packet's address bytes: no address text is made per packet.
  const addrIgnored = (p: Packet, off: number): boolean => {
    const v = p.ipVersion;
    for (const n of nets) if (n.version === v && inNet(p.addrBuf, off, n)) return true;
    return false;
  };
  const portIgnored = (port: number): boolean => {
    for (const g of ranges) if (port >= g.lo && port <= g.hi) return true;
    return false;
  };
  return (p) => {
    if (p.ipVersion === 0 || p.mpls.length > 0 || p.vlans.length > 2) return false;
    let ports: Set<number> | null;
    if (p.ipProto === IPPROTO_TCP) {
      if (!allowTcp) return false;
      ports = tcpPorts;
    } else if (p.ipProto === IPPROTO_UDP) {
      if (!allowUdp) return false;
      ports = udpPorts;
    } else return false;
    const portsKnown = p.hasPorts && !p.laterFragment;
    if (ports && !(portsKnown && (ports.has(p.srcPort) || ports.has(p.dstPort)))) return false;
    if (nets.length && (addrIgnored(p, p.srcOff) || addrIgnored(p, p.dstOff))) return false;
    if (ranges.length && portsKnown && (portIgnored(p.srcPort) || portIgnored(p.dstPort))) return false;
    return true;
  };
}
