/**
 * Capture privileges without running Portolan as root (issue 7, item 6; docs/capture.md,
 * "Capture privileges"). As root, the test makes a capture helper the way the docs say
 * (a copy of this Node with cap_net_raw,cap_net_admin), then runs the real CLI as the
 * unprivileged user `nobody`: with the helper's rights it captures on `lo` the TCP
 * handshakes this test makes to 127.0.0.1 (loopback only) while the CLI's own process
 * has no capability at all; without them the same run says "no permission" and the fix
 * names the helper. A helper that nobody may execute, and one on a nosuid mount (where
 * the kernel ignores file capabilities), are reported as such.
 *
 * The packaged app's helper on Linux (build/linux/portolan-capture.c, a launcher that
 * holds the rights, raises them to the ambient set and runs only the capture child under
 * the app's runtime with a scrubbed environment) is compiled and run the same way, with
 * this Node standing in for the Electron executable.
 *
 * The pure parts (getcap output, /proc status masks, mounts, which helper is used) are
 * checked everywhere.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capMask, grantCommand, hasCap, INSTALLED_HELPER, mountOf, parseGetcap, resolveHelper } from '../../../electron/engine/capture/helper';
import { ensureBuilt, parseTsv } from '../../support/cli';
import { isRoot, REPO_ROOT, requireAllOf, requireOrSkip } from '../../support/require';

const BIN = resolve(REPO_ROOT, 'bin/portolan.js');
const NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const asNobody = (cmd: string[]): boolean => isRoot() && spawnSync(NOBODY[0]!, [...NOBODY.slice(1), ...cmd], { stdio: 'ignore' }).status === 0;

const ready = requireAllOf([
  [process.platform === 'linux', 'file capabilities are a Linux feature'],
  [isRoot(), 'granting capabilities and switching to an unprivileged user needs root'],
  [has('setcap') && has('getcap'), 'setcap/getcap are not installed (libcap2-bin)'],
  [has('setpriv'), 'setpriv is not installed (util-linux)'],
  [existsSync(resolve(REPO_ROOT, 'node_modules/pcap/build/Release/pcap_binding.node')), 'the pcap package is not built (libpcap-dev missing at install?)'],
  // The CLI runs as nobody from this checkout, so nobody must be able to read it.
  [asNobody(['test', '-r', BIN]) && asNobody(['test', '-r', resolve(REPO_ROOT, 'node_modules/pcap/package.json')]), `the user nobody cannot read ${REPO_ROOT} (give its parent folders o+rx)`],
]);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `portolan ARGS` as nobody; `during` runs once the capture has the interface. */
function portolanAsNobody(args: string[], env: Record<string, string>, during?: () => Promise<void>): Promise<Run> {
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  // A clean environment, as a fresh login of that user would have.
  const child = spawn(NOBODY[0]!, [...NOBODY.slice(1), 'env', '-i', `PATH=${process.env.PATH}`, ...envArgs, process.execPath, BIN, ...args], { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let fired = false;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (during && !fired && /capturing on/.test(stderr)) {
      fired = true;
      void during();
    }
  });
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}

/** A listener on 127.0.0.1 and `n` clients that connect, send a line and close. */
async function loopbackTraffic(server: Server, n: number): Promise<void> {
  const port = (server.address() as { port: number }).port;
  for (let i = 0; i < n; i++) {
    await new Promise<void>((res, rej) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => c.end('portolan privileges test\n'));
      c.on('close', () => res());
      c.on('error', rej);
    });
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('which helper, and what its rights are (pure parts)', () => {
  it('reads getcap output in both libcap formats', () => {
    expect([...parseGetcap('/opt/Portolan/portolan-capture cap_net_admin,cap_net_raw=eip\n')].sort()).toEqual(['cap_net_admin', 'cap_net_raw']);
    expect([...parseGetcap('/usr/bin/dumpcap = cap_net_admin,cap_net_raw+eip')].sort()).toEqual(['cap_net_admin', 'cap_net_raw']);
    // Permitted but not effective: a program that does not raise them itself (Node does not) has no rights.
    expect(parseGetcap('/x cap_net_raw=p').has('cap_net_raw')).toBe(false);
    expect(parseGetcap('').size).toBe(0);
  });

  it('reads capability masks from /proc status', () => {
    const status = 'Name:\tnode\nCapInh:\t0000000000000000\nCapPrm:\t0000000000003000\nCapEff:\t0000000000003000\nCapAmb:\t0000000000002000\n';
    expect(hasCap(capMask(status, 'CapEff'), 13)).toBe(true);
    expect(hasCap(capMask(status, 'CapEff'), 12)).toBe(true);
    expect(hasCap(capMask(status, 'CapAmb'), 12)).toBe(false);
    expect(hasCap(capMask('CapEff:\t000001fffeffffff', 'CapEff'), 24)).toBe(false);
  });

  it('finds the mount holding a path and whether it is nosuid', () => {
    const mounts = ['/dev/vda / ext4 rw,relatime 0 0', 'tmpfs /tmp tmpfs rw,nosuid,nodev 0 0', 'tmpfs /tmp/x\\040y tmpfs rw 0 0', 'portolan.AppImage /tmp/.mount_Port fuse.Portolan ro,nosuid,nodev 0 0'].join('\n');
    expect(mountOf('/usr/local/lib/portolan/portolan-capture', mounts)).toEqual({ point: '/', nosuid: false });
    expect(mountOf('/tmp/helper', mounts)).toEqual({ point: '/tmp', nosuid: true });
    expect(mountOf('/tmp/x y/helper', mounts)).toEqual({ point: '/tmp/x y', nosuid: false });
    expect(mountOf('/tmp/.mount_Port/portolan-capture', mounts)?.nosuid).toBe(true);
    expect(mountOf('/tmpfoo/helper', mounts)).toEqual({ point: '/', nosuid: false });
  });

  it('uses PORTOLAN_CAPTURE_HELPER first, else the installed helper, else this runtime', () => {
    expect(resolveHelper({ PORTOLAN_CAPTURE_HELPER: '/opt/h' })).toEqual({ path: '/opt/h', source: 'env' });
    const dflt = resolveHelper({});
    expect(dflt).toEqual(existsSync(INSTALLED_HELPER) && process.platform === 'linux' ? { path: INSTALLED_HELPER, source: 'installed' } : { path: process.execPath, source: 'runtime' });
  });

  it('grants rights to a root-owned copy only a group may run, never to the runtime itself', () => {
    const cmd = grantCommand({ path: process.execPath, source: 'runtime' });
    expect(cmd).toContain(`install -D -o root -g portolan-capture -m 0750 ${realpathSync(process.execPath)} ${INSTALLED_HELPER}`);
    expect(cmd).toContain(`setcap cap_net_raw,cap_net_admin=eip ${INSTALLED_HELPER}`);
    expect(cmd).not.toContain(`setcap cap_net_raw,cap_net_admin=eip ${realpathSync(process.execPath)}`);
    // The packaged helper is the app's own runtime copy: it is given to the group, never replaced.
    const packaged = grantCommand({ path: '/opt/Portolan/portolan-capture', source: 'packaged' });
    expect(packaged).toContain('chown root:portolan-capture /opt/Portolan/portolan-capture && chmod 0750 /opt/Portolan/portolan-capture');
    expect(packaged).not.toContain('install -D');
  });
});

describe.skipIf(!ready)('capture as an unprivileged user through the capture helper', () => {
  let dir: string;
  let helper: string;
  let server: Server;
  let accepted = 0;

  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), `portolan-privileges-${process.pid}-`));
    chmodSync(dir, 0o755);
    // The database folder belongs to nobody; the helper to root, as the docs install it.
    mkdirSync(join(dir, 'db'));
    chownSync(join(dir, 'db'), 65534, 65534);
    helper = join(dir, 'portolan-capture');
    copyFileSync(realpathSync(process.execPath), helper);
    chmodSync(helper, 0o755);
    server = createServer((s) => {
      accepted++;
      s.resume();
      s.on('end', () => s.end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  }, 60_000);

  const dir0 = (): string => dir;

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the unprivileged CLI itself has no capability', () => {
    const r = spawnSync(NOBODY[0]!, [...NOBODY.slice(1), process.execPath, '-e', "process.stdout.write(require('fs').readFileSync('/proc/self/status','utf8'))"], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(capMask(r.stdout, 'CapEff')).toBe(0n);
    expect(capMask(r.stdout, 'CapAmb')).toBe(0n);
  });

  it('without the helper\'s rights: no permission, and the fix names the helper', async () => {
    const db = join(dir, 'db', 'denied.db');
    const list = await portolanAsNobody(['capture', '--list', '--json', '--db', db], { PORTOLAN_CAPTURE_HELPER: helper });
    expect(list.code).toBe(1);
    const r = JSON.parse(list.stdout) as { ok: boolean; problem: { code: string; message: string; fix: string }; helper: { path: string; rights: string | null }; interfaces: Array<{ name: string }> };
    expect(r.ok).toBe(false);
    expect(r.problem.code).toBe('no-permission');
    expect(r.problem.message).toContain(helper);
    expect(r.problem.fix).toContain(`setcap cap_net_raw,cap_net_admin=eip ${helper}`);
    expect(r.helper).toMatchObject({ path: helper, source: 'env', rights: null });
    // Listing needs no rights: the view can still show the interfaces.
    expect(r.interfaces.map((i) => i.name)).toContain('lo');

    const cap = await portolanAsNobody(['capture', '--interface', 'lo', '--duration', '2', '--db', db], { PORTOLAN_CAPTURE_HELPER: helper });
    expect(cap.code).toBe(1);
    expect(cap.stderr).toMatch(/portolan: error: no permission to capture: the capture helper .* has no capture rights/);
    expect(cap.stderr).toContain(`portolan: fix: grant capture rights to the capture helper ${helper}`);
  }, 60_000);

  it('with cap_net_raw,cap_net_admin on the helper: captures loopback handshakes as nobody', async () => {
    expect(spawnSync('setcap', ['cap_net_raw,cap_net_admin=eip', helper]).status).toBe(0);
    const db = join(dir, 'db', 'granted.db');
    const list = await portolanAsNobody(['capture', '--list', '--json', '--interface', 'lo', '--db', db], { PORTOLAN_CAPTURE_HELPER: helper });
    expect(list.code, list.stderr).toBe(0);
    const r = JSON.parse(list.stdout) as { ok: boolean; problem: unknown; helper: { rights: string } };
    expect(r.ok).toBe(true);
    expect(r.problem).toBeNull();
    expect(r.helper.rights).toBe(`cap_net_admin,cap_net_raw on ${helper}`);

    const before = accepted;
    const cap = await portolanAsNobody(['capture', '--interface', 'lo', '--duration', '4', '--protocols', 'tcp', '--db', db, '--json'], { PORTOLAN_CAPTURE_HELPER: helper }, () => loopbackTraffic(server, 3));
    expect(cap.code, cap.stderr).toBe(0);
    expect(accepted - before).toBe(3);
    const result = JSON.parse(cap.stdout) as { packets: number; captureStatus: string };
    expect(result.captureStatus).toBe('complete');
    expect(result.packets).toBeGreaterThanOrEqual(3 * 3);
    const port = (server.address() as { port: number }).port;
    const services = await portolanAsNobody(['services', '--db', db, '--format', 'tsv', '--status', 'all'], {});
    const row = parseTsv(services.stdout).find((s) => s.host === '127.0.0.1' && s.port === String(port));
    expect(row, services.stdout).toMatchObject({ proto: 'tcp', evidence: 'handshake', sources: 'capture:1' });
  }, 60_000);

  it('a helper only its group may run: says so, with the group fix', async () => {
    const locked = join(dir, 'locked-capture');
    copyFileSync(helper, locked);
    chmodSync(locked, 0o750);
    const list = await portolanAsNobody(['capture', '--list', '--db', join(dir, 'db', 'locked.db')], { PORTOLAN_CAPTURE_HELPER: locked });
    expect(list.code).toBe(1);
    expect(list.stderr).toContain(`you may not run the capture helper ${locked}`);
    // Left in root's group: the fix makes a capture group rather than adding users to root's.
    expect(list.stderr).toContain(`chown root:portolan-capture ${locked} && chmod 0750 ${locked}`);
  }, 60_000);

  it('a helper with rights on a nosuid mount: the kernel ignores them, and Portolan says why', async (ctx) => {
    const mnt = join(dir, 'nosuid');
    mkdirSync(mnt);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256m,nosuid,mode=0755', `portolan-privileges-${process.pid}`, mnt]).status === 0;
    if (!requireOrSkip(mounted, 'cannot mount a tmpfs here')) return ctx.skip();
    try {
      const h = join(mnt, 'portolan-capture');
      copyFileSync(realpathSync(process.execPath), h);
      chmodSync(h, 0o755);
      expect(spawnSync('setcap', ['cap_net_raw,cap_net_admin=eip', h]).status).toBe(0);
      // What the kernel does: the capability stays on the file, and the process does not get it.
      const st = spawnSync(NOBODY[0]!, [...NOBODY.slice(1), h, '-e', "process.stdout.write(require('fs').readFileSync('/proc/self/status','utf8'))"], { encoding: 'utf8' });
      expect(hasCap(capMask(st.stdout, 'CapEff'), 13)).toBe(false);
      const list = await portolanAsNobody(['capture', '--list', '--db', join(dir, 'db', 'nosuid.db')], { PORTOLAN_CAPTURE_HELPER: h });
      expect(list.code).toBe(1);
      expect(list.stderr).toContain(`mounted nosuid, where file capabilities are ignored`);
      expect(list.stderr).toContain(INSTALLED_HELPER);
    } finally {
      spawnSync('umount', [mnt]);
    }
  }, 60_000);

  describe('the packaged Linux helper (build/linux/portolan-capture.c)', () => {
    const cc = process.env.CC || 'cc';
    const canCompile = requireOrSkip(has(cc), `no C compiler (${cc}) to build the packaged capture helper`);
    const SOURCE = resolve(REPO_ROOT, 'build/linux/portolan-capture.c');

    /** Compiles the launcher into `dir`, as build/after-pack.mjs does, with this Node as the "app executable". */
    function launcher(dir: string, script?: string): string {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o755);
      symlinkSync(realpathSync(process.execPath), join(dir, 'runtime'));
      const out = join(dir, 'portolan-capture');
      const defs = ['-DRUNTIME="runtime"', ...(script ? [`-DSCRIPT="${script}"`] : [])];
      const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', ...defs, '-o', out, SOURCE], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(spawnSync('setcap', ['cap_net_raw,cap_net_admin=eip', out]).status).toBe(0);
      return out;
    }

    it.skipIf(!canCompile)('passes only its rights (ambient) and Node\'s IPC channel to what it runs', () => {
      const dir = join(dir0(), 'probe');
      const h = launcher(dir, 'probe.js');
      // The environment as exec'd (/proc/self/environ), before Node takes its own variables out of process.env.
      writeFileSync(
        join(dir, 'probe.js'),
        "const fs = require('fs'); process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), env: fs.readFileSync('/proc/self/environ', 'utf8').split('\\0').filter(Boolean).map((e) => e.split('=')[0]).sort(), status: fs.readFileSync('/proc/self/status', 'utf8') }))",
      );
      const r = spawnSync(NOBODY[0]!, [...NOBODY.slice(1), 'env', 'NODE_OPTIONS=--require=/nonexistent/inject.js', 'LD_PRELOAD=/nonexistent/inject.so', 'NODE_CHANNEL_SERIALIZATION_MODE=json', 'PORTOLAN_X=1', h, '/some/other/script.js', '{"op":"list","probe":null}'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const seen = JSON.parse(r.stdout) as { argv: string[]; env: string[]; status: string };
      // Its own fixed script runs, with the request (the last argument) only.
      expect(seen.argv).toEqual(['{"op":"list","probe":null}']);
      expect(seen.env).toEqual(['ELECTRON_RUN_AS_NODE', 'NODE_CHANNEL_SERIALIZATION_MODE', 'PATH']);
      expect(hasCap(capMask(seen.status, 'CapAmb'), 13) && hasCap(capMask(seen.status, 'CapAmb'), 12)).toBe(true);
      expect(hasCap(capMask(seen.status, 'CapEff'), 13)).toBe(true);
    });

    it.skipIf(!canCompile)('captures loopback handshakes as nobody, in the packaged layout', async () => {
      // <app>/portolan-capture, <app>/runtime (the "executable"), <app>/resources/app.asar/out/main/capture-child.js.
      const app = join(dir0(), 'app');
      const h = launcher(app);
      const main = join(app, 'resources', 'app.asar', 'out', 'main');
      mkdirSync(main, { recursive: true });
      symlinkSync(resolve(REPO_ROOT, 'out/main/capture-child.js'), join(main, 'capture-child.js'));
      const db = join(dir0(), 'db', 'launcher.db');
      const list = await portolanAsNobody(['capture', '--list', '--json', '--interface', 'lo', '--db', db], { PORTOLAN_CAPTURE_HELPER: h });
      expect(list.code, list.stderr).toBe(0);
      expect((JSON.parse(list.stdout) as { helper: { rights: string } }).helper.rights).toBe(`cap_net_admin,cap_net_raw on ${h}`);
      const before = accepted;
      const cap = await portolanAsNobody(['capture', '--interface', 'lo', '--duration', '4', '--protocols', 'tcp', '--db', db, '--json'], { PORTOLAN_CAPTURE_HELPER: h }, () => loopbackTraffic(server, 2));
      expect(cap.code, cap.stderr).toBe(0);
      expect(accepted - before).toBe(2);
      const port = (server.address() as { port: number }).port;
      const services = await portolanAsNobody(['services', '--db', db, '--format', 'tsv', '--status', 'all'], {});
      expect(parseTsv(services.stdout).find((x) => x.host === '127.0.0.1' && x.port === String(port)), services.stdout).toMatchObject({ evidence: 'handshake' });
    }, 60_000);
  });
});
