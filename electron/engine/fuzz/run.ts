/**
 * The decoder fuzzer: mutated captures through the whole offline path (file reader,
 * decoders, flow table, listener rule). Every input must end in a result or a clear
 * CaptureFormatError; anything else thrown is a crash, and an input that takes longer
 * than the bound is a hang. Findings are written out so they can become regression
 * fixtures.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CaptureFormatError, readCaptureFile } from '../decode/capfile';
import { decodeFrameAt, newPacket } from '../decode';
import { FlowTable } from '../flows/table';
import { mutate, Rng, type Mutation } from './mutate';

export interface FuzzOptions {
  count: number;
  seed: number;
  /** Seed files (captures). */
  seeds: string[];
  /** Where findings and the scratch file go. */
  outDir: string;
  /** Time bound per input, ms. */
  perInputMs?: number;
  onProgress?: (done: number, stats: FuzzStats) => void;
  /** Called before each input (the watchdog's heartbeat). */
  onInput?: (index: number) => void;
}

export interface Finding {
  kind: 'crash' | 'hang';
  index: number;
  seedFile: string;
  mutations: Mutation[];
  error: string;
  file: string;
}

export interface FuzzStats {
  inputs: number;
  ok: number;
  refused: number;
  crashes: number;
  hangs: number;
  maxMs: number;
  totalMs: number;
  findings: Finding[];
}

/** Runs one input through the whole offline path. Throws only on a real defect. */
export async function runInput(path: string): Promise<'ok' | 'refused'> {
  const table = new FlowTable({ onFlow: () => undefined });
  const p = newPacket();
  try {
    await readCaptureFile(path, {
      chunkSize: 4096,
      onFrame: (f) => {
        decodeFrameAt(f.linktype, f.buf, f.start, f.end, p);
        if (p.hasPorts && !p.laterFragment && (p.ipProto === 6 || p.ipProto === 17)) table.add(p, f.tsUs, f.origLen);
      },
    });
  } catch (err) {
    if (err instanceof CaptureFormatError) return 'refused';
    throw err;
  }
  table.end();
  return 'ok';
}

export function seedFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng|cap)$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export async function fuzz(opts: FuzzOptions): Promise<FuzzStats> {
  const bound = opts.perInputMs ?? 2000;
  mkdirSync(opts.outDir, { recursive: true });
  const seeds = opts.seeds.map((f) => ({ f, data: new Uint8Array(readFileSync(f)) }));
  if (!seeds.length) throw new Error('no seed captures');
  const rng = new Rng(opts.seed);
  const scratch = join(opts.outDir, `current-${process.pid}.bin`);
  const stats: FuzzStats = { inputs: 0, ok: 0, refused: 0, crashes: 0, hangs: 0, maxMs: 0, totalMs: 0, findings: [] };
  const keep = (kind: Finding['kind'], index: number, seedFile: string, mutations: Mutation[], data: Uint8Array, error: string): void => {
    const hash = createHash('sha256').update(data).digest('hex').slice(0, 16);
    const file = join(opts.outDir, `${kind}-${hash}.bin`);
    writeFileSync(file, data);
    stats.findings.push({ kind, index, seedFile, mutations, error, file });
  };
  for (let i = 0; i < opts.count; i++) {
    const s = rng.pick(seeds);
    const other = rng.pick(seeds).data;
    const { data, applied } = mutate(s.data, rng, other);
    writeFileSync(scratch, data);
    opts.onInput?.(i);
    const t0 = performance.now();
    try {
      const outcome = await runInput(scratch);
      if (outcome === 'ok') stats.ok++;
      else stats.refused++;
    } catch (err) {
      stats.crashes++;
      keep('crash', i, s.f, applied, data, (err as Error).stack ?? String(err));
    }
    const ms = performance.now() - t0;
    // A synchronous infinite loop never returns here; the CLI's watchdog catches that.
    // Anything slower than the bound is reported as a hang all the same.
    if (ms > bound) {
      stats.hangs++;
      keep('hang', i, s.f, applied, data, `took ${ms.toFixed(0)} ms (bound ${bound} ms)`);
    }
    stats.maxMs = Math.max(stats.maxMs, ms);
    stats.totalMs += ms;
    stats.inputs++;
    if (opts.onProgress && (i + 1) % 1000 === 0) opts.onProgress(i + 1, stats);
  }
  return stats;
}
