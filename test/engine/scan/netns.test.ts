/**
 * States must be exactly right, through the CLI, on a namespace test network (see
 * netns.ts): real listeners (open), nothing listening (closed), nftables drop
 * (filtered, no-response), reject with ICMP admin-prohibited (filtered), reject with a
 * TCP reset (closed), a host that is down (filtered), a host where every port accepts
 * then closes (open, flagged accepts-all, kept out of the inventory). Then the same
 * results with `ulimit -n 256` and 5000 requested probes in flight, and with the local
 * port range shrunk to two ports.
 *
 * The timeout is 1.5 s because Linux surfaces an ICMPv6 admin-prohibited answer to a SYN
 * only after about a second (the SYN's first retransmission); with a shorter timeout
 * that port is still `filtered`, with reason `no-response`.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv } from '../../support/cli';
import { canUseNetns, REPO_ROOT, requireOrSkip } from '../../support/require';
import { TestNet } from './netns';

const ok = requireOrSkip(canUseNetns(), 'the namespace scan tests need root, iproute2 and unshare --net');
const hasNft = ok && requireOrSkip(!!process.env.PATH?.split(':').some((d) => existsSync(join(d, 'nft'))), 'nft (nftables) not found');
const dir = mkdtempSync(join(tmpdir(), 'portolan-scan-ns-'));
const CLI = resolve(REPO_ROOT, 'bin/portolan.js');

const PORTS = '22,80-90,8080';
const PORT_LIST = [22, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 8080];

/** The states table this test proves (host → port → "state reason"). */
const EXPECTED: Record<string, Record<number, string>> = {
  '192.0.2.2': {
    22: 'open syn-ack', 80: 'open syn-ack', 8080: 'open syn-ack',
    81: 'filtered no-response', 82: 'filtered host-unreach', 83: 'closed conn-refused',
    84: 'closed conn-refused', 85: 'closed conn-refused', 86: 'closed conn-refused', 87: 'closed conn-refused',
    88: 'closed conn-refused', 89: 'closed conn-refused', 90: 'closed conn-refused',
  },
  '192.0.2.3': Object.fromEntries(PORT_LIST.map((p) => [p, 'open syn-ack'])),
  '192.0.2.9': Object.fromEntries(PORT_LIST.map((p) => [p, 'filtered no-response'])),
  '2001:db8::2': {
    22: 'open syn-ack', 80: 'open syn-ack', 8080: 'open syn-ack',
    81: 'filtered no-response', 82: 'filtered admin-prohibited', 83: 'closed conn-refused',
    84: 'closed conn-refused', 85: 'closed conn-refused', 86: 'closed conn-refused', 87: 'closed conn-refused',
    88: 'closed conn-refused', 89: 'closed conn-refused', 90: 'closed conn-refused',
  },
};

function statesOf(stdout: string): Record<string, Record<number, string>> {
  const out: Record<string, Record<number, string>> = {};
  for (const r of parseTsv(stdout)) (out[r.host!] ??= {})[Number(r.port)] = `${r.state} ${r.reason}`;
  return out;
}

describe.skipIf(!ok || !hasNft)('scanning a namespace test network', () => {
  const net = new TestNet();

  beforeAll(async () => {
    ensureBuilt();
    TestNet.sweepStale();
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
    // The down host: ARP must not give up (host-unreach) just as the probe's retry times
    // out (no-response); a longer solicitation makes the state independent of that race.
    net.sysctl(net.scanner, `net.ipv4.neigh.ps${net.id}s.mcast_solicit`, '10');
    net.sysctl(net.targets, 'net.ipv6.icmp.ratelimit', '0');
    await net.listen([
      ...['192.0.2.2', '2001:db8::2'].flatMap((host) => [
        { host, port: 22, mode: 'banner:SSH-2.0-PscanTest' },
        { host, port: 80, mode: 'quiet' },
        { host, port: 8080, mode: 'quiet' },
        // Behind the firewall rules: they must never show as open.
        { host, port: 81, mode: 'quiet' },
        { host, port: 82, mode: 'quiet' },
        { host, port: 83, mode: 'quiet' },
      ]),
      ...PORT_LIST.map((port) => ({ host: '192.0.2.3', port, mode: 'close' })),
    ]);
    // Resolve neighbours (ARP, ND) once, so the first probes do not wait on them.
    await net.run([process.execPath, CLI, 'scan', '192.0.2.2', '2001:db8::2', '--ports', '22', '--timeout', '3000', '--db', join(dir, 'warm.db')]);
  }, 60_000);

  afterAll(() => net.destroy());

  const scan = (extra: string[], opts: { ulimit?: number; db: string }) =>
    net.run([process.execPath, CLI, 'scan', '192.0.2.2-3', '192.0.2.9', '2001:db8::2', '--ports', PORTS, '--timeout', '1500', '--banner-wait', '200', '--all-states', '--db', join(dir, opts.db), ...extra], opts);

  it('reports every state exactly, flags the host that accepts everything, feeds only real services', async () => {
    const r = await scan(['--concurrency', '50'], { db: 'states.db' });
    expect(r.stderr).toMatch(/192\.0\.2\.3 accepted a connection on every one of the 13 ports/);
    expect(r.code, r.stderr).toBe(0);
    expect(statesOf(r.stdout)).toEqual(EXPECTED);
    const ssh = parseTsv(r.stdout).find((x) => x.host === '192.0.2.2' && x.port === '22');
    expect(ssh!.banner).toBe('SSH-2.0-PscanTest\\r\\n');

    const inv = await net.run([process.execPath, CLI, 'services', '--format', 'tsv', '--db', join(dir, 'states.db')]);
    const rows = parseTsv(inv.stdout).map((x) => `${x.host} ${x.port} ${x.evidence}`).sort();
    expect(rows).toEqual(['192.0.2.2 22 scan', '192.0.2.2 80 scan', '192.0.2.2 8080 scan', '2001:db8::2 22 scan', '2001:db8::2 80 scan', '2001:db8::2 8080 scan'].sort());
  }, 60_000);

  it('ulimit -n 256 with 5000 probes requested gives the same results', async () => {
    const r = await scan(['--concurrency', '5000', '--profile', 'fast'], { db: 'ulimit.db', ulimit: 256 });
    expect(r.code, r.stderr).toBe(0);
    expect(statesOf(r.stdout)).toEqual(EXPECTED);
  }, 60_000);

  it('a local port range shrunk to two ports never turns open into closed', async () => {
    net.sysctl(net.scanner, 'net.ipv4.ip_local_port_range', '40000 40001');
    try {
      const r = await scan(['--concurrency', '200'], { db: 'ports.db' });
      expect(r.code, r.stderr).toBe(0);
      expect(statesOf(r.stdout)).toEqual(EXPECTED);
    } finally {
      net.sysctl(net.scanner, 'net.ipv4.ip_local_port_range', '32768 60999');
    }
  }, 60_000);
});
