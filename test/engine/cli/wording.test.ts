/**
 * What the CLI says, word for word, where it used to say it wrong: `services --help`
 * names every --status the README documents (listening too); counts of one are singular
 * ("applied to 1 service"); `serve` on a port in use names the likely cause and the fix
 * instead of Node's "listen EADDRINUSE"; `capture --bpf` describes the filter it prints
 * (http and ssh have no UDP port: TCP only). The built CLI on real database files.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'portolan-wording-'));
const db = join(dir, 'w.db');
const run = (...args: string[]) => portolan([...args, '--db', db], { PORTOLAN_USER: 'alice' });
let busy: Server;
let busyPort = 0;

beforeAll(async () => {
  ensureBuilt();
  // One service in the inventory: 192.0.2.7:8443/tcp, from an nmap report.
  const xml = join(dir, 'one.xml');
  writeFileSync(
    xml,
    `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -p8443 192.0.2.7" start="1709280000" version="7.94">
  <host endtime="1709280100"><address addr="192.0.2.7" addrtype="ipv4"/><ports>
    <port protocol="tcp" portid="8443"><state state="open" reason="syn-ack"/></port>
  </ports></host>
  <runstats><finished time="1709280400"/></runstats>
</nmaprun>
`,
  );
  const r = run('import', xml);
  expect(r.code, r.stderr).toBe(0);
  busy = createServer();
  await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
  busyPort = (busy.address() as { port: number }).port;
}, 120_000);
afterAll(() => busy.close());

describe('CLI wording', () => {
  it('services --help documents --status listening', () => {
    const h = portolan(['services', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('--status new|approved|flagged|gone|ignored|all|listening');
    expect(h.stdout).toMatch(/listening: every status but gone/);
  });

  it('counts of one are singular: rules add, rules delete, gone-after, review --dry-run', () => {
    const add = run('rules', 'add', '--ignore', '--host', '192.0.2.7', '--port', '8443', '--reason', 'lab box');
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^rule (\d+) saved; applied to 1 service in the queue\n$/);
    const id = /^rule (\d+)/.exec(add.stdout)![1]!;
    const del = run('rules', 'delete', id);
    expect(del.stdout).toBe(`rule ${id} deleted; 1 service back in the queue\n`);
    expect(run('rules', 'gone-after', '1').stdout).toBe('gone after 1 day unseen\n');
    expect(run('rules', 'gone-after', '35').stdout).toBe('gone after 35 days unseen\n');
    expect(run('review', '--status', 'new', '--flag', '--reason', 'x', '--dry-run').stdout).toMatch(/^1 service would be considered for flag \(dry run, nothing changed\)$/m);
  });

  it('serve on a port in use says so and how to pick another (exit 1)', () => {
    const r = run('serve', '--port', String(busyPort));
    expect(r.stderr).toBe(`portolan: error: port ${busyPort} is in use (another portolan serve?); pick another with --port or 0 for any free port\n`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('capture --bpf names only the transports its filter captures', () => {
    const tcpOnly = portolan(['capture', '--bpf', '--protocols', 'http,ssh']);
    expect(tcpOnly.code).toBe(0);
    expect(tcpOnly.stdout).not.toMatch(/udp/);
    expect(tcpOnly.stderr).toBe('TCP · apps: http, ssh\n');
    const both = portolan(['capture', '--bpf', '--protocols', 'http,dns']);
    expect(both.stdout).toMatch(/udp and \(port 53\)/);
    expect(both.stderr).toBe('TCP and UDP · apps: dns, http\n');
    expect(portolan(['capture', '--bpf', '--protocols', 'udp,dns']).stderr).toBe('UDP · apps: dns\n');
    expect(portolan(['capture', '--bpf']).stderr).toBe('everything (TCP and UDP, every port)\n');
  });
});
