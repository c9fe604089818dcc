/**
 * Server-side filters of the inventory, turned into SQL from fixed fragments: every value
 * travels as a parameter, addresses are parsed (ipaddr.js) before they reach the query,
 * and a subnet becomes a range on the indexed host_key.
 */
import type { ServiceFilter } from '../../shared/inventory';
import { excludesIpv4, keyRange, MAPPED_HI, MAPPED_LO } from './hostkey';

export interface WhereSql {
  /** `WHERE …` or '' when nothing narrows. */
  sql: string;
  params: unknown[];
}

export interface FilterInput extends Omit<ServiceFilter, 'status'> {
  status?: ServiceFilter['status'];
  /** Free text: host substring, exact port, service substring, status, proto or evidence. */
  search?: string;
}

export function filterWhere(f: FilterInput, alias = 's'): WhereSql {
  const where: string[] = [];
  const params: unknown[] = [];
  const a = alias;
  if (f.status === 'listening') {
    where.push(`${a}.status <> 'gone'`);
  } else if (f.status && f.status !== 'all') {
    where.push(`${a}.status = ?`);
    params.push(f.status);
  }
  for (const text of [f.host, f.subnet]) {
    if (text === undefined) continue;
    const r = keyRange(text);
    if (r.lo === r.hi) {
      where.push(`${a}.host_key = ?`);
      params.push(r.lo);
    } else {
      where.push(`${a}.host_key BETWEEN ? AND ?`);
      params.push(r.lo, r.hi);
      if (excludesIpv4(r)) {
        where.push(`${a}.host_key NOT BETWEEN ? AND ?`);
        params.push(MAPPED_LO, MAPPED_HI);
      }
    }
  }
  if (f.port !== undefined) {
    where.push(`${a}.port = ?`);
    params.push(f.port);
  }
  if (f.proto !== undefined) {
    where.push(`${a}.proto = ?`);
    params.push(f.proto);
  }
  if (f.insecure !== undefined) where.push(f.insecure ? `${a}.insecure IS NOT NULL` : `${a}.insecure IS NULL`);
  if (f.since !== undefined) {
    where.push(`${a}.created_at >= ?`);
    params.push(Date.parse(f.since));
  }
  const search = (f.search ?? '').trim();
  if (search) {
    const like = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const low = search.toLowerCase();
    where.push(`(${a}.host LIKE ? ESCAPE '\\' OR CAST(${a}.port AS TEXT) = ? OR ${a}.service LIKE ? ESCAPE '\\' OR ${a}.status = ? OR ${a}.proto = ? OR ${a}.evidence = ? OR ${a}.insecure = ? OR ${a}.owner LIKE ? ESCAPE '\\' OR ${a}.reason LIKE ? ESCAPE '\\' OR ${a}.hostnames LIKE ? ESCAPE '\\' OR ${a}.banner LIKE ? ESCAPE '\\')`);
    params.push(like, search, like, low, low, low, low, like, like, like, like);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}
