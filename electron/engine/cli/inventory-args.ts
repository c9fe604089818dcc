/** Command-line parsing shared by `services`, `review` and `rules`. */
import type { ServiceFilter } from '../../shared/inventory';
import { timeFromDuration } from '../../shared/duration';
import { Proto } from '../../shared/model';
import { keyRange } from '../inventory/hostkey';
import { UsageError } from './common';

export interface ServiceKey {
  host: string;
  port: number;
  proto: Proto;
}

/** `HOST:PORT/PROTO`, IPv6 in brackets (`[2001:db8::1]:443/tcp`); the proto defaults to tcp. */
export function parseServiceKey(text: string): ServiceKey {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):(\d{1,5})(?:\/(tcp|udp))?$/i.exec(text.trim());
  const port = m ? Number(m[3]) : -1;
  if (!m || port > 65535) throw new UsageError(`'${text}' is not HOST:PORT/PROTO (e.g. 192.0.2.10:443/tcp or [2001:db8::1]:53/udp)`);
  let host: string;
  try {
    host = keyRange(m[1] ?? m[2] ?? '').text;
  } catch (err) {
    throw new UsageError(`'${text}': ${(err as Error).message}`);
  }
  return { host, port, proto: (m[4]?.toLowerCase() ?? 'tcp') as Proto };
}

/** `--since` / `--expires`: an ISO 8601 time, or a duration (`90m`, `24h`, `7d`, `2w`) back from (or ahead of) now. */
export function parseTime(flag: string, text: string, direction: -1 | 1, now = Date.now()): string {
  // The same grammar and limits as the window's ignore dialog (shared/duration.ts).
  const d = timeFromDuration(text, direction, now);
  if (d) {
    if (!d.ok) throw new UsageError(`${flag} ${d.message}`);
    // An expiry is a time to come: `--expires 0m` would end the moment it is set.
    if (flag === '--expires' && Date.parse(d.iso) <= now) throw new UsageError(`--expires ${text.trim()} ends at once: give a duration longer than zero`);
    return d.iso;
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d\d:?\d\d)?$/.test(text.trim())) {
    const withZone = /T|\s/.test(text.trim()) && !/(Z|[+-]\d\d:?\d\d)$/.test(text.trim()) ? `${text.trim()}Z` : text.trim();
    const t = Date.parse(withZone.length === 10 ? `${withZone}T00:00:00Z` : withZone.replace(' ', 'T'));
    // Date.parse rolls 2027-02-30 over to March 2: a day the month does not have is refused.
    const [y, m, day] = text.trim().slice(0, 10).split('-').map(Number) as [number, number, number];
    const real = new Date(Date.UTC(y, m - 1, day));
    if (real.getUTCFullYear() !== y || real.getUTCMonth() !== m - 1 || real.getUTCDate() !== day) throw new UsageError(`${flag}: ${text.trim().slice(0, 10)} is not a calendar date`);
    // An expiry is a time to come: one already past would end the moment it is set.
    if (!Number.isNaN(t) && flag === '--expires' && t <= now) throw new UsageError(`--expires must be in the future, got ${new Date(t).toISOString()}`);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  throw new UsageError(`${flag} takes an ISO 8601 time (2024-05-01T10:00:00Z; UTC when no zone is given) or a duration like 30m, 24h, 7d, 2w`);
}

/** Filter flags every inventory command accepts (values as parseArgs gives them). */
export const FILTER_OPTIONS = {
  host: { type: 'string' },
  subnet: { type: 'string' },
  port: { type: 'string' },
  proto: { type: 'string' },
  insecure: { type: 'boolean' },
} as const;

export function parseFilter(values: { host?: string; subnet?: string; port?: string; proto?: string; insecure?: boolean }): Omit<ServiceFilter, 'status' | 'since'> {
  const f: Omit<ServiceFilter, 'status' | 'since'> = {};
  for (const k of ['host', 'subnet'] as const) {
    const v = values[k];
    if (v === undefined) continue;
    try {
      // fe80::1%eth0: the zone names a local interface; stored addresses never carry one.
      if (/%/.test(v)) throw new Error(`${JSON.stringify(v.slice(0, 64))} has a zone id (%…); addresses are stored without it: give ${JSON.stringify(v.slice(0, v.indexOf('%')).slice(0, 64))}`);
      const r = keyRange(v);
      if (k === 'host' && r.lo !== r.hi) throw new Error('--host takes one address; use --subnet for a range');
      // One address is the narrowest subnet: the query has one address-range filter.
      if (f.subnet !== undefined) throw new Error('give --host or --subnet, not both');
      f.subnet = r.text;
    } catch (err) {
      throw new UsageError(`--${k}: ${(err as Error).message}`);
    }
  }
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError('--port takes a number 0 to 65535');
    f.port = Number(values.port);
  }
  if (values.proto !== undefined) {
    const p = Proto.safeParse(values.proto.toLowerCase());
    if (!p.success) throw new UsageError('--proto must be tcp or udp');
    f.proto = p.data;
  }
  if (values.insecure) f.insecure = true;
  return f;
}
