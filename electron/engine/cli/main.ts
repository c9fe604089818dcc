/**
 * `portolan`: the scripting face of the engine (plain Node, no Electron).
 *
 * Exit codes: 0 success; 1 the work failed (unreadable or invalid input, store error);
 * 2 the command line is wrong (unknown command or flag, missing argument).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { StatusFilter } from '../../shared/model';
import type { ServiceRow } from '../../shared/model';
import { Engine } from '../engine';
import { defaultDbPath } from '../store/paths';
import { VERSION } from '../version';
import { servicesCsv, servicesTable, servicesTsv } from './format';
import { serve } from '../serve/server';

class UsageError extends Error {
  override name = 'UsageError';
}

const HELP = `portolan ${VERSION} — which hosts listen on which ports

Usage:
  portolan ingest FILE... [--db PATH] [--json]
      Read pcap/pcapng files; store flows and the listening services they reveal.
  portolan services [--db PATH] [--status new|approved|flagged|gone|all]
                    [--format table|tsv|csv|json]
      List the inventory (one row per host, proto, port).
  portolan serve [--port N] [--db PATH]
      Serve the app's UI and API on 127.0.0.1 (URL with a session token is printed).

The database defaults to ${defaultDbPath()} (or $PORTOLAN_DB).
Exit codes: 0 ok, 1 failed, 2 bad command line.
`;

function dbPath(v: string | undefined): string {
  return v ? resolve(v) : defaultDbPath();
}

async function cmdIngest(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { db: { type: 'string' }, json: { type: 'boolean' } } });
  if (!positionals.length) throw new UsageError('ingest needs at least one capture file');
  const engine = await Engine.open({ dbPath: dbPath(values.db) });
  try {
    const files = positionals.map((p) => resolve(p));
    const progress = process.stderr.isTTY && !values.json;
    const off = engine.on('job.updated', (j) => {
      if (progress && j.progress && j.status === 'running') {
        const pct = j.progress.total ? Math.floor((100 * j.progress.done) / j.progress.total) : 0;
        process.stderr.write(`\r${j.progress.message ?? ''} ${pct}%   `);
      }
    });
    const job = await engine.startIngest(files);
    const end = await engine.jobs.wait(job.id);
    off();
    if (progress) process.stderr.write('\r\x1b[K');
    const result = (end.result ?? { files: [] }) as { files?: Array<Record<string, unknown>> };
    if (values.json) {
      process.stdout.write(JSON.stringify({ job: end.id, status: end.status, error: end.error, ...result }, null, 2) + '\n');
    } else {
      for (const f of result.files ?? []) {
        const line = f.status === 'failed'
          ? `${f.path}: failed: ${f.error}`
          : f.status === 'skipped'
            ? `${f.path}: already ingested (capture ${f.captureId}), skipped`
            : `${f.path}: ${f.packets} packets, ${f.flows} flows, ${f.listeners} listening services (${f.added} new)${f.status === 'incomplete' ? ', INCOMPLETE' : ''}`;
        process.stdout.write(line + '\n');
        for (const w of (f.warnings as string[] | undefined) ?? []) if (f.status !== 'skipped') process.stderr.write(`portolan: warning: ${f.path}: ${w}\n`);
      }
    }
    if (end.status !== 'done') {
      if (!values.json) process.stderr.write(`portolan: error: ${end.error?.message ?? end.status}\n`);
      return 1;
    }
    return 0;
  } finally {
    await engine.close();
  }
}

async function allServices(engine: Engine, status: StatusFilter): Promise<ServiceRow[]> {
  const rows: ServiceRow[] = [];
  for (let offset = 0; ; offset += 5000) {
    const page = await engine.handle('services.list', { status, offset, limit: 5000, sort: 'host' });
    rows.push(...page.rows);
    if (page.rows.length < 5000) return rows;
  }
}

async function cmdServices(args: string[]): Promise<number> {
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

async function cmdServe(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { db: { type: 'string' }, port: { type: 'string', default: '0' } } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a number from 0 to 65535');
  const engine = await Engine.open({ dbPath: dbPath(values.db), transport: 'web' });
  const server = await serve(engine, { port });
  process.stdout.write(`Portolan serving on ${server.url}\n`);
  process.stdout.write(`database: ${engine.db.path}  (Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  await engine.close();
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  ingest: cmdIngest,
  services: cmdServices,
  serve: cmdServe,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(HELP);
    return cmd ? 0 : 2;
  }
  if (cmd === '--version' || cmd === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const run = COMMANDS[cmd];
  try {
    if (!run) throw new UsageError(`unknown command '${cmd}' (try 'portolan --help')`);
    return await run(rest);
  } catch (err) {
    const e = err as Error & { code?: string };
    const usage = e instanceof UsageError || (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS'));
    process.stderr.write(`portolan: ${usage ? 'usage' : 'error'}: ${e.message}\n`);
    return usage ? 2 : 1;
  }
}
