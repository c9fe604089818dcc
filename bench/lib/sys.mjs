// Small helpers the benchmarks share: running commands, waiting for a line, the
// synthetic capture, and reading a process's memory from /proc. Plain Node, no deps.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'portolan.js');
/** Where generated inputs are cached between runs (they are deterministic). */
export const WORK = join(tmpdir(), 'portolan-bench');

/** Runs a command to completion; throws with its stderr when it fails. Returns stdout. */
export function sh(...cmd) {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Resolves with the text read so far once `re` matches a child's `stream`; rejects after `ms`. */
export function waitText(child, stream, re, ms) {
  return new Promise((res, rej) => {
    let text = '';
    const t = setTimeout(() => rej(new Error(`timeout waiting for ${re}: ${text}`)), ms);
    const onData = (d) => {
      text += d;
      if (re.test(text)) {
        clearTimeout(t);
        child[stream].off('data', onData);
        res(text);
      }
    };
    child[stream].on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      rej(new Error(`exited (${signal ?? code}) before ${re}: ${text}`));
    });
  });
}

/**
 * gen_capture.py's synthetic capture of `packets` packets (documentation addresses only),
 * generated once into WORK and reused; its `.expected.tsv` lies beside it.
 */
export function genCapture(packets) {
  mkdirSync(WORK, { recursive: true });
  const pcap = join(WORK, `gen-${packets}.pcap`);
  if (!existsSync(pcap)) {
    const gen = join(ROOT, '..', 'shared', 'bench', 'gen_capture.py');
    const g = spawnSync('python3', [gen, String(packets), pcap], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (g.status !== 0) throw new Error(`gen_capture.py ${packets} failed`);
  }
  return pcap;
}

/** Resident and peak memory of a process in bytes (from /proc), or null once it is gone. */
export function procMemory(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return null;
  }
}

/** The direct children of a process (every thread's list), from /proc. */
export function childPids(pid) {
  const out = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    /* gone */
  }
  return out;
}

/** The command line of a process, or '' once it is gone. */
export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}
