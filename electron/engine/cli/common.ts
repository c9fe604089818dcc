/** Helpers every CLI command shares. */
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { defaultDbPath } from '../store/paths';

/** A wrong command line: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function dbPath(v: string | undefined): string {
  if (v === undefined) return defaultDbPath();
  if (v.trim() === '') throw new UsageError('--db needs a path');
  return resolve(v);
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
export function outputTarget(out: string): string {
  let target: string;
  try {
    target = realpathSync(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot write ${quote(out)}: ${(err as Error).message}`);
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

/** A user-given name in an error message: JSON-quoted, so control characters show escaped. */
export function quote(s: string): string {
  return JSON.stringify(s);
}
