/**
 * The packaging configuration (electron-builder.yml, docs/packaging.md), checked here
 * because the packages themselves cannot be built on this machine (no Electron binary
 * can be downloaded):
 * - electron-builder's own loader reads it, and it is valid against electron-builder's
 *   JSON schema (node_modules/app-builder-lib/scheme.json, draft-07, checked with ajv)
 *   and electron-builder's own validation;
 * - the targets are AppImage + deb, dmg, nsis; native modules are rebuilt for Electron;
 * - every file it names exists and is what it claims (icons of the right sizes and
 *   formats, the afterPack hook, the .deb after-install script);
 * - every .node file the build produces is packaged and unpacked from the asar archive;
 * - the afterPack hook really compiles the Linux capture helper, and refuses a
 *   configuration that would turn runAsNode off.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, requireOrSkip } from './support/require';

const require = createRequire(import.meta.url);
const BUILDER_LIB = dirname(require.resolve('app-builder-lib/package.json'));
const fromBuilder = createRequire(join(BUILDER_LIB, 'package.json'));
const minimatch = (fromBuilder('minimatch') as { minimatch: (path: string, pattern: string, opts?: object) => boolean }).minimatch;

/* The parts of electron-builder's Configuration this test reads. */
interface Config {
  appId?: string;
  productName?: string;
  /** Normalised by electron-builder's loader into file sets. */
  files?: Array<string | { from?: string; filter?: string[] }>;
  asar?: boolean;
  asarUnpack?: string[];
  npmRebuild?: boolean;
  buildDependenciesFromSource?: boolean;
  electronFuses?: Record<string, boolean>;
  afterPack?: string;
  directories?: { output?: string; buildResources?: string };
  linux?: { target?: string[]; icon?: string; executableName?: string; maintainer?: string };
  deb?: { depends?: string[]; afterInstall?: string };
  mac?: { target?: string; icon?: string };
  win?: { target?: string; icon?: string };
  nsis?: { installerIcon?: string; uninstallerIcon?: string };
}

let config: Config;

beforeAll(async () => {
  const { getConfig } = fromBuilder('./out/util/config/config') as { getConfig: (dir: string, file: string | null, opts: null) => Promise<Config> };
  config = await getConfig(REPO_ROOT, join(REPO_ROOT, 'electron-builder.yml'), null);
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): { w: number; h: number } {
  expect(buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(buf.toString('ascii', 12, 16)).toBe('IHDR');
  return { w: buf.readUInt32BE(16), h: buf.readUInt32BE(20) };
}

/** Every file below `dir` whose name ends with `suffix`, skipping object folders. */
function walk(dir: string, suffix: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'obj.target' && e.name !== '.deps') walk(p, suffix, out);
    else if (e.isFile() && e.name.endsWith(suffix)) out.push(p);
  }
  return out;
}

/** Where Node would find package `name` from folder `from` (package.json "exports" aside). */
function installed(name: string, from: string): string | null {
  for (let d = from; ; d = dirname(d)) {
    const c = join(d, 'node_modules', name);
    if (existsSync(join(c, 'package.json'))) return c;
    if (dirname(d) === d) return null;
  }
}

/** The production dependency tree of package.json, as installed folders. */
function productionPackages(): string[] {
  const seen = new Set<string>();
  const visit = (name: string, from: string, optional: boolean): void => {
    const dir = installed(name, from);
    if (!dir) {
      expect(optional, `${name} (needed by ${from}) is installed`).toBe(true);
      return;
    }
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(root.dependencies)) visit(dep, REPO_ROOT, false);
  return [...seen];
}

/** The app-relative patterns of `files` (file sets from the project folder). */
function filePatterns(files: Config['files']): string[] {
  return (files ?? []).flatMap((f) => {
    if (typeof f === 'string') return [f];
    expect(f.from ?? '.', 'file sets are taken from the project folder').toBe('.');
    return f.filter ?? [];
  });
}

/** Whether electron-builder's `files` patterns take this app-relative path (last match wins, `!` excludes). */
function packaged(path: string, files: Config['files']): boolean {
  const patterns = filePatterns(files);
  let taken = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (minimatch(path, p.slice(1), { dot: true })) taken = false;
    } else if (minimatch(path, p, { dot: true })) taken = true;
  }
  return taken;
}

describe('electron-builder.yml against electron-builder 26', () => {
  it('is valid against app-builder-lib/scheme.json (ajv, draft-07)', () => {
    const schema = JSON.parse(readFileSync(join(BUILDER_LIB, 'scheme.json'), 'utf8')) as { $schema: string };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    // strict: false lets ajv skip electron-builder's own `typeof: function` keyword.
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
    // Not vacuous: a misspelt option, or a wrong type, is refused.
    expect(validate({ ...config, asarUnpak: ['**/*.node'] })).toBe(false);
    expect(validate({ ...config, electronFuses: { runAsNode: 'yes' } })).toBe(false);
  });

  it('passes electron-builder\'s own validation', async () => {
    const { validateConfiguration } = fromBuilder('./out/util/config/config') as { validateConfiguration: (c: Config, log: { isEnabled: boolean; add: () => void }) => Promise<void> };
    await expect(validateConfiguration(config, { isEnabled: false, add: () => undefined })).resolves.toBeUndefined();
  });

  it('builds Portolan: AppImage and deb, dmg, NSIS, native modules rebuilt for Electron', () => {
    expect(config.productName).toBe('Portolan');
    expect(config.appId).toMatch(/^[a-z0-9]+(\.[a-z0-9-]+)+$/i);
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toBe('dmg');
    expect(config.win?.target).toBe('nsis');
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(true);
    expect(config.deb?.depends).toEqual(expect.arrayContaining(['libpcap0.8 | libpcap0.8t64', 'libcap2-bin']));
    // The .deb needs a maintainer; electron-builder refuses a deb without one.
    expect(config.linux?.maintainer ?? '').toMatch(/<[^>]+@[^>]+>/);
  });

  it('sets the fuses, with runAsNode on for the capture child (docs/packaging.md)', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
    });
  });

  it('names only files that exist', () => {
    const named = [config.afterPack, config.deb?.afterInstall, config.linux?.icon, config.mac?.icon, config.win?.icon, config.nsis?.installerIcon, config.nsis?.uninstallerIcon];
    for (const f of named) {
      expect(f, 'a file the configuration names').toBeTruthy();
      expect(existsSync(resolve(REPO_ROOT, f!)), f).toBe(true);
    }
    // Build-only files live in buildResources, which electron-builder keeps out of the app.
    expect(config.directories?.buildResources).toBe('build');
    expect(config.afterPack?.startsWith('./build/')).toBe(true);
    expect(config.deb?.afterInstall?.startsWith('build/')).toBe(true);
  });

  it('has the icons every target needs, drawn from one SVG', () => {
    expect(readFileSync(join(REPO_ROOT, 'resources/icon.svg'), 'utf8')).toContain('<svg');
    expect(pngSize(readFileSync(join(REPO_ROOT, 'resources/icon.png')))).toEqual({ w: 1024, h: 1024 });
    // Linux: a folder of NxN.png (the hicolor theme sizes), up to 512 at least.
    const dir = resolve(REPO_ROOT, config.linux!.icon!);
    const sizes = readdirSync(dir).map((f) => {
      const m = /^(\d+)x(\d+)\.png$/.exec(f);
      expect(m, f).not.toBeNull();
      expect(pngSize(readFileSync(join(dir, f)))).toEqual({ w: Number(m![1]), h: Number(m![2]) });
      return Number(m![1]);
    });
    expect(sizes).toEqual(expect.arrayContaining([16, 32, 48, 64, 128, 256, 512]));
    // Windows: an ICO with 16…256 (at least 256, as electron-builder requires).
    const ico = readFileSync(resolve(REPO_ROOT, config.win!.icon!));
    expect(ico.readUInt16LE(2)).toBe(1);
    const count = ico.readUInt16LE(4);
    const icoSizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const e = 6 + 16 * i;
      icoSizes.push(ico[e] || 256);
      expect(ico.readUInt32LE(e + 12) + ico.readUInt32LE(e + 8)).toBeLessThanOrEqual(ico.length);
    }
    expect(icoSizes).toEqual(expect.arrayContaining([16, 32, 48, 256]));
    // macOS: an icns whose length is right and which holds the 512@2x (1024) image.
    const icns = readFileSync(resolve(REPO_ROOT, config.mac!.icon!));
    expect(icns.toString('ascii', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types = new Map<string, Buffer>();
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) types.set(icns.toString('ascii', at, at + 4), icns.subarray(at + 8, at + icns.readUInt32BE(at + 4)));
    expect(pngSize(types.get('ic10')!)).toEqual({ w: 1024, h: 1024 });
    expect(pngSize(types.get('ic09')!)).toEqual({ w: 512, h: 512 });
  });

  it('packages the window icon where electron/main looks for it', () => {
    // electron/main/packaged.ts: join(__dirname, '..', '..', 'resources', 'icon.png') from out/main.
    const fromOutMain = relative(REPO_ROOT, resolve(REPO_ROOT, 'out', 'main', '..', '..', 'resources', 'icon.png'));
    expect(fromOutMain).toBe(join('resources', 'icon.png'));
    expect(readFileSync(join(REPO_ROOT, 'electron/main/packaged.ts'), 'utf8')).toContain("join(__dirname, '..', '..', 'resources', 'icon.png')");
    expect(packaged('resources/icon.png', config.files!)).toBe(true);
    expect(packaged('out/main/index.js', config.files!)).toBe(true);
    expect(packaged('out/main/capture-child.js', config.files!)).toBe(true);
    expect(packaged('out/preload/index.js', config.files!)).toBe(true);
    expect(packaged('out/renderer/index.html', config.files!)).toBe(true);
  });

  it('packages every .node file the build produces, and unpacks each from the asar archive', () => {
    expect(config.asar).toBe(true);
    // The project's own addons (native/build.mjs): found by the engine above out/main, so they must be in the app.
    const own = existsSync(join(REPO_ROOT, 'native')) ? walk(join(REPO_ROOT, 'native'), '.node') : [];
    // Production dependencies' addons (sqlite3, pcap): electron-builder copies node_modules itself.
    const pkgs = productionPackages();
    for (const name of ['sqlite3', 'pcap', 'fast-xml-parser']) expect(pkgs).toContain(join(REPO_ROOT, 'node_modules', name));
    const deps = pkgs.flatMap((d) => walk(d, '.node'));
    const all = [...own, ...deps].map((p) => relative(REPO_ROOT, p).split('\\').join('/'));
    requireOrSkip(all.some((p) => p.includes('pcap_binding.node')), 'the pcap package is not built, so its addon cannot be checked');
    for (const p of all) {
      expect(config.asarUnpack!.some((pattern) => minimatch(p, pattern, { dot: true })), `${p} is unpacked`).toBe(true);
    }
    for (const p of own) expect(packaged(relative(REPO_ROOT, p), config.files!), `${p} is packaged`).toBe(true);
    // The path the scanner's loader searches for (electron/engine/scan/native.ts).
    expect(packaged('native/scanner/build/Release/portolan_scan.node', config.files!)).toBe(true);
    expect(readFileSync(join(REPO_ROOT, 'electron/engine/scan/native.ts'), 'utf8')).toContain("join('native', 'scanner', 'build', 'Release', 'portolan_scan.node')");
  });

  it('keeps build-only and development files out of the app', () => {
    expect(packaged('out/main/fuzz.js', config.files!)).toBe(false);
    expect(packaged('out/main/index.js.map', config.files!)).toBe(false);
    expect(packaged('electron/main/index.ts', config.files!)).toBe(false);
    expect(packaged('test/packaging.test.ts', config.files!)).toBe(false);
  });
});

describe('the .deb after-install script', () => {
  const text = (): string => readFileSync(resolve(REPO_ROOT, config.deb!.afterInstall!), 'utf8');

  it('keeps electron-builder\'s own steps and uses only the macros it defines', () => {
    const template = readFileSync(join(BUILDER_LIB, 'templates/linux/after-install.tpl'), 'utf8');
    expect(text().startsWith('#!/bin/bash\n')).toBe(true);
    expect(text()).toContain(template.replace(/^#!\/bin\/bash\n/, '').trim());
    // electron-builder replaces ${name} and throws on a name it does not know.
    const macros = new Set([...text().matchAll(/\$\{([a-zA-Z]+)\}/g)].map((m) => m[1]));
    for (const m of macros) expect(['executable', 'sanitizedProductName', 'productFilename']).toContain(m);
    expect(spawnSync('bash', ['-n', resolve(REPO_ROOT, config.deb!.afterInstall!)]).status).toBe(0);
  });

  it('grants the capture rights to the helper only, for its group', () => {
    const t = text();
    expect(t).toContain("PORTOLAN_HELPER='/opt/${sanitizedProductName}/portolan-capture'");
    expect(t).toContain('chown root:portolan-capture "$PORTOLAN_HELPER" && chmod 0750 "$PORTOLAN_HELPER"');
    expect(t).toContain('setcap cap_net_raw,cap_net_admin=eip "$PORTOLAN_HELPER"');
    // Never the app's own executable.
    expect(t).not.toMatch(/setcap[^\n]*\$\{executable\}/);
  });
});

describe('npm run dist', () => {
  it('has the scripts, and asks for the Node that electron-builder\'s rebuild declares', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; engines: { node: string } };
    expect(pkg.scripts.dist).toBe('node scripts/dist.mjs');
    for (const os of ['linux', 'mac', 'win']) expect(pkg.scripts[`dist:${os}`]).toBe(`node scripts/dist.mjs --${os}`);
    // npm start / npm run build stay on Node 20.
    expect(pkg.engines.node).toBe('>=20.19.0');
    const { nodeOk, MIN_NODE } = (await import(pathToFileURL(join(REPO_ROOT, 'scripts/dist.mjs')).href)) as { nodeOk: (v: string) => boolean; MIN_NODE: number[] };
    // @electron/rebuild exports no package.json: find it above its main file.
    let dir = dirname(require.resolve('@electron/rebuild', { paths: [BUILDER_LIB] }));
    while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
    const rebuild = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; engines: { node: string } };
    expect(rebuild.name).toBe('@electron/rebuild');
    expect(rebuild.engines.node).toBe(`>=${MIN_NODE.join('.')}.0`);
    expect(nodeOk('20.19.0')).toBe(false);
    expect(nodeOk('22.11.9')).toBe(false);
    expect(nodeOk('22.12.0')).toBe(true);
    expect(nodeOk('24.0.0')).toBe(true);
  });
});

describe('the afterPack hook', () => {
  type Hook = { default: (ctx: unknown) => Promise<void> };
  const hook = async (): Promise<Hook> => (await import(pathToFileURL(resolve(REPO_ROOT, config.afterPack!)).href)) as Hook;
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), `portolan-afterpack-${process.pid}-`));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const context = (platform: string, fuses: Record<string, boolean>) => ({
    electronPlatformName: platform,
    arch: ['ia32', 'x64', 'armv7l', 'arm64'].indexOf(process.arch === 'arm' ? 'armv7l' : process.arch),
    appOutDir: out,
    packager: { executableName: 'portolan', config: { electronFuses: fuses } },
  });

  it('refuses to go on if runAsNode were turned off', async () => {
    await expect((await hook()).default(context('darwin', { runAsNode: false }))).rejects.toThrow(/runAsNode must stay true/);
    await expect((await hook()).default(context('win32', config.electronFuses!))).resolves.toBeUndefined();
    expect(existsSync(join(out, 'portolan-capture'))).toBe(false);
  });

  const cc = spawnSync('sh', ['-c', 'command -v "${CC:-cc}"']).status === 0;
  it.skipIf(!requireOrSkip(process.platform === 'linux' && cc, 'compiling the Linux capture helper needs Linux and a C compiler'))('compiles the Linux capture helper beside the executable', async () => {
    mkdirSync(join(out, 'resources'), { recursive: true });
    writeFileSync(join(out, 'resources', 'app.asar'), '');
    await (await hook()).default(context('linux', config.electronFuses!));
    const helper = join(out, 'portolan-capture');
    expect(statSync(helper).mode & 0o111).not.toBe(0);
    expect(readFileSync(helper).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    // Run without a request it explains itself and does nothing.
    const r = spawnSync(helper, [], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Portolan's capture helper/);
    // The runtime it executes is the app's own executable name, compiled in.
    expect(readFileSync(helper).includes(Buffer.from('resources/app.asar/out/main/capture-child.js'))).toBe(true);
  }, 60_000);
});
