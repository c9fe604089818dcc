#!/usr/bin/env node
// `npm run bench -- scan`: Portolan's connect scanner side by side with `nmap -sT`, same
// targets and ports, printing wall time, the ratio (Portolan / nmap: below 1.0 is faster),
// peak memory (VmHWM, polled), and whether the open / closed / filtered sets agree. Each
// sweep runs with nmap and both engines (PORTOLAN_SCAN_ENGINE=native, the addon in
// native/scanner, and =js, net.Socket), interleaved; the load average is printed with the figures,
// since the machine's other work moves them. BENCH_RUNS=N runs N rounds and keeps
// each one's best; BENCH_SCAN=loopback|namespace runs one sweep only.
//   1. loopback: 1-65535 on 127.0.0.1 (nmap -sT -T4 -p- -n 127.0.0.1)
//   2. namespace /24 (root only): 198.51.100.1-254 in a throwaway `pscan-bench-*`
//      namespace, listeners on 22/80/443, nftables dropping 25/3389/8080, the first
//      1000 ports of Portolan's ranked list (given to nmap too, so both probe the same).
// Traffic goes only to 127.0.0.1 and to addresses inside namespaces this script makes.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin/portolan.js');
const work = mkdtempSync(join(tmpdir(), 'portolan-bench-'));

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs a command, polling its peak resident memory; resolves {ms, stdout, peakKiB}.
 * Its standard output goes to a file, read once it has exited: both tools write their
 * report to a file, so neither waits on a pipe this process drains while it polls.
 */
let outputs = 0;
function measure(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const outPath = join(work, `stdout-${outputs++}.txt`);
    const out = openSync(outPath, 'w');
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', out, 'pipe'], env: { ...process.env, ...env } });
    closeSync(out);
    let stderr = '';
    let peak = 0;
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 20);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      clearInterval(poll);
      const stdout = readFileSync(outPath, 'utf8');
      rmSync(outPath, { force: true });
      resolve({ code, ms, stdout, stderr, peakKiB: peak });
    });
  });
}

/** host → port → state from Portolan's tsv (--all-states). */
function portolanStates(tsv) {
  const out = new Map();
  for (const line of tsv.split('\n').slice(1)) {
    if (!line) continue;
    const [host, port, , state] = line.split('\t');
    if (!out.has(host)) out.set(host, new Map());
    out.get(host).set(Number(port), state);
  }
  return out;
}

/** host → port → state from nmap XML; condensed "extraports" fill the ports not listed. */
function nmapStates(xml, ports) {
  const out = new Map();
  for (const hostXml of xml.split('<host ').slice(1)) {
    const host = /<address addr="([^"]+)"/.exec(hostXml)?.[1];
    if (!host) continue;
    const m = new Map();
    for (const p of hostXml.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="([a-z|]+)"/g)) m.set(Number(p[1]), p[2]);
    const extra = [...hostXml.matchAll(/<extraports state="([a-z|]+)"/g)].map((x) => x[1]);
    if (extra.length === 1) for (const p of ports) if (!m.has(p)) m.set(p, extra[0]);
    out.set(host, m);
  }
  return out;
}

function compare(a, b) {
  let diff = 0;
  const hosts = new Set([...a.keys(), ...b.keys()]);
  const counts = { open: 0, closed: 0, filtered: 0 };
  for (const h of hosts) {
    const pa = a.get(h) ?? new Map();
    const pb = b.get(h) ?? new Map();
    for (const [p, s] of pa) {
      if (s in counts) counts[s]++;
      if (pb.get(p) !== s) diff++;
    }
  }
  return { diff, counts };
}

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const ENGINES = ['native', 'js'];

function load() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * RUNS rounds of nmap, then each engine, interleaved so the machine's load drifts over
 * all of them alike; keeps each one's fastest run. Every run must succeed.
 */
async function rounds(nmap, portolan, ports) {
  let n = null;
  const p = new Map();
  for (let i = 0; i < RUNS; i++) {
    const nr = await nmap();
    if (nr.code !== 0) throw new Error(`nmap failed: ${nr.stderr}`);
    if (!n || nr.ms < n.ms) n = nr;
    for (const engine of ENGINES) {
      const r = await portolan(engine, i);
      if (r.code !== 0) throw new Error(`portolan (${engine}) failed: ${r.stderr}`);
      r.agree = agreement(r, nr, ports);
      if (!p.has(engine) || r.ms < p.get(engine).ms) p.set(engine, r);
    }
  }
  return { n, results: [...p] };
}

function agreement(p, n, ports) {
  const { diff, counts } = compare(portolanStates(p.stdout), nmapStates(n.stdout, ports));
  return diff ? `${diff} states differ` : `same states (${counts.open} open, ${counts.closed} closed, ${counts.filtered} filtered)`;
}

function table(name, results, n) {
  console.log(`${name}   (load average ${load()}; best of ${RUNS})`);
  console.log(`  ${'nmap -sT -T4'.padEnd(18)} ${(n.ms / 1000).toFixed(2).padStart(7)} s   ratio ${'1.00'.padStart(5)}   peak ${(n.peakKiB / 1024).toFixed(0).padStart(4)} MiB`);
  for (const [engine, p] of results) {
    console.log(`  ${`portolan ${engine}`.padEnd(18)} ${(p.ms / 1000).toFixed(2).padStart(7)} s   ratio ${(p.ms / n.ms).toFixed(2).padStart(5)}   peak ${(p.peakKiB / 1024).toFixed(0).padStart(4)} MiB   ${p.agree}`);
  }
}

async function loopback() {
  const all = Array.from({ length: 65535 }, (_, i) => i + 1);
  const { n, results } = await rounds(
    () => measure('nmap', ['-sT', '-T4', '-p-', '-n', '127.0.0.1', '-oX', '-']),
    (engine, i) => measure(process.execPath, [cli, 'scan', '127.0.0.1', '--ports', 'all', '--profile', 'fast', '--banner-wait', '0', '--all-states', '--db', join(work, `lo-${engine}-${i}.db`)], { PORTOLAN_SCAN_ENGINE: engine }),
    all,
  );
  table('loopback 1-65535', results, n);
}

async function namespaceSweep() {
  const id = Math.random().toString(16).slice(2, 8);
  const S = `pscan-bench-${id}-s`;
  const T = `pscan-bench-${id}-t`;
  const sh = (...a) => {
    const r = spawnSync(a[0], a.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${a.join(' ')}: ${r.stderr}`);
  };
  let listener = null;
  try {
    sh('ip', 'netns', 'add', S);
    sh('ip', 'netns', 'add', T);
    sh('ip', 'link', 'add', `pb${id}s`, 'netns', S, 'type', 'veth', 'peer', 'name', `pb${id}t`, 'netns', T);
    sh('ip', '-n', S, 'addr', 'add', '203.0.113.1/24', 'dev', `pb${id}s`);
    sh('ip', '-n', T, 'addr', 'add', '203.0.113.2/24', 'dev', `pb${id}t`);
    for (const [ns, dev] of [[S, `pb${id}s`], [T, `pb${id}t`]]) {
      sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
      sh('ip', '-n', ns, 'link', 'set', dev, 'up');
    }
    // The /24 lives on the target namespace's loopback; the scanner routes to it.
    sh('ip', '-n', T, 'addr', 'add', '198.51.100.0/24', 'dev', 'lo');
    sh('ip', '-n', S, 'route', 'add', '198.51.100.0/24', 'via', '203.0.113.2');
    const nft = spawnSync('ip', ['netns', 'exec', T, 'nft', '-f', '-'], { input: 'table inet pscanbench {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport { 25, 3389, 8080 } drop\n }\n}\n', encoding: 'utf8' });
    if (nft.status !== 0) throw new Error(`nft: ${nft.stderr}`);
    listener = spawn('ip', ['netns', 'exec', T, process.execPath, '-e', "const n=require('net');for(const p of [22,80,443])n.createServer(c=>c.destroy()).listen(p,'0.0.0.0')"], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    // The same 1000 ports for both: Portolan's top:1000, written out for nmap.
    const listed = spawnSync(process.execPath, [cli, 'scan', '127.0.0.1', '--ports', 'top:1000', '--all-states', '--banner-wait', '0', '--db', join(work, 'list.db')], { encoding: 'utf8' });
    const ports = listed.stdout.split('\n').slice(1).filter(Boolean).map((l) => Number(l.split('\t')[1])).sort((a, b) => a - b);
    const { n, results } = await rounds(
      () => measure('ip', ['netns', 'exec', S, 'nmap', '-sT', '-T4', '-n', '-Pn', '-p', ports.join(','), '198.51.100.1-254', '-oX', '-']),
      (engine, i) => measure('ip', ['netns', 'exec', S, process.execPath, cli, 'scan', '198.51.100.1-254', '--ports', 'top:1000', '--banner-wait', '0', '--timeout', '1000', '--all-states', '--db', join(work, `ns-${engine}-${i}.db`)], { PORTOLAN_SCAN_ENGINE: engine }),
      ports,
    );
    table('namespace /24 x top:1000 (drops)', results, n);
  } finally {
    if (listener?.pid) listener.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', S]);
    spawnSync('ip', ['netns', 'del', T]);
  }
}

if (!have('nmap')) {
  console.log('nmap not found (apt-get install nmap); nothing to compare with');
  process.exit(1);
}
// The native engine is built by `npm run build`; build it here too in case only the bundle was.
spawnSync(process.execPath, [join(root, 'native', 'build.mjs')], { stdio: 'inherit' });
// BENCH_SCAN=loopback or =namespace runs one of the two sweeps.
const only = process.env.BENCH_SCAN ?? '';
try {
  if (only !== 'namespace') await loopback();
  const root_ = typeof process.getuid === 'function' && process.getuid() === 0;
  if (only === 'loopback') console.log('namespace /24: skipped (BENCH_SCAN=loopback)');
  else if (root_ && have('ip') && have('nft')) await namespaceSweep();
  else console.log('namespace /24: skipped (needs root, iproute2 and nftables)');
} finally {
  rmSync(work, { recursive: true, force: true });
}
