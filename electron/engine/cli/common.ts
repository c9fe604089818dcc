/** Helpers every CLI command shares. */
import { resolve } from 'node:path';
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
