/** Helpers every CLI command shares. */
import { constants, existsSync, lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Engine } from '../engine';
import { canWrite, fileProblem } from '../files';
import { defaultDbPath } from '../store/paths';

/**
 * Appends `items` to `to` in place. A loop, not `to.push(...items)`: spreading a list of
 * 100,000+ rows or ids into one call's arguments overflows the stack.
 */
export function appendAll<T>(to: T[], items: readonly T[]): void {
  for (const item of items) to.push(item);
}

/** A count with its noun, singular for one: "1 service", "3 services", "0 services". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A wrong command line: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function dbPath(v: string | undefined): string {
  if (v === undefined) {
    // Set but empty (an unset variable in a script, `PORTOLAN_DB=$DB` with DB missing) is a
    // mistake, not a request for the default database: say so, as `--db ''` does.
    if (process.env.PORTOLAN_DB !== undefined && process.env.PORTOLAN_DB.trim() === '') throw new UsageError('PORTOLAN_DB is set but empty: give it a path, or unset it for the default database');
    return defaultDbPath();
  }
  if (v.trim() === '') throw new UsageError('--db needs a path');
  return resolve(v);
}

/**
 * Opens the engine for a command. `read`: a command that only reads (services, flows,
 * captures, scans, snapshot list/show/export/diff/verify, review --history, rules list,
 * tags list). Such a
 * command opens an existing database that cannot be written (read-only file, folder or
 * mount, immutable file) read-only instead of failing, and shows it as stored: no
 * schema upgrade, no job recovery, no gone sweep. A database it can write is opened as
 * every command opens it, so the gone sweep keeps statuses current.
 */
export async function openEngine(db: string | undefined, mode: 'read' | 'write' = 'write'): Promise<Engine> {
  const given = db ?? process.env.PORTOLAN_DB;
  const path = dbPath(db);
  // A listing of a database named on the command line that does not exist is a mistyped
  // path far more often than an empty inventory: say so instead of creating an empty one.
  // (The default database is created by any first command, so a fresh install lists nothing.)
  if (mode === 'read' && given !== undefined && given.trim() !== '' && isFolder(dirname(path)) && !existsSync(path) && !isLink(path)) {
    throw new Error(`no database at ${path}: check the path (a database is created by the first command that stores something: ingest, capture, scan, import)`);
  }
  // An empty file is not an inventory either (a `touch`ed or truncated path, a shell
  // redirect gone wrong): SQLite would make it a database, and a listing would print
  // "no services" about a file it has just changed.
  if (mode === 'read' && given !== undefined && given.trim() !== '' && isEmptyFile(path)) {
    throw new Error(`${path} is an empty file, not a Portolan database: check the path (a database is created by the first command that stores something: ingest, capture, scan, import)`);
  }
  const readOnly = mode === 'read' && isFile(path) && !(canWrite(path) && canWrite(dirname(path)));
  return Engine.open({ dbPath: path, readOnly });
}

/** True for a symbolic link, even a broken or looping one (the database's open names what is wrong with it). */
function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** True for an existing folder (a missing or mistaken one is named by the database's own open). */
function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

/**
 * True for an existing regular file of 0 bytes (a link is followed) with no write-ahead
 * log holding pages beside it (a database being created by another process right now).
 */
function isEmptyFile(path: string): boolean {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isFile() !== true || st.size !== 0) return false;
    return !((statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0);
  } catch {
    return false;
  }
}

/** True for an existing regular file; false for anything else, or a path that cannot be (a file used as a folder). */
function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false; // ENOTDIR, ELOOP, EACCES: opening it says why, in words
  }
}

/** What a file system entry is, in words, for "… is not a regular file" messages. */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Where `--out PATH` may be written: a new path in an existing folder, or an existing
 * regular file. A symbolic link is followed and its target must be one of those (the
 * link stays, the file it names is replaced). A device, FIFO, socket or folder is
 * refused (exit 1): the export is written to a temp file and renamed over the target,
 * which would replace the device or pipe with a plain file. Returns the path to rename
 * onto (the link's target when PATH is a link).
 */
export function outputTarget(out: string, database?: string): string {
  const target = writableTarget(out);
  if (database !== undefined) refuseDatabase(out, target, database);
  return target;
}

function writableTarget(out: string): string {
  let target: string;
  try {
    target = realpathSync(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot write ${quote(out)}: ${fileProblem(err)}`);
    // A new file (or a link to one not yet there): its folder must exist.
    const link = lstatSync(out, { throwIfNoEntry: false });
    if (link?.isSymbolicLink()) throw new Error(`cannot write ${quote(out)}: it is a symbolic link to ${quote(readlinkSync(out))}, which does not exist`);
    const dir = dirname(resolve(out));
    const d = statSync(dir, { throwIfNoEntry: false });
    if (!d?.isDirectory()) throw new Error(`cannot write ${quote(out)}: the folder ${quote(dir)} does not exist`);
    return join(realpathSync(dir), basename(resolve(out)));
  }
  const st = statSync(target);
  if (!st.isFile()) throw new Error(`cannot write ${quote(out)}: it is ${kindOf(st)}, not a regular file (give a new path or an existing file)`);
  return target;
}

/** A path with its folders' links resolved, whether or not the file itself exists. */
function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(p))), basename(resolve(p)));
    } catch {
      return resolve(p);
    }
  }
}

/**
 * Refuses (exit 1) an output that is the open database or one of its companion files,
 * by path (links resolved) and by device + inode (a hard link has another path).
 */
function refuseDatabase(out: string, target: string, database: string): void {
  const t = statSync(target, { throwIfNoEntry: false });
  const names: Array<[suffix: string, what: string]> = [
    ['', 'the database itself'],
    ['-wal', "the database's write-ahead log"],
    ['-shm', "the database's shared-memory index"],
    ['-journal', "the database's rollback journal"],
  ];
  for (const [suffix, what] of names) {
    const file = database + suffix;
    const st = statSync(file, { throwIfNoEntry: false });
    const same = canonical(file) === target || (t && st && t.dev === st.dev && t.ino === st.ino);
    if (same) throw new Error(`cannot write ${quote(out)}: it is ${what} (${quote(file)}); choose another path`);
  }
}

/**
 * Reads a text file named on the command line, refusing anything but a regular file as
 * ingest does: a FIFO with no writer would block the read for ever, a device never ends.
 * Opened non-blocking and checked on the open handle, so nothing can be swapped in
 * between the check and the read.
 */
export async function readRegularText(path: string): Promise<string> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${path}: ${fileProblem(e)}`);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new Error(`${path}: is a folder, not a file`);
    if (!st.isFile()) throw new Error(`${path}: not a regular file (${kindOf(st)}); save it to a file first`);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** A user-given name in an error message: JSON-quoted, so control characters show escaped. */
export function quote(s: string): string {
  return JSON.stringify(s);
}

/** Contract field → the flag a user typed for it, where the names differ. */
const FLAG_OF: Record<string, string> = {
  durationS: 'duration',
  expiresAt: 'expires',
  subnet: 'host/--subnet',
  name: 'save-profile',
  ids: 'HOST:PORT/PROTO',
};

interface IssueLike {
  code?: string;
  message: string;
  path: PropertyKey[];
  pattern?: unknown;
}

/**
 * A value the contract's schemas refuse, as one line that names the flag and the rule
 * ("--interface: not an interface name (must match /^[\w.:@+-]+$/)"). A ZodError's own
 * message is its issues as multi-line JSON, useless cut to a line.
 */
export function invalidMessage(err: { issues: IssueLike[] }): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid value';
  const key = [...issue.path].reverse().find((p): p is string => typeof p === 'string');
  const flag = key === undefined ? 'a value' : key.startsWith('HOST') ? key : `--${FLAG_OF[key] ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const pattern = issue.code === 'invalid_format' && (typeof issue.pattern === 'string' || issue.pattern instanceof RegExp) ? String(issue.pattern) : '';
  const rule = pattern && !issue.message.includes(pattern) ? ` (must match ${pattern})` : '';
  return `${flag}: ${issue.message}${rule}`.replace(/[\r\n]+/g, ' ');
}

/**
 * An error message as one line: control characters (a file name may hold a newline or
 * an escape sequence) are written JSON-style (\\n, \\u001b), never raw to the terminal.
 */
export function oneLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/**
 * `parseArgs` (node:util) for a command's arguments, with two differences:
 * - a string option's value may start with a dash when given as `--name VALUE` or
 *   `-n VALUE` (`--ports -1024`, `--duration -1`, `--db -`): parseArgs refuses such a
 *   value as "ambiguous"; here it is the value (as `--name=VALUE`) unless it is itself one
 *   of the command's options (`--reason --db` says --reason needs a value). A lone `-`
 *   or a negative number elsewhere is a positional (`rules gone-after -3`), so the
 *   command's own check says what it takes;
 * - a refused command line is a UsageError (exit 2) in one line, not parseArgs's
 *   several lines.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const options = config.options ?? {};
  const given = config.args ?? process.argv.slice(2);
  const known = (name: string): boolean => Object.hasOwn(options, name);
  const byShort = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) if (o.short) byShort.set(o.short, name);
  /** A token that is one of the command's options (or the `--` that ends them). */
  const isOption = (t: string): boolean => {
    if (t === '--') return true;
    if (t.startsWith('--')) return known(t.slice(2).split('=')[0]!);
    return t.length > 1 && t.startsWith('-') && byShort.has(t[1]!);
  };
  const opts: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < given.length; i++) {
    const t = given[i]!;
    if (t === '--') {
      appendAll(positionals, given.slice(i + 1));
      break;
    }
    const name = /^--[^=]+$/.test(t) && known(t.slice(2)) ? t.slice(2) : /^-[^-]$/.test(t) ? byShort.get(t[1]!) : undefined;
    if (name !== undefined && options[name]!.type === 'string') {
      const v = given[i + 1];
      const flag = `--${name}`;
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      if (isOption(v)) throw new UsageError(`${flag} needs a value, got the option ${quote(v)} (for a value that starts with '-', write ${flag}=${v})`);
      opts.push(`${flag}=${v}`);
      i++;
    } else if (t.startsWith('-') && t !== '-' && !/^-\d/.test(t)) {
      opts.push(t); // an option, or a flag parseArgs refuses by name
    } else {
      positionals.push(t);
    }
  }
  try {
    // The same config with the arguments rewritten: the result has the config's own type.
    const parsed = parseArgs({ ...config, args: positionals.length ? [...opts, '--', ...positionals] : opts, tokens: true });
    refuseRepeated(parsed.tokens ?? [], options);
    if (!config.tokens) delete (parsed as { tokens?: unknown }).tokens;
    return parsed as unknown as ReturnType<typeof parseArgs<T>>;
  } catch (err) {
    const e = err as Error & { code?: unknown };
    if (typeof e.code !== 'string' || !e.code.startsWith('ERR_PARSE_ARGS')) throw err;
    throw new UsageError(parseArgsMessage(e.message));
  }
}

/**
 * A single-valued option given twice with different values (`--db a.db --db b.db`) is
 * refused: parseArgs keeps the last one silently, and a script that appends a flag to a
 * line that already has it would run against something other than it meant. The same
 * value twice, and options that take a list (`multiple`), are fine.
 */
function refuseRepeated(tokens: ReadonlyArray<{ kind: string; name?: string; value?: string | undefined; rawName?: string }>, options: NonNullable<ParseArgsConfig['options']>): void {
  const seen = new Map<string, string | undefined>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined || !Object.hasOwn(options, t.name) || options[t.name]!.multiple) continue;
    if (seen.has(t.name)) {
      const before = seen.get(t.name);
      if (before !== t.value) {
        const shown = (v: string | undefined): string => (v === undefined ? 'without a value' : quote(v));
        throw new UsageError(`--${t.name} is given twice (${shown(before)} and ${shown(t.value)}); give it once`);
      }
    }
    seen.set(t.name, t.value);
  }
}

/** parseArgs's message as one line, its quotes balanced (it ends "as in '-- \"-x\"" without the closing quote). */
function parseArgsMessage(message: string): string {
  const line = message
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
  return line.replace(/as in '-- ("[^"]*")$/, "as in '-- $1'");
}
