/**
 * Offline check of a sealed snapshot document (an exported file or a stored row). Says
 * exactly what was altered: which host, service, evidence source or section no longer
 * matches its hash, or that the seal itself was edited. An unkeyed hash cannot catch an
 * editor who recomputes every hash; the chain to the database copy (`verifyAgainstDb`)
 * does, as long as the database itself was not rewritten (docs/snapshots.md).
 */
import ipaddr from 'ipaddr.js';
import { hostKey, normalizeHost } from '../inventory/hostkey';
import { hashOf } from './canonical';
import { inScope, parseScope } from './scope';
import { rootOf } from './seal';
import { CANONICALIZATION, FORMAT, FORMAT_VERSION, SEAL_ALGORITHM, serviceKey } from './types';

export interface Problem {
  /** What is affected: `host 192.0.2.10`, `service 192.0.2.10 tcp/22`, `meta`, `seal`, … */
  where: string;
  what: string;
}

export interface VerifyReport {
  ok: boolean;
  /** The seal the document claims (null when unreadable). */
  sha256: string | null;
  id: number | null;
  takenAt: string | null;
  prevSha256: string | null;
  hosts: number;
  services: number;
  problems: Problem[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const HEX64 = /^[0-9a-f]{64}$/;

function safeHash(v: unknown): string | null {
  try {
    return hashOf(v);
  } catch {
    return null; // a value the canonical form refuses (a fraction, say) was put in
  }
}

/** Compares keyed items with the hashes the seal lists for them. */
function compareItems(label: string, list: unknown, keyOf: (x: Obj) => string | null, sealed: unknown, out: Problem[], order?: (a: Obj, b: Obj) => number): void {
  if (!Array.isArray(list)) {
    out.push({ where: label, what: `${label} is not a list` });
    return;
  }
  const listed = isObj(sealed) ? sealed : {};
  const seen = new Set<string>();
  let prev: Obj | null = null;
  let unordered = false;
  for (const [i, x] of list.entries()) {
    const key = isObj(x) ? keyOf(x) : null;
    if (key === null) {
      out.push({ where: `${label}[${i}]`, what: `entry ${i} of ${label} is malformed` });
      continue;
    }
    const where = `${singular(label)} ${key}`;
    if (seen.has(key)) {
      out.push({ where, what: `${where} appears twice` });
      continue;
    }
    seen.add(key);
    if (order && prev && isObj(x) && order(prev, x) >= 0) unordered = true;
    prev = x as Obj;
    const want = Object.prototype.hasOwnProperty.call(listed, key) ? listed[key] : undefined;
    if (want === undefined) out.push({ where, what: `${where} was added: it is not in the seal` });
    else if (safeHash(x) !== want) out.push({ where, what: `${where} was altered: its content does not match its hash in the seal` });
  }
  for (const key of Object.keys(listed)) if (!seen.has(key)) out.push({ where: `${singular(label)} ${key}`, what: `${singular(label)} ${key} was removed: the seal lists it` });
  if (unordered) out.push({ where: label, what: `${label} were reordered (not in canonical order)` });
}

function singular(label: string): string {
  return label === 'hosts' ? 'host' : label === 'services' ? 'service' : label === 'sources' ? 'source' : label;
}

function byHost(a: Obj, b: Obj): number {
  const x = hostKey(String(a.address));
  const y = hostKey(String(b.address));
  if (x !== y) return x < y ? -1 : 1;
  return textOrder(String(a.address), String(b.address));
}

/** Ties of the host key (IPv4 and its IPv4-mapped IPv6 form) go by the address text, as build.ts sorts them. */
function textOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byService(a: Obj, b: Obj): number {
  const x = hostKey(String(a.host));
  const y = hostKey(String(b.host));
  if (x !== y) return x < y ? -1 : 1;
  if (a.host !== b.host) return textOrder(String(a.host), String(b.host));
  if (a.proto !== b.proto) return String(a.proto) < String(b.proto) ? -1 : 1;
  return Number(a.port) - Number(b.port);
}

export function verifyDocument(doc: unknown): VerifyReport {
  const problems: Problem[] = [];
  const report: VerifyReport = { ok: false, sha256: null, id: null, takenAt: null, prevSha256: null, hosts: 0, services: 0, problems };
  if (!isObj(doc)) {
    problems.push({ where: 'document', what: 'not a Portolan snapshot: the document is not a JSON object' });
    return report;
  }
  for (const k of Object.keys(doc)) if (k !== 'snapshot' && k !== 'seal') problems.push({ where: 'document', what: `unexpected top-level key ${JSON.stringify(k)} (not covered by the seal)` });
  const seal = doc.seal;
  const snap = doc.snapshot;
  if (!isObj(seal) || !isObj(snap)) {
    problems.push({ where: 'document', what: 'not a Portolan snapshot: "snapshot" and "seal" are required' });
    return report;
  }

  // The seal: its own fields, then the top hash over the item list.
  for (const k of Object.keys(seal)) if (!['algorithm', 'canonicalization', 'items', 'sha256'].includes(k)) problems.push({ where: 'seal', what: `unexpected key seal.${k}` });
  if (seal.algorithm !== SEAL_ALGORITHM) problems.push({ where: 'seal', what: `seal.algorithm was altered: ${JSON.stringify(seal.algorithm)} is not ${SEAL_ALGORITHM}` });
  if (seal.canonicalization !== CANONICALIZATION) problems.push({ where: 'seal', what: 'seal.canonicalization was altered' });
  const claimed = typeof seal.sha256 === 'string' && HEX64.test(seal.sha256) ? seal.sha256 : null;
  report.sha256 = typeof seal.sha256 === 'string' ? seal.sha256 : null;
  const items = isObj(seal.items) ? seal.items : null;
  if (!items) problems.push({ where: 'seal', what: 'seal.items is missing or malformed' });
  const rootOk = items !== null && claimed !== null && safeHash({ algorithm: SEAL_ALGORITHM, canonicalization: CANONICALIZATION, items }) !== null && rootOf(items) === claimed;

  // The content, item by item.
  const itemProblems: Problem[] = [];
  for (const k of Object.keys(snap)) if (!['meta', 'hosts', 'services', 'rules', 'sources'].includes(k)) itemProblems.push({ where: `snapshot.${k}`, what: `snapshot.${k} was added: it is not covered by the seal` });
  const meta = snap.meta;
  if (isObj(meta)) {
    report.id = typeof meta.id === 'number' ? meta.id : null;
    report.takenAt = typeof meta.takenAt === 'string' ? meta.takenAt : null;
    report.prevSha256 = typeof meta.prevSha256 === 'string' ? meta.prevSha256 : null;
  }
  if (!('meta' in snap)) itemProblems.push({ where: 'meta', what: 'meta was removed' });
  else if (safeHash(meta) !== items?.meta) itemProblems.push({ where: 'meta', what: 'meta (taken at/by, note, scope, version or the chain link) was altered: it does not match its hash in the seal' });
  if (!('rules' in snap)) itemProblems.push({ where: 'rules', what: 'the rules section was removed' });
  else if (safeHash(snap.rules) !== items?.rules) itemProblems.push({ where: 'rules', what: 'the rules in force were altered: they do not match their hash in the seal' });
  compareItems('hosts', snap.hosts, (h) => (typeof h.address === 'string' ? h.address : null), items?.hosts, itemProblems, byHost);
  compareItems('services', snap.services, (s) => (typeof s.host === 'string' && typeof s.proto === 'string' && typeof s.port === 'number' ? serviceKey(s as { host: string; proto: string; port: number }) : null), items?.services, itemProblems, byService);
  const src = snap.sources;
  if (!isObj(src)) itemProblems.push({ where: 'sources', what: 'the evidence sources section is missing or malformed' });
  else {
    for (const k of Object.keys(src)) if (!['captures', 'scans', 'imports'].includes(k)) itemProblems.push({ where: `sources.${k}`, what: `sources.${k} was added: it is not covered by the seal` });
    const all = ['captures', 'scans', 'imports'].flatMap((k) => (Array.isArray(src[k]) ? (src[k] as unknown[]) : (itemProblems.push({ where: `sources.${k}`, what: `sources.${k} is missing or malformed` }), [])));
    compareItems('sources', all, (s) => (typeof s.id === 'string' ? s.id : null), items?.sources, itemProblems);
  }
  crossCheckHosts(snap.hosts, snap.services, itemProblems);
  for (const p of structureProblems(meta, snap.hosts, snap.services)) itemProblems.push(p);
  for (const p of consistencyProblems(meta, snap.hosts, snap.services, src)) itemProblems.push(p);
  report.hosts = Array.isArray(snap.hosts) ? snap.hosts.length : 0;
  report.services = Array.isArray(snap.services) ? snap.services.length : 0;

  // The most specific cause first: the items that changed, then what that did to the seal.
  // (A host removed from both the content and the seal's list leaves every remaining item
  // matching its hash; only the seal's top hash shows it, so naming the seal first would
  // hide the host.)
  // One push per problem: a spread of a quarter of a million problems overflows the stack.
  for (const p of itemProblems) problems.push(p);
  if (!rootOk && items !== null) {
    problems.push({
      where: 'seal',
      what:
        itemProblems.length === 0
          ? "the seal was altered: seal.sha256 does not match the item hashes, which all match the content (seal.sha256 was edited, or items were removed from both the content and the seal's list)"
          : 'the seal was altered: its hash does not match the item hashes it lists',
    });
  }
  report.ok = problems.length === 0;
  return report;
}

const STATUSES = new Set(['new', 'approved', 'flagged', 'ignored', 'gone']);
const CONFIDENCES = new Set(['certain', 'high', 'medium', 'low']);
const HEX64_OR_NULL = (v: unknown): boolean => v === null || (typeof v === 'string' && HEX64.test(v));
const EVIDENCE = new Set(['handshake', 'data', 'reply', 'scan', 'import']);
/** An ISO 8601 time as Portolan writes it, and a real one (2024-02-31 is not). */
const ISO = (v: unknown): boolean => {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return false;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return false;
  // With a zero offset the written date must be the date it names (no rolling over).
  return !/(Z|\+00:00)$/.test(v) || new Date(t).toISOString().slice(0, 19) === v.slice(0, 19);
};
/** An address as an inventory writes it: IPv4 only as four decimal parts (not 167772175 or 0xa.0.0.1). */
const ADDRESS = (v: string): boolean => (v.includes(':') ? ipaddr.IPv6.isValid(v) : ipaddr.IPv4.isValidFourPartDecimal(v));
const COUNT = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const STRINGS = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
/** A MAC as the inventory keeps it: six lowercase hex octets joined by colons (build.ts keeps nothing else). */
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** The address as the inventory stores it (hostkey.ts normalizeHost), or the text itself when it is not one. */
function canonicalText(v: string): string {
  try {
    return normalizeHost(v);
  } catch {
    return v;
  }
}

/**
 * Written as Portolan writes addresses: IPv4 as a dotted quad, IPv6 lowercase and
 * compressed (RFC 5952). The one other form is an IPv4-mapped address in its RFC 5952
 * text (`::ffff:198.51.100.4`): an older database stored such sightings as they came, and
 * snapshots of it seal them so (docs/snapshots.md), so it stays verifiable.
 */
function WRITTEN(v: string): boolean {
  if (canonicalText(v) === v) return true;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v);
  return m !== null && ipaddr.IPv4.isValidFourPartDecimal(m[1]!);
}

/**
 * What no snapshot Portolan seals can hold, whatever the hashes say: another format or
 * a version this code does not read, an id that is not a positive integer, a time that
 * is not one, a host that is not an address, a port outside 0-65535, a status or
 * confidence that does not exist. (A document edited and re-hashed throughout passes the
 * hash checks offline; it still has to be a snapshot.)
 */
function structureProblems(meta: unknown, hosts: unknown, services: unknown): Problem[] {
  const out: Problem[] = [];
  const bad = (where: string, what: string): void => void out.push({ where, what });
  if (isObj(meta)) {
    if (meta.format !== FORMAT) bad('meta', `meta.format is ${JSON.stringify(meta.format)}, not ${JSON.stringify(FORMAT)}: not a Portolan snapshot`);
    else if (meta.formatVersion !== FORMAT_VERSION) bad('meta', `meta.formatVersion is ${JSON.stringify(meta.formatVersion)}: this Portolan reads version ${FORMAT_VERSION}`);
    if (!(typeof meta.id === 'number' && Number.isSafeInteger(meta.id) && meta.id >= 1)) bad('meta', `meta.id is ${JSON.stringify(meta.id)}, not a snapshot number (a positive integer)`);
    if (!ISO(meta.takenAt)) bad('meta', `meta.takenAt is ${JSON.stringify(meta.takenAt)}, not an ISO 8601 time`);
    if (!HEX64_OR_NULL(meta.prevSha256)) bad('meta', 'meta.prevSha256 is not a SHA-256 (64 hex digits) or null');
    for (const k of ['takenBy', 'note', 'scope'] as const) if (typeof meta[k] !== 'string') bad('meta', `meta.${k} is not text`);
    if (typeof meta.scope === 'string') {
      try {
        parseScope(meta.scope);
      } catch {
        bad('meta', `meta.scope ${JSON.stringify(meta.scope)} is not a scope (all, subnet:CIDR or tag:NAME)`);
      }
    }
  } else if (meta !== undefined) bad('meta', 'meta is not an object');
  if (Array.isArray(hosts)) {
    for (const h of hosts) {
      if (!isObj(h) || typeof h.address !== 'string') continue; // named by compareItems
      const where = `host ${h.address}`;
      if (!ADDRESS(h.address)) bad(where, `host ${JSON.stringify(h.address)} is not an IP address as Portolan writes one`);
      else if (!WRITTEN(h.address)) bad(where, `host ${JSON.stringify(h.address)} is not written as Portolan writes addresses (IPv6 lowercase and compressed, RFC 5952: ${JSON.stringify(canonicalText(h.address))})`);
      if (!STRINGS(h.hostnames)) bad(where, `${where}: hostnames is not a list of names`);
      if (!STRINGS(h.tags)) bad(where, `${where}: tags is not a list of names`);
      if (!(h.mac === null || (typeof h.mac === 'string' && MAC.test(h.mac)))) bad(where, `${where}: mac ${JSON.stringify(h.mac)} is not a MAC address as Portolan writes one (aa:bb:cc:dd:ee:ff) or null`);
    }
  }
  if (Array.isArray(services)) {
    for (const s of services) {
      if (!isObj(s) || typeof s.host !== 'string' || typeof s.proto !== 'string' || typeof s.port !== 'number') continue;
      const where = `service ${serviceKey(s as { host: string; proto: string; port: number })}`;
      if (!(Number.isInteger(s.port) && s.port >= 0 && s.port <= 65535)) bad(where, `${where}: port ${s.port} is not 0-65535`);
      if (s.proto !== 'tcp' && s.proto !== 'udp') bad(where, `${where}: protocol ${JSON.stringify(s.proto)} is not tcp or udp`);
      for (const k of ['service', 'banner'] as const) if (!(s[k] === null || typeof s[k] === 'string')) bad(where, `${where}: ${k} is ${JSON.stringify(s[k])}, not text or null`);
      if (!STATUSES.has(String(s.status))) bad(where, `${where}: status ${JSON.stringify(s.status)} is not one of ${[...STATUSES].join(', ')}`);
      if (!CONFIDENCES.has(String(s.confidence))) bad(where, `${where}: confidence ${JSON.stringify(s.confidence)} is not one of ${[...CONFIDENCES].join(', ')}`);
      for (const k of ['firstSeen', 'lastSeen', 'statusSince'] as const) if (!ISO(s[k])) bad(where, `${where}: ${k} is ${JSON.stringify(s[k])}, not an ISO 8601 time`);
      if (ISO(s.firstSeen) && ISO(s.lastSeen) && Date.parse(String(s.firstSeen)) > Date.parse(String(s.lastSeen))) bad(where, `${where}: first seen after last seen`);
      if (!EVIDENCE.has(String(s.evidence))) bad(where, `${where}: evidence ${JSON.stringify(s.evidence)} is not one of ${[...EVIDENCE].join(', ')}`);
      if (s.status === 'approved' && !isObj(s.approval)) bad(where, `${where}: approved without an approval`);
      if (s.status === 'flagged' && !isObj(s.flag)) bad(where, `${where}: flagged without a flag`);
      if (s.status === 'ignored' && 'ignore' in s && !isObj(s.ignore)) bad(where, `${where}: ignored without an ignore`);
      if (Array.isArray(s.sources)) {
        for (const e of s.sources) if (!isObj(e) || !COUNT(e.flows) || !COUNT(e.bytes)) bad(where, `${where}: a source's flows or bytes are not a count`);
      }
    }
  }
  return out;
}

/**
 * What a snapshot Portolan seals holds together, checked across its sections: the scope
 * is written normalised and every host is inside it; every evidence source a service
 * cites is in the sources list; an approval has a justification (and an owner, when one
 * is named, that is not blank); an ignore does not end before it began.
 */
function consistencyProblems(meta: unknown, hosts: unknown, services: unknown, sources: unknown): Problem[] {
  const out: Problem[] = [];
  const bad = (where: string, what: string): void => void out.push({ where, what });
  let scope: ReturnType<typeof parseScope> | null = null;
  if (isObj(meta) && typeof meta.scope === 'string') {
    try {
      scope = parseScope(meta.scope);
    } catch {
      scope = null; // named by structureProblems
    }
    if (scope && scope.text !== meta.scope) bad('meta', `meta.scope ${JSON.stringify(meta.scope)} is not written as Portolan writes it (${JSON.stringify(scope.text)})`);
  }
  if (scope && scope.kind !== 'all' && Array.isArray(hosts)) {
    for (const h of hosts) {
      if (!isObj(h) || typeof h.address !== 'string') continue;
      const tags = STRINGS(h.tags) ? (h.tags as string[]) : [];
      if (!inScope(scope, h.address, tags)) bad(`host ${h.address}`, `host ${h.address} is outside the snapshot's scope ${scope.text}`);
    }
  }
  const listed = new Set<string>();
  if (isObj(sources)) for (const k of ['captures', 'scans', 'imports']) if (Array.isArray(sources[k])) for (const x of sources[k] as unknown[]) if (isObj(x) && typeof x.id === 'string') listed.add(x.id);
  if (!Array.isArray(services)) return out;
  for (const s of services) {
    if (!isObj(s) || typeof s.host !== 'string' || typeof s.proto !== 'string' || typeof s.port !== 'number') continue;
    const where = `service ${serviceKey(s as { host: string; proto: string; port: number })}`;
    if (isObj(sources) && Array.isArray(s.sources)) {
      for (const e of s.sources) if (isObj(e) && !(typeof e.source === 'string' && listed.has(e.source))) bad(where, `${where}: its evidence source ${JSON.stringify(e.source)} is not in the snapshot's sources`);
    }
    const a = s.approval;
    if (isObj(a)) {
      if (!(typeof a.justification === 'string' && a.justification.trim() !== '')) bad(where, `${where}: approved without a justification`);
      if (!(a.owner === null || (typeof a.owner === 'string' && a.owner.trim() !== ''))) bad(where, `${where}: the approval's owner is empty (Portolan writes null when none is named)`);
    }
    const ig = s.ignore;
    if (isObj(ig) && ISO(ig.ignoredAt) && ISO(ig.until) && Date.parse(String(ig.until)) < Date.parse(String(ig.ignoredAt))) bad(where, `${where}: ignored until ${String(ig.until)}, before it was ignored (${String(ig.ignoredAt)})`);
  }
  return out;
}

/**
 * A snapshot's hosts are exactly the addresses of its services (docs/snapshots.md), so a
 * service naming a host that is not listed means that host was removed, even when its
 * entry was taken out of the seal's list too; and a host without a service lost them.
 */
function crossCheckHosts(hosts: unknown, services: unknown, out: Problem[]): void {
  if (!Array.isArray(hosts) || !Array.isArray(services)) return;
  const listed = new Set(hosts.filter(isObj).map((h) => h.address).filter((a): a is string => typeof a === 'string'));
  const named = new Map<string, string>();
  for (const s of services) if (isObj(s) && typeof s.host === 'string' && typeof s.proto === 'string' && typeof s.port === 'number' && !named.has(s.host)) named.set(s.host, serviceKey(s as { host: string; proto: string; port: number }));
  const reported = new Set(out.map((p) => p.where));
  for (const [host, service] of named) {
    const where = `host ${host}`;
    if (!listed.has(host) && !reported.has(where)) out.push({ where, what: `host ${host} was removed: service ${service} still names it` });
  }
  for (const host of listed) {
    const where = `host ${host}`;
    if (!named.has(host) && !reported.has(where)) out.push({ where, what: `host ${host} has no service left: its services were removed (every host in a snapshot has one)` });
  }
}

/**
 * Parses an exported file's text for verification. A byte-order mark (Windows editors add
 * one) is encoding, not content. Duplicate keys are refused: JSON.parse keeps the last
 * one silently, so `{"status":"approved","status":"flagged"}` would verify while another
 * reader sees "approved" — a sealed document must mean one thing.
 */
export function parseSealedText(text: string): { ok: true; doc: unknown } | { ok: false; problem: Problem } {
  const body = text.replace(/^\uFEFF/, '');
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return { ok: false, problem: { where: 'document', what: `not JSON: ${(err as Error).message}` } };
  }
  const dup = findDuplicateKey(body);
  if (dup) return { ok: false, problem: { where: dup.path || 'document', what: `duplicate key ${JSON.stringify(dup.key)} in ${dup.path || 'the top-level object'}: a sealed document with duplicated keys is ambiguous (readers disagree on which value counts)` } };
  return { ok: true, doc };
}

/** Parses and verifies an exported file's text. */
export function verifyText(text: string): VerifyReport {
  const parsed = parseSealedText(text);
  if (!parsed.ok) return { ok: false, sha256: null, id: null, takenAt: null, prevSha256: null, hosts: 0, services: 0, problems: [parsed.problem] };
  return verifyDocument(parsed.doc);
}

type Frame = { kind: 'object'; keys: Set<string>; key: string | null; path: string } | { kind: 'array'; index: number; path: string };

/**
 * The first key that appears twice in one object of a JSON text that already parsed, with
 * the path of that object (`snapshot.services[3]`). One pass over the text, no second tree.
 */
export function findDuplicateKey(text: string): { key: string; path: string } | null {
  const stack: Frame[] = [];
  /** The path of the value that starts next, from the innermost open container. */
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.kind === 'array') return `${top.path}[${top.index}]`;
    const k = top.key ?? '';
    return /^[A-Za-z_$][\w$]*$/.test(k) ? (top.path ? `${top.path}.${k}` : k) : `${top.path}[${JSON.stringify(k)}]`;
  };
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === 'object') {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { key, path: top.path };
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push({ kind: 'object', keys: new Set(), key: null, path: childPath() });
      expectKey = true;
    } else if (c === '[') {
      stack.push({ kind: 'array', index: 0, path: childPath() });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') expectKey = true;
      else if (top?.kind === 'array') top.index++;
    }
  }
  return null;
}
