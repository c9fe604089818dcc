/**
 * How many sockets this process may hold at once. Each probe is one file descriptor, so
 * the scanner's ceiling is the soft RLIMIT_NOFILE less what is already open (the
 * database, stdio, Electron's own) less a reserve. Node has no getrlimit, so on Linux it
 * is read from /proc/self/limits; elsewhere a cautious default is used and EMFILE
 * back-off (see scanner.ts) finds the real limit.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Descriptors kept free for everything that is not a probe (SQLite, logs, IPC, DNS). */
export const FD_RESERVE = 48;
const UNKNOWN_LIMIT = 1024;

/** The soft limit on open files, or null when it cannot be read. */
export function softFdLimit(): number | null {
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+|unlimited)\s+/m.exec(text);
    if (!m) return null;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return null;
  }
}

/** Descriptors open right now, or null when it cannot be counted. */
export function openFdCount(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

/** The most probes that can be in flight without running out of descriptors. */
export function fdCeiling(): number {
  const limit = softFdLimit() ?? UNKNOWN_LIMIT;
  const open = openFdCount() ?? 32;
  return Math.max(1, limit - open - FD_RESERVE);
}
