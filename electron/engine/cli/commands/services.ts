/** `portolan services [--db PATH] [--status S] [--format table|tsv|csv|json]` */
import { parseArgs } from 'node:util';
import { StatusFilter } from '../../../shared/model';
import type { ServiceRow } from '../../../shared/model';
import { Engine } from '../../engine';
import { dbPath, UsageError } from '../common';
import { servicesCsv, servicesTable, servicesTsv } from '../format';

export async function allServices(engine: Engine, status: StatusFilter): Promise<ServiceRow[]> {
  const rows: ServiceRow[] = [];
  for (let offset = 0; ; offset += 5000) {
    const page = await engine.handle('services.list', { status, offset, limit: 5000, sort: 'host' });
    rows.push(...page.rows);
    if (page.rows.length < 5000) return rows;
  }
}

export async function cmdServices(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { db: { type: 'string' }, status: { type: 'string', default: 'all' }, format: { type: 'string', default: 'table' } } });
  const status = StatusFilter.safeParse(values.status);
  if (!status.success) throw new UsageError(`--status must be one of ${StatusFilter.options.join(', ')}`);
  const format = values.format;
  if (!['table', 'tsv', 'csv', 'json'].includes(format)) throw new UsageError('--format must be table, tsv, csv or json');
  const engine = await Engine.open({ dbPath: dbPath(values.db) });
  try {
    const rows = await allServices(engine, status.data);
    const out = format === 'tsv' ? servicesTsv(rows) : format === 'csv' ? servicesCsv(rows) : format === 'json' ? JSON.stringify(rows, null, 2) + '\n' : servicesTable(rows);
    process.stdout.write(out);
    return 0;
  } finally {
    await engine.close();
  }
}

