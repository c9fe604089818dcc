/** `portolan ingest FILE... [--db PATH] [--json]` */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../../engine';
import { dbPath, UsageError } from '../common';

export async function cmdIngest(args: string[]): Promise<number> {
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

