#!/usr/bin/env node
// `npm start`: build (the scanner's native engine too, as `npm run build` does), then
// open the desktop window. Where Electron cannot run (no Electron binary could be
// installed, or no display, as on a headless sensor), say so in one line and serve the
// same UI with `portolan serve` instead, so the main job still runs.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  return r.status === 0;
}

/** The first C/C++ compiler on PATH ($CXX, $CC, else c++, g++, clang++, cc, gcc), or null. */
export function findCompiler(env = process.env) {
  const names = [env.CXX, env.CC, 'c++', 'g++', 'clang++', 'cc', 'gcc'].filter(Boolean);
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = name.includes('/') ? name : join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/**
 * The scanner's native engine (native/build.mjs: skips when it is up to date, warns in
 * one line when the compile fails). Without it scans silently take the slower JS engine,
 * so a missing compiler or a failed build is said in one line; neither stops the start.
 * Returns true when the native engine is built. (`script` and `addon` are the real
 * ones unless a test names others.)
 */
export function buildNative({
  env = process.env,
  warn = (line) => console.warn(line),
  script = join(root, 'native', 'build.mjs'),
  addon = join(root, 'native', 'scanner', 'build', 'Release', 'portolan_scan.node'),
} = {}) {
  if (process.platform !== 'linux') return false; // epoll: Linux only (npm run build says so)
  if (!findCompiler(env)) {
    if (!existsSync(addon)) warn('portolan: warning: no C/C++ compiler on PATH (g++, cc): the native scanner is not built; scans use the slower JS engine');
    return existsSync(addon);
  }
  // build.mjs names its own failure in one "portolan: warning:" line and exits 0 either
  // way: the addon decides. Anything else it prints (a crash's stack) is not repeated.
  const r = spawnSync(process.execPath, [script], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const said = (r.stderr ?? '').split('\n').find((l) => l.startsWith('portolan: warning:'));
  if (r.status !== 0 || !existsSync(addon)) {
    warn(said ?? `portolan: warning: building the native scanner failed (${r.error?.message ?? `exit ${r.status}`}); scans use the slower JS engine`);
    return false;
  }
  if (said) warn(said);
  return true;
}

function main() {
  buildNative();
  if (!run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { stdio: ['ignore', 'ignore', 'inherit'] })) {
    console.error('portolan: the build failed (see above)');
    process.exit(1);
  }
  const found = whyNoElectron();
  let child;
  if (found.bin) {
    child = spawn(found.bin, [root, ...args], { cwd: root, stdio: 'inherit' });
  } else {
    console.log(`Electron cannot run here: ${found.reason}; serving the same UI in your browser instead.`);
    child = spawn(process.execPath, [join(root, 'bin', 'portolan.js'), 'serve', ...args], { cwd: root, stdio: 'inherit' });
  }
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

function electronBinary() {
  const dir = dirname(require.resolve('electron/package.json'));
  const pathTxt = join(dir, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const bin = join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

function whyNoElectron() {
  let bin = electronBinary();
  if (!bin && !process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    // First run: fetch Electron's binary the way its own installer does (it needs the internet).
    const installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
    spawnSync(process.execPath, [installer], { cwd: root, stdio: 'ignore', timeout: 180_000 });
    bin = electronBinary();
  }
  if (!bin) return { reason: 'the Electron binary is not installed (it could not be downloaded here)' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { reason: 'there is no display (DISPLAY / WAYLAND_DISPLAY unset)' };
  return { bin };
}

// Run as `npm start` (node scripts/start.mjs); imported (by its test), it only defines.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
