/**
 * Host scope tags and compensating-control notes: the two facts an auditor asks for that
 * no packet shows. Tags scope snapshots (`--scope tag:CDE`); a compensating control is
 * what PCI DSS 1.2.6 asks for beside an insecure protocol that must stay. Each change to
 * a service's note is an event in the append-only review history.
 */
import ipaddr from 'ipaddr.js';
import type { Db } from '../store/db';
import { hostKey } from './hostkey';

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
 * or every inventory host inside a CIDR block.
 */
export async function hostsNamed(db: Db, arg: string): Promise<string[]> {
  const text = arg.trim();
  if (text.includes('/')) {
    let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      range = ipaddr.parseCIDR(text);
    } catch {
      throw new TagError(`'${text.slice(0, 70)}' is not an address or a CIDR block`);
    }
    const hosts = await db.query<{ host: string }>('SELECT DISTINCT host FROM services ORDER BY host_key');
    return hosts.map((h) => h.host).filter((h) => {
      try {
        const a = ipaddr.parse(h);
        return a.kind() === range[0].kind() && a.match(range);
      } catch {
        return false;
      }
    });
  }
  if (!ipaddr.isValid(text)) throw new TagError(`'${text.slice(0, 70)}' is not an address or a CIDR block`);
  const a = ipaddr.process(text);
  return [a.toString()];
}

export async function addTag(db: Db, tag: string, hosts: string[], actor: string, now = Date.now()): Promise<number> {
  const t = checkTag(tag);
  let n = 0;
  await db.tx(async () => {
    for (const h of hosts) n += (await db.run('tagAdd', [h, t, actor, now])).changes;
  });
  return n;
}

export async function removeTag(db: Db, tag: string, hosts: string[]): Promise<number> {
  const t = checkTag(tag);
  let n = 0;
  await db.tx(async () => {
    for (const h of hosts) n += (await db.run('tagRemove', [h, t])).changes;
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
  if (/[\x00-\x1f\x7f]/.test(text)) throw new TagError('a compensating-control note cannot contain control characters');
  return db.tx(async () => {
    const s = await db.get<{ status: string; compensating_control: string | null }>('controlGet', [id]);
    if (!s) return false;
    if ((s.compensating_control ?? '') === text) return false;
    await db.run('controlSet', [text || null, id]);
    await db.run('reviewInsert', [id, text ? 'control' : 'control-cleared', s.status, s.status, text || null, null, actor, now]);
    return true;
  });
}
