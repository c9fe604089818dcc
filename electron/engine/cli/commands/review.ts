/**
 * `portolan review HOST:PORT/PROTO... --approve --reason TEXT --owner NAME`
 * `portolan review --flag --reason TEXT [filters]`          (bulk: default --status new;
 *                                                           --reopen: every status but new)
 * `portolan review HOST:PORT/PROTO --history [--json]`
 *
 * Exit codes: 0 done (repeating a review that is already in place is done, not an
 * error); 1 a named service is not in the inventory, or its status does not allow the
 * action (e.g. approving a gone service); 2 the command line is wrong.
 */
import { StatusFilter, type ServiceRow } from '../../../shared/model';
import type { HistoryEvent, ReviewAction } from '../../../shared/inventory';
import { findServiceId } from '../../inventory/review';
import { appendAll, counted, openEngine, parseCommandLine, UsageError } from '../common';
import { columnWidths, servicesTable } from '../format';
import { FILTER_OPTIONS, parseFilter, parseServiceKey, parseTime, type ServiceKey } from '../inventory-args';

export const REVIEW_HELP = `  portolan review [HOST:PORT/PROTO...] --approve --reason TEXT --owner NAME
                 | --flag --reason TEXT [--owner NAME]
                 | --ignore --reason TEXT [--expires ISO|DURATION]
                 | --reopen --reason TEXT
                 | --history [--json]
                 [--status S] [--host A] [--subnet CIDR] [--port N] [--proto P]
                 [--insecure] [--since ISO|DURATION] [--dry-run] [--db PATH]
      Review services by key, or in bulk by filter (bulk defaults to --status new;
      --reopen in bulk defaults to every status it applies to: approved, flagged,
      ignored and gone).
      The history records who ($PORTOLAN_USER or your login), when and why.`;

const ACTIONS = ['approve', 'flag', 'ignore', 'reopen'] as const;

/** The statuses --reopen applies to: a bulk --reopen without --status selects these. */
const REOPENABLE = ['approved', 'flagged', 'ignored', 'gone'] as const;

const key = (k: ServiceKey) => `${k.host.includes(':') ? `[${k.host}]` : k.host}:${k.port}/${k.proto}`;

function historyTable(events: HistoryEvent[]): string {
  const head = ['WHEN', 'ACTION', 'FROM', 'TO', 'WHO', 'OWNER', 'UNTIL', 'WHY'];
  // UNTIL: an ignore's end as decided ("never" for an ignore without one).
  const body = events.map((e) => [e.at, e.action, e.from ?? '', e.to, e.actor, e.owner ?? '', e.action === 'ignore' ? (e.until ?? 'never') : '', e.reason ?? '']);
  const widths = columnWidths(head, body);
  return [head, ...body].map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export async function cmdReview(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      approve: { type: 'boolean' },
      flag: { type: 'boolean' },
      ignore: { type: 'boolean' },
      reopen: { type: 'boolean' },
      history: { type: 'boolean' },
      reason: { type: 'string' },
      owner: { type: 'string' },
      expires: { type: 'string' },
      status: { type: 'string' },
      since: { type: 'string' },
      json: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      ...FILTER_OPTIONS,
    },
  });
  const chosen = [...ACTIONS, 'history' as const].filter((a) => values[a]);
  if (chosen.length !== 1) throw new UsageError('give exactly one of --approve, --flag, --ignore, --reopen, --history');
  const action = chosen[0]!;
  const targets = positionals.map(parseServiceKey);
  const filter = parseFilter(values);
  const status = values.status === undefined ? undefined : StatusFilter.safeParse(values.status);
  if (status && !status.success) throw new UsageError(`--status must be one of ${StatusFilter.options.join(', ')}`);
  const since = values.since === undefined ? undefined : parseTime('--since', values.since, -1);
  const bulk = Object.keys(filter).length > 0 || status !== undefined || since !== undefined;
  if (targets.length && bulk) throw new UsageError('give services by HOST:PORT/PROTO or by filter flags, not both');
  if (!targets.length && !bulk) throw new UsageError('name a service (HOST:PORT/PROTO) or narrow by --status, --host, --subnet, --port, --proto, --insecure or --since');
  if (action === 'history') {
    if (targets.length !== 1) throw new UsageError('--history takes one HOST:PORT/PROTO');
  } else {
    if (values.reason === undefined || values.reason.trim() === '') throw new UsageError(`--${action} needs --reason TEXT`);
    if (action === 'approve' && (values.owner === undefined || values.owner.trim() === '')) throw new UsageError('--approve needs --owner NAME (who answers for this service)');
    if (values.expires !== undefined && action !== 'ignore') throw new UsageError('--expires goes with --ignore only');
    // New services are what reopen makes: asking to reopen them would only report them skipped.
    if (action === 'reopen' && status?.data === 'new') throw new UsageError(`--reopen applies to ${REOPENABLE.join(', ')} services; new services are open already`);
  }
  const expiresAt = values.expires === undefined ? undefined : parseTime('--expires', values.expires, 1);

  const engine = await openEngine(values.db, action === 'history' ? 'read' : 'write');
  try {
    const ids: number[] = [];
    for (const t of targets) {
      const id = await findServiceId(engine.db, t.host, t.proto, t.port);
      if (id === null) {
        process.stderr.write(`portolan: error: ${key(t)} is not in the inventory\n`);
        return 1;
      }
      ids.push(id);
    }
    if (action === 'history') {
      const h = await engine.handle('service.history', { id: ids[0]! });
      process.stdout.write(values.json ? JSON.stringify(h, null, 2) + '\n' : `${key(targets[0]!)}  ${h.service.status}${h.service.owner ? `  owner ${h.service.owner}` : ''}${h.service.insecure ? `  insecure: ${h.service.insecure}` : ''}${h.service.status === 'ignored' ? `  until ${h.service.ignoreUntil ?? 'never'}${h.service.ruleId != null ? ` (rule ${h.service.ruleId})` : ''}` : ''}\n${historyTable(h.events)}`);
      return 0;
    }
    const act = action as ReviewAction;
    // Bulk selection: --status as given; else new services, or for --reopen (which new
    // services are not open to) every status it applies to, one filter each.
    const statuses = status ? [status.data] : act === 'reopen' ? REOPENABLE : (['new'] as const);
    const bulkFilters = statuses.map((st) => ({ ...filter, status: st, since }));
    if (values['dry-run']) {
      let rows: ServiceRow[] = [];
      let total = 0;
      if (ids.length) {
        rows = (await engine.handle('services.list', { limit: 5000 })).rows.filter((r) => ids.includes(r.id));
        total = ids.length;
      } else {
        for (const f of bulkFilters) {
          const page = await engine.handle('services.list', { ...f, limit: 5000 });
          appendAll(rows, page.rows);
          total += page.total;
        }
      }
      process.stdout.write(servicesTable(rows));
      process.stdout.write(`${counted(total, 'service')} would be considered for ${act} (dry run, nothing changed)\n`);
      return 0;
    }
    // Named services whose status does not allow the action are an error, not a silent skip.
    const before = new Map<number, ServiceRow>();
    for (const id of ids) before.set(id, (await engine.handle('service.history', { id })).service);
    const apply = (selection: { ids: number[] } | { filter: (typeof bulkFilters)[number] }) =>
      engine.handle('review.apply', {
        ...selection,
        action: act,
        reason: values.reason!,
        ...(values.owner !== undefined && (act === 'approve' || act === 'flag') ? { owner: values.owner } : {}),
        ...(expiresAt ? { expiresAt } : {}),
      });
    const r = { changed: 0, skipped: 0, ids: [] as number[] };
    const selections = ids.length ? [{ ids }] : bulkFilters.map((f) => ({ filter: f }));
    for (const selection of selections) {
      const part = await apply(selection); // one after another: one transaction each
      r.changed += part.changed;
      r.skipped += part.skipped;
      appendAll(r.ids, part.ids);
    }
    // A named service the action does not apply to is refused (an error below), not "unchanged".
    const done = new Set(r.ids);
    const refused = [...new Set(ids)].filter((id) => !done.has(id) && !sameAlready(before.get(id)?.status, act));
    if (values.json) process.stdout.write(JSON.stringify({ action: act, actor: engine.inventory.actor, ...r, refused: refused.length }, null, 2) + '\n');
    else process.stdout.write(`${act}: ${r.changed} changed, ${r.skipped - refused.length} unchanged${refused.length ? `, ${refused.length} refused` : ''} (by ${engine.inventory.actor})\n`);
    // A named service approved (or flagged) again gets the new justification: say what it replaced.
    for (const [i, id] of ids.entries()) {
      const was = before.get(id);
      if (!values.json && done.has(id) && was?.reason && was.status === { approve: 'approved', flag: 'flagged' }[act as string]) {
        process.stderr.write(`portolan: note: ${key(targets[i]!)}: replaces the earlier ${act === 'approve' ? 'approval' : 'flag'} (${JSON.stringify(was.reason)}${was.owner ? `, owner ${JSON.stringify(was.owner)}` : ''}); the history keeps it\n`);
      }
    }
    // Approving insecure protocols in bulk is allowed, but never unnoticed (PCI DSS 1.2.6).
    if (act === 'approve' && r.ids.length && !values.json) {
      const insecure = (await engine.db.query<{ n: number }>("SELECT COUNT(*) AS n FROM services WHERE insecure IS NOT NULL AND COALESCE(compensating_control, '') = '' AND id IN (SELECT value FROM json_each(?))", [JSON.stringify(r.ids)]))[0]?.n ?? 0;
      if (insecure) process.stderr.write(`portolan: note: ${counted(insecure, 'approved service')} ${insecure === 1 ? 'uses an insecure protocol' : 'use insecure protocols'} with no compensating control recorded: record it (portolan control HOST:PORT/PROTO --note TEXT; PCI DSS 1.2.6)\n`);
    }
    if (refused.length) {
      for (const id of refused) {
        const t = targets[ids.indexOf(id)]!;
        process.stderr.write(`portolan: error: cannot ${act} ${key(t)}: it is ${before.get(id)?.status}${before.get(id)?.status === 'gone' ? ' (only --reopen applies until it is seen again)' : ''}\n`);
      }
      return 1;
    }
    return 0;
  } finally {
    await engine.close();
  }
}

/** True when the service already had the action's target status (a repeat, not a refusal). */
function sameAlready(status: string | undefined, act: ReviewAction): boolean {
  return status === { approve: 'approved', flag: 'flagged', ignore: 'ignored', reopen: 'new' }[act];
}
