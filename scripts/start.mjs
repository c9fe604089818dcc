#!/usr/bin/env node
// `npm start`: build, then open the desktop window. Where Electron cannot run (no
// Electron binary could be installed, or no display, as on a headless sensor), say so in
// one line and serve the same UI with `portolan serve` instead, so the main job still runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  return r.status === 0;
}

if (!run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { stdio: ['ignore', 'ignore', 'inherit'] })) {
  console.error('portolan: the build failed (see above)');
  process.exit(1);
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
