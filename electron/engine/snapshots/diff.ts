/**
 * Diff of two snapshots, like ndiff but with approvals. Hosts are keyed by address,
 * services by (address, proto, port). A host's names or MAC changing is not a host
 * change (the address is the host). A service changes when its status, service name,
 * approval (justification, owner, approver, date), flag reason or insecure mark does;
 * last-seen times move on every capture and are not a change.
 *
 * Two snapshots of different scopes (all, a subnet, a tag) can be compared, but hosts
 * outside the narrower scope then show as new or gone without anything having changed on
 * the network; the diff says so in `warnings`.
 */
import type { DiffFieldChange, DiffServiceRef, SnapshotDiff } from '../../shared/snapshots';
import { hostKey } from '../inventory/hostkey';
import { cmp } from './build';
import { serviceKey, type SealedSnapshot, type SnapshotService } from './types';

/**
 * A field's value as text. Sealed documents hold text or null there, but a diff must not
 * crash on a verified file that holds something else (verify names it): any other value
 * is shown as its JSON.
 */
function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : text(v));

/** Compared fields, in report order. */
const FIELDS: Array<[string, (s: SnapshotService) => string]> = [
  ['status', (s) => text(s.status)],
  ['service', (s) => text(s.service)],
  ['approval.justification', (s) => text(s.approval?.justification)],
  ['approval.owner', (s) => text(s.approval?.owner)],
  ['approval.approvedBy', (s) => text(s.approval?.approvedBy)],
  ['approval.approvedAt', (s) => text(s.approval?.approvedAt)],
  ['flag.reason', (s) => text(s.flag?.reason)],
  ['insecure', (s) => text(s.insecure?.protocol)],
  ['insecure.compensatingControl', (s) => text(s.insecure?.compensatingControl)],
];

const ref = (s: SnapshotService): DiffServiceRef => ({ host: text(s.host), proto: text(s.proto), port: s.port, service: textOrNull(s.service), status: text(s.status) });
const order = (a: DiffServiceRef, b: DiffServiceRef): number => cmp(hostKey(a.host), hostKey(b.host)) || cmp(a.proto, b.proto) || a.port - b.port;
const hostOrder = (a: string, b: string): number => cmp(hostKey(a), hostKey(b));

const label = (d: SealedSnapshot): string => (d.snapshot.meta.id != null ? `#${d.snapshot.meta.id}` : `taken ${d.snapshot.meta.takenAt}`);

function scopeWarnings(a: SealedSnapshot, b: SealedSnapshot): string[] {
  const sa = a.snapshot.meta.scope;
  const sb = b.snapshot.meta.scope;
  // Tags match case-insensitively (tag:CDE and tag:cde are one scope).
  if (sa === sb || sa.toLowerCase() === sb.toLowerCase()) return [];
  return [`the snapshots cover different scopes (${label(a)}: ${sa}, ${label(b)}: ${sb}): hosts outside one of them show as new or gone without having changed`];
}

export function diffSnapshots(a: SealedSnapshot, b: SealedSnapshot): SnapshotDiff {
  const ha = new Set(a.snapshot.hosts.map((h) => h.address));
  const hb = new Set(b.snapshot.hosts.map((h) => h.address));
  const sa = new Map(a.snapshot.services.map((s) => [serviceKey(s), s]));
  const sb = new Map(b.snapshot.services.map((s) => [serviceKey(s), s]));
  const diff: SnapshotDiff = {
    a: { id: a.snapshot.meta.id ?? null, takenAt: a.snapshot.meta.takenAt, sha256: a.seal.sha256, scope: a.snapshot.meta.scope },
    b: { id: b.snapshot.meta.id ?? null, takenAt: b.snapshot.meta.takenAt, sha256: b.seal.sha256, scope: b.snapshot.meta.scope },
    same: true,
    warnings: scopeWarnings(a, b),
    hosts: { new: [...hb].filter((h) => !ha.has(h)).sort(hostOrder), gone: [...ha].filter((h) => !hb.has(h)).sort(hostOrder) },
    services: { new: [], gone: [], changed: [] },
  };
  for (const [k, s] of sb) if (!sa.has(k)) diff.services.new.push(ref(s));
  for (const [k, s] of sa) if (!sb.has(k)) diff.services.gone.push(ref(s));
  for (const [k, after] of sb) {
    const before = sa.get(k);
    if (!before) continue;
    const changes: DiffFieldChange[] = [];
    for (const [field, get] of FIELDS) {
      const x = get(before);
      const y = get(after);
      if (x !== y) changes.push({ field, before: x, after: y });
    }
    // Snapshots sealed before the field existed do not hold it: compare only when both do.
    if (before.compensatingControl !== undefined && after.compensatingControl !== undefined) {
      const x = text(before.compensatingControl?.note);
      const y = text(after.compensatingControl?.note);
      if (x !== y && !changes.some((c) => c.field === 'insecure.compensatingControl')) changes.push({ field: 'compensatingControl', before: x, after: y });
    }
    // An ignore's reason and end are decisions too (making an exception permanent is a
    // change an auditor looks for). Compared when both snapshots carry the field.
    if (before.ignore !== undefined && after.ignore !== undefined) {
      for (const [field, get] of [
        ['ignore.reason', (s: SnapshotService) => text(s.ignore?.reason)],
        ['ignore.until', (s: SnapshotService) => (s.ignore ? (text(s.ignore.until) || 'never') : '')],
        ['ignore.rule', (s: SnapshotService) => (s.ignore?.rule == null ? '' : String(s.ignore.rule))],
      ] as const) {
        const x = get(before);
        const y = get(after);
        if (x !== y) changes.push({ field, before: x, after: y });
      }
    }
    if (changes.length) diff.services.changed.push({ ...ref(after), changes });
  }
  diff.services.new.sort(order);
  diff.services.gone.sort(order);
  diff.services.changed.sort(order);
  diff.same = !diff.hosts.new.length && !diff.hosts.gone.length && !diff.services.new.length && !diff.services.gone.length && !diff.services.changed.length;
  return diff;
}

/** Columns of `snapshot diff --format tsv`, a stable contract: add at the end, never rename. */
export const DIFF_COLUMNS = ['kind', 'change', 'host', 'proto', 'port', 'field', 'before', 'after'] as const;

const tsv = (s: unknown): string => text(s).replace(/[\t\r\n]/g, ' ');

export function diffTsv(d: SnapshotDiff): string {
  const rows: string[][] = [];
  for (const h of d.hosts.new) rows.push(['host', 'new', h, '', '', '', '', '']);
  for (const h of d.hosts.gone) rows.push(['host', 'gone', h, '', '', '', '', '']);
  for (const s of d.services.new) rows.push(['service', 'new', s.host, s.proto, String(s.port), '', '', s.status]);
  for (const s of d.services.gone) rows.push(['service', 'gone', s.host, s.proto, String(s.port), '', s.status, '']);
  for (const s of d.services.changed) for (const c of s.changes) rows.push(['service', 'changed', s.host, s.proto, String(s.port), c.field, c.before, c.after]);
  return [DIFF_COLUMNS.join('\t'), ...rows.map((r) => r.map(tsv).join('\t'))].join('\n') + '\n';
}
