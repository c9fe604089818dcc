/**
 * Live capture, for real: namespace hosts with listeners on a veth pair, a connect scan
 * by nmap -sT and by nc -z, a SYN scan by nmap -sS, a real HTTP request and UDP
 * datagrams, captured on the veth by `portolan capture` (libpcap in its child process).
 * The capture must find exactly the listening ports: the scanners' resets, the closed
 * ports' resets and the unanswered UDP port create no listener. A second capture with a
 * protocol choice must still see VLAN-tagged traffic (the BPF's `vlan` alternatives):
 * tagged frames are replayed onto the veth by tcpreplay, since kernels without 802.1Q
 * support cannot make VLAN interfaces.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseNetns, isRoot, REPO_ROOT, requireAllOf } from '../../support/require';
import { ensureBuilt, parseTsv, portolan } from '../../support/cli';
import { pcapFile, tcpFrame, udpFrame, type Rec } from '../../support/frames';
import { CLIENT_PY, createTestNet, SERVER_PY, type TestNet } from './netns';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

const ready = requireAllOf([
  [isRoot(), 'live capture needs root'],
  [isRoot() && canUseNetns(), 'network namespaces are not available'],
  [has('nmap'), 'nmap is not installed'],
  [has('nc'), 'nc (netcat-openbsd) is not installed'],
  [has('python3'), 'python3 is not installed'],
  [has('tcpreplay'), 'tcpreplay is not installed'],
  [existsSync(resolve(REPO_ROOT, 'node_modules/pcap/build/Release/pcap_binding.node')), 'the pcap package is not built (libpcap-dev missing at install?)'],
]);

const BIN = resolve(REPO_ROOT, 'bin/portolan.js');

function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp, ms: number): Promise<string> {
  return new Promise((res, rej) => {
    let text = '';
    const t = setTimeout(() => rej(new Error(`timed out waiting for ${re} (got: ${text})`)), ms);
    child[stream]!.on('data', (d: Buffer) => {
      text += d.toString();
      if (re.test(text)) {
        clearTimeout(t);
        res(text);
      }
    });
    child.on('exit', () => {
      clearTimeout(t);
      rej(new Error(`exited before ${re}: ${text}`));
    });
  });
}

function collect(child: ChildProcess): { out: () => string; err: () => string; exit: Promise<number | null> } {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { out: () => out, err: () => err, exit: new Promise((r) => child.on('exit', (code) => r(code))) };
}

/** Starts `portolan capture` inside the client namespace and waits until libpcap has the interface. */
async function startCapture(net: TestNet, db: string, extra: string[] = []): Promise<{ stop: () => Promise<{ code: number | null; out: string; err: string }> }> {
  const child = net.spawn(net.cli, [process.execPath, BIN, 'capture', '--interface', net.cliIf, '--db', db, '--json', ...extra]);
  const c = collect(child);
  await waitFor(child, 'stderr', /capturing on/, 20_000);
  return {
    stop: async () => {
      // Ctrl-C, as an analyst would: the capture stops and stores everything.
      await new Promise((r) => setTimeout(r, 700));
      child.kill('SIGINT');
      const code = await c.exit;
      return { code, out: c.out(), err: c.err() };
    },
  };
}

describe.skipIf(!ready)('live capture on a veth between namespace hosts', () => {
  let net: TestNet;
  let dir: string;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portolan-live-'));
    net = createTestNet();
    const server = net.spawn(net.srv, ['python3', '-u', '-c', SERVER_PY]);
    await waitFor(server, 'stdout', /ready/, 10_000);
  }, 60_000);

  afterAll(() => net?.destroy());

  it('finds exactly the listening ports behind nmap -sT, nc -z, nmap -sS, HTTP and UDP traffic', async () => {
    const db = join(dir, 'scan.db');
    const cap = await startCapture(net, db);
    const nmapT = net.exec(net.cli, ['nmap', '-n', '-Pn', '-sT', '-T4', '--max-retries', '0', '-p', '1-1024,5432,8080', net.srvIp]);
    expect(nmapT.code, nmapT.stderr).toBe(0);
    expect(nmapT.stdout).toMatch(/80\/tcp\s+open/);
    const ncz = net.exec(net.cli, ['nc', '-z', '-w', '1', net.srvIp, '8075-8085']);
    expect(ncz.code, ncz.stderr).toBe(0);
    const nc6 = net.exec(net.cli, ['nc', '-z', '-w', '1', net.srvIp6, '80', '81']);
    expect(nc6.code, nc6.stderr).toBe(0);
    const nmapS = net.exec(net.cli, ['nmap', '-n', '-Pn', '-sS', '-T4', '--max-retries', '0', '-p', '1-200,5432', net.srvIp]);
    expect(nmapS.code, nmapS.stderr).toBe(0);
    expect(nmapS.stdout).toMatch(/5432\/tcp\s+open/);
    const client = net.exec(net.cli, ['python3', '-c', CLIENT_PY, net.srvIp]);
    expect(client.code, client.stderr).toBe(0);
    const end = await cap.stop();
    expect(end.code, end.err).toBe(0);
    const result = JSON.parse(end.out);
    expect(result).toMatchObject({ status: 'done', captureStatus: 'complete', interface: net.cliIf });
    expect(result.packets).toBeGreaterThan(1000);
    expect(result.kernelDrops + result.appDrops).toBe(0);

    const rows = parseTsv(portolan(['services', '--db', db, '--format', 'tsv']).stdout);
    const got = rows.map((r) => `${r.host} ${r.port}/${r.proto} ${r.evidence} ${r.confidence}`).sort();
    expect(got).toEqual(
      [
        `${net.srvIp} 80/tcp handshake certain`,
        `${net.srvIp} 8080/tcp handshake certain`,
        `${net.srvIp} 5432/tcp handshake certain`,
        `${net.srvIp} 5353/udp reply certain`,
        `${net.srvIp6} 80/tcp handshake certain`,
      ].sort(),
    );
    expect(rows.find((r) => r.port === '80' && r.host === net.srvIp)?.service).toBe('http');

    // Flows tell the story: REJ for closed ports, the SYN scan's open ports reset by the scanner.
    const flows = parseTsv(portolan(['flows', '--db', db]).stdout);
    const states = new Set(flows.map((f) => f.conn_state));
    expect(states.has('REJ')).toBe(true);
    expect(flows.some((f) => f.dest_port === '5432' && f.conn_state === 'RSTO' && (f.history ?? '').includes('R'))).toBe(true);
    expect(flows.every((f) => f.src_ip !== net.srvIp || f.transport === 'udp')).toBe(true);
  }, 90_000);

  it('with a protocol choice, still sees VLAN-tagged traffic and leaves out what was not chosen', async () => {
    const db = join(dir, 'vlan.db');
    // Handshakes on VLAN 100 (and one double-tagged), plus traffic the choice leaves out.
    const S = '203.0.113.10';
    const C = '203.0.113.20';
    const recs: Rec[] = [];
    let t = 1e15;
    const hs = (port: number, vlans: number[]): void => {
      recs.push({ tsUs: (t += 10), data: tcpFrame({ src: C, dst: S, sport: 40000 + port, dport: port, flags: 'S', seq: 7, vlans }) });
      recs.push({ tsUs: (t += 10), data: tcpFrame({ src: S, dst: C, sport: port, dport: 40000 + port, flags: 'SA', seq: 90, ack: 8, vlans }) });
    };
    hs(443, [100]);
    hs(22, [100, 200]);
    hs(8080, [100]); // ignored port
    hs(25, []); // untagged, chosen
    recs.push({ tsUs: (t += 10), data: udpFrame({ src: C, dst: S, sport: 5000, dport: 53 }) }); // UDP: not chosen
    recs.push({ tsUs: (t += 10), data: udpFrame({ src: S, dst: C, sport: 53, dport: 5000 }) });
    const file = join(dir, 'vlan.pcap');
    writeFileSync(file, pcapFile(recs));
    const cap = await startCapture(net, db, ['--protocols', 'tcp', '--ignore', '8080']);
    const replay = net.exec(net.srv, ['tcpreplay', '-q', '-i', net.srvIf, '--pps', '200', file]);
    expect(replay.code, replay.stderr).toBe(0);
    const end = await cap.stop();
    expect(end.code, end.err).toBe(0);
    const result = JSON.parse(end.out);
    expect(result.bpf).toMatch(/vlan and/);
    const rows = parseTsv(portolan(['services', '--db', db, '--format', 'tsv']).stdout);
    expect(rows.map((r) => `${r.host} ${r.port}/${r.proto}`).sort()).toEqual([`${S} 22/tcp`, `${S} 25/tcp`, `${S} 443/tcp`]);
    const flows = parseTsv(portolan(['flows', '--db', db]).stdout).filter((f) => f.dest_ip === S);
    expect(Object.fromEntries(flows.map((f) => [f.dest_port, f.vlan]))).toEqual({ '443': '100', '22': '100,200', '25': '' });
  }, 60_000);

  it('refuses an interface that does not exist with a message and a fix, exit 1, nothing stored', () => {
    const db = join(dir, 'none.db');
    const r = portolan(['capture', '--interface', 'pcap-nonexistent0', '--duration', '1', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/portolan: error: .*pcap-nonexistent0/);
    expect(r.stderr).toMatch(/portolan: fix: /);
    expect(parseTsv(portolan(['flows', '--db', db]).stdout)).toEqual([]);
  });
});
