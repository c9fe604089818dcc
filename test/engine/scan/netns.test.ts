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
import { buildStatesNetwork, STATE_PORT_LIST, STATE_PORTS, TestNet } from './netns';

const ok = requireOrSkip(canUseNetns(), 'the namespace scan tests need root, iproute2 and unshare --net');
const hasNft = ok && requireOrSkip(!!process.env.PATH?.split(':').some((d) => existsSync(join(d, 'nft'))), 'nft (nftables) not found');
const dir = mkdtempSync(join(tmpdir(), 'portolan-scan-ns-'));
const CLI = resolve(REPO_ROOT, 'bin/portolan.js');

const PORTS = STATE_PORTS;
const PORT_LIST = STATE_PORT_LIST;

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
    await buildStatesNetwork(net, CLI, join(dir, 'warm.db'));
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
