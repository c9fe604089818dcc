/**
 * A throwaway test network of Linux network namespaces, documentation addresses only:
 *
 *   pscan-<id>-s (scanner)  veth  ─────  veth  pscan-<id>-t (targets)
 *   192.0.2.1/24, 2001:db8::1/64          192.0.2.2, 192.0.2.3, 2001:db8::2
 *
 * Every namespace is named `pscan-…` and removed in `destroy()` (and stale ones from a
 * crashed run are removed first). Listener processes run inside the target namespace;
 * nftables rules there drop, reject with ICMP admin-prohibited, or reject with a reset.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface Listen {
  host: string;
  port: number;
  /** `banner:TEXT` greets, `quiet` says nothing, `close` accepts then closes at once. */
  mode: string;
}

function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

const LISTENER = `
const net = require('net');
const specs = JSON.parse(process.argv[1]);
let up = 0;
for (const s of specs) {
  const srv = net.createServer((c) => {
    c.on('error', () => {});
    if (s.mode === 'close') return c.end();
    if (s.mode.startsWith('banner:')) c.write(s.mode.slice(7) + '\\r\\n');
  });
  srv.listen({ host: s.host, port: s.port, backlog: 1024 }, () => { if (++up === specs.length) process.stdout.write('ready\\n'); });
}
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class TestNet {
  readonly id = randomBytes(3).toString('hex');
  // The creating process's id is in the name, so a sweep never removes a network that a
  // test running in parallel (another worker, a benchmark) is still using.
  readonly scanner = `pscan-${process.pid}-${this.id}-s`;
  readonly targets = `pscan-${process.pid}-${this.id}-t`;
  private children: ChildProcess[] = [];

  /** Removes namespaces a crashed earlier run left: ours (pscan-), whose creator is dead. */
  static sweepStale(): void {
    const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of list.split('\n')) {
      const name = line.split(' ')[0];
      if (!name || !name.startsWith('pscan-')) continue;
      const pid = Number(/^pscan-(\d+)-/.exec(name)?.[1] ?? NaN);
      if (Number.isInteger(pid) && alive(pid)) continue;
      spawnSync('ip', ['netns', 'del', name]);
    }
  }

  create(): void {
    sh('ip', ['netns', 'add', this.scanner]);
    sh('ip', ['netns', 'add', this.targets]);
    const vs = `ps${this.id}s`;
    const vt = `ps${this.id}t`;
    sh('ip', ['link', 'add', vs, 'netns', this.scanner, 'type', 'veth', 'peer', 'name', vt, 'netns', this.targets]);
    const inS = (...a: string[]): string => sh('ip', ['-n', this.scanner, ...a]);
    const inT = (...a: string[]): string => sh('ip', ['-n', this.targets, ...a]);
    inS('link', 'set', 'lo', 'up');
    inT('link', 'set', 'lo', 'up');
    inS('addr', 'add', '192.0.2.1/24', 'dev', vs);
    inS('-6', 'addr', 'add', '2001:db8::1/64', 'dev', vs, 'nodad');
    inT('addr', 'add', '192.0.2.2/24', 'dev', vt);
    inT('addr', 'add', '192.0.2.3/24', 'dev', vt);
    inT('-6', 'addr', 'add', '2001:db8::2/64', 'dev', vt, 'nodad');
    inS('link', 'set', vs, 'up');
    inT('link', 'set', vt, 'up');
  }

  /** Loads an nftables ruleset into the target namespace. */
  nft(ruleset: string): void {
    sh('ip', ['netns', 'exec', this.targets, 'nft', '-f', '-'], ruleset);
  }

  sysctl(ns: string, key: string, value: string): void {
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `${key}=${value}`]);
  }

  /** Starts listeners inside the target namespace; resolves when all are bound. */
  listen(specs: Listen[]): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', this.targets, process.execPath, '-e', LISTENER, JSON.stringify(specs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      child.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`listeners exited (${code}): ${err}`)));
    });
  }

  /** Runs a command inside the scanner namespace (async, so this process stays responsive). */
  run(args: string[], opts: { ulimit?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const cmd = opts.ulimit ? ['bash', '-c', `ulimit -n ${opts.ulimit} && exec "$@"`, 'bash', ...args] : args;
    const child = spawn('ip', ['netns', 'exec', this.scanner, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  }

  destroy(): void {
    for (const c of this.children) if (c.pid && c.exitCode === null) c.kill('SIGKILL');
    this.children = [];
    spawnSync('ip', ['netns', 'del', this.scanner]);
    spawnSync('ip', ['netns', 'del', this.targets]);
  }
}

/** Ports the states network answers on; `STATE_PORTS` is the same set as a --ports spec. */
export const STATE_PORT_LIST = [22, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 8080];
export const STATE_PORTS = '22,80-90,8080';

/**
 * The states test network on `net`: 192.0.2.2 / 2001:db8::2 with a banner on 22, quiet
 * listeners on 80 and 8080 and behind the firewall on 81 (drop), 82 (ICMP
 * admin-prohibited), 83 (TCP reset); 192.0.2.3 accepts then closes on every port;
 * 192.0.2.9 is down. Neighbours are resolved once with a warm-up scan.
 */
export async function buildStatesNetwork(net: TestNet, cli: string, warmDb: string): Promise<void> {
  net.create();
  net.nft(`
table inet pscan {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 192.0.2.3 accept
    tcp dport 81 drop
    tcp dport 82 reject with icmpx type admin-prohibited
    tcp dport 83 reject with tcp reset
  }
}`);
  // ICMP errors are rate limited per peer by default; the states must not depend on luck.
  net.sysctl(net.targets, 'net.ipv4.icmp_ratelimit', '0');
  net.sysctl(net.targets, 'net.ipv6.icmp.ratelimit', '0');
  // The down host: address resolution gives up after 3 solicitations, 1 s apart, and a
  // retry still waiting then ends in host-unreach instead of no-response, a race with
  // the probe timeouts. Ten solicitations keep the answer "no response".
  net.sysctl(net.scanner, `net.ipv4.neigh.ps${net.id}s.mcast_solicit`, '10');
  await net.listen([
    ...['192.0.2.2', '2001:db8::2'].flatMap((host) => [22, 80, 8080, 81, 82, 83].map((port) => ({ host, port, mode: port === 22 ? 'banner:SSH-2.0-PscanTest' : 'quiet' }))),
    ...STATE_PORT_LIST.map((port) => ({ host: '192.0.2.3', port, mode: 'close' })),
  ]);
  await net.run([process.execPath, cli, 'scan', '192.0.2.2', '2001:db8::2', '--ports', '22', '--timeout', '3000', '--db', warmDb]);
}
