#!/usr/bin/env node
// `npm run build:native` (also run by `npm run build`): compiles the addons in native/
// with node-gyp, against the Node headers of the Node that runs this (Node-API only, so
// the same build loads in Electron). A failed or impossible build never fails the
// install or the build: it prints one warning line and the engine uses its JS path.
// Skips the compile when the built addon is newer than its sources.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ADDONS = [{ dir: join(here, 'scanner'), output: 'portolan_scan.node', what: 'the scanner addon (JS connect scanner used instead)' }];
const force = process.argv.includes('--force');

function warn(msg) {
  console.warn(`portolan: warning: ${msg}`);
}

/** npm's own node-gyp (nothing to download), else one on PATH through npx. */
function nodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push('/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js', '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  const found = candidates.find((c) => existsSync(c));
  return found ? [process.execPath, found] : ['npx', '--no-install', 'node-gyp'];
}

/** The installed Node headers, so node-gyp needs no download (nodedir=/usr on Debian's nodejs). */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function newestSource(dir) {
  let newest = statSync(join(dir, 'binding.gyp')).mtimeMs;
  for (const f of readdirSync(join(dir, 'src'))) newest = Math.max(newest, statSync(join(dir, 'src', f)).mtimeMs);
  return newest;
}

let failed = 0;
for (const a of ADDONS) {
  const out = join(a.dir, 'build', 'Release', a.output);
  if (process.platform !== 'linux') {
    warn(`${a.output} is built on Linux only; ${a.what}`);
    continue;
  }
  if (!force && existsSync(out) && statSync(out).mtimeMs >= newestSource(a.dir)) continue;
  const [cmd, ...pre] = nodeGyp();
  const args = [...pre, existsSync(join(a.dir, 'build', 'Makefile')) && !force ? 'build' : 'rebuild', ...nodedirArgs()];
  const r = spawnSync(cmd, args, { cwd: a.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0 || !existsSync(out)) {
    failed++;
    const why = (r.error?.message ?? r.stderr ?? '').split('\n').filter((l) => /error|not found|ERR!/i.test(l))[0] ?? `exit ${r.status}`;
    warn(`building ${a.output} failed (${why.trim().slice(0, 160)}); ${a.what}`);
  }
}
// Never fail: the JS path is the fallback. PORTOLAN_REQUIRE_ALL=1 (CI) makes the tests insist instead.
process.exit(failed && process.env.PORTOLAN_NATIVE_STRICT === '1' ? 1 : 0);
