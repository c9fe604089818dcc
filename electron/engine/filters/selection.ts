/**
 * A capture selection, resolved once: the port sets each transport allows and the parsed
 * ignore rules. Both the BPF compiler (compile.ts) and the packet filter (match.ts) read
 * this one structure, so the kernel filter and the file-side filter cannot drift apart.
 */
import { APP_PROTOCOLS, CaptureSelection, parseIgnore, type CaptureSelectionInput, type IgnoreRule, type Net, type Transport } from '../../shared/capture';

export class SelectionError extends Error {
  override name = 'SelectionError';
}

export interface ResolvedSelection {
  /** True when nothing is restricted: capture everything, no filter at all. */
  all: boolean;
  transports: Transport[];
  /** Allowed ports per transport; null when any port is allowed. */
  ports: Record<Transport, number[] | null>;
  nets: Net[];
  portRanges: Array<{ lo: number; hi: number }>;
  /** The canonical selection, as stored with the capture. */
  selection: CaptureSelection;
}

/** Validates and resolves a selection. Throws SelectionError when it could capture nothing. */
export function resolveSelection(input: CaptureSelectionInput | undefined): ResolvedSelection {
  const parsed = CaptureSelection.safeParse(input ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new SelectionError(`${first?.message ?? 'invalid capture selection'}${first?.path.length ? ` at ${first.path.join('.')}` : ''}`);
  }
  const selection = parsed.data;
  const transports: Transport[] = selection.transports.length ? [...new Set(selection.transports)].sort() : ['tcp', 'udp'];
  const ports: Record<Transport, number[] | null> = { tcp: null, udp: null };
  if (selection.apps.length) {
    for (const t of transports) {
      const set = new Set<number>();
      for (const a of selection.apps) for (const p of APP_PROTOCOLS[a][t]) set.add(p);
      ports[t] = [...set].sort((x, y) => x - y);
    }
    if (transports.every((t) => ports[t]!.length === 0)) {
      throw new SelectionError(`${selection.apps.join(', ')} use no ${transports.join(' or ')} ports: nothing would be captured`);
    }
  }
  // In one order whatever order they were typed in, repeats dropped: the compiled filter
  // text is what says whether a file was already ingested under this choice.
  const byText = new Map<string, IgnoreRule>();
  for (const t of selection.ignore) {
    const r = parseIgnore(t);
    if (r) byText.set(r.text, r);
  }
  const rules = [...byText.values()].sort(ruleOrder);
  const nets = rules.flatMap((r) => (r.kind === 'net' ? [r.net] : []));
  const portRanges = rules.flatMap((r) => (r.kind === 'ports' ? [{ lo: r.lo, hi: r.hi }] : []));
  // An ignore list that covers every host of both families, or every port, leaves a
  // capture that records nothing while it looks as if it ran: refuse it, as apps without
  // a port on the chosen transports are refused.
  if (nets.some((n) => n.version === 4 && n.prefix === 0) && nets.some((n) => n.version === 6 && n.prefix === 0)) {
    throw new SelectionError('the ignore list covers every IPv4 and IPv6 host (0.0.0.0/0 and ::/0): nothing would be captured');
  }
  if (coversEveryPort(portRanges)) throw new SelectionError('the ignore list covers every port (1-65535): nothing would be captured');
  const canonical: CaptureSelection = {
    transports: selection.transports.length ? transports : [],
    apps: [...new Set(selection.apps)].sort(),
    ignore: rules.map((r) => r.text),
  };
  const all = !selection.transports.length && !selection.apps.length && !rules.length;
  return { all, transports, ports, nets, portRanges, selection: canonical };
}

/** True when the ranges together cover ports 1 to 65535. */
function coversEveryPort(ranges: Array<{ lo: number; hi: number }>): boolean {
  let next = 1;
  for (const r of [...ranges].sort((a, b) => a.lo - b.lo)) {
    if (r.lo > next) return false;
    next = Math.max(next, r.hi + 1);
    if (next > 65535) return true;
  }
  return false;
}

/** Networks first (by family, then text), then port ranges by number. */
function ruleOrder(a: IgnoreRule, b: IgnoreRule): number {
  if (a.kind === 'ports' && b.kind === 'ports') return a.lo - b.lo || a.hi - b.hi;
  if (a.kind === 'net' && b.kind === 'net') return a.net.version - b.net.version || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
  return a.kind === 'net' ? -1 : 1;
}

/**
 * One line for people: "TCP and UDP · apps: http, dns · ignoring 192.0.2.0/24, 22". It
 * names only the transports the filter captures: apps with no UDP port (http, ssh)
 * compile to a TCP-only filter, so "TCP · apps: http, ssh", never "TCP and UDP".
 */
export function describeSelection(r: ResolvedSelection): string {
  if (r.all) return 'everything (TCP and UDP, every port)';
  const captured = r.transports.filter((t) => r.ports[t] === null || r.ports[t]!.length > 0);
  const parts = [captured.map((t) => t.toUpperCase()).join(' and ')];
  parts.push(r.selection.apps.length ? `apps: ${r.selection.apps.join(', ')}` : 'every port');
  if (r.selection.ignore.length) parts.push(`ignoring ${r.selection.ignore.join(', ')}`);
  return parts.join(' · ');
}
