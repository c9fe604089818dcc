/**
 * Protocol choice: the parser every surface shares, selections that could capture
 * nothing refused up front, named profiles stored and checked, the same choice applied
 * to files (`ingest --protocols --ignore`), and a clear message with a fix when libpcap
 * cannot be loaded.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseIgnore, parseNet, parseProtocols } from '../../../electron/shared/capture';
import { Engine } from '../../../electron/engine/engine';
import { compileBpf } from '../../../electron/engine/filters/compile';
import { resolveSelection, SelectionError } from '../../../electron/engine/filters/selection';
import { classify } from '../../../electron/engine/capture/errors';
import { ensureBuilt, parseTsv, portolan } from '../../support/cli';
import { pcapFile, tcpFrame, udpFrame, type Rec } from '../../support/frames';
import { REPO_ROOT } from '../../support/require';

const dir = mkdtempSync(join(tmpdir(), 'portolan-sel-'));

describe('addresses, subnets and ports', () => {
  it('reads what analysts type, clears host bits, refuses the rest', () => {
    expect(parseIgnore('192.0.2.7/24')).toMatchObject({ kind: 'net', text: '192.0.2.0/24' });
    expect(parseIgnore('2001:DB8:0:0::1')).toMatchObject({ kind: 'net', text: '2001:db8::1' });
    expect(parseIgnore('2001:db8::/32')).toMatchObject({ kind: 'net', text: '2001:db8::/32' });
    expect(parseIgnore('::ffff:192.0.2.1')).toMatchObject({ kind: 'net' });
    expect(parseIgnore('137-139')).toMatchObject({ kind: 'ports', lo: 137, hi: 139 });
    expect(parseIgnore('22')).toMatchObject({ kind: 'ports', lo: 22, hi: 22 });
    for (const bad of ['', '256.1.1.1', '192.0.2.1/33', '1.2.3', '01.2.3.4', '70000', '139-137', 'eth0', '2001:db8:::1', '1::2::3', 'host 1.2.3.4']) {
      expect(parseIgnore(bad), bad).toBeNull();
    }
    expect(parseNet('198.51.100.9/31')!.bytes).toEqual(Uint8Array.from([198, 51, 100, 8]));
  });

  it('reads protocol lists in any mix, naming what it does not know', () => {
    expect(parseProtocols('TCP, http dns,tls')).toEqual({ transports: ['tcp'], apps: ['http', 'dns', 'tls'], unknown: [] });
    expect(parseProtocols('gopher').unknown).toEqual(['gopher']);
  });

  it('refuses a choice that could capture nothing, before anything starts', () => {
    expect(() => resolveSelection({ transports: ['tcp'], apps: ['ntp'] })).toThrow(SelectionError);
    expect(() => resolveSelection({ ignore: ['not-an-address'] })).toThrow(/not a port/);
    expect(resolveSelection({}).all).toBe(true);
    expect(compileBpf(resolveSelection({}), { vlan: true })).toBe('');
  });
});

describe('capture profiles and the capture channels', () => {
  it('saves, lists, replaces and deletes named profiles; bad names and choices are refused', async () => {
    const engine = await Engine.open({ dbPath: join(dir, 'profiles.db') });
    try {
      const saved = await engine.handle('capture.profiles.save', { name: 'Web only', selection: { transports: ['tcp'], apps: ['tls', 'http'], ignore: ['192.0.2.0/24'] } });
      expect(saved).toMatchObject({ name: 'Web only', selection: { transports: ['tcp'], apps: ['http', 'tls'], ignore: ['192.0.2.0/24'] } });
      await engine.handle('capture.profiles.save', { name: 'Web only', selection: { apps: ['http'] } });
      await engine.handle('capture.profiles.save', { name: 'dns', selection: { apps: ['dns'] } });
      expect((await engine.handle('capture.profiles.list', {})).map((p) => `${p.name}:${p.selection.apps.join('+')}`)).toEqual(['dns:dns', 'Web only:http']);
      await expect(engine.handle('capture.profiles.save', { name: 'x; DROP TABLE', selection: {} })).rejects.toThrow();
      await expect(engine.handle('capture.profiles.save', { name: 'bad', selection: { ignore: ['300.1.1.1'] } })).rejects.toThrow();
      await expect(engine.handle('capture.profiles.save', { name: 'bad', selection: { transports: ['udp'], apps: ['ssh'] } })).rejects.toThrow(/nothing would be captured/);
      // An ignore list that covers everything captures nothing either; one family alone is a choice.
      await expect(engine.handle('capture.profiles.save', { name: 'bad', selection: { ignore: ['0.0.0.0/0', '::/0'] } })).rejects.toThrow(/every IPv4 and IPv6 host .*nothing would be captured/);
      await expect(engine.handle('capture.profiles.save', { name: 'bad', selection: { ignore: ['1-1000', '900-65535'] } })).rejects.toThrow(/every port .*nothing would be captured/);
      expect((await engine.handle('capture.profiles.save', { name: 'v6 only', selection: { ignore: ['0.0.0.0/0'] } })).name).toBe('v6 only');
      expect((await engine.handle('capture.profiles.save', { name: 'not 2-65535', selection: { ignore: ['2-65535'] } })).name).toBe('not 2-65535');
      expect(await engine.handle('capture.profiles.delete', { name: 'v6 only' })).toEqual({ deleted: true });
      expect(await engine.handle('capture.profiles.delete', { name: 'not 2-65535' })).toEqual({ deleted: true });
      expect(await engine.handle('capture.profiles.delete', { name: 'dns' })).toEqual({ deleted: true });
      expect(await engine.handle('capture.profiles.delete', { name: 'dns' })).toEqual({ deleted: false });
      const c = await engine.handle('capture.compile', { apps: ['ssh'], ignore: ['22'] });
      expect(c.bpf).toMatch(/vlan and/);
      expect(c.summary).toMatch(/ssh/);
      // The window's summary names only what the filter captures (ssh and http have no UDP port).
      expect((await engine.handle('capture.compile', { apps: ['http', 'ssh'] })).summary).toBe('TCP · apps: http, ssh');
      expect((await engine.handle('capture.compile', { apps: ['dns', 'http'] })).summary).toBe('TCP and UDP · apps: dns, http');
      await expect(engine.handle('capture.start', { interface: 'eth0; rm -rf /' })).rejects.toThrow();
    } finally {
      await engine.close();
    }
  });
});

describe('the same choice applied to files', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  function capture(): string {
    const recs: Rec[] = [];
    let t = 1.7e15;
    const hs = (src: string, dst: string, port: number): void => {
      recs.push({ tsUs: (t += 100), data: tcpFrame({ src, dst, sport: 40000 + port, dport: port, flags: 'S', seq: 1 }) });
      recs.push({ tsUs: (t += 100), data: tcpFrame({ src: dst, dst: src, sport: port, dport: 40000 + port, flags: 'SA', ack: 2 }) });
    };
    hs('192.0.2.1', '198.51.100.1', 80);
    hs('192.0.2.1', '198.51.100.1', 22);
    hs('192.0.2.1', '203.0.113.1', 80);
    hs('192.0.2.1', '203.0.113.1', 443);
    recs.push({ tsUs: (t += 100), data: udpFrame({ src: '192.0.2.1', dst: '203.0.113.53', sport: 5000, dport: 53 }) });
    recs.push({ tsUs: (t += 100), data: udpFrame({ src: '203.0.113.53', dst: '192.0.2.1', sport: 53, dport: 5000 }) });
    const path = join(dir, 'mixed.pcap');
    writeFileSync(path, pcapFile(recs));
    return path;
  }

  it('ingest --protocols / --ignore keeps exactly the chosen traffic; each choice is ingested once', () => {
    const file = capture();
    const db = join(dir, 'ingest.db');
    const list = (): string[] => parseTsv(portolan(['services', '--db', db, '--format', 'tsv']).stdout).map((r) => `${r.host}:${r.port}/${r.proto}`).sort();
    const a = portolan(['ingest', '--db', db, '--protocols', 'http,dns', '--ignore', '203.0.113.0/24', file]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/8 packets outside the protocol choice/);
    expect(list()).toEqual(['198.51.100.1:80/tcp']);
    expect(portolan(['ingest', '--db', db, '--protocols', 'http,dns', '--ignore', '203.0.113.0/24', file]).stdout).toMatch(/already ingested/);
    // The same ignore list in another order, or with repeats, is the same choice.
    const b = portolan(['ingest', '--db', db, '--protocols', 'http,dns', '--ignore', '81,203.0.113.0/24,80', file]);
    expect(b.stdout).not.toMatch(/already ingested/);
    for (const ignore of ['80,81,203.0.113.0/24', '203.0.113.0/24,80,81,80', '203.0.113.7/24,81,80']) {
      expect(portolan(['ingest', '--db', db, '--protocols', 'http,dns', '--ignore', ignore, file]).stdout, ignore).toMatch(/already ingested/);
    }
    const all = portolan(['ingest', '--db', db, file]);
    expect(all.stdout).not.toMatch(/already ingested/);
    expect(list()).toEqual(['198.51.100.1:22/tcp', '198.51.100.1:80/tcp', '203.0.113.1:443/tcp', '203.0.113.1:80/tcp', '203.0.113.53:53/udp']);
    // After an unfiltered ingest, any choice is already covered.
    expect(portolan(['ingest', '--db', db, '--protocols', 'ssh', file]).stdout).toMatch(/already ingested/);
  });

  it('bad choices on the command line are usage errors (exit 2)', () => {
    const file = capture();
    expect(portolan(['ingest', '--protocols', 'gopher', file]).code).toBe(2);
    expect(portolan(['ingest', '--ignore', '300.0.0.1', file]).code).toBe(2);
    expect(portolan(['capture', '--protocols', 'udp,ssh', '--interface', 'lo']).code).toBe(2);
    expect(portolan(['capture']).code).toBe(2);
    const bpf = portolan(['capture', '--bpf', '--protocols', 'tcp', '--ignore', '192.0.2.0/24']);
    expect(bpf.code).toBe(0);
    expect(bpf.stdout).toMatch(/not \(net 192\.0\.2\.0\/24\)/);
  });
});

describe('when live capture cannot run', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('a capture helper that cannot load libpcap says so, with the fix, exit 1', () => {
    // The helper copied away from node_modules cannot find the pcap package: as on a machine without it.
    const lonely = join(mkdtempSync(join(tmpdir(), 'portolan-nopcap-')), 'capture-child.js');
    copyFileSync(resolve(REPO_ROOT, 'out/main/capture-child.js'), lonely);
    const r = portolan(['capture', '--list', '--db', join(dir, 'nolib.db')], { PORTOLAN_CAPTURE_CHILD: lonely });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/portolan: error: live capture is not available: libpcap/);
    expect(r.stderr).toMatch(/portolan: fix: install libpcap/);
    const c = portolan(['capture', '--interface', 'lo', '--db', join(dir, 'nolib.db')], { PORTOLAN_CAPTURE_CHILD: lonely });
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/fix: install libpcap/);
  });

  it('names permission problems with the setcap fix', () => {
    const p = classify('open', 'socket: Operation not permitted', 'eth0');
    expect(p.code).toBe('no-permission');
    expect(p.fix).toMatch(/setcap cap_net_raw,cap_net_admin=eip|administrator|ChmodBPF/);
    expect(classify('open', 'eth9: No such device exists (SIOCGIFHWADDR: No such device)', 'eth9').code).toBe('no-interface');
  });
});
