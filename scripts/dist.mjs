#!/usr/bin/env node
// `npm run dist` (and dist:linux / dist:mac / dist:win): the installers, into dist/.
// Builds the app (`npm run build`: the scanner addon, then electron-vite), then runs
// electron-builder with electron-builder.yml; extra arguments go to electron-builder
// (e.g. `npm run dist -- --linux deb`). docs/packaging.md has the details.
//
// electron-builder 26 rebuilds native modules with @electron/rebuild, which declares
// Node >= 22.12; on an older Node it fails deep in the rebuild, so this says so first.
// `npm start` and `npm run build` keep working on Node 20.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
export const MIN_NODE = [22, 12];

export function nodeOk(version = process.versions.node) {
  const [major, minor] = version.split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error) console.error(`portolan: dist: ${r.error.message}`);
  return r.status ?? 1;
}

function main() {
  if (!nodeOk()) {
    console.error(`portolan: dist needs Node ${MIN_NODE.join('.')} or later (electron-builder's native rebuild); this is ${process.versions.node}. npm start and npm run build work on Node 20.`);
    return 1;
  }
  const args = process.argv.slice(2);
  const linux = args.includes('--linux') || (process.platform === 'linux' && !args.some((a) => a === '--mac' || a === '--win'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (linux && !pkg.homepage && !pkg.repository) {
    // electron-builder stops the .deb without it, after the AppImage has been built.
    console.error('portolan: dist: the .deb needs the project\'s homepage: set "homepage" in package.json first (docs/packaging.md)');
    return 1;
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = run(npm, ['run', 'build']);
  if (built !== 0) return built;
  const cli = require.resolve('electron-builder/cli.js');
  return run(process.execPath, [cli, '--config', 'electron-builder.yml', '--publish', 'never', ...args]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main());
