/**
 * Throwaway test networks in network namespaces: two hosts (`pcap-<id>-srv`,
 * `pcap-<id>-cli`) joined by a veth pair, with documentation addresses only
 * (198.51.100.0/24, 2001:db8:1::/64). Namespaces and the veth go away in `destroy()`,
 * and on process exit if a test dies first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TestNet {
  srv: string;
  cli: string;
  /** The server's and the client's end of the veth (capture on the client's). */
  srvIf: string;
  cliIf: string;
  srvIp: string;
  cliIp: string;
  srvIp6: string;
  /** Runs a command in a namespace, synchronously. */
  exec(ns: string, cmd: string[], opts?: { timeoutMs?: number; input?: string }): { code: number; stdout: string; stderr: string };
  /** Starts a long-running command in a namespace. */
  spawn(ns: string, cmd: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  destroy(): void;
}

function sh(cmd: string[]): void {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
}

const alive = new Set<string>();
process.on('exit', () => {
  for (const ns of alive) spawnSync('ip', ['netns', 'del', ns]);
});

export function createTestNet(): TestNet {
  const id = randomBytes(3).toString('hex');
  const srv = `pcap-${id}-srv`;
  const cli = `pcap-${id}-cli`;
  const srvIf = `pv${id}s`;
  const cliIf = `pv${id}c`;
  const children: ChildProcess[] = [];
  const net: TestNet = {
    srv,
    cli,
    srvIf,
    cliIf,
    srvIp: '198.51.100.10',
    cliIp: '198.51.100.20',
    srvIp6: '2001:db8:1::10',
    exec(ns, cmd, opts = {}) {
      const r = spawnSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, input: opts.input });
      return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
    spawn(ns, cmd, env) {
      const c = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
      children.push(c);
      return c;
    },
    destroy() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      for (const ns of [srv, cli]) {
        spawnSync('ip', ['netns', 'del', ns]);
        alive.delete(ns);
      }
    },
  };
  try {
    for (const ns of [srv, cli]) {
      sh(['ip', 'netns', 'add', ns]);
      alive.add(ns);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    sh(['ip', 'link', 'add', srvIf, 'netns', srv, 'type', 'veth', 'peer', 'name', cliIf, 'netns', cli]);
    const side = (ns: string, dev: string, v4: string, v6: string): void => {
      sh(['ip', '-n', ns, 'addr', 'add', `${v4}/24`, 'dev', dev]);
      sh(['ip', '-n', ns, 'addr', 'add', `${v6}/64`, 'dev', dev, 'nodad']);
      sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
    };
    side(srv, srvIf, '198.51.100.10', '2001:db8:1::10');
    side(cli, cliIf, '198.51.100.20', '2001:db8:1::20');
  } catch (err) {
    net.destroy();
    throw err;
  }
  return net;
}

/**
 * A host with listeners: TCP 80 (answers an HTTP request), 8080 and 5432 (accept and
 * close), UDP 5353 (echoes a reply). Dual-stack sockets, so IPv4 and IPv6 both reach
 * them. Prints "ready" once every socket listens.
 */
export const SERVER_PY = `
import socket, threading
def tcp(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('::', port)); s.listen(512)
    while True:
        c, _ = s.accept()
        try:
            if port == 80:
                c.settimeout(1); c.recv(2048)
                c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok')
        except Exception:
            pass
        c.close()
def udp(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(('::', port))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(b'pong:' + data, peer)
for p in (80, 8080, 5432):
    threading.Thread(target=tcp, args=(p,), daemon=True).start()
threading.Thread(target=udp, args=(5353,), daemon=True).start()
import time; time.sleep(0.3)
print('ready', flush=True)
threading.Event().wait()
`;

/** A client: one HTTP request to port 80, one UDP datagram to 5353 and one to closed 5354. */
export const CLIENT_PY = `
import socket, sys
host = sys.argv[1]
c = socket.create_connection((host, 80), timeout=3)
c.sendall(b'GET / HTTP/1.0\\r\\nHost: test\\r\\n\\r\\n')
print(c.recv(1024)[:12]); c.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
u.sendto(b'ping', (host, 5353)); print(u.recvfrom(100)[0])
u.sendto(b'ping', (host, 5354))
`;
