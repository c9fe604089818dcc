#!/usr/bin/env node
// `npm run bench -- ingest`: `portolan ingest` of gen_capture.py's synthetic capture into a
// fresh database, side by side with `argus -r` on the same file in the same run. Prints
// wall time, peak memory (max RSS) and the ratio, and checks the answer: every expected
// listener found with its expected evidence, nothing else with `handshake` evidence.
// Target (issue 3): ≤ 0.5× argus's wall time, ≤ argus's peak memory.
// BENCH_PACKETS (default 1000000) sets the size; the capture is cached in the temp folder.
// BENCH_RUNS=N runs both tools N times, interleaved, and keeps each one's fastest run
// (and the peak memory of that run); the machine's other work moves single runs a lot.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const gen = join(root, '..', 'shared', 'bench', 'gen_capture.py');
const packets = Number(process.env.BENCH_PACKETS ?? 1_000_000);
const work = join(tmpdir(), 'portolan-bench');
mkdirSync(work, { recursive: true });
const pcap = join(work, `gen-${packets}.pcap`);

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
for (const [ok, what] of [[existsSync(gen), `gen_capture.py at ${gen}`], [have('python3'), 'python3'], [have('argus'), 'argus (apt-get install argus-server)'], [existsSync('/usr/bin/time'), '/usr/bin/time (GNU time, for peak memory)']]) {
  if (!ok) {
    console.error(`ingest bench: missing ${what}`);
    process.exit(1);
  }
}
if (!existsSync(pcap) || !existsSync(`${pcap}.expected.tsv`)) {
  const g = spawnSync('python3', [gen, String(packets), pcap], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (g.status !== 0) process.exit(1);
}

/** Runs a command under GNU time; returns wall seconds and peak RSS in MiB. */
function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 26 });
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const [wall, kb] = last.split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return { wall, peakMiB: kb / 1024, stdout: r.stdout };
}

const db = join(work, 'bench.db');
for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
const argusOut = join(work, 'bench.argus');
rmSync(argusOut, { force: true });

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
let argus = null;
let ours = null;
for (let i = 0; i < RUNS; i++) {
  rmSync(argusOut, { force: true });
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const a = timed('argus', ['-r', pcap, '-w', argusOut]);
  const o = timed(process.execPath, [join(root, 'bin', 'portolan.js'), 'ingest', '--db', db, pcap]);
  if (!argus || a.wall < argus.wall) argus = a;
  if (!ours || o.wall < ours.wall) ours = o;
}

// The answer.
const expected = readFileSync(`${pcap}.expected.tsv`, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const tsv = spawnSync(process.execPath, [join(root, 'bin', 'portolan.js'), 'services', '--db', db, '--format', 'tsv'], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
const [head, ...lines] = tsv.trim().split('\n');
const cols = head.split('\t');
const got = new Map(lines.map((l) => l.split('\t')).map((c) => [`${c[cols.indexOf('host')]}\t${c[cols.indexOf('port')]}\t${c[cols.indexOf('proto')]}`, c[cols.indexOf('evidence')]]));
const missing = expected.filter(([h, p, pr, ev]) => got.get(`${h}\t${p}\t${pr}`) !== ev);
const expectedKeys = new Set(expected.map(([h, p, pr]) => `${h}\t${p}\t${pr}`));
const extra = [...got].filter(([k, ev]) => ev === 'handshake' && !expectedKeys.has(k));

const ratio = ours.wall / argus.wall;
const memRatio = ours.peakMiB / argus.peakMiB;
console.log(`capture: ${pcap} (${packets} packets requested); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; best of ${RUNS}`);
console.log('| tool | wall s | peak MiB |');
console.log('| --- | ---: | ---: |');
console.log(`| argus -r | ${argus.wall.toFixed(2)} | ${argus.peakMiB.toFixed(0)} |`);
console.log(`| portolan ingest | ${ours.wall.toFixed(2)} | ${ours.peakMiB.toFixed(0)} |`);
console.log(`wall-time ratio portolan/argus: ${ratio.toFixed(2)}× (target ≤ 0.5×); peak memory ratio: ${memRatio.toFixed(2)}× (target ≤ 1×)`);
console.log(`listeners: ${expected.length} expected, ${expected.length - missing.length} found with the expected evidence, ${extra.length} unexpected handshake claims`);
if (missing.length || extra.length) {
  for (const m of missing.slice(0, 10)) console.log(`  missing or wrong evidence: ${m.join(' ')} (got ${got.get(m.slice(0, 3).join('\t')) ?? 'nothing'})`);
  for (const [k] of extra.slice(0, 10)) console.log(`  unexpected handshake: ${k.replace(/\t/g, ' ')}`);
  process.exit(1);
}
