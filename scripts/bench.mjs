#!/usr/bin/env node
// `npm run bench [-- NAME... [--flag value...]]`: runs the benchmarks in bench/ (each
// `NAME.bench.mjs`), side by side with the peer tools where one exists, printing ratios.
// Flags after the names go to each named benchmark. Benchmarks are never part of
// `npm test`: timing belongs here, correctness in the tests. Those in OPT_IN (long runs
// with a pass/fail verdict, such as the 60 s load test) run only when named.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const all = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.mjs')).map((f) => f.replace(/\.bench\.mjs$/, '')).sort();
const OPT_IN = ['load'];
const firstFlag = process.argv.slice(2).findIndex((a) => a.startsWith('-'));
const names = firstFlag < 0 ? process.argv.slice(2) : process.argv.slice(2, 2 + firstFlag);
const flags = firstFlag < 0 ? [] : process.argv.slice(2 + firstFlag);
const wanted = names.length ? names : all.filter((n) => !OPT_IN.includes(n));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ') || 'none'}`);
  process.exit(2);
}
const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(1);
let failed = 0;
for (const name of wanted) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, [join(root, 'bench', `${name}.bench.mjs`), ...flags], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
