/**
 * Host scope tags and compensating-control notes: the two facts an auditor asks for that
 * no packet shows. Tags scope snapshots (`--scope tag:CDE`); a compensating control is
 * what PCI DSS 1.2.6 asks for beside an insecure protocol that must stay. Each change to
 * a service's note is an event in the append-only review history.
 */
import { hasUnsafeChars, UNSAFE_MESSAGE } from '../../shared/text';
import type { Db } from '../store/db';
import { AddressError, hostKey, inKeyRange, keyRange, type KeyRange } from './hostkey';

export class TagError extends Error {
  override name = 'InvalidInput';
}

const TAG = /^[\p{L}\p{N}][\p{L}\p{N} _.:+\-/]{0,63}$/u;

export function checkTag(tag: string): string {
  const t = tag.trim();
  if (!TAG.test(t)) throw new TagError(`'${tag.slice(0, 70)}' is not a tag: letters, digits, spaces and . _ : + - /, up to 64 characters`);
  return t;
}

/**
 * The inventory hosts an argument names: one address (stored as the inventory writes it),
 * or every inventory host inside a CIDR block. Parsed as every other command parses
 * addresses (hostkey.ts keyRange): IPv4 only as a dotted quad, no zone id, and an
 * IPv4-mapped block (::ffff:198.51.100.0/120) is the IPv4 block (198.51.100.0/24), as
 * the inventory keys its IPv4 hosts.
 */
export async function hostsNamed(db: Db, arg: string): Promise<string[]> {
  const text = arg.trim();
  let range: KeyRange;
  try {
    range = keyRange(text);
  } catch (err) {
    if (!(err instanceof AddressError)) throw err;
    throw new TagError(`'${text.slice(0, 70)}' is not an address or a CIDR block: ${err.message}`);
  }
  if (!text.includes('/')) return [range.text];
  const rows = await db.query<{ host: string; host_key: string }>('SELECT DISTINCT host, host_key FROM services WHERE host_key BETWEEN ? AND ? ORDER BY host_key', [range.lo, range.hi]);
  return [...new Set(rows.filter((r) => inKeyRange(r.host_key, range)).map((r) => r.host))];
}

/** Tags are one tag whatever their case (`cde` is `CDE`), as tag scopes compare them. */
/** Tags compare case-insensitively (`cde` is `CDE`), here as in `--scope tag:NAME`. */
export const sameTag = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Tags hosts. A tag already in use under another case keeps its first spelling (`tags
 * add cde` after `CDE` adds `CDE`), and a host that carries it in any case is left as
 * it is. Returns the number of hosts newly tagged.
 */
export async function addTag(db: Db, tag: string, hosts: string[], actor: string, now = Date.now()): Promise<number> {
  const t = checkTag(tag);
  let n = 0;
  await db.tx(async () => {
    const rows = (await db.all<{ host: string; tag: string; added_at: number }>('tagList')).filter((r) => sameTag(r.tag, t));
    const first = rows.reduce<{ tag: string; added_at: number } | null>((a, r) => (a === null || r.added_at < a.added_at ? r : a), null);
    const spelling = first?.tag ?? t;
    const tagged = new Set(rows.map((r) => r.host));
    for (const h of new Set(hosts)) {
      if (tagged.has(h)) continue;
      n += (await db.run('tagAdd', [h, spelling, actor, now])).changes;
    }
  });
  return n;
}

/** Removes a tag (in any case) from hosts. Returns the number of hosts that carried it. */
export async function removeTag(db: Db, tag: string, hosts: string[]): Promise<number> {
  const t = checkTag(tag);
  let n = 0;
  await db.tx(async () => {
    const rows = (await db.all<{ host: string; tag: string }>('tagList')).filter((r) => sameTag(r.tag, t));
    for (const h of new Set(hosts)) {
      let removed = 0;
      // Every spelling the host carries (tagRemove folds ASCII case only; ä/Ä differ in SQL).
      for (const spelling of new Set(rows.filter((r) => r.host === h).map((r) => r.tag))) removed += (await db.run('tagRemove', [h, spelling])).changes;
      if (removed > 0) n++;
    }
  });
  return n;
}

export async function listTags(db: Db): Promise<Array<{ host: string; tag: string; addedBy: string; addedAt: string }>> {
  const rows = await db.all<{ host: string; tag: string; added_by: string; added_at: number }>('tagList');
  return rows
    .map((r) => ({ host: r.host, tag: r.tag, addedBy: r.added_by, addedAt: new Date(r.added_at).toISOString(), k: hostKey(r.host) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.tag.localeCompare(b.tag)))
    .map(({ k: _k, ...r }) => r);
}

/** Records (or, with an empty note, clears) the compensating control of one service. */
export async function setControl(db: Db, id: number, note: string, actor: string, now = Date.now()): Promise<boolean> {
  const text = note.trim();
  if (text.length > 512) throw new TagError('a compensating-control note is at most 512 characters');
  if (hasUnsafeChars(text)) throw new TagError(`a compensating-control note: ${UNSAFE_MESSAGE}`);
  return db.tx(async () => {
    const s = await db.get<{ status: string; compensating_control: string | null }>('controlGet', [id]);
    if (!s) return false;
    if ((s.compensating_control ?? '') === text) return false;
    await db.run('controlSet', [text || null, id]);
    await db.run('reviewInsert', [id, text ? 'control' : 'control-cleared', s.status, s.status, text || null, null, actor, now]);
    return true;
  });
}
