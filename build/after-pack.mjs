/**
 * electron-builder afterPack hook (electron-builder.yml `afterPack`): runs once the app
 * is laid out in appOutDir, before the fuses are flipped, signing and the installers.
 *
 * Linux: compiles the capture helper, build/linux/portolan-capture.c, to
 * `<appOutDir>/portolan-capture` beside the `portolan` executable. The .deb's
 * after-install gives it cap_net_raw,cap_net_admin for the portolan-capture group; the
 * app finds it there (electron/main/index.ts → setPackagedHelper). It needs a C compiler
 * for the target architecture: the same toolchain the native modules are built with
 * (`CC` names another, e.g. CC=aarch64-linux-gnu-gcc for an arm64 package on x64).
 *
 * macOS and Windows need no helper: capture rights there belong to the user (the BPF
 * device group, Npcap), and the capture child runs under the app's own executable in
 * Node mode, which is why the runAsNode fuse must stay on (checked here).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** electron-builder's Arch enum, by value. */
const ARCH = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];
const NODE_ARCH = { ia32: 'ia32', x64: 'x64', armv7l: 'arm', arm64: 'arm64' };

export default async function afterPack(context) {
  const fuses = context.packager.config.electronFuses;
  if (fuses && fuses.runAsNode === false) {
    throw new Error('electronFuses.runAsNode must stay true: live capture runs capture-child.js in Node mode under the app executable (docs/packaging.md)');
  }
  if (context.electronPlatformName !== 'linux') return;

  const arch = ARCH[context.arch];
  const cc = process.env.CC || 'cc';
  if (NODE_ARCH[arch] !== process.arch && !process.env.CC) {
    throw new Error(`the capture helper for ${arch} needs a C compiler for ${arch}: set CC (this machine is ${process.arch})`);
  }
  const executable = context.packager.executableName;
  if (!/^[A-Za-z0-9._-]+$/.test(executable)) throw new Error(`unexpected executable name ${executable}`);
  const source = path.join(here, 'linux', 'portolan-capture.c');
  const out = path.join(context.appOutDir, 'portolan-capture');
  const args = ['-O2', '-Wall', '-Wextra', '-Werror', '-fstack-protector-strong', '-D_FORTIFY_SOURCE=2', '-fPIE', '-pie', '-Wl,-z,relro,-z,now', `-DRUNTIME="${executable}"`, '-o', out, source];
  const r = spawnSync(cc, args, { stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    throw new Error(`compiling the capture helper failed (${r.error ? r.error.message : `${cc} exited ${r.status}`}); a C compiler is needed, as for the native modules`);
  }
  // The helper runs resources/app.asar/out/main/capture-child.js beside it: the archive must be there.
  if (!existsSync(path.join(context.appOutDir, 'resources', 'app.asar'))) {
    throw new Error('the capture helper expects resources/app.asar beside it; keep asar: true');
  }
}
