/**
 * Skip-or-fail for tests that need something from the machine: root, network
 * namespaces, Chromium, the shared captures beside the repo. On a developer's laptop a
 * missing prerequisite skips the test with a printed reason; in CI
 * (`PORTOLAN_REQUIRE_ALL=1`) it fails, so a broken runner never passes by skipping.
 *
 *   const ok = requireOrSkip(hasChromium(), `Chromium not found at ${CHROMIUM_PATH}`);
 *   describe.skipIf(!ok)('the UI', () => { … });
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root (this file is test/support/require.ts). */
export const REPO_ROOT = resolve(__dirname, '..', '..');
/** Shared, read-only material beside the repo: captures, expected answers, benches. */
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');
export const CAPTURES_DIR = resolve(SHARED_DIR, 'captures');
export const EXPECTED_DIR = resolve(CAPTURES_DIR, 'expected');
export const CHROMIUM_PATH = '/usr/bin/chromium';

export function requireAll(): boolean {
  return process.env.PORTOLAN_REQUIRE_ALL === '1';
}

/**
 * True when `condition` holds. Otherwise: throws when PORTOLAN_REQUIRE_ALL=1, else
 * prints why and returns false (pass the result to `describe.skipIf(!ok)` / `it.skipIf`).
 */
export function requireOrSkip(condition: boolean, reason: string): boolean {
  if (condition) return true;
  if (requireAll()) throw new Error(`required by PORTOLAN_REQUIRE_ALL=1: ${reason}`);
  console.warn(`[skip] ${reason}`);
  return false;
}

/** Checks several prerequisites at once; all reasons are printed, not just the first. */
export function requireAllOf(checks: Array<[condition: boolean, reason: string]>): boolean {
  const missing = checks.filter(([ok]) => !ok).map(([, reason]) => reason);
  return requireOrSkip(missing.length === 0, missing.join('; '));
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function hasChromium(path = CHROMIUM_PATH): boolean {
  return existsSync(path);
}

/** The shared captures and their expected answers, or one named capture within them. */
export function hasSharedCaptures(file?: string): boolean {
  if (!existsSync(CAPTURES_DIR) || !existsSync(EXPECTED_DIR)) return false;
  return file === undefined || existsSync(resolve(CAPTURES_DIR, file));
}

export function capturePath(file: string): string {
  return resolve(CAPTURES_DIR, file);
}

export function expectedPath(file: string, suffix = '.tsv'): string {
  return resolve(EXPECTED_DIR, `${file}${suffix}`);
}

let netnsProbe: boolean | undefined;
/**
 * Whether this process may create network namespaces: root, `ip` present, and a
 * throwaway `unshare --net` succeeds (containers often forbid it even for root).
 */
export function canUseNetns(): boolean {
  if (netnsProbe !== undefined) return netnsProbe;
  const ip = spawnSync('ip', ['-V'], { stdio: 'ignore' });
  const unshare = spawnSync('unshare', ['--net', 'true'], { stdio: 'ignore' });
  netnsProbe = isRoot() && ip.status === 0 && unshare.status === 0;
  return netnsProbe;
}
