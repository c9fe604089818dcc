/**
 * `portolan services [--db PATH] [--status S] [--since ISO|DURATION] [filters]
 *                    [--format table|tsv|csv|json|jsonl]`
 *
 * `--since` keeps services Portolan first stored at or after that time (not the packet
 * time), so a cron job asking "what is new since my last run" never misses an old
 * capture ingested late. jsonl prints one JSON object per line for SIEM pipelines.
 */
import { StatusFilter } from '../../../shared/model';
import type { ServiceRow } from '../../../shared/model';
import type { ServicesQuery } from '../../../shared/contract';
import { Engine } from '../../engine';
import { appendAll, openEngine, parseCommandLine, UsageError } from '../common';
import { servicesCsv, servicesTable, servicesTsv } from '../format';
import { FILTER_OPTIONS, parseFilter, parseTime } from '../inventory-args';

const FORMATS = ['table', 'tsv', 'csv', 'json', 'jsonl'] as const;

export async function allServices(engine: Engine, status: StatusFilter, extra: Omit<ServicesQuery, 'status' | 'offset' | 'limit' | 'sort'> = {}): Promise<ServiceRow[]> {
  const rows: ServiceRow[] = [];
  for (let offset = 0; ; offset += 5000) {
    const page = await engine.handle('services.list', { ...extra, status, offset, limit: 5000, sort: 'host' });
    appendAll(rows, page.rows);
    if (page.rows.length < 5000) return rows;
  }
}

export async function cmdServices(args: string[]): Promise<number> {
  const { values } = parseCommandLine({
    args,
    options: { db: { type: 'string' }, status: { type: 'string', default: 'all' }, format: { type: 'string', default: 'table' }, since: { type: 'string' }, ...FILTER_OPTIONS },
  });
  const status = StatusFilter.safeParse(values.status);
  if (!status.success) throw new UsageError(`--status must be one of ${StatusFilter.options.join(', ')}`);
  const format = values.format;
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError('--format must be table, tsv, csv, json or jsonl');
  const since = values.since === undefined ? undefined : parseTime('--since', values.since, -1);
  const filter = parseFilter(values);
  const engine = await openEngine(values.db, 'read');
  try {
    const rows = await allServices(engine, status.data, { ...filter, since });
    const out =
      format === 'tsv'
        ? servicesTsv(rows)
        : format === 'csv'
          ? servicesCsv(rows)
          : format === 'json'
            ? JSON.stringify(rows, null, 2) + '\n'
            : format === 'jsonl'
              ? rows.map((r) => JSON.stringify(r) + '\n').join('')
              : servicesTable(rows);
    process.stdout.write(out);
    return 0;
  } finally {
    await engine.close();
  }
}
