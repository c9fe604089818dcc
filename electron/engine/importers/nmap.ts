/**
 * nmap `-oX` and masscan `-oX` reports, read with a real XML parser (fast-xml-parser),
 * validated first. Pure: text in, a report out, never a half-read document.
 *
 * What each element gives (nmap's DTD, docs/nmap.dtd in nmap's source; masscan writes a
 * subset of the same format, one <host> per open port):
 * - <nmaprun scanner args start version>: the tool, its command line and start (Unix s);
 * - <host starttime endtime>: per host scan times (Unix s), else the run's start;
 * - <address addr addrtype="ipv4|ipv6|mac" vendor>: several per host; IPv4 is preferred,
 *   then IPv6 (IPv6-only hosts); the MAC is kept beside the service. IPv4 other than a
 *   dotted quad (2130706457, 010.0.0.1) names another host than it seems: skipped, counted;
 * - <hostnames><hostname name type>: kept (a renamed host is still the same host);
 * - <ports><port protocol portid><state state reason/><service name product version
 *   tunnel/>: `open` becomes a service, `closed` is remembered (it makes an approved
 *   service gone); filtered and open|filtered prove nothing and are only counted;
 *   a port without <service> is still a port;
 * - <extraports state count>: ports not listed one by one; counted in warnings only;
 * - <runstats><finished time>: the run's end. A file cut off before </nmaprun> (nmap
 *   killed mid-scan) is read up to its last complete </host> and marked incomplete.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { withoutUnsafeChars } from '../../shared/text';
import ipaddr from 'ipaddr.js';
import type { Proto } from '../../shared/model';
import { normalizeHost } from '../inventory/hostkey';
import { MarkupError, prescan } from './prescan';

export class ImportFormatError extends Error {
  override name = 'ImportFormatError';
}

export interface ParsedPort {
  proto: Proto;
  port: number;
  state: string;
  reason: string | null;
  service: string | null;
  /**
   * How the tool named the service: `table` when nmap only looked the port up
   * (method="table"), `evidence` when it probed (method="probed") or the report has no
   * method (masscan names services from the banners it grabbed).
   */
  serviceMethod: 'evidence' | 'table';
  banner: string | null;
}

export interface ParsedHost {
  address: string;
  mac: string | null;
  hostnames: string[];
  /** Scan time of this host, ms. */
  timeMs: number | null;
  ports: ParsedPort[];
}

export interface ParsedReport {
  tool: 'nmap' | 'masscan';
  args: string | null;
  version: string | null;
  startMs: number | null;
  endMs: number | null;
  complete: boolean;
  hosts: ParsedHost[];
  /** Counts of what was read but not stored (filtered ports, extraports, odd entries). */
  warnings: string[];
}

type Node = Record<string, unknown>;

const ARRAYS = new Set(['host', 'address', 'hostname', 'port', 'extraports', 'hostnames', 'ports']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => ARRAYS.has(name),
  // Only the five XML entities matter in nmap output; keep expansion tightly bounded.
  htmlEntities: true,
  processEntities: { enabled: true, maxEntityCount: 10, maxEntitySize: 256, maxTotalExpansions: 1000, maxExpandedLength: 100_000 },
});

/** Whether the parser expands `&name;` (the XML five, the HTML names), asked once per name. */
const expandable = new Map<string, boolean>();
function expands(name: string): boolean {
  let known = expandable.get(name);
  if (known === undefined) {
    const probe = parser.parse(`<a b="&${name};"/>`) as { a?: { b?: unknown } };
    known = probe.a?.b !== `&${name};`;
    if (expandable.size < 1000) expandable.set(name, known);
  }
  return known;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
}

function arr(v: unknown): Node[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Node[]) : v && typeof v === 'object' ? [v as Node] : [];
}

/** Unix seconds (as text) → ms; anything odd → null. */
function unixMs(v: unknown): number | null {
  const s = str(v);
  if (!s || !/^\d{1,12}$/.test(s)) return null;
  const n = Number(s);
  return n > 0 ? n * 1000 : null;
}

function printable(s: string | null, max = 200): string | null {
  if (!s) return null;
  // Control characters become spaces; C1 controls and bidirectional-text controls (U+202E
  // would show a banner or host name in another order than it holds) are dropped, as
  // analysts' own text refuses them.
  const t = withoutUnsafeChars(s.replace(/[\x00-\x1f\x7f]/g, ' ')).trim();
  return t ? t.slice(0, max) : null;
}

/**
 * A report cut off mid-write ends without </nmaprun>: keep everything up to the last
 * complete </host> (or, with none, up to the end of the <nmaprun …> start tag) and close
 * the root, so the parser sees a whole document.
 */
export function repairTruncated(text: string): { text: string; complete: boolean } {
  if (/<\/nmaprun\s*>\s*$/.test(text)) return { text, complete: true };
  const lastHost = text.lastIndexOf('</host>');
  if (lastHost >= 0) return { text: `${text.slice(0, lastHost + '</host>'.length)}\n</nmaprun>\n`, complete: false };
  const root = /<nmaprun\b[^>]*>/.exec(text);
  if (root && !root[0].endsWith('/>')) return { text: `${text.slice(0, root.index + root[0].length)}\n</nmaprun>\n`, complete: false };
  throw new ImportFormatError('not an nmap or masscan XML report (no <nmaprun> element; cut off before it?)');
}

/** The root element's name, past the prolog (declaration, comments, doctype), or null. */
export function rootName(text: string): string | null {
  let rest = text.replace(/^\uFEFF/, '');
  for (;;) {
    rest = rest.trimStart();
    const skip = /^(<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>)/i.exec(rest);
    if (!skip) break;
    rest = rest.slice(skip[0].length);
  }
  return /^<([A-Za-z_][\w.-]*)/.exec(rest)?.[1] ?? null;
}

/**
 * <host> elements anywhere but directly in <nmaprun> (a <host> inside a <host>): nmap
 * never writes them, so they are counted and skipped, not read as hosts. Walked with a
 * stack, not recursion: the depth is the file's to choose.
 */
function nestedHosts(run: Node): number {
  let n = 0;
  // The top-level hosts themselves, so that a "host" key inside one is seen.
  const stack: unknown[] = Object.entries(run).flatMap(([k, v]) => (k === 'host' ? arr(v) : [v]));
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) for (const c of v) stack.push(c);
    else if (v && typeof v === 'object') {
      for (const [k, c] of Object.entries(v)) {
        if (k === 'host') n += arr(c).length;
        stack.push(c);
      }
    }
  }
  return n;
}

/** "ports with …" → "port with …", "IPv6 addresses …" → "IPv6 address …": the first plural noun made singular. */
function singular(plural: string): string {
  return plural.replace(/\b(address|host|port)(es|s)\b/, '$1');
}

export function parseReport(raw: string): ParsedReport {
  const head = raw.slice(0, 4096).replace(/^\uFEFF/, '').trimStart();
  if (!head.startsWith('<')) throw new ImportFormatError('not XML (an nmap or masscan report made with -oX is expected)');
  const root = rootName(raw.slice(0, 1 << 16));
  if (root !== null && root !== 'nmaprun') throw new ImportFormatError(`not an nmap or masscan XML report (the root element is <${root.slice(0, 40)}>, not <nmaprun>)`);
  // Oversized fields and a DTD of the file's own are refused before the validator (whose
  // memory grows ~40x with one long attribute) and the parser (which would expand them).
  try {
    prescan(raw, expands);
  } catch (err) {
    if (err instanceof MarkupError) throw new ImportFormatError(err.message);
    throw err;
  }
  // A whole document is taken as it is; only one that does not validate and lacks its
  // closing </nmaprun> is treated as cut off.
  const whole = XMLValidator.validate(raw) === true;
  const { text, complete } = whole ? { text: raw, complete: true } : repairTruncated(raw);
  const valid = whole || XMLValidator.validate(text);
  if (valid !== true) throw new ImportFormatError(`broken XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  let doc: Node;
  try {
    doc = parser.parse(text) as Node;
  } catch (err) {
    throw new ImportFormatError(`unreadable XML: ${(err as Error).message}`);
  }
  // A root with no attributes and no children (<nmaprun></nmaprun>, or what a file cut
  // off inside its first <host> repairs to) parses as text: an empty run, not a wrong root.
  const run = typeof doc.nmaprun === 'string' ? {} : arr(doc.nmaprun)[0];
  if (!run) {
    const root = Object.keys(doc)[0] ?? 'nothing';
    throw new ImportFormatError(`not an nmap or masscan XML report (the root element is <${root}>, not <nmaprun>)`);
  }
  const tool = str(run.scanner) === 'masscan' ? 'masscan' : 'nmap';
  const startMs = unixMs(run.start);
  const finished = arr(arr(run.runstats)[0]?.finished)[0];
  const endMs = complete ? unixMs(finished?.time) : null;
  const warnings: string[] = [];
  // What was skipped or summarised, counted: "1 port …" / "3 ports …" (`k` is the plural
  // text; `one` the same for a count of one).
  const counts = new Map<string, { n: number; one: string }>();
  const count = (k: string, n = 1, one = singular(k)) => counts.set(k, { n: (counts.get(k)?.n ?? 0) + n, one });

  const nested = nestedHosts(run);
  if (nested) count('hosts nested inside another element (a <host> in a <host>; nmap writes every <host> directly in <nmaprun>), skipped', nested);
  const byAddr = new Map<string, ParsedHost>();
  for (const h of arr(run.host)) {
    const addrs = arr(h.address);
    const isIp = (a: Node) => str(a.addrtype) === 'ipv4' || str(a.addrtype) === 'ipv6' || str(a.addrtype) === null;
    const pick = addrs.find((a) => str(a.addrtype) === 'ipv4' || str(a.addrtype) === null) ?? addrs.find((a) => str(a.addrtype) === 'ipv6');
    // nmap writes one IP address per host (beside a MAC); a second one is not read as
    // another host (its ports are the first one's), but it is said.
    const otherIps = new Set(addrs.filter(isIp).map((a) => str(a.addr))).size > 1;
    const macText = str(addrs.find((a) => str(a.addrtype) === 'mac')?.addr)?.toLowerCase() ?? null;
    let address: string;
    // A link-local IPv6 address may carry its zone (fe80::1%eth0): the scanning machine's
    // interface, not part of the host's address, so it is dropped (and said once).
    let addrText = str(pick?.addr) ?? '';
    if (addrText.includes(':') && addrText.includes('%')) {
      addrText = addrText.slice(0, addrText.indexOf('%'));
      count('IPv6 addresses with a zone id (fe80::1%eth0), stored without it (the zone names the scanning machine\'s interface)');
    }
    try {
      address = normalizeHost(addrText);
    } catch {
      // nmap writes IPv4 as a dotted quad; 2130706457, 0x7f.0.0.25 or 198.51.100.010 would
      // be read as another host (127.0.0.25, .8), so the host is skipped, not re-read.
      if (!addrText.includes(':') && ipaddr.IPv4.isValid(addrText)) count('hosts with an IPv4 address not written as a dotted quad (2130706457, 0x7f.0.0.1, 010.0.0.1), skipped');
      else count('hosts without a usable IP address, skipped');
      continue;
    }
    if (otherIps) count('hosts with more than one IP address (nmap writes one per host): stored under the first IPv4 address (else IPv6), the other addresses not stored');
    const hostnames: string[] = [];
    for (const hn of arr(h.hostnames).flatMap((x) => arr(x.hostname))) {
      const n = str(hn.name);
      if (n && /^[A-Za-z0-9_.-]{1,253}$/.test(n)) hostnames.push(n.toLowerCase());
    }
    const timeMs = unixMs(h.endtime) ?? unixMs(h.starttime) ?? startMs;
    const host = byAddr.get(address) ?? { address, mac: null, hostnames: [], timeMs, ports: [] };
    if (macText && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(macText)) host.mac = macText;
    for (const n of hostnames) if (!host.hostnames.includes(n)) host.hostnames.push(n);
    if (timeMs !== null && (host.timeMs === null || timeMs > host.timeMs)) host.timeMs = timeMs;
    byAddr.set(address, host);
    for (const ports of arr(h.ports)) {
      for (const x of arr(ports.extraports)) count(`ports summarised as ${str(x.state) ?? 'unknown'} (extraports), not listed`, Number(str(x.count) ?? 0) || 0);
      for (const p of arr(ports.port)) {
        const proto = str(p.protocol);
        const portText = str(p.portid) ?? '';
        const port = /^\d{1,5}$/.test(portText) ? Number(portText) : -1;
        if (proto !== 'tcp' && proto !== 'udp') {
          count(`${proto ?? 'unknown'} ports, not stored`);
          continue;
        }
        if (port < 0 || port > 65535) {
          count('ports with an invalid number, skipped');
          continue;
        }
        // Port 0 is reserved (no socket can be reached on it) and the scanner refuses it:
        // a report that lists it proves nothing about a listener.
        if (port === 0) {
          count('ports numbered 0 (reserved, nothing listens on it), skipped');
          continue;
        }
        const st = arr(p.state)[0];
        const state = str(st?.state) ?? 'unknown';
        const svc = arr(p.service)[0];
        const name = printable(str(svc?.name), 64);
        const tunnel = str(svc?.tunnel);
        const banner = printable([str(svc?.product), str(svc?.version), str(svc?.extrainfo)].filter(Boolean).join(' ') || null) ?? printable(str(arr(p.service)[0]?.banner));
        if (state !== 'open' && state !== 'closed') count(`${state} ports (prove nothing), not stored`, 1, `${state} port (proves nothing), not stored`);
        host.ports.push({ proto, port, state, reason: printable(str(st?.reason), 64), service: name ? (tunnel === 'ssl' ? `ssl/${name}` : name) : null, serviceMethod: str(svc?.method) === 'table' ? 'table' : 'evidence', banner });
      }
    }
  }
  if (!complete) warnings.push('the file ends before </nmaprun> (the scan was cut off): imported the hosts it holds, marked incomplete');
  for (const [k, { n, one }] of counts) warnings.push(`${n} ${n === 1 ? one : k}`);
  return { tool, args: printable(str(run.args), 4096), version: printable(str(run.version), 64), startMs, endMs, complete, hosts: [...byAddr.values()], warnings };
}
