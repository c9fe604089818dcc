/**
 * `npm run fuzz -- [--count N] [--seed S] [--seeds DIR] [--out DIR] [--bound MS]`:
 * the decoder fuzzer as a benchmark-style command. A watchdog thread ends the run with
 * the offending input saved if one input blocks the event loop past the bound (a hang
 * that never returns).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { fuzz, seedFiles } from './run';

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const beat = new Int32Array(workerData.sab);
let last = Atomics.load(beat, 0), since = Date.now();
setInterval(() => {
  const now = Atomics.load(beat, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (Date.now() - since > workerData.limit) {
    require('node:fs').writeSync(2, 'HANG: input ' + (now - 1) + ' blocked for over ' + workerData.limit + ' ms; it is in ' + workerData.scratch + '\\n');
    process.exit(3);
  }
}, 200);
`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      seeds: { type: 'string' },
      out: { type: 'string', default: 'test-output/fuzz' },
      bound: { type: 'string', default: '2000' },
    },
  });
  const count = Number(values.count);
  const seed = Number(values.seed);
  const bound = Number(values.bound);
  if (![count, seed, bound].every(Number.isFinite)) {
    process.stderr.write('fuzz: --count, --seed and --bound take numbers\n');
    return 2;
  }
  const seedDir = resolve(values.seeds ?? join(process.cwd(), '..', 'shared', 'captures'));
  if (!existsSync(seedDir)) {
    process.stderr.write(`fuzz: no seed folder ${seedDir} (give --seeds DIR with pcap/pcapng files)\n`);
    return 2;
  }
  const outDir = resolve(values.out);
  const sab = new SharedArrayBuffer(4);
  const beat = new Int32Array(sab);
  const dog = new Worker(WATCHDOG, { eval: true, workerData: { sab, limit: Math.max(bound * 5, 10_000), scratch: join(outDir, `current-${process.pid}.bin`) } });
  dog.unref();
  const t0 = Date.now();
  const stats = await fuzz({
    count,
    seed,
    seeds: seedFiles(seedDir),
    outDir,
    perInputMs: bound,
    // The heartbeat moves with every input: only one input that blocks trips the watchdog.
    onInput: (i) => Atomics.store(beat, 0, i + 1),
    // On a terminal one line that counts up; in a log, a line every tenth of the run.
    onProgress: (done, s) => {
      const line = `${done}/${count} inputs, ${s.crashes} crashes, ${s.hangs} hangs`;
      if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
      else if (done % Math.max(1000, Math.ceil(count / 10)) === 0 || done === count) process.stderr.write(`${line}\n`);
    },
  });
  await dog.terminate();
  const secs = (Date.now() - t0) / 1000;
  if (process.stderr.isTTY) process.stderr.write('\n');
  const summary = { inputs: stats.inputs, ok: stats.ok, refusedClearly: stats.refused, crashes: stats.crashes, hangs: stats.hangs, maxMsPerInput: Math.round(stats.maxMs), inputsPerSecond: Math.round(stats.inputs / secs), seed, findings: stats.findings };
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2));
  process.stdout.write(`fuzz: ${stats.inputs} inputs (seed ${seed}) in ${secs.toFixed(1)} s: ${stats.ok} read, ${stats.refused} refused with a clear error, ${stats.crashes} crashes, ${stats.hangs} hangs; slowest input ${stats.maxMs.toFixed(0)} ms\n`);
  for (const f of stats.findings) process.stdout.write(`  ${f.kind} #${f.index} from ${f.seedFile} [${f.mutations.join(',')}]: ${f.file}\n  ${f.error.split('\n')[0]}\n`);
  return stats.crashes || stats.hangs ? 1 : 0;
}
