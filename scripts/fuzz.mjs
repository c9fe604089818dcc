#!/usr/bin/env node
// `npm run fuzz -- [--count 100000] [--seed 1] [--seeds DIR] [--out DIR] [--bound MS]`:
// builds, then feeds mutated captures (seeded from ../shared/captures by default) through
// the decoder, flow table and listener rule. Exit 0 only with 0 crashes and 0 hangs.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(1);
const require = createRequire(import.meta.url);
const code = await require(join(root, 'out/main/fuzz.js')).main(process.argv.slice(2));
process.exit(code);
