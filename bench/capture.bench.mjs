#!/usr/bin/env node
// `npm run bench -- capture`: live capture drops against tcpdump's at the same replay
// rate. gen_capture.py's synthetic capture is replayed with `tcpreplay --topspeed` onto a
// veth between two throwaway namespaces (pcap-bench-*, removed at the end even on
// failure); `portolan capture` and `tcpdump -w /dev/null` listen on the other end at the
// same time. Prints packets seen and dropped by each. Needs root, iproute2, tcpreplay,
// tcpdump, python3. BENCH_PACKETS (default 200000) sets the size.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { genCapture, ROOT as root, sh, waitText, WORK as work } from './lib/sys.mjs';

const packets = Number(process.env.BENCH_PACKETS ?? 200_000);
if (process.getuid?.() !== 0) {
  console.error('capture bench: needs root (namespaces, raw capture)');
  process.exit(1);
}
let pcap;
try {
  pcap = genCapture(packets);
} catch {
  process.exit(1);
}

const id = randomBytes(3).toString('hex');
const nsA = `pcap-bench-${id}-a`;
const nsB = `pcap-bench-${id}-b`;
const ifA = `pb${id}a`;
const ifB = `pb${id}b`;
const cleanup = () => {
  for (const ns of [nsA, nsB]) spawnSync('ip', ['netns', 'del', ns]);
};
process.on('exit', cleanup);

try {
  for (const ns of [nsA, nsB]) sh('ip', 'netns', 'add', ns);
  sh('ip', 'link', 'add', ifA, 'netns', nsA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB);
  sh('ip', '-n', nsA, 'link', 'set', ifA, 'up');
  sh('ip', '-n', nsB, 'link', 'set', ifB, 'up');

  const db = join(work, 'capture-bench.db');
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const ours = spawn('ip', ['netns', 'exec', nsB, process.execPath, join(root, 'bin', 'portolan.js'), 'capture', '-i', ifB, '--db', db, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let oursOut = '';
  ours.stdout.on('data', (d) => (oursOut += d));
  const tcpdump = spawn('ip', ['netns', 'exec', nsB, 'tcpdump', '-i', ifB, '-n', '-B', String(32 * 1024), '-s', '262144', '-w', '/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let tdErr = '';
  tcpdump.stderr.on('data', (d) => (tdErr += d));
  await Promise.all([waitText(ours, 'stderr', /capturing on/, 20_000), waitText(tcpdump, 'stderr', /listening on/, 20_000)]);

  const replay = spawnSync('ip', ['netns', 'exec', nsA, 'tcpreplay', '--topspeed', '-i', ifA, pcap], { encoding: 'utf8' });
  if (replay.status !== 0) throw new Error(`tcpreplay: ${replay.stderr}`);
  const rate = /Rated: ([\d.]+) Bps, ([\d.]+) Mbps, ([\d.]+) pps/.exec(replay.stdout);
  await new Promise((r) => setTimeout(r, 1500));
  const oursExit = new Promise((r) => ours.on('exit', r));
  const tdExit = new Promise((r) => tcpdump.on('exit', r));
  ours.kill('SIGINT');
  tcpdump.kill('SIGINT');
  await Promise.all([oursExit, tdExit]);
  const o = JSON.parse(oursOut);
  const num = (re) => Number(re.exec(tdErr)?.[1] ?? NaN);
  const td = { captured: num(/(\d+) packets captured/), dropped: num(/(\d+) packets dropped by kernel/) };
  console.log(`replayed ${packets} packets at ${rate ? `${Number(rate[3]).toFixed(0)} pps (${rate[2]} Mbps)` : 'top speed'} onto a veth`);
  console.log('| tool | packets captured | dropped by kernel | dropped by the tool |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| tcpdump -w /dev/null | ${td.captured} | ${td.dropped} | — |`);
  console.log(`| portolan capture | ${o.packets} | ${o.kernelDrops} | ${o.appDrops} |`);
  console.log(`portolan stored ${o.flows} flows, ${o.listeners} listening services; capture ${o.captureStatus}`);
} finally {
  cleanup();
}
