/**
 * Import of nmap / masscan XML reports into the inventory. Each file is read whole,
 * hashed, validated and parsed before anything is written; then one transaction stores
 * the import record, its open ports as services (evidence `import`, the scan's own
 * times) and its closed ports. A file already imported (same SHA-256) is skipped, so a
 * re-run changes nothing. A broken file fails alone: nothing of it is stored, and what
 * was stored before is untouched.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { fileProblem } from '../files';
import type { Db } from '../store/db';
import type { JobContext } from '../jobs/jobs';
import { recordSightings, type Sighting } from '../inventory/inventory';
import { ImportFormatError, parseReport } from './nmap';

/** Larger reports are refused rather than read into memory (an nmap -oX of a /16 is ~100 MB). */
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

export interface ImportOutcome {
  path: string;
  importId: number | null;
  status: 'complete' | 'incomplete' | 'skipped' | 'failed';
  tool: string | null;
  hosts: number;
  open: number;
  closed: number;
  added: number;
  warnings: string[];
  error?: string;
}

export interface ImportResult {
  files: ImportOutcome[];
  hosts: number;
  open: number;
  added: number;
}

export class ImportError extends Error {
  override name = 'ImportError';
  constructor(
    message: string,
    readonly partial: Record<string, unknown>,
  ) {
    super(message);
  }
}

async function readReport(path: string): Promise<Buffer> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new ImportFormatError(`${path}: is a folder, not a file`);
    if (!st.isFile()) throw new ImportFormatError(`${path}: not a regular file (a pipe or device?); save the report to a file first`);
    size = st.size;
  } catch (err) {
    if (err instanceof ImportFormatError) throw err;
    throw new ImportFormatError(`${path}: ${fileProblem(err)}`);
  }
  if (size === 0) throw new ImportFormatError(`${path}: empty file, not a report`);
  if (size > MAX_IMPORT_BYTES) throw new ImportFormatError(`${path}: ${size} bytes, larger than the ${MAX_IMPORT_BYTES}-byte import limit`);
  try {
    return await readFile(path);
  } catch (err) {
    // Seen but not readable (permissions): in words, as every other file problem.
    throw new ImportFormatError(`${path}: ${fileProblem(err)}`);
  }
}

export async function importOne(db: Db, path: string, jobId: string | null, now = Date.now()): Promise<ImportOutcome> {
  const bytes = await readReport(path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  const seen = await db.get<{ id: number }>('importBySha', [sha]);
  if (seen) return { path, importId: seen.id, status: 'skipped', tool: null, hosts: 0, open: 0, closed: 0, added: 0, warnings: [`already imported as import ${seen.id}; skipped`] };
  let report;
  try {
    report = parseReport(bytes.toString('utf8'));
  } catch (err) {
    if (err instanceof ImportFormatError) throw new ImportFormatError(`${path}: ${err.message}`);
    throw err;
  }
  const fallback = report.startMs ?? now;
  const sightings: Sighting[] = [];
  const closed: Array<[string, string, number, string | null, number]> = [];
  // A report dated after this computer's clock (the scanner's clock was wrong, or the file
  // was edited) is taken as of now: a closed port dated 2030 would outrank every real
  // sighting until then and keep a service gone.
  let future = 0;
  // A host with no time of its own, in a run without a start, has nothing better than now.
  let undated = 0;
  for (const h of report.hosts) {
    if (h.timeMs === null && report.startMs === null && h.ports.some((p) => p.state === 'open' || p.state === 'closed')) undated++;
    let t = h.timeMs ?? fallback;
    if (t > now) {
      future++;
      t = now;
    }
    for (const p of h.ports) {
      if (p.state === 'open') {
        sightings.push({ host: h.address, proto: p.proto, port: p.port, evidence: 'import', confidence: 'certain', service: p.service, serviceMethod: p.serviceMethod, firstSeenMs: t, lastSeenMs: t, flows: 0, bytes: 0, banner: p.banner, hostnames: h.hostnames, mac: h.mac });
      } else if (p.state === 'closed') closed.push([h.address, p.proto, p.port, p.reason, t]);
    }
  }
  if (undated) report.warnings.push(`${undated} ${undated === 1 ? 'host has' : 'hosts have'} no scan time (no starttime or endtime, and the run no start): first and last seen recorded as the import time`);
  if (future) report.warnings.push(`${future} ${future === 1 ? 'host is' : 'hosts are'} dated after this computer's clock (the scanner's clock was wrong?); recorded as of the import`);
  return db.tx(async () => {
    const importId = (
      await db.run('importInsert', [jobId, report.tool, path, report.args, report.startMs, report.endMs, report.complete ? 1 : 0, now, sha, report.version, report.hosts.length, sightings.length, JSON.stringify(report.warnings)])
    ).lastID;
    const r = await recordSightings(db, 'import', importId, sightings, now);
    for (const [host, proto, port, reason, t] of closed) await db.run('importPortInsert', [importId, host, proto, port, 'closed', reason, t]);
    return {
      path,
      importId,
      status: report.complete ? 'complete' : 'incomplete',
      tool: report.tool,
      hosts: report.hosts.length,
      open: sightings.length,
      closed: closed.length,
      added: r.added,
      warnings: report.warnings,
    } satisfies ImportOutcome;
  });
}

/** The import job: every file in turn; one failing file does not stop the others. */
export async function importFiles(db: Db, paths: string[], ctx: JobContext, onChanged: (added: number, updated: number) => void): Promise<ImportResult> {
  const result: ImportResult = { files: [], hosts: 0, open: 0, added: 0 };
  for (const [i, path] of paths.entries()) {
    if (ctx.signal.aborted) break;
    ctx.progress({ done: i, total: paths.length, unit: 'files', message: `file ${i + 1} of ${paths.length}: ${path.split('/').pop()}` });
    let o: ImportOutcome;
    try {
      o = await importOne(db, path, ctx.id);
    } catch (err) {
      o = { path, importId: null, status: 'failed', tool: null, hosts: 0, open: 0, closed: 0, added: 0, warnings: [], error: (err as Error).message };
    }
    for (const w of o.warnings) if (o.status !== 'skipped') ctx.warn(`${path}: ${w}`);
    result.files.push(o);
    result.hosts += o.hosts;
    result.open += o.open;
    result.added += o.added;
    if (o.status === 'complete' || o.status === 'incomplete') onChanged(o.added, o.open - o.added);
  }
  ctx.progress({ done: paths.length, total: paths.length, unit: 'files' });
  const failed = result.files.filter((f) => f.status === 'failed');
  if (failed.length) {
    const msg = failed.map((f) => f.error).join('; ');
    throw new ImportError(failed.length === paths.length ? msg : `${failed.length} of ${paths.length} files failed: ${msg}`, result as unknown as Record<string, unknown>);
  }
  return result;
}
