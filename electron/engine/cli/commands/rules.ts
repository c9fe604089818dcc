/**
 * `portolan rules [list] [--json]`
 * `portolan rules add --ignore|--approve [--host A | --subnet CIDR] [--port N] [--proto P]
 *                     --reason TEXT [--owner NAME] [--expires ISO|DURATION]`
 * `portolan rules delete ID`
 * `portolan rules gone-after [DAYS]` (0: only a closed port makes a service gone; no DAYS: show it)
 */
import type { Rule } from '../../../shared/inventory';
import { goneAfterDays } from '../../inventory/gone';
import { counted, openEngine, parseCommandLine, UsageError } from '../common';
import { columnWidths } from '../format';
import { parseFilter, parseTime } from '../inventory-args';

export const RULES_HELP = `  portolan rules [list] [--json]
  portolan rules add --ignore|--approve [--host A | --subnet CIDR] [--port N]
                     [--proto tcp|udp] --reason TEXT [--owner NAME] [--expires ISO|DURATION]
  portolan rules delete ID
  portolan rules gone-after [DAYS]
      Ignore and auto-approve rules (applied to new services and, when saved, to the
      queue); the period after which an unseen approved/flagged service is gone.`;

function table(rules: Rule[]): string {
  if (!rules.length) return 'no rules\n';
  const head = ['ID', 'KIND', 'MATCH', 'OWNER', 'EXPIRES', 'HITS', 'REASON'];
  const body = rules.map((r) => [
    String(r.id),
    r.active ? r.kind : `${r.kind} (expired)`,
    [r.host ?? r.subnet ?? 'any host', r.port === null ? 'any port' : `port ${r.port}`, r.proto ?? 'tcp+udp'].join(' '),
    r.owner ?? '',
    r.expiresAt ?? 'never',
    String(r.hits),
    r.reason,
  ]);
  const widths = columnWidths(head, body);
  return [head, ...body].map((c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** 0 days turns gone detection off: said so, not "gone after 0 days unseen". */
const goneLine = (days: number): string => (days === 0 ? 'gone detection off (gone-after 0): approved services never turn gone by time unseen' : `gone after ${counted(days, 'day')} unseen`);

export async function cmdRules(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      json: { type: 'boolean' },
      ignore: { type: 'boolean' },
      approve: { type: 'boolean' },
      host: { type: 'string' },
      subnet: { type: 'string' },
      port: { type: 'string' },
      proto: { type: 'string' },
      reason: { type: 'string' },
      owner: { type: 'string' },
      expires: { type: 'string' },
    },
  });
  const [sub = 'list', ...rest] = positionals;
  if (!['list', 'add', 'delete', 'gone-after'].includes(sub)) throw new UsageError(`unknown rules subcommand '${sub}' (list, add, delete, gone-after)`);
  if ((sub === 'list' || sub === 'add') && rest.length) throw new UsageError(`rules ${sub} takes no other argument, got ${JSON.stringify(rest[0])}`);
  let input: Record<string, unknown> | null = null;
  if (sub === 'add') {
    if (Boolean(values.ignore) === Boolean(values.approve)) throw new UsageError('rules add needs exactly one of --ignore, --approve');
    if (!values.reason?.trim()) throw new UsageError('rules add needs --reason TEXT');
    if (values.approve && !values.owner?.trim()) throw new UsageError('an approve rule needs --owner NAME');
    if (values.port !== undefined && (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535)) throw new UsageError('--port takes a number 0 to 65535');
    if (values.proto !== undefined && !['tcp', 'udp'].includes(values.proto)) throw new UsageError('--proto must be tcp or udp');
    if (values.host === undefined && values.subnet === undefined && values.port === undefined) throw new UsageError('a rule needs --host, --subnet or --port');
    if (values.host !== undefined && values.subnet !== undefined) throw new UsageError('give --host or --subnet, not both');
    parseFilter({ host: values.host, subnet: values.subnet });
    input = {
      kind: values.ignore ? 'ignore' : 'approve',
      host: values.host ?? null,
      subnet: values.subnet ?? null,
      port: values.port === undefined ? null : Number(values.port),
      proto: values.proto ?? null,
      reason: values.reason,
      owner: values.approve ? values.owner : null,
      expiresAt: values.expires === undefined ? null : parseTime('--expires', values.expires, 1),
    };
  }
  // Any whole number is a well-formed rule id; one that names no rule is "not found" (exit 1), not a wrong command line.
  if (sub === 'delete' && (rest.length !== 1 || !/^\d+$/.test(rest[0]!))) throw new UsageError('rules delete takes one rule id, a whole number (portolan rules list shows them)');
  if (sub === 'gone-after' && (rest.length > 1 || (rest.length === 1 && (!/^\d{1,5}$/.test(rest[0]!) || Number(rest[0]) > 3650)))) throw new UsageError('rules gone-after takes a number of days, 0 to 3650 (none: show the current setting)');
  // `rules gone-after` alone shows the setting, as `rules list` ends with it.
  const reading = sub === 'list' || (sub === 'gone-after' && rest.length === 0);
  const engine = await openEngine(values.db, reading ? 'read' : 'write');
  try {
    if (sub === 'list') {
      const rules = await engine.handle('rules.list', {});
      process.stdout.write(values.json ? JSON.stringify({ rules, goneAfterDays: await goneAfterDays(engine.db) }, null, 2) + '\n' : `${table(rules)}${goneLine(await goneAfterDays(engine.db))}\n`);
    } else if (sub === 'add') {
      const r = await engine.handle('rules.save', input);
      process.stdout.write(values.json ? JSON.stringify(r, null, 2) + '\n' : `rule ${r.rule.id} saved; applied to ${counted(r.applied, 'service')} in the queue\n`);
    } else if (sub === 'delete') {
      const id = Number(rest[0]);
      const missing = (): number => {
        process.stderr.write(`portolan: error: no rule ${rest[0]!.replace(/^0+(?=\d)/, '')}: nothing deleted (portolan rules list shows the rules)\n`);
        return 1;
      };
      if (!Number.isSafeInteger(id) || id < 1) return missing();
      let r;
      try {
        r = await engine.handle('rules.delete', { id });
      } catch (err) {
        if ((err as Error).name === 'NotFound') return missing();
        throw err;
      }
      process.stdout.write(`rule ${r.id} deleted; ${counted(r.released, 'service')} back in the queue\n`);
    } else if (rest.length === 0) {
      process.stdout.write(`${goneLine(await goneAfterDays(engine.db))}\n`);
    } else {
      await engine.inventory.setGoneAfterDays(Number(rest[0]));
      const s = await engine.inventory.sweep();
      const days = Number(rest[0]);
      process.stdout.write(`${goneLine(days)}${s?.gone ? `; ${counted(s.gone, 'service')} now gone` : ''}\n`);
    }
    return 0;
  } finally {
    await engine.close();
  }
}
