/**
 * The native engine against the JS path on a namespace test network (netns.ts,
 * documentation addresses only), through the CLI as a user runs it: real listeners
 * (open), nothing listening (closed), nftables drop (filtered no-response), reject with
 * ICMP admin-prohibited (filtered host-unreach / admin-prohibited), reject with a reset
 * (closed), a host that is down (filtered), a host that accepts everything. Every
 * state and reason must be the same with PORTOLAN_SCAN_ENGINE=native and =js, and
 * again with `ulimit -n 256` and 5000 probes requested (the addon's sockets count
 * against the same descriptor ceiling).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddon } from '../../../electron/engine/scan/native';
import { ensureBuilt, parseTsv } from '../../support/cli';
import { canUseNetns, REPO_ROOT, requireOrSkip } from '../../support/require';
import { buildStatesNetwork, STATE_PORTS, TestNet } from './netns';

const addon = loadAddon();
const ok =
  requireOrSkip(addon.ok, `the scanner addon is not available (${addon.ok ? '' : addon.why}); run npm run build:native`) &&
  requireOrSkip(canUseNetns(), 'the namespace scan tests need root, iproute2 and unshare --net') &&
  requireOrSkip(!!process.env.PATH?.split(':').some((d) => existsSync(join(d, 'nft'))), 'nft (nftables) not found');
const dir = mkdtempSync(join(tmpdir(), 'portolan-scan-native-ns-'));
const CLI = resolve(REPO_ROOT, 'bin/portolan.js');
const PORTS = STATE_PORTS;

function statesOf(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of parseTsv(stdout)) out[`${r.host} ${r.port}`] = `${r.state} ${r.reason}`;
  return out;
}

describe.skipIf(!ok)('the native engine on a namespace test network', () => {
  let net = new TestNet();

  /** The test network: namespaces, firewall rules, listeners, neighbours resolved. */
  async function up(): Promise<void> {
    await buildStatesNetwork(net, CLI, join(dir, 'warm.db'));
  }

  /**
   * A network that vanished (removed by hand, or by an older sweep that did not yet
   * spare live creators) is built again.
   */
  async function ensureUp(): Promise<void> {
    const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    if (list.includes(net.scanner) && list.includes(net.targets)) return;
    net.destroy();
    net = new TestNet();
    await up();
  }

  beforeAll(async () => {
    ensureBuilt();
    await up();
  }, 60_000);

  afterAll(() => net.destroy());

  async function scan(engine: 'js' | 'native', db: string, extra: string[] = [], ulimit?: number): Promise<Record<string, string>> {
    // A down host's failed neighbour entry would turn the next run's silence into an
    // immediate host-unreach; every run starts from an empty neighbour table.
    spawnSync('ip', ['-n', net.scanner, 'neigh', 'flush', 'all']);
    const before = process.env.PORTOLAN_SCAN_ENGINE;
    process.env.PORTOLAN_SCAN_ENGINE = engine; // inherited by the child at spawn
    try {
      await ensureUp();
      const argv = (file: string): string[] => [process.execPath, CLI, 'scan', '192.0.2.2-3', '192.0.2.9', '2001:db8::2', '--ports', PORTS, '--timeout', '1500', '--banner-wait', '200', '--all-states', '--db', join(dir, file), ...extra];
      let r = await net.run(argv(db), { ulimit });
      if (r.code !== 0 && /Cannot open network namespace/.test(r.stderr)) {
        await ensureUp();
        r = await net.run(argv(`again-${db}`), { ulimit });
      }
      expect(r.code, r.stderr).toBe(0);
      return statesOf(r.stdout);
    } finally {
      if (before === undefined) delete process.env.PORTOLAN_SCAN_ENGINE;
      else process.env.PORTOLAN_SCAN_ENGINE = before;
    }
  }

  it('every state and reason is the same as the JS path', async () => {
    // One after the other: two runs at once would share the down host's neighbour state.
    const js = await scan('js', 'js.db', ['--concurrency', '50']);
    const native = await scan('native', 'native.db', ['--concurrency', '50']);
    expect(Object.keys(native)).toHaveLength(4 * 13);
    expect(native).toEqual(js);
    expect(native['192.0.2.2 22']).toBe('open syn-ack');
    expect(native['192.0.2.2 81']).toBe('filtered no-response');
    expect(native['192.0.2.2 82']).toBe('filtered host-unreach');
    expect(native['2001:db8::2 82']).toBe('filtered admin-prohibited');
    expect(native['192.0.2.2 83']).toBe('closed conn-refused');
    expect(native['192.0.2.9 22']).toBe('filtered no-response');
    expect(native['192.0.2.3 90']).toBe('open syn-ack');
  }, 60_000);

  it('ulimit -n 256 with 5000 probes requested: the same states', async () => {
    const js = await scan('js', 'js-ulimit.db', ['--concurrency', '50']);
    const native = await scan('native', 'native-ulimit.db', ['--concurrency', '5000', '--profile', 'fast'], 256);
    expect(native).toEqual(js);
  }, 60_000);
});
