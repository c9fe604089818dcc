/**
 * A capture selection compiled to a BPF filter (pcap-filter(7)) for live capture.
 *
 * The kernel filter is a fast pre-filter; the exact decision is `match.ts`, which runs on
 * every packet, live and from files. The two agree packet for packet, with one deliberate
 * exception: BPF cannot walk IPv6 extension headers, so IPv6 packets whose fixed header
 * names an extension header pass the kernel filter and are decided by match.ts alone
 * (a superset, never a loss). Tests check the agreement on fixtures through libpcap's
 * own compiler.
 *
 * VLAN-tagged frames still match: on Ethernet the expression is repeated after one and
 * after two `vlan` keywords. libpcap shifts its offsets for the rest of the expression at
 * each `vlan`, so the tagged alternatives are nested at the end, never followed by
 * anything. MPLS-labelled packets are outside any protocol choice (libpcap cannot follow
 * labels and tags in one expression); match.ts drops them too, so both sides agree.
 */
import type { Transport } from '../../shared/capture';
import { netText } from '../../shared/capture';
import type { ResolvedSelection } from './selection';

/** IPv6 next-header values of extension headers BPF cannot walk (hop-by-hop, routing, fragment, AH, destination options). */
const IPV6_EXT = [0, 43, 44, 51, 60];

function portTerms(ports: number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ports.length; ) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j]! + 1) j++;
    out.push(j - i >= 2 ? `portrange ${ports[i]}-${ports[j]}` : ports.slice(i, j + 1).map((p) => `port ${p}`).join(' or '));
    i = j + 1;
  }
  return out;
}

/** The expression for one untagged packet ("X"), or '' when the selection takes everything. */
export function coreExpression(r: ResolvedSelection): string {
  if (r.all) return '';
  let base: string;
  const withPorts = r.transports.filter((t) => r.ports[t] !== null);
  if (withPorts.length) {
    const alts = withPorts
      .filter((t) => r.ports[t]!.length > 0)
      .map((t: Transport) => `(${t} and (${portTerms(r.ports[t]!).join(' or ')}))`);
    base = alts.length === 1 ? alts[0]! : `(${alts.join(' or ')})`;
  } else {
    base = r.transports.length === 2 ? '(tcp or udp)' : r.transports[0]!;
  }
  const ignores = [
    ...r.nets.map((n) => (n.prefix === (n.version === 4 ? 32 : 128) ? `host ${netText(n)}` : `net ${netText(n)}`)),
    ...r.portRanges.map((p) => (p.lo === p.hi ? `port ${p.lo}` : `portrange ${p.lo}-${p.hi}`)),
  ];
  const x = ignores.length ? `${base} and not (${ignores.join(' or ')})` : base;
  const ext = `(ip6 and (${IPV6_EXT.map((n) => `ip6[6] == ${n}`).join(' or ')}))`;
  return `((${x}) or ${ext})`;
}

/** The BPF for a link type: with the VLAN alternatives on Ethernet (link type 1). */
export function compileBpf(r: ResolvedSelection, opts: { vlan: boolean }): string {
  const x = coreExpression(r);
  if (!x || !opts.vlan) return x;
  return `${x} or (vlan and (${x} or (vlan and ${x})))`;
}

/**
 * The filters a live capture tries, best first: with VLAN alternatives, without them
 * (link types where libpcap has no `vlan`, such as Linux cooked capture), and none at all
 * (a selection too large for the kernel: match.ts still applies it, at a CPU cost).
 */
export function bpfCandidates(r: ResolvedSelection): Array<{ bpf: string; note: string | null }> {
  if (r.all) return [{ bpf: '', note: null }];
  return [
    { bpf: compileBpf(r, { vlan: true }), note: null },
    { bpf: compileBpf(r, { vlan: false }), note: 'this link type has no VLAN tags in the kernel filter' },
    { bpf: '', note: 'the kernel could not take the filter; Portolan filters every packet itself' },
  ];
}
