/**
 * Real listeners on 127.0.0.1 for scanner tests: some greet (SSH, SMTP), one says
 * nothing; and ports known to be closed (bound, then released).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';

export interface Listeners {
  ssh: number;
  smtp: number;
  quiet: number;
  closed: number[];
  close(): Promise<void>;
}

function listen(greeting: string | null, host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    if (greeting) s.write(greeting);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/** Ports nothing listens on: bound to learn a free number, then released. */
async function freePorts(n: number): Promise<number[]> {
  const got = await Promise.all(Array.from({ length: n }, () => listen(null)));
  await Promise.all(got.map((g) => new Promise((r) => g.server.close(r))));
  return got.map((g) => g.port).sort((a, b) => a - b);
}

export async function openListeners(): Promise<Listeners> {
  const ssh = await listen('SSH-2.0-PortolanTest_1.0\r\n');
  const smtp = await listen('220 test.example ESMTP ready\r\n');
  const quiet = await listen(null);
  const closed = await freePorts(5);
  return {
    ssh: ssh.port,
    smtp: smtp.port,
    quiet: quiet.port,
    closed,
    close: async () => {
      await Promise.all([ssh, smtp, quiet].map((l) => new Promise((r) => l.server.close(r))));
    },
  };
}

/**
 * TCP ports with a socket in LISTEN state on this host, any address (Linux /proc; empty
 * elsewhere): other tests and programs listen on ephemeral loopback ports too.
 */
export function listeningPorts(): Set<number> {
  const out = new Set<number>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A') out.add(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return out;
}
