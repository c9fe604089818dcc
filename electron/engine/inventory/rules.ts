/**
 * Ignore and auto-approve rules. A rule matches a service when every field it sets
 * matches (host or subnet as a host_key range, port, proto). Rules act when a service is
 * first seen, and, when a rule is saved, on every service then waiting in the queue
 * (`new`): ignore rules first, then approve rules, oldest first. An approve rule never
 * approves an insecure protocol unless it names that port explicitly, so a broad
 * "this subnet is the web tier" rule cannot wave telnet through (PCI DSS 1.2.6).
 *
 * Deleting a rule keeps it (deleted_at) for the history; services it ignored return to
 * the queue, services it approved stay approved (that decision was made and recorded).
 */
import type { Rule, RuleInput } from '../../shared/inventory';
import { RuleInput as RuleInputSchema } from '../../shared/inventory';
import type { Proto } from '../../shared/model';
import type { Db } from '../store/db';
import { excludesIpv4, inKeyRange, keyRange, MAPPED_HI, MAPPED_LO } from './hostkey';
import { setReview } from './transition';

export interface RuleRow {
  id: number;
  kind: 'ignore' | 'approve';
  host: string | null;
  subnet: string | null;
  lo_key: string | null;
  hi_key: string | null;
  port: number | null;
  proto: Proto | null;
  reason: string;
  owner: string | null;
  expires_at: number | null;
  created_by: string;
  created_at: number;
  hits?: number;
}

export interface Candidate {
  hostKey: string;
  port: number;
  proto: Proto;
  insecure: string | null;
}

export class RuleError extends Error {
  override name = 'InvalidRule';
}

export function ruleMatches(r: RuleRow, c: Candidate): boolean {
  if (r.lo_key !== null && r.hi_key !== null && !inKeyRange(c.hostKey, { text: r.subnet ?? r.host ?? '', lo: r.lo_key, hi: r.hi_key })) return false;
  if (r.port !== null && r.port !== c.port) return false;
  if (r.proto !== null && r.proto !== c.proto) return false;
  if (r.kind === 'approve' && c.insecure && r.port === null) return false;
  return true;
}

/** The first active rule that acts on a newly seen service (rules come ignore-first). */
export function firstMatch(rules: RuleRow[], c: Candidate): RuleRow | null {
  for (const r of rules) if (ruleMatches(r, c)) return r;
  return null;
}

export function activeRules(db: Db, now: number): Promise<RuleRow[]> {
  return db.all<RuleRow>('rulesActive', [now]);
}

/** Applies a rule to one `new` service (call inside a transaction). */
export async function applyRule(db: Db, r: RuleRow, id: number, now: number): Promise<void> {
  const to = r.kind === 'ignore' ? 'ignored' : 'approved';
  await setReview(db, id, 'new', to, r.kind, { reason: r.reason, owner: r.kind === 'approve' ? r.owner : null, actor: `rule:${r.id}`, ruleId: r.id, historyUntil: r.expires_at }, now);
}

export function ruleOut(r: RuleRow, now: number): Rule {
  return {
    id: r.id,
    kind: r.kind,
    host: r.host,
    subnet: r.subnet,
    port: r.port,
    proto: r.proto,
    reason: r.reason,
    owner: r.owner,
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    hits: r.hits ?? 0,
    active: r.expires_at === null || r.expires_at > now,
  };
}

export async function listRules(db: Db, now = Date.now()): Promise<Rule[]> {
  return (await db.all<RuleRow>('rulesAll')).map((r) => ruleOut(r, now));
}

function notFound(id: number): Error {
  return Object.assign(new Error(`no rule ${id}`), { name: 'NotFound' });
}

/**
 * Creates or updates a rule and applies it to the queue. On update, services the rule
 * ignored that it no longer matches return to `new`.
 */
export async function saveRule(db: Db, input: RuleInput, actor: string, now = Date.now()): Promise<{ rule: Rule; applied: number }> {
  const v = RuleInputSchema.parse(input);
  const host = v.host ? keyRange(v.host) : null;
  if (host && host.lo !== host.hi) throw new RuleError('host takes one address; use subnet for a range');
  const subnet = v.subnet ? keyRange(v.subnet.includes('/') ? v.subnet : `${v.subnet}/${v.subnet.includes(':') ? 128 : 32}`) : null;
  if (host && subnet) throw new RuleError('give a host or a subnet, not both');
  const range = host ?? subnet;
  const expires = v.expiresAt ? Date.parse(v.expiresAt) : null;
  const fields = [v.kind, host?.text ?? null, subnet?.text ?? null, range?.lo ?? null, range?.hi ?? null, v.port ?? null, v.proto ?? null, v.reason, v.kind === 'approve' ? (v.owner ?? null) : null, expires];
  return db.tx(async () => {
    let id: number;
    if (v.id !== undefined) {
      const r = await db.run('ruleUpdate', [...fields, now, v.id]);
      if (!r.changes) throw notFound(v.id);
      id = v.id;
    } else {
      id = (await db.run('ruleInsert', [...fields, actor, now, now])).lastID;
    }
    const row = await db.get<RuleRow>('ruleById', [id]);
    if (!row) throw notFound(id);
    if (v.id !== undefined) {
      for (const s of await db.all<{ id: number; host_key: string; port: number; proto: Proto; insecure: string | null }>('invIgnoredByRule', [id])) {
        if (row.kind === 'ignore' && ruleMatches(row, { hostKey: s.host_key, port: s.port, proto: s.proto, insecure: s.insecure })) continue;
        await setReview(db, s.id, 'ignored', 'new', 'unignore', { reason: `rule ${id} changed and no longer matches`, owner: null, actor }, now);
      }
    }
    let applied = 0;
    if (expires === null || expires > now) {
      const where = ["status = 'new'"];
      const params: unknown[] = [];
      if (range) {
        where.push('host_key BETWEEN ? AND ?');
        params.push(range.lo, range.hi);
        if (excludesIpv4(range)) {
          where.push('host_key NOT BETWEEN ? AND ?');
          params.push(MAPPED_LO, MAPPED_HI);
        }
      }
      if (row.port !== null) {
        where.push('port = ?');
        params.push(row.port);
      }
      if (row.proto !== null) {
        where.push('proto = ?');
        params.push(row.proto);
      }
      const cands = await db.query<{ id: number; host_key: string; port: number; proto: Proto; insecure: string | null }>(
        `SELECT id, host_key, port, proto, insecure FROM services WHERE ${where.join(' AND ')}`,
        params,
      );
      for (const c of cands) {
        if (!ruleMatches(row, { hostKey: c.host_key, port: c.port, proto: c.proto, insecure: c.insecure })) continue;
        await applyRule(db, row, c.id, now);
        applied++;
      }
    }
    const fresh = (await db.get<RuleRow>('ruleById', [id]))!;
    return { rule: ruleOut(fresh, now), applied };
  });
}

/** Deletes (retires) a rule; services it ignored return to the queue. */
export async function deleteRule(db: Db, id: number, actor: string, now = Date.now()): Promise<{ id: number; released: number }> {
  return db.tx(async () => {
    const r = await db.run('ruleDelete', [now, id]);
    if (!r.changes) throw notFound(id);
    let released = 0;
    for (const s of await db.all<{ id: number }>('invIgnoredByRule', [id])) {
      await setReview(db, s.id, 'ignored', 'new', 'unignore', { reason: `rule ${id} deleted`, owner: null, actor }, now);
      released++;
    }
    return { id, released };
  });
}
