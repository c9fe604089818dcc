/**
 * The CLI's small messages, as a user reads them: one command's help for `CMD --help`,
 * counts in the singular when there is one, the CLI-only way to confirm a large sweep,
 * and the one-line summary every scan ends with (also when nothing is open). The built
 * CLI, a real database file, a scan of 127.0.0.1 and ::1.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'portolan-msgs-'));
const db = join(dir, 'm.db');
const run = (...args: string[]) => portolan([...args, '--db', db]);
let server: Server;
let open = 0;
let closed = 0;

beforeAll(async () => {
  ensureBuilt();
  server = createServer((c) => c.destroy());
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  open = (server.address() as { port: number }).port;
  // A port nothing listens on: bound to learn a free number, then released.
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
  closed = (probe.address() as { port: number }).port;
  await new Promise((ok) => probe.close(ok));
}, 120_000);
afterAll(() => server.close());

describe('CLI messages', () => {
  it('COMMAND --help prints that command\'s help only', () => {
    const h = portolan(['scan', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^Usage:\n {2}portolan scan TARGET/);
    expect(h.stdout).not.toContain('portolan ingest');
    expect(h.stdout).toContain('Exit codes');
    expect(portolan(['help', 'captures']).stdout).toMatch(/portolan captures/);
    expect(portolan(['--help']).stdout).toMatch(/portolan ingest FILE[\s\S]*portolan snapshot save/);
  });

  it('a scan with nothing open ends with a one-line summary on stderr; so does one with', () => {
    const none = run('scan', '127.0.0.1', '--ports', String(closed));
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('host\tport\tproto\tstate\treason\tbanner\n');
    expect(none.stderr).toBe('scan 1, 127.0.0.1: 1 port probed, 0 open, 1 closed, 0 filtered\n');
    const v6 = run('scan', '::1', '--ports', String(closed));
    expect(v6.stderr).toBe('scan 2, ::1: 1 port probed, 0 open, 1 closed, 0 filtered\n');
    const some = run('scan', '127.0.0.1', '--ports', `${open},${closed}`);
    expect(some.stderr).toBe('scan 3, 127.0.0.1: 2 ports probed, 1 open, 1 closed, 0 filtered\n');
    const two = run('scan', '127.0.0.1', '::1', '--ports', String(closed), '--format', 'json');
    expect(two.stderr).toBe('scan 4, 2 addresses: 1 port, 2 probes, 0 open, 2 closed, 0 filtered\n');
  });

  it('a large sweep names only the CLI\'s way to confirm it, with singular counts', () => {
    const r = run('scan', '127.0.0.0/8', '--ports', '22');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('portolan: usage: this sweep is 16777216 addresses x 1 port = 16777216 probes; confirm it explicitly (--confirm-large)\n');
  });

  it('import and snapshot counts are singular for one', () => {
    const xml = join(dir, 'one.xml');
    writeFileSync(
      xml,
      `<?xml version="1.0"?><nmaprun scanner="nmap" args="nmap -sT 192.0.2.7" start="1709280000" version="7.94"><host endtime="1709280100"><address addr="192.0.2.7" addrtype="ipv4"/><ports><port protocol="tcp" portid="22"><state state="open"/><service name="ssh" method="table" conf="3"/></port></ports></host><runstats><finished time="1709280400"/></runstats></nmaprun>`,
    );
    expect(run('import', xml).stdout).toBe(`${xml}: nmap, 1 host, 1 open port (1 new), 0 closed\n`);
    const fresh = join(dir, 'one.db');
    expect(portolan(['import', xml, '--db', fresh]).code).toBe(0);
    const saved = portolan(['snapshot', 'save', '--db', fresh]);
    expect(saved.stderr).toMatch(/^snapshot 1 sealed: sha256 [0-9a-f]{64} \(1 host, 1 service\)\n$/);
    expect(portolan(['snapshot', 'show', '1', '--db', fresh]).stdout).toContain('evidence   0 captures, 0 scans, 1 import');
  });
});
