/**
 * `portolan ingest FILE... [--protocols LIST] [--ignore LIST] [--db PATH] [--json]`
 *
 * --protocols / --ignore apply the same protocol choice a live capture would
 * (docs/capture.md): the same packets are kept, so a file and a capture agree.
 */
import { resolve } from 'node:path';
import { Engine } from '../../engine';
import { resolveSelection, SelectionError } from '../../filters/selection';
import { dbPath, oneLine, parseCommandLine, UsageError } from '../common';
import { selectionFromFlags } from './capture';

export async function cmdIngest(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    allowPositionals: true,
    options: { db: { type: 'string' }, json: { type: 'boolean' }, protocols: { type: 'string', short: 'p', multiple: true }, ignore: { type: 'string', multiple: true } },
  });
  if (!positionals.length) throw new UsageError('ingest needs at least one capture file');
  if (positionals.some((p) => p.trim() === '')) throw new UsageError('an empty file name was given (an unset shell variable?)');
  const selection = selectionFromFlags(values.protocols, values.ignore);
  try {
    resolveSelection(selection);
  } catch (err) {
    if (err instanceof SelectionError) throw new UsageError(err.message);
    throw err;
  }
  const engine = await Engine.open({ dbPath: dbPath(values.db) });
  try {
    const files = positionals.map((p) => resolve(p));
    const progress = process.stderr.isTTY && !values.json;
    const off = engine.on('job.updated', (j) => {
      if (progress && j.progress && j.status === 'running') {
        const pct = j.progress.total ? Math.floor((100 * j.progress.done) / j.progress.total) : 0;
        process.stderr.write(`\r${oneLine(j.progress.message ?? '')} ${pct}%   `);
      }
    });
    const job = await engine.startIngest(files, selection);
    // Ctrl-C / SIGTERM cancel the job cleanly: what was read is stored, the capture is
    // marked incomplete, and the next ingest of the same file replaces it.
    let interrupted: NodeJS.Signals | null = null;
    const stop = (sig: NodeJS.Signals): void => {
      interrupted ??= sig;
      engine.jobs.cancel(job.id);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const end = await engine.jobs.wait(job.id);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    off();
    if (progress) process.stderr.write('\r\x1b[K');
    const result = (end.result ?? { files: [] }) as { files?: Array<Record<string, unknown>> };
    if (values.json) {
      process.stdout.write(JSON.stringify({ job: end.id, status: end.status, error: end.error, ...result }, null, 2) + '\n');
    } else {
      for (const f of result.files ?? []) {
        const n = (v: unknown, one: string, many: string): string => `${v} ${v === 1 ? one : many}`;
        const line = f.status === 'failed'
          ? `${f.path}: failed: ${f.error}`
          : f.status === 'skipped'
            ? `${f.path}: ${f.captureId ? `already ingested (capture ${f.captureId}), skipped` : ((f.warnings as string[] | undefined)?.[0] ?? 'skipped')}`
            : `${f.path}: capture ${f.captureId}, ${n(f.packets, 'packet', 'packets')}, ${n(f.flows, 'flow', 'flows')}, ${n(f.listeners, 'listening service', 'listening services')} (${f.added} new)${typeof f.filteredOut === 'number' ? `, ${n(f.filteredOut, 'packet', 'packets')} outside the protocol choice` : ''}${f.status === 'incomplete' ? ', INCOMPLETE' : ''}`;
        // A failure is reported once, on stderr, below. A file name may hold control characters.
        if (f.status !== 'failed') process.stdout.write(oneLine(line) + '\n');
        for (const w of (f.warnings as string[] | undefined) ?? []) if (f.status !== 'skipped') process.stderr.write(`portolan: warning: ${oneLine(`${String(f.path)}: ${w}`)}\n`);
      }
    }
    if (end.status !== 'done') {
      // Always one line on stderr, with --json too (the details are in the JSON).
      process.stderr.write(`portolan: error: ${oneLine(interrupted ? interruptedMessage(result.files ?? []) : (end.error?.message ?? end.status))}\n`);
      return interrupted === 'SIGINT' ? 130 : interrupted === 'SIGTERM' ? 143 : 1;
    }
    return 0;
  } finally {
    await engine.close();
  }
}

/** What an interrupted ingest left, from its files' outcomes (not what it might have left). */
function interruptedMessage(files: Array<Record<string, unknown>>): string {
  const cut = files.filter((f) => f.status === 'incomplete').map((f) => `capture ${f.captureId}`);
  const whole = files.filter((f) => f.status === 'complete').length;
  const parts: string[] = [];
  if (cut.length) parts.push(`what was read is stored (${cut.join(', ')} marked incomplete; ingest the file again to finish it)`);
  if (whole) parts.push(`${whole} ${whole === 1 ? 'file' : 'files'} ingested completely`);
  return `interrupted; ${parts.length ? parts.join('; ') : 'nothing was stored'}`;
}
