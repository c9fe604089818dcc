/**
 * `npm start` (scripts/start.mjs) builds the scanner's native engine as `npm run build`
 * does, when a C compiler is on PATH: without it scans silently take the slower JS
 * engine. No compiler, or a failed native build, is one line and the start goes on.
 * The real native/build.mjs and addon, and stand-in build scripts written here.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/require';

interface Start {
  findCompiler(env?: NodeJS.ProcessEnv): string | null;
  buildNative(opts?: { env?: NodeJS.ProcessEnv; warn?: (line: string) => void; script?: string; addon?: string }): boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'portolan-start-'));
const ADDON = resolve(REPO_ROOT, 'native/scanner/build/Release/portolan_scan.node');
const linux = process.platform === 'linux';
let start: Start;

/** A build script that prints `stderr` and exits with `code`, touching `marker` when run. */
function script(name: string, stderr: string, code: number): { path: string; marker: string } {
  const path = join(dir, `${name}.mjs`);
  const marker = join(dir, `${name}.ran`);
  writeFileSync(path, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, '');\nprocess.stderr.write(${JSON.stringify(stderr)});\nprocess.exit(${code});\n`);
  return { path, marker };
}

beforeAll(async () => {
  // Imported, start.mjs only defines its steps; run as `npm start` it runs them. (A
  // start.mjs without them would build and serve on import: checked before importing.)
  const path = resolve(REPO_ROOT, 'scripts/start.mjs');
  expect(readFileSync(path, 'utf8')).toMatch(/^export function buildNative\(/m);
  start = (await import(pathToFileURL(path).href)) as Start;
});

describe.runIf(linux)('npm start builds the native scanner', () => {
  it('with a compiler on PATH it runs native/build.mjs, which leaves the addon built', () => {
    const warnings: string[] = [];
    if (!start.findCompiler(process.env)) {
      // No compiler here: the one-line notice instead (the addon may exist from before).
      start.buildNative({ warn: (l) => warnings.push(l), addon: join(dir, 'missing.node') });
      expect(warnings).toEqual([expect.stringMatching(/^portolan: warning: no C\/C\+\+ compiler .*JS engine$/)]);
      return;
    }
    expect(start.buildNative({ warn: (l) => warnings.push(l) })).toBe(true);
    expect(existsSync(ADDON)).toBe(true);
    expect(warnings).toEqual([]);
  }, 300_000);

  it('a failed native build is said in one line, and the start goes on', () => {
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, CXX: process.execPath }; // a "compiler" is found
    const addon = join(dir, 'never-built.node');
    const warnings: string[] = [];
    const failing = script('fails', 'gyp info it worked\nportolan: warning: building portolan_scan.node failed (make: g++: No such file); the scanner addon (JS connect scanner used instead)\n', 0);
    expect(start.buildNative({ env, warn: (l) => warnings.push(l), script: failing.path, addon })).toBe(false);
    expect(existsSync(failing.marker)).toBe(true);
    expect(warnings).toEqual(['portolan: warning: building portolan_scan.node failed (make: g++: No such file); the scanner addon (JS connect scanner used instead)']);
    // A build script that crashes: one line of its own, not the stack.
    warnings.length = 0;
    const crash = script('crashes', 'file:///x/build.mjs:3\n  throw new Error("boom")\n\nError: boom\n    at file:///x/build.mjs:3:9\n', 1);
    expect(start.buildNative({ env, warn: (l) => warnings.push(l), script: crash.path, addon })).toBe(false);
    expect(warnings).toEqual(['portolan: warning: building the native scanner failed (exit 1); scans use the slower JS engine']);
  });

  it('without a compiler it says so in one line and does not try', () => {
    const env = { ...process.env, PATH: dir, CC: '', CXX: '' };
    expect(start.findCompiler(env)).toBeNull();
    const never = script('never', '', 0);
    const warnings: string[] = [];
    expect(start.buildNative({ env, warn: (l) => warnings.push(l), script: never.path, addon: join(dir, 'absent.node') })).toBe(false);
    expect(existsSync(never.marker)).toBe(false);
    expect(warnings).toEqual(['portolan: warning: no C/C++ compiler on PATH (g++, cc): the native scanner is not built; scans use the slower JS engine']);
  });
});
