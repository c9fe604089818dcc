import { accessSync, constants } from 'node:fs';

/**
 * Why a file named by the user cannot be read, in words: the same wording for captures,
 * reports and snapshot files, never Node's "ELOOP: too many symbolic links encountered,
 * stat '…'" (which also repeats the path).
 */
export function fileProblem(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      // A name with bytes that are not UTF-8 reaches Node with each such byte replaced
      // (U+FFFD), so the file it names is never found: say that, not just "no such file".
      return typeof e.path === 'string' && e.path.includes('\uFFFD') ? NOT_UTF8 : 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'a loop of symbolic links';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'is a folder';
    default:
      return e.code ? `${e.code}` : String(e.message);
  }
}

const NOT_UTF8 = "no such file: its name holds bytes that are not UTF-8, which Node replaces (with U+FFFD, shown as '\uFFFD') before the file can be opened; rename the file, or reach it through a link with a UTF-8 name";

/** True when this process may write `path` (false on a read-only file, folder or mount: EACCES, EROFS). */
export function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
