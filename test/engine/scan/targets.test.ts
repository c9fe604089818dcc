/** Target parsing: every accepted form, exclusions, counts, and clear errors. No traffic. */
import { describe, expect, it } from 'vitest';
import {
  bigToAddr,
  estimateTargets,
  hostBlocks,
  isLargeSweep,
  parseTargetToken,
  planTargets,
  resolutionReason,
  splitTargets,
  TargetError,
  UnresolvedTargets,
  type Lookup,
} from '../../../electron/engine/scan/targets';

const addrs = async (targets: string[], excludes: string[] = [], lookup?: Lookup): Promise<string[]> => [...hostBlocks(await planTargets(targets, excludes, lookup), 1_000_000)].flat();

const fakeDns: Lookup = async (name) => {
  if (name === 'dual.example') return [{ address: '192.0.2.10', family: 4 }, { address: '2001:db8::10', family: 6 }];
  if (name === 'v4.example') return [{ address: '192.0.2.10', family: 4 }];
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};

describe('single addresses', () => {
  it('accepts IPv4 and IPv6, IPv6 in RFC 5952 form', async () => {
    expect(await addrs(['192.0.2.7', '2001:DB8:0:0:0:0:0:7'])).toEqual(['192.0.2.7', '2001:db8::7']);
  });
  it('scans an IPv4-mapped IPv6 address as IPv4', async () => {
    expect(await addrs(['::ffff:192.0.2.9'])).toEqual(['192.0.2.9']);
  });
  it('rejects sloppy IPv4 forms instead of guessing', () => {
    for (const bad of ['192.0.2', '192.0.2.256', '010.0.0.1', '1.2.3.4.5', '0x7f.0.0.1']) expect(() => parseTargetToken(bad), bad).toThrow(TargetError);
  });
  it('rejects zone ids and junk with a message naming the input', () => {
    expect(() => parseTargetToken('fe80::1%eth0')).toThrow(/zone/);
    expect(() => parseTargetToken('bad host!')).toThrow(/'bad host!'/);
    expect(() => parseTargetToken('2001:db8::g')).toThrow(/not a valid IP address/);
  });
});

describe('CIDR blocks', () => {
  it('/32 is one address, /31 two, /30 four', async () => {
    expect(await addrs(['192.0.2.5/32'])).toEqual(['192.0.2.5']);
    expect(await addrs(['192.0.2.4/31'])).toEqual(['192.0.2.4', '192.0.2.5']);
    expect(await addrs(['192.0.2.4/30'])).toHaveLength(4);
  });
  it('ignores host bits (192.0.2.77/24 is 192.0.2.0/24)', async () => {
    const p = await planTargets(['192.0.2.77/24']);
    expect(p.count).toBe(256n);
    expect(bigToAddr(4, p.ranges[0]!.start)).toBe('192.0.2.0');
  });
  it('marks network and broadcast addresses of blocks /30 and wider, not of /31 or /32', async () => {
    expect([...(await planTargets(['198.51.100.0/24'])).edges].sort()).toEqual(['198.51.100.0', '198.51.100.255']);
    expect((await planTargets(['198.51.100.0/31'])).edges.size).toBe(0);
  });
  it('counts IPv6 blocks exactly with BigInt, /64 and /0 included', async () => {
    expect((await planTargets(['2001:db8::/64'])).count).toBe(2n ** 64n);
    expect((await planTargets(['::/0'])).count).toBe(2n ** 128n);
    expect((await planTargets(['2001:db8::/127'])).count).toBe(2n);
  });
  it('rejects prefixes longer than the family allows', () => {
    expect(() => parseTargetToken('192.0.2.0/33')).toThrow(TargetError);
    expect(() => parseTargetToken('2001:db8::/129')).toThrow(TargetError);
  });
});

describe('dash ranges', () => {
  it('last-octet and full-address forms', async () => {
    expect(await addrs(['192.0.2.1-3'])).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    expect((await planTargets(['192.0.2.1-192.0.2.40'])).count).toBe(40n);
    expect((await planTargets(['192.0.2.250-198.51.100.0'])).count).toBe(0xc6336400n - 0xc00002fan + 1n);
  });
  it('IPv6 last-group and full forms', async () => {
    expect(await addrs(['2001:db8::1-3'])).toEqual(['2001:db8::1', '2001:db8::2', '2001:db8::3']);
    expect((await planTargets(['2001:db8::1-2001:db8::1:0'])).count).toBe(0x10000n);
  });
  it('refuses backwards and mixed-family ranges', () => {
    expect(() => parseTargetToken('192.0.2.9-3')).toThrow(/backwards/);
    expect(() => parseTargetToken('192.0.2.1-2001:db8::1')).toThrow(/families/);
    expect(() => parseTargetToken('192.0.2.1-300')).toThrow(TargetError);
  });
});

describe('lists, files, exclusions, merging', () => {
  it('splits on commas, spaces and lines; # comments as in files', () => {
    expect(splitTargets('192.0.2.1, 192.0.2.2\n# a comment\n192.0.2.3 # trailing\n\n')).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  });
  it('merges overlaps so nothing is probed twice, IPv4 before IPv6', async () => {
    expect(await addrs(['2001:db8::1', '192.0.2.2-4', '192.0.2.0/30', '192.0.2.3'])).toEqual(['192.0.2.0', '192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '2001:db8::1']);
  });
  it('subtracts exclusions of every form', async () => {
    expect(await addrs(['192.0.2.0/29'], ['192.0.2.0', '192.0.2.2-3', '192.0.2.6/31'])).toEqual(['192.0.2.1', '192.0.2.4', '192.0.2.5']);
    expect((await planTargets(['2001:db8::/64'], ['2001:db8::/65'])).count).toBe(2n ** 63n);
  });
  it('lists every bad token in one error', async () => {
    await expect(planTargets(['192.0.2.1, nope!, 192.0.2.300'])).rejects.toThrow(/nope!.*192\.0\.2\.300/);
    await expect(planTargets([''])).rejects.toThrow(/no targets/);
  });
});

describe('hostnames', () => {
  it('scans every address a name resolves to, v4 and v6, and reports them', async () => {
    const p = await planTargets(['dual.example', 'v4.example'], [], fakeDns);
    expect(p.count).toBe(2n);
    expect(p.resolved).toEqual([
      { name: 'dual.example', addresses: ['192.0.2.10', '2001:db8::10'] },
      { name: 'v4.example', addresses: ['192.0.2.10'] },
    ]);
  });
  it('reports a name that does not resolve, and goes on', async () => {
    const p = await planTargets(['missing.example', '192.0.2.1'], [], fakeDns);
    expect(p.unresolved).toEqual([{ name: 'missing.example', reason: 'name not found' }]);
    expect(p.count).toBe(1n);
  });
  it('reports a temporary DNS failure (EAI_AGAIN) like a missing name, and goes on', async () => {
    const asked: string[] = [];
    const flaky: Lookup = async (name) => {
      asked.push(name);
      throw Object.assign(new Error(`getaddrinfo EAI_AGAIN ${name}`), { code: 'EAI_AGAIN', syscall: 'getaddrinfo', hostname: name });
    };
    const p = await planTargets(['down.invalid', '192.0.2.1'], [], flaky);
    expect(asked).toEqual(['down.invalid']);
    expect(p.unresolved).toEqual([{ name: 'down.invalid', reason: 'temporary DNS failure (EAI_AGAIN): the resolver did not answer; try again later' }]);
    expect(p.count).toBe(1n);
    // Alone, it leaves nothing to scan: the planner still returns, the run refuses to start (exit 1, not 2).
    expect((await planTargets(['down.invalid'], [], flaky)).count).toBe(0n);
  });
  it('names getaddrinfo failures in words', () => {
    const e = (code: string) => Object.assign(new Error(code), { code });
    expect(resolutionReason(e('ENOTFOUND'))).toBe('name not found');
    expect(resolutionReason(e('ENODATA'))).toBe('no addresses');
    expect(resolutionReason(e('EAI_AGAIN'))).toMatch(/^temporary DNS failure/);
    expect(resolutionReason(e('EAI_FAIL'))).toBe('DNS failure (EAI_FAIL)');
    expect(resolutionReason(e('ESERVFAIL'))).toBe('ESERVFAIL');
    expect(resolutionReason(new Error('boom'))).toBe('boom');
  });
  it('answers .invalid names "not found" itself, without asking DNS (RFC 6761)', async () => {
    // On a machine whose resolver is unreachable a DNS query would end in EAI_AGAIN; the
    // reserved TLD never gets that far.
    const p = await planTargets(['nothing.invalid', 'a.b.INVALID.', '192.0.2.1']);
    expect(p.unresolved).toEqual([
      { name: 'a.b.invalid', reason: 'name not found' },
      { name: 'nothing.invalid', reason: 'name not found' },
    ]);
    expect(p.count).toBe(1n);
  });
  it('refuses to plan when an exclusion name does not resolve (it could hide a host in the targets)', async () => {
    await expect(planTargets(['192.0.2.0/24'], ['db.invalid'])).rejects.toThrow(UnresolvedTargets);
    await expect(planTargets(['192.0.2.0/24'], ['db.invalid'])).rejects.toThrow('exclusion not resolved: db.invalid (name not found); nothing was scanned');
    expect((await planTargets(['192.0.2.0/24'], ['v4.example'], fakeDns)).count).toBe(255n);
  });
  it('resolves localhost through the system resolver', async () => {
    const p = await planTargets(['localhost']);
    expect(p.resolved[0]?.addresses).toContain('127.0.0.1');
  });
});

describe('estimate and large sweeps', () => {
  it('estimates without DNS: addresses exact, names counted apart, errors listed', () => {
    expect(estimateTargets('192.0.2.0/24 host.example, 2001:db8::/120', '192.0.2.0/25')).toEqual({ addresses: 128n + 256n, names: 1, errors: [] });
    expect(estimateTargets('192.0.2.0/24 x!y', '').errors).toHaveLength(1);
  });
  it('a /8, an IPv6 /64, /0 and a /24 with every port need confirmation; a /24 with top ports does not', () => {
    expect(isLargeSweep(2n ** 24n, 1)).toBe(true);
    expect(isLargeSweep(2n ** 64n, 1)).toBe(true);
    expect(isLargeSweep(256n, 1000)).toBe(false);
    expect(isLargeSweep(256n, 65535)).toBe(true);
    expect(isLargeSweep(255n, 65535)).toBe(false);
    expect(isLargeSweep(65_536n, 1)).toBe(false);
    expect(isLargeSweep(1024n, 65535)).toBe(true);
  });
  it('host groups never hold more than their size', () => {
    const sizes = [...hostBlocks({ ranges: [{ family: 4, start: 0n, end: 599n }] }, 256)].map((b) => b.length);
    expect(sizes).toEqual([256, 256, 88]);
  });
});
