/**
 * Capture choices shared by the engine, the CLI and the renderer: which transports and
 * application protocols to capture, which hosts, subnets and ports to ignore, named
 * profiles of those choices, and the shapes of the live-capture channels.
 *
 * One parser for addresses, subnets and ports lives here, so the form, the CLI, the BPF
 * compiler and the file-side filter can never read "192.0.2.0/24" two ways.
 * Imports nothing but zod (the renderer and the sandboxed preload use it too).
 */
import { z } from './zod';
import { ipv6GroupsText } from './ipv6';

export const Transport = z.enum(['tcp', 'udp']);
export type Transport = z.infer<typeof Transport>;

/**
 * Application protocols an analyst can pick, with the ports that select them. A BPF
 * filter cannot read payload, so choosing "http" captures the ports HTTP is registered
 * on (live and from files alike); the flow's app_proto is still named from payload.
 */
export const APP_PROTOCOLS = {
  dns: { label: 'DNS', tcp: [53], udp: [53] },
  http: { label: 'HTTP', tcp: [80, 8000, 8008, 8080, 8081, 8888], udp: [] },
  tls: { label: 'TLS / HTTPS', tcp: [443, 8443], udp: [] },
  ssh: { label: 'SSH', tcp: [22], udp: [] },
  telnet: { label: 'Telnet', tcp: [23], udp: [] },
  smtp: { label: 'SMTP', tcp: [25, 465, 587], udp: [] },
  pop3: { label: 'POP3', tcp: [110, 995], udp: [] },
  imap: { label: 'IMAP', tcp: [143, 993], udp: [] },
  ftp: { label: 'FTP (control and active data)', tcp: [20, 21], udp: [] },
  smb: { label: 'SMB / NetBIOS', tcp: [139, 445], udp: [137, 138] },
  ldap: { label: 'LDAP', tcp: [389, 636], udp: [389] },
  rdp: { label: 'RDP', tcp: [3389], udp: [3389] },
  mysql: { label: 'MySQL', tcp: [3306], udp: [] },
  postgresql: { label: 'PostgreSQL', tcp: [5432], udp: [] },
  redis: { label: 'Redis', tcp: [6379], udp: [] },
  ntp: { label: 'NTP', tcp: [], udp: [123] },
  snmp: { label: 'SNMP', tcp: [], udp: [161, 162] },
  sip: { label: 'SIP', tcp: [5060, 5061], udp: [5060] },
} as const satisfies Record<string, { label: string; tcp: readonly number[]; udp: readonly number[] }>;

export type AppProtocol = keyof typeof APP_PROTOCOLS;
export const APP_PROTOCOL_IDS = Object.keys(APP_PROTOCOLS) as AppProtocol[];
export const AppProtocol = z.enum(APP_PROTOCOL_IDS as [AppProtocol, ...AppProtocol[]]);

/** An address or subnet: `bytes` is the network (host bits cleared), `prefix` its length. */
export interface Net {
  version: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

/** One entry of an ignore list. */
export type IgnoreRule = { kind: 'net'; net: Net; text: string } | { kind: 'ports'; lo: number; hi: number; text: string };

function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p[0] === '0')) return null;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.includes('.')) {
        if (i !== parts.length - 1) return null;
        const v4 = parseIpv4(p);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1 && head.length !== 8) return null;
  if (halves.length === 2 && head.length + tail.length > 7) return null;
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `v6/n`; null when it is none of them. */
export function parseNet(text: string): Net | null {
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined || !addr) return null;
  const v4 = parseIpv4(addr);
  const bytes = v4 ?? parseIpv6(addr);
  if (!bytes) return null;
  const max = v4 ? 32 : 128;
  let prefix = max;
  if (len !== undefined) {
    if (!/^\d{1,3}$/.test(len) || Number(len) > max) return null;
    prefix = Number(len);
  }
  // Clear host bits: "192.0.2.7/24" means the subnet 192.0.2.0/24 (libpcap refuses set host bits).
  for (let bit = prefix; bit < max; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { version: v4 ? 4 : 6, bytes, prefix };
}

/** Text of a network: dotted quad or compressed IPv6, with `/n` unless it is one host. */
export function netText(n: Net): string {
  let a: string;
  if (n.version === 4) a = [...n.bytes].join('.');
  else {
    const g = Array.from({ length: 8 }, (_, i) => (n.bytes[2 * i]! << 8) | n.bytes[2 * i + 1]!);
    a = ipv6GroupsText(g);
  }
  return n.prefix === (n.version === 4 ? 32 : 128) ? a : `${a}/${n.prefix}`;
}

/** Parses one ignore entry: a port (`22`), a port range (`137-139`), an address or a subnet. */
export function parseIgnore(text: string): IgnoreRule | null {
  const t = text.trim();
  const range = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(t);
  if (range) {
    const lo = Number(range[1]);
    const hi = range[2] === undefined ? lo : Number(range[2]);
    if (lo > 65535 || hi > 65535 || hi < lo) return null;
    return { kind: 'ports', lo, hi, text: lo === hi ? `${lo}` : `${lo}-${hi}` };
  }
  const net = parseNet(t);
  return net ? { kind: 'net', net, text: netText(net) } : null;
}

const IgnoreEntry = z
  .string()
  .min(1)
  .max(64)
  .refine((s) => parseIgnore(s) !== null, { message: 'not a port, port range, address or subnet' });

/**
 * What to capture. Empty lists mean "no restriction": no transports picked captures TCP
 * and UDP, no app protocols picked captures every port. Ignore entries drop a packet
 * when either end matches (an address or subnet, a port or port range), exactly like
 * tcpdump's `not host` / `not net` / `not port`.
 */
export const CaptureSelection = z
  .object({
    transports: z.array(Transport).max(2).default([]),
    apps: z.array(AppProtocol).max(APP_PROTOCOL_IDS.length).default([]),
    ignore: z.array(IgnoreEntry).max(500).default([]),
  })
  .strict();
export type CaptureSelection = z.infer<typeof CaptureSelection>;
export type CaptureSelectionInput = z.input<typeof CaptureSelection>;

/** Splits `tcp,http dns` style lists (CLI flags, form fields) into entries. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Reads a `--protocols` list: transports and app protocol names, in any mix. */
export function parseProtocols(text: string): { transports: Transport[]; apps: AppProtocol[]; unknown: string[] } {
  const transports: Transport[] = [];
  const apps: AppProtocol[] = [];
  const unknown: string[] = [];
  for (const raw of splitList(text.toLowerCase())) {
    if (raw === 'tcp' || raw === 'udp') {
      if (!transports.includes(raw)) transports.push(raw);
    } else if ((APP_PROTOCOL_IDS as string[]).includes(raw)) {
      if (!apps.includes(raw as AppProtocol)) apps.push(raw as AppProtocol);
    } else unknown.push(raw);
  }
  return { transports, apps, unknown };
}

export const ProfileName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N} ._-]+$/u, 'letters, digits, spaces, dots, dashes and underscores only');

/** A named, saved capture choice. Times: ISO 8601 UTC. */
export const CaptureProfile = z.object({
  name: ProfileName,
  selection: CaptureSelection,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CaptureProfile = z.infer<typeof CaptureProfile>;

export const ProfileSave = z.object({ name: ProfileName, selection: CaptureSelection }).strict();
export const ProfileRef = z.object({ name: ProfileName }).strict();

/** Interface names as the OS gives them (eth0, enp3s0, veth-a@if2, any, lo). */
export const InterfaceName = z.string().min(1).max(64).regex(/^[\w.:@+-]+$/, 'not an interface name');

export const CaptureStart = z
  .object({
    interface: InterfaceName,
    /** Stop after this many seconds; absent runs until stopped. */
    durationS: z.number().int().min(1).max(7 * 24 * 3600).optional(),
    selection: CaptureSelection.default({ transports: [], apps: [], ignore: [] }),
    /** Name of the profile the selection came from, recorded with the capture. */
    profile: ProfileName.optional(),
  })
  .strict();
export type CaptureStart = z.input<typeof CaptureStart>;

/** Why live capture cannot run here, and what fixes it. */
export const CaptureProblem = z.object({
  code: z.enum(['no-libpcap', 'no-permission', 'no-interface', 'failed']),
  message: z.string(),
  fix: z.string(),
});
export type CaptureProblem = z.infer<typeof CaptureProblem>;

export const CaptureInterface = z.object({
  name: z.string(),
  description: z.string().nullable(),
  addresses: z.array(z.string()),
  loopback: z.boolean(),
});
export type CaptureInterface = z.infer<typeof CaptureInterface>;

/**
 * The executable that runs the capture child (docs/capture.md, "Capture privileges"):
 * `env` PORTOLAN_CAPTURE_HELPER, `packaged` the app's own helper, `installed`
 * /usr/local/lib/portolan/portolan-capture, `runtime` the runtime running Portolan.
 * `rights` says how it may capture (root, its capabilities, ...), null when it may not.
 */
export const CaptureHelperInfo = z.object({
  path: z.string(),
  source: z.enum(['env', 'packaged', 'installed', 'runtime']),
  rights: z.string().nullable(),
});
export type CaptureHelperInfo = z.infer<typeof CaptureHelperInfo>;

export const CaptureInterfaces = z.object({
  /** True when a capture can be opened (libpcap loads and the privileges suffice). */
  ok: z.boolean(),
  libpcap: z.string().nullable(),
  problem: CaptureProblem.nullable(),
  interfaces: z.array(CaptureInterface),
  /** Which helper runs captures and with what rights (absent from older engines). */
  helper: CaptureHelperInfo.optional(),
});
export type CaptureInterfaces = z.infer<typeof CaptureInterfaces>;

/** The BPF a selection compiles to, for the form to show before anything starts. */
export const CompiledFilter = z.object({ bpf: z.string(), summary: z.string() });
export type CompiledFilter = z.infer<typeof CompiledFilter>;

/** A service a live capture saw for the first time (first in the inventory). */
export const FoundService = z.object({
  host: z.string(),
  port: z.number().int(),
  proto: Transport,
  evidence: z.string(),
  confidence: z.string(),
  service: z.string().nullable(),
  /** When the capture stored it, ISO 8601 UTC. */
  at: z.string(),
});
export type FoundService = z.infer<typeof FoundService>;

export const JobRefCapture = z.object({ id: z.string().min(1).max(64) }).strict();
