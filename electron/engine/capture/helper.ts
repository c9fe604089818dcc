/**
 * The capture helper: the one executable allowed to open interfaces for capture, so the
 * UI (and the CLI's own process) never needs root. It runs the capture child
 * (out/main/capture-child.js) and nothing of Portolan's else.
 *
 * Which executable, first match wins:
 * 1. `PORTOLAN_CAPTURE_HELPER` (an explicit path; reported if it is missing);
 * 2. the packaged app's helper, set by the Electron main process (setPackagedHelper):
 *    on Linux `portolan-capture` beside the executable, a small launcher compiled at
 *    packaging time (build/linux/portolan-capture.c) that holds the rights and runs only
 *    the capture child, under the app's executable in Node mode;
 * 3. outside a packaged app, on Linux, the installed copy of Node at
 *    /usr/local/lib/portolan/portolan-capture (docs/capture.md: one command makes it);
 * 4. the runtime that runs this code (process.execPath), which is what works for root,
 *    on macOS (BPF device permissions are per user, not per binary) and on Windows (Npcap).
 *
 * Why a copy and not the node binary itself: file capabilities belong to an inode. Given
 * to /usr/bin/node they would be given to every Node program on the machine, the UI
 * included; given to a root-owned copy that only the `portolan-capture` group may run,
 * they reach only those users, like Wireshark's dumpcap and its `wireshark` group. The
 * copy is still a whole runtime (anyone who may run it may run any script with raw
 * sockets), which is why it is restricted to the group and lives in a root-owned folder.
 *
 * Rights are checked before anything starts (helperRights): root, ambient capabilities
 * (they survive exec), this very runtime's own effective capabilities (when the helper
 * is this runtime), or the helper file's capabilities as `getcap` reports them. File
 * capabilities are ignored on a nosuid mount (an AppImage's FUSE mount, many /tmp and
 * home mounts), so that is checked too. The child's probe (opening an interface) stays
 * the final word: a check that cannot tell (no getcap) never blocks a capture.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import type { CaptureHelperInfo, CaptureProblem } from '../../shared/capture';

/** The installed helper outside a packaged app (Linux). */
export const INSTALLED_HELPER = '/usr/local/lib/portolan/portolan-capture';
/** The group that may run the helper, as `wireshark` may run dumpcap. */
export const HELPER_GROUP = 'portolan-capture';
/** Capability bits (linux/capability.h). */
const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

export type HelperSource = 'env' | 'packaged' | 'installed' | 'runtime';

export interface CaptureHelper {
  /** The executable that runs the capture child. */
  path: string;
  source: HelperSource;
}

/** undefined: not an Electron app (CLI, serve, tests); null: packaged, no separate helper. */
let packagedHelper: string | null | undefined;

/**
 * Called by the Electron main process of a packaged app: the helper beside the app's
 * executable, or null where the app's own executable runs the child (macOS).
 */
export function setPackagedHelper(path: string | null): void {
  packagedHelper = path;
}

export function resolveHelper(env: NodeJS.ProcessEnv = process.env): CaptureHelper {
  const named = env.PORTOLAN_CAPTURE_HELPER;
  if (named) return { path: named, source: 'env' };
  // The package installs it: if it is missing, that is reported (helperRights), not papered over.
  if (packagedHelper) return { path: packagedHelper, source: 'packaged' };
  // A Node copy cannot load modules rebuilt for Electron: a packaged app never falls back to it.
  if (packagedHelper === undefined && process.platform === 'linux' && existsSync(INSTALLED_HELPER)) return { path: INSTALLED_HELPER, source: 'installed' };
  return { path: process.execPath, source: 'runtime' };
}

export type Rights = { ok: true; how: string } | { ok: false; problem: CaptureProblem } | { ok: null; how: string };

/** Parses a capability mask line of /proc/PID/status (`CapEff:\t0000000000003000`). */
export function capMask(status: string, field: 'CapEff' | 'CapPrm' | 'CapAmb'): bigint {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'mi').exec(status);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

export function hasCap(mask: bigint, bit: number): boolean {
  return ((mask >> BigInt(bit)) & 1n) === 1n;
}

/**
 * Reads `getcap` output (`/p cap_net_admin,cap_net_raw=eip`, or libcap < 2.27's
 * `/p = cap_net_admin,cap_net_raw+eip`): the capabilities that are both permitted and
 * effective when the file runs.
 */
export function parseGetcap(out: string): Set<string> {
  const caps = new Set<string>();
  const text = out.trim().replace(/^\S+\s+(=\s+)?/, '');
  for (const clause of text.split(/\s+/)) {
    const m = /^([a-z_,]+)([=+])([eip]*)$/.exec(clause);
    if (!m || !m[3]!.includes('e') || !m[3]!.includes('p')) continue;
    for (const c of m[1]!.split(',')) caps.add(c);
  }
  return caps;
}

function getcapBinary(): string | null {
  for (const p of ['/usr/sbin/getcap', '/sbin/getcap', '/usr/bin/getcap', '/bin/getcap']) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v getcap'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** The file's capabilities, or null when getcap is not installed. */
export function fileCaps(path: string): Set<string> | null {
  const bin = getcapBinary();
  if (!bin) return null;
  const r = spawnSync(bin, [path], { encoding: 'utf8', timeout: 5000 });
  if (r.error) return null;
  return parseGetcap(r.stdout ?? '');
}

/** The mount holding `path` and whether it is nosuid (file capabilities are ignored there). */
export function mountOf(path: string, mounts = safeRead('/proc/self/mounts')): { point: string; nosuid: boolean } | null {
  let best: { point: string; nosuid: boolean } | null = null;
  for (const line of mounts.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    const point = f[1]!.replace(/\\040/g, ' ');
    const inside = point === '/' || path === point || path.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && (!best || point.length >= best.point.length)) best = { point, nosuid: f[3]!.split(',').includes('nosuid') };
  }
  return best;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function groupName(gid: number): string {
  for (const line of safeRead('/etc/group').split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && Number(f[2]) === gid) return f[0]!;
  }
  return String(gid);
}

function user(): string {
  try {
    return userInfo().username;
  } catch {
    return '$USER';
  }
}

/** The runtime a new helper is copied from: this Node, or (under Electron in development) the node on PATH. */
function runtimeSource(): string {
  return process.versions.electron ? '"$(readlink -f "$(command -v node)")"' : real(process.execPath);
}

/**
 * The one command that makes `target` a working helper for this user: a group like
 * Wireshark's, a root-owned copy of the runtime only that group may run (or the packaged
 * helper given to that group), and the two capabilities on it.
 */
export function grantCommand(helper: CaptureHelper, opts: { copy?: boolean } = {}): string {
  const t = helper.source === 'runtime' ? INSTALLED_HELPER : helper.path;
  // An existing helper keeps its file (the packaged one always: it is the launcher built with the app); a missing or outdated one is a fresh copy.
  const copy = opts.copy ?? (helper.source === 'runtime' || !existsSync(t));
  const place = copy && helper.source !== 'packaged' ? `install -D -o root -g ${HELPER_GROUP} -m 0750 ${runtimeSource()} ${t}` : `chown root:${HELPER_GROUP} ${t} && chmod 0750 ${t}`;
  return `sudo sh -c 'groupadd -f ${HELPER_GROUP} && usermod -aG ${HELPER_GROUP} ${user()} && ${place} && setcap cap_net_raw,cap_net_admin=eip ${t}' (then log in again so the group applies)`;
}

/** The fix for missing capture privileges on this machine, naming the helper. */
export function privilegeFixFor(helper: CaptureHelper = resolveHelper()): string {
  if (process.platform === 'darwin') {
    return 'give your user read access to /dev/bpf*: install Wireshark\'s ChmodBPF (it creates the access_bpf group), then sudo dseditgroup -o edit -a "$USER" -t user access_bpf and log in again; or run as root';
  }
  if (process.platform === 'win32') {
    return 'install Npcap (https://npcap.com) without "Restrict Npcap driver\'s access to Administrators only", or run Portolan as an administrator';
  }
  if (process.env.APPIMAGE && helper.source === 'packaged') {
    return `an AppImage runs from a nosuid mount, where capture rights cannot be granted: install the .deb instead (its install grants them to ${helper.path.replace(/^.*\//, '')}), or run as root`;
  }
  return `grant capture rights to the capture helper ${helper.source === 'runtime' ? INSTALLED_HELPER : helper.path}, not to the app: ${grantCommand(helper)}; or run as root`;
}

function noPermission(message: string, fix: string): Rights {
  return { ok: false, problem: { code: 'no-permission', message, fix } };
}

/**
 * Whether the capture child will have the rights to open an interface, checked before
 * it starts. `ok: null` when this cannot be told here (then the child's probe decides).
 */
export function helperRights(helper: CaptureHelper = resolveHelper(), procStatus?: string): Rights {
  if (!existsSync(helper.path)) {
    const fix = helper.source === 'packaged' ? 'reinstall Portolan (its package installs the helper), or run as root' : privilegeFixFor(helper);
    return noPermission(`the capture helper ${helper.path}${helper.source === 'env' ? ' (PORTOLAN_CAPTURE_HELPER)' : ''} does not exist`, fix);
  }
  if (process.platform === 'darwin') {
    try {
      accessSync('/dev/bpf0', constants.R_OK);
      return { ok: true, how: 'read access to /dev/bpf*' };
    } catch {
      if (process.geteuid?.() === 0) return { ok: true, how: 'root' };
      return noPermission('no read access to the BPF devices (/dev/bpf*)', privilegeFixFor(helper));
    }
  }
  if (process.platform !== 'linux') return { ok: null, how: 'decided by Npcap when the capture opens' };
  try {
    accessSync(helper.path, constants.X_OK);
  } catch {
    const st = statSync(helper.path);
    const group = groupName(st.gid);
    return noPermission(
      `you may not run the capture helper ${helper.path} (only its owner and group ${group} may)`,
      // A helper left to root's group gets the capture group instead of putting users in root's.
      st.gid === 0 ? privilegeFixFor(helper) : `sudo usermod -aG ${group} ${user()}, then log in again; or run as root`,
    );
  }
  if (process.geteuid?.() === 0) return { ok: true, how: 'root' };
  const status = procStatus ?? safeRead('/proc/self/status');
  if (hasCap(capMask(status, 'CapAmb'), CAP_NET_RAW)) return { ok: true, how: 'ambient cap_net_raw (inherited by the helper)' };
  const mount = mountOf(real(helper.path));
  const self = helper.source === 'runtime' || real(helper.path) === real(process.execPath);
  if (self && hasCap(capMask(status, 'CapEff'), CAP_NET_RAW)) {
    return { ok: true, how: `cap_net_raw${hasCap(capMask(status, 'CapEff'), CAP_NET_ADMIN) ? ',cap_net_admin' : ''} on this runtime` };
  }
  if (helper.source === 'runtime') {
    return noPermission(`no permission to capture: this user is not root and no capture helper is installed (${INSTALLED_HELPER})`, privilegeFixFor(helper));
  }
  const caps = fileCaps(helper.path);
  if (caps === null) return { ok: null, how: 'getcap is not installed; the capture child\'s probe decides' };
  if (caps.has('cap_net_raw')) {
    if (mount?.nosuid) {
      return noPermission(
        `the capture helper ${helper.path} has cap_net_raw, but it lies on ${mount.point}, mounted nosuid, where file capabilities are ignored`,
        process.env.APPIMAGE && helper.source === 'packaged' ? privilegeFixFor(helper) : `put the helper on a filesystem mounted without nosuid (such as ${dirname(INSTALLED_HELPER)}): ${grantCommand({ path: INSTALLED_HELPER, source: 'installed' })}; or run as root`,
      );
    }
    return { ok: true, how: `${[...caps].filter((c) => c === 'cap_net_raw' || c === 'cap_net_admin').sort().join(',')} on ${helper.path}` };
  }
  return noPermission(`no permission to capture: the capture helper ${helper.path} has no capture rights (cap_net_raw), and this user is not root`, privilegeFixFor(helper));
}

/** What the engine reports about the helper (capture.interfaces, `capture --list --json`). */
export function helperInfo(helper: CaptureHelper, rights: Rights): CaptureHelperInfo {
  return { path: helper.path, source: helper.source, rights: rights.ok === false ? null : rights.how };
}
