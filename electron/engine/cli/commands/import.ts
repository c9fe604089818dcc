/**
 * `portolan import FILE... [--db PATH] [--json]`: nmap (-oX) and masscan (-oX) reports.
 *
 * Exit codes: 0 every file imported or already imported (a file cut off before
 * </nmaprun> is imported as far as it goes, marked INCOMPLETE, with a warning); 1 a file
 * was not a readable report (nothing of it stored; the others are); 2 bad command line.
 */
import { resolve } from 'node:path';
import { Engine } from '../../engine';
import type { ImportOutcome } from '../../importers/import';
import { dbPath, oneLine, parseCommandLine, UsageError } from '../common';

export const IMPORT_HELP = `  portolan import FILE... [--db PATH] [--json]
      Import nmap / masscan XML reports (-oX): open ports become services (evidence
      import, the scan's own time), closed ports can make approved services gone.`;

const n = (v: number, one: string, many = `${one}s`): string => `${v} ${v === 1 ? one : many}`;

export async function cmdImport(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({ args, allowPositionals: true, options: { db: { type: 'string' }, json: { type: 'boolean' } } });
  if (!positionals.length) throw new UsageError('import needs at least one nmap or masscan XML file');
  if (positionals.some((p) => p.trim() === '')) throw new UsageError('an empty file name was given (an unset shell variable?)');
  const engine = await Engine.open({ dbPath: dbPath(values.db) });
  try {
    const job = await engine.inventory.startImport(positionals.map((p) => resolve(p)));
    const end = await engine.jobs.wait(job.id);
    await engine.inventory.idle();
    const result = (end.result ?? { files: [] }) as { files?: ImportOutcome[] };
    if (values.json) {
      process.stdout.write(JSON.stringify({ job: end.id, status: end.status, error: end.error, ...result }, null, 2) + '\n');
    } else {
      for (const f of result.files ?? []) {
        // A failed file is reported once, on stderr, below: the job's error names it and why.
        if (f.status === 'failed') continue;
        const line =
          f.status === 'skipped'
            ? `${f.path}: already imported (import ${f.importId}), skipped`
            : `${f.path}: ${f.tool}, ${n(f.hosts, 'host')}, ${n(f.open, 'open port')} (${f.added} new), ${f.closed} closed${f.status === 'incomplete' ? ', INCOMPLETE' : ''}`;
        process.stdout.write(oneLine(line) + '\n');
        if (f.status !== 'skipped') for (const w of f.warnings) process.stderr.write(`portolan: warning: ${oneLine(`${f.path}: ${w}`)}\n`);
      }
    }
    if (end.status !== 'done') {
      if (!values.json) process.stderr.write(`portolan: error: ${oneLine(end.error?.message ?? end.status)}\n`);
      return 1;
    }
    return 0;
  } finally {
    await engine.close();
  }
}
