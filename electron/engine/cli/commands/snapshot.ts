/**
 * `portolan snapshot save|list|show|export|diff|verify` — sealed compliance snapshots.
 *
 * Exit codes: save/list/show/export as every command (0 ok, 1 failed, 2 usage);
 * diff: 0 same, 1 different, 2 error; verify: 0 intact, 1 altered, 2 error.
 */
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { ExportFormat, SnapshotTake } from '../../../shared/snapshots';
import { Engine } from '../../engine';
import { metricsOf } from '../../snapshots/controls';
import { diffSnapshots, diffTsv } from '../../snapshots/diff';
import { exportSnapshot } from '../../snapshots/exports';
import { PdfAborted } from '../../snapshots/export-pdf';
import { parseScope, ScopeError } from '../../snapshots/scope';
import { EmptySnapshot, getSnapshot, listSnapshots, readSnapshot, SnapshotNotFound, getRow, takeSnapshot, verifyAgainstDb } from '../../snapshots/store';
import type { SealedSnapshot } from '../../snapshots/types';
import { parseSealedText, verifyDocument, verifyText, type Problem } from '../../snapshots/verify';
import { appendAll, dbPath, oneLine, openEngine, outputTarget, parseCommandLine, readRegularText, UsageError } from '../common';
import { columnWidths } from '../format';

export const SNAPSHOT_HELP = `  portolan snapshot save [--note TEXT] [--by NAME] [--scope all|CIDR|tag:NAME] [--allow-empty] [--db PATH]
      Freeze and seal the inventory (SHA-256, chained to the previous snapshot); prints the id.
      An inventory or scope with no service is refused unless --allow-empty.
  portolan snapshot list [--format table|tsv|json] [--db PATH]
  portolan snapshot show ID [--format text|json] [--db PATH]
  portolan snapshot export ID --format csv|json|html|pdf --out FILE [--db PATH]
      The PDF is printed from the HTML report by Chromium (/usr/bin/chromium or $PORTOLAN_CHROMIUM).
  portolan snapshot diff A B [--format tsv|json] [--db PATH]
      A and B: snapshot ids or exported JSON files. Exit 0 same, 1 different, 2 error.
  portolan snapshot verify FILE.json [--db PATH] [--format text|json]
      Check an exported snapshot offline; names what was altered. Exit 0 intact, 1 altered, 2 error.`;

const out = (s: string): boolean => process.stdout.write(s);
const count = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** One subcommand's lines of SNAPSHOT_HELP (its synopsis and the indented lines under it). */
function usageOf(sub: string): string {
  const lines = SNAPSHOT_HELP.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`  portolan snapshot ${sub} `));
  if (at < 0) return SNAPSHOT_HELP;
  let end = at + 1;
  while (end < lines.length && lines[end]!.startsWith('      ')) end++;
  return lines.slice(at, end).join('\n');
}

/** Exactly one positional (an id): a second one is a mistake, not something to ignore. */
function oneId(positionals: string[], sub: string): number {
  if (positionals.length > 1) throw new UsageError(`${sub} takes one snapshot ID, got ${positionals.length} arguments (${positionals.map((p) => JSON.stringify(p)).join(' ')})`);
  return snapshotId(positionals[0]);
}

async function withEngine<T>(db: string | undefined, fn: (e: Engine) => Promise<T>, mode: 'read' | 'write' = 'read'): Promise<T> {
  const engine = await openEngine(db, mode);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

function snapshotId(v: string | undefined, what = 'ID'): number {
  if (v === undefined) throw new UsageError(`missing snapshot ${what}`);
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new UsageError(`snapshot ${what} must be a positive number, got ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * A --scope that is not one of the accepted forms is a wrong command line (exit 2),
 * refused before the database is opened. A well-formed scope that matches no host is
 * not: the snapshot is taken, empty.
 */
function checkScope(scope: string): void {
  try {
    parseScope(scope);
  } catch (err) {
    if (!(err instanceof ScopeError)) throw err;
    throw new UsageError(`--scope must be all, a CIDR or address (192.0.2.0/24, subnet:2001:db8::/32) or tag:NAME (tag:CDE); got ${JSON.stringify(scope)}`);
  }
}

/**
 * `--db PATH` (or $PORTOLAN_DB) naming no database is refused as the reading commands
 * refuse it (opened in read mode: a mistyped path is not an empty inventory, and must
 * not become a new database holding an empty snapshot). A writable database is opened as
 * every command opens it; a read-only one fails at the first write, saying so.
 */
async function save(args: string[]): Promise<number> {
  const { values } = parseCommandLine({
    args,
    options: { db: { type: 'string' }, note: { type: 'string', default: '' }, by: { type: 'string' }, scope: { type: 'string', default: 'all' }, 'allow-empty': { type: 'boolean', default: false } },
  });
  if (values.by !== undefined && values.by.trim() === '') throw new UsageError('--by needs a name (leave it out for the login name)');
  // The contract's own limits (the window's form and the WebSocket path use the same schema).
  const input = SnapshotTake.parse({ note: values.note, by: values.by ?? '', scope: values.scope });
  checkScope(input.scope);
  const r = await withEngine(
    values.db,
    (e) =>
      takeSnapshot(e.db, { note: input.note, by: input.by, scope: input.scope, allowEmpty: values['allow-empty'] }).catch((err: unknown) => {
        if (err instanceof EmptySnapshot) throw new Error(`${err.message}; give --allow-empty to seal an empty snapshot on purpose`);
        throw err;
      }),
    'read',
  );
  out(`${r.id}\n`);
  process.stderr.write(`snapshot ${r.id} sealed: sha256 ${r.sha256} (${count(r.doc.snapshot.hosts.length, 'host')}, ${count(r.doc.snapshot.services.length, 'service')})\n`);
  return 0;
}

async function list(args: string[]): Promise<number> {
  const { values } = parseCommandLine({ args, options: { db: { type: 'string' }, format: { type: 'string', default: 'table' } } });
  if (!['table', 'tsv', 'json'].includes(values.format)) throw new UsageError('--format must be table, tsv or json');
  const rows = await withEngine(values.db, (e) => listSnapshots(e.db));
  if (values.format === 'json') return out(JSON.stringify(rows, null, 2) + '\n'), 0;
  const head = ['id', 'taken_at', 'taken_by', 'scope', 'hosts', 'services', 'seal', 'sha256', 'note'];
  const body = rows.map((r) => [String(r.id), r.takenAt, r.takenBy, r.scope, String(r.hosts), String(r.services), r.seal, r.sha256, r.note].map((c) => c.replace(/[\t\r\n]/g, ' ')));
  if (values.format === 'tsv') return out([head, ...body].map((r) => r.join('\t')).join('\n') + '\n'), 0;
  if (!rows.length) return out('no snapshots\n'), 0;
  const show = body.map((r) => [r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!, r[6]!, `${r[7]!.slice(0, 16)}…`, r[8]!.slice(0, 40)]);
  const h = head.map((x) => x.toUpperCase().replace(/_/g, ' '));
  const w = columnWidths(h, show);
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  out([line(h), ...show.map(line)].join('\n') + '\n');
  for (const r of rows) for (const p of r.problems) out(`  snapshot ${r.id}: ${p}\n`);
  return 0;
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({ args, allowPositionals: true, options: { db: { type: 'string' }, format: { type: 'string', default: 'text' } } });
  const id = oneId(positionals, 'show');
  if (!['text', 'json'].includes(values.format)) throw new UsageError('--format must be text or json');
  return withEngine(values.db, async (e) => {
    // Unchecked: show is where a broken snapshot's problems are read.
    const { doc } = await readSnapshot(e.db, id);
    const entry = (await listSnapshots(e.db)).find((s) => s.id === id);
    if (values.format === 'json') return out(JSON.stringify({ ...entry, metrics: metricsOf(doc) }, null, 2) + '\n'), 0;
    const m = metricsOf(doc);
    const meta = doc.snapshot.meta;
    out(
      [
        `snapshot ${meta.id}`,
        `taken at   ${meta.takenAt}`,
        `taken by   ${meta.takenBy}`,
        `scope      ${meta.scope}`,
        `note       ${meta.note.replace(/[\r\n]+/g, ' ')}`,
        `version    Portolan ${meta.portolanVersion}`,
        `seal       ${doc.seal.sha256} (${entry?.seal ?? 'unknown'})`,
        `previous   ${meta.prevSha256 ?? 'none'}`,
        `hosts ${m.hosts}, services listening ${m.found}: approved ${m.approved}, unapproved ${m.unapproved} (new ${m.new}, flagged ${m.flagged}), ignored ${m.ignored}, insecure ${m.insecure}, gone ${m.gone}`,
        `evidence   ${count(doc.snapshot.sources.captures.length, 'capture')}, ${count(doc.snapshot.sources.scans.length, 'scan')}, ${count(doc.snapshot.sources.imports.length, 'import')}`,
        ...(entry?.problems ?? []).map((p) => `problem    ${p}`),
      ].join('\n') + '\n',
    );
    return 0;
  });
}

async function exportCmd(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({ args, allowPositionals: true, options: { db: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } } });
  const id = oneId(positionals, 'export');
  const format = ExportFormat.safeParse(values.format);
  if (!format.success) throw new UsageError(`--format must be one of ${ExportFormat.options.join(', ')}`);
  if (!values.out) throw new UsageError('--out FILE is required (- for standard output)');
  // Checked before the export is built: a device, pipe, folder or the database is refused up front.
  const target = values.out === '-' ? '-' : outputTarget(values.out, dbPath(values.db));
  // Ctrl-C / SIGTERM stop the export at once (a PDF's Chromium is killed) and leave no
  // file behind, exiting 130 / 143 as an interrupted ingest or scan does.
  const stop = new AbortController();
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted ??= sig;
    stop.abort(sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let tmp: string | null = null;
  try {
    const e = await withEngine(values.db, (en) => exportSnapshot(en.db, id, format.data, { signal: stop.signal }));
    if (interrupted) return stopped(interrupted);
    if (target === '-') {
      process.stdout.write(e.bytes);
      return 0;
    }
    // Written beside the target, then renamed: a failure never leaves half a file.
    tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
    await writeFile(tmp, e.bytes, { flag: 'wx' });
    if (interrupted) return stopped(interrupted);
    await rename(tmp, target);
    tmp = null;
    process.stderr.write(`wrote ${values.out} (${e.bytes.length} bytes)\n`);
    return 0;
  } catch (err) {
    if (interrupted || err instanceof PdfAborted) return stopped(interrupted ?? 'SIGINT');
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (tmp) await rm(tmp, { force: true });
  }
}

/** An export stopped by a signal: one line, nothing written, 130 (SIGINT) or 143 (SIGTERM). */
function stopped(sig: NodeJS.Signals): number {
  process.stderr.write(`portolan: error: export interrupted (${sig}): nothing was written\n`);
  return sig === 'SIGTERM' ? 143 : 130;
}

/**
 * A diff operand: a snapshot id in the database (its stored seal checked first: a broken
 * one is refused, SnapshotBroken), or an exported JSON file (verified first).
 */
async function operand(arg: string, engine: () => Promise<Engine>): Promise<SealedSnapshot> {
  if (/^\d+$/.test(arg)) return (await getSnapshot((await engine()).db, Number(arg))).doc;
  const text = await readRegularText(arg);
  const notSnapshot = notASnapshot(text);
  if (notSnapshot) throw new Error(`${arg}: not an exported snapshot (${notSnapshot})`);
  const parsed = parseSealedText(text);
  const v = parsed.ok ? verifyDocument(parsed.doc) : null;
  if (!parsed.ok || !v?.ok) throw new Error(`${arg} fails verification (${parsed.ok ? (v?.problems[0]?.what ?? 'altered') : parsed.problem.what}); refusing to diff altered evidence`);
  return parsed.doc as SealedSnapshot;
}

async function diff(args: string[]): Promise<number> {
  let engine: Engine | null = null;
  try {
    const { values, positionals } = parseCommandLine({ args, allowPositionals: true, options: { db: { type: 'string' }, format: { type: 'string', default: 'tsv' } } });
    if (positionals.length !== 2) throw new UsageError('diff needs two snapshots: ID or exported FILE.json, twice');
    if (!['tsv', 'json'].includes(values.format)) throw new UsageError('--format must be tsv or json');
    const open = async (): Promise<Engine> => (engine ??= await openEngine(values.db, 'read'));
    const a = await operand(positionals[0]!, open);
    const b = await operand(positionals[1]!, open);
    const d = diffSnapshots(a, b);
    for (const w of d.warnings) process.stderr.write(`portolan: warning: ${w}\n`);
    out(values.format === 'json' ? JSON.stringify(d, null, 2) + '\n' : diffTsv(d));
    return d.same ? 0 : 1;
  } catch (err) {
    return failed(err, 'diff');
  } finally {
    if (engine) await (engine as Engine).close();
  }
}

/**
 * Why a file is not an exported snapshot at all (an error, exit 2), or null when it is
 * one, intact or not (verify's findings, exit 1): empty, not JSON (a cut-off file), or
 * JSON that is not an object with a "snapshot" or "seal" object.
 */
function notASnapshot(text: string): string | null {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return 'empty file';
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return `not JSON, or cut off: ${(err as Error).message}`;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return `JSON ${doc === null ? 'null' : Array.isArray(doc) ? 'array' : typeof doc}, not a sealed document`;
  if (!('snapshot' in doc) && !('seal' in doc)) return 'a JSON object without "snapshot" or "seal"';
  // A snapshot with one section cut out is an altered snapshot (exit 1); one whose
  // sections are not objects at all ({"snapshot":1,"seal":1}) is not a snapshot.
  const section = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  const o = doc as Record<string, unknown>;
  if (!section(o.snapshot) && !section(o.seal)) return 'neither "snapshot" nor "seal" is a JSON object';
  return null;
}

async function verify(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine({ args, allowPositionals: true, options: { db: { type: 'string' }, format: { type: 'string', default: 'text' } } });
    if (positionals.length !== 1) throw new UsageError('verify needs one exported snapshot file');
    if (!['text', 'json'].includes(values.format)) throw new UsageError('--format must be text or json');
    const text = await readRegularText(positionals[0]!);
    const notSnapshot = notASnapshot(text);
    if (notSnapshot) throw new Error(`${positionals[0]!}: not an exported snapshot (${notSnapshot})`);
    const report = verifyText(text);
    const problems: Problem[] = [...report.problems];
    let notInDb = false;
    if (values.db !== undefined) {
      // Checking against a database that is not there is an error, not a finding.
      if (!existsSync(values.db)) throw new Error(`no database at ${values.db}`);
      appendAll(
        problems,
        await withEngine(values.db, async (e) => {
          // An intact file whose snapshot the database does not hold was not altered: it
          // comes from another database (or this one lost it). Said as such, not "ALTERED".
          notInDb = report.ok && report.id !== null && (await getRow(e.db, report.id).then(() => false, (err: unknown) => (err instanceof SnapshotNotFound ? true : Promise.reject(err))));
          return verifyAgainstDb(e.db, report);
        }),
      );
    }
    const ok = problems.length === 0;
    if (values.format === 'json') out(JSON.stringify({ ...report, ok, problems }, null, 2) + '\n');
    else if (notInDb)
      out(`NOT IN DATABASE: ${positionals[0]} verifies on its own (snapshot ${report.id}, seal ${report.sha256}), but the database ${values.db} has no snapshot ${report.id}: it comes from another database, or this one lost it\n`);
    else if (ok) out(`OK: snapshot ${report.id} taken ${report.takenAt}, ${count(report.hosts, 'host')}, ${count(report.services, 'service')}, seal ${report.sha256}${values.db !== undefined ? ', matches the database and its chain' : ''}\n`);
    else {
      out(`ALTERED: ${positionals[0]} (snapshot ${report.id ?? '?'}) — ${count(problems.length, 'problem')}:\n`);
      for (const p of problems) out(`  ${p.where}: ${p.what}\n`);
    }
    return ok ? 0 : 1;
  } catch (err) {
    return failed(err, 'verify');
  }
}

/**
 * diff and verify keep exit 1 for their answer (different, altered), so every failure is
 * 2; a wrong command line says so and prints the subcommand's usage, as main does.
 */
function failed(err: unknown, sub: string): number {
  const e = err as Error;
  const usage = e instanceof UsageError || e.name === 'ZodError';
  process.stderr.write(`portolan: ${usage ? 'usage' : 'error'}: ${oneLine(e.message)}\n`);
  if (usage) process.stderr.write(`Usage:\n${usageOf(sub)}\n`);
  return 2;
}

const SUB: Record<string, (args: string[]) => Promise<number>> = { save, list, show, export: exportCmd, diff, verify };

export async function cmdSnapshot(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const run = sub ? SUB[sub] : undefined;
  if (!run) throw new UsageError(`snapshot needs one of: ${Object.keys(SUB).join(', ')}`);
  return run(rest);
}
