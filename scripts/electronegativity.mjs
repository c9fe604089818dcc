#!/usr/bin/env node
/**
 * Runs Electronegativity (@doyensec/electronegativity) on the Electron app and fails on any
 * high or medium finding that is not justified at its place.
 *
 *   node scripts/electronegativity.mjs [--input DIR] [--timeout SECONDS] [--csv FILE]
 *
 * What is scanned, and why: the tool's BrowserWindow checks only recognise
 * `new BrowserWindow(...)`, which the TypeScript sources have but the bundle in out/ does
 * not (it calls `new electron.BrowserWindow`), while the bundle and out/renderer/index.html
 * are what actually ships. So by default a staging folder gets the sources (electron/,
 * renderer/ without node_modules), the built out/main, out/preload and out/renderer when
 * they exist, and package.json (the tool reads the Electron version from it; we pass the
 * installed version as well). Global checks (CSP, permission handlers, navigation limits)
 * look at all of it at once, as one app. `--input DIR` scans DIR as it is instead.
 *
 * A finding is justified with the tool's own annotation on the flagged line,
 * `// eng-disable CHECK_ID` (`<!-- eng-disable CHECK_ID -->` in HTML), next to a comment
 * that says why; the tool drops those findings itself, and this script lists every such
 * annotation so none goes unseen.
 *
 * Offline: the tool fetches translations and Electron's release list from the internet
 * through `got`. The child process that runs it gets a `got` that fails at once, the
 * release-list check (AvailableSecurityFixesGlobalCheck, which cannot work without the
 * network and would otherwise read whatever stale list sits in the temp folder) is
 * excluded, and the whole run is killed after --timeout seconds (default 120).
 *
 * Exit codes: 0 no high or medium finding; 1 findings (or files the tool could not parse,
 * which would otherwise go unchecked); 2 the tool failed, timed out, or the command line is
 * wrong.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));
/** Needs the network; see the header. */
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];
const BLOCKING = new Set(['HIGH', 'MEDIUM']);

function usage(message) {
  process.stderr.write(`electronegativity: ${message}\nusage: node scripts/electronegativity.mjs [--input DIR] [--timeout SECONDS] [--csv FILE]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { input: null, timeoutS: 120, csv: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v === '') usage(`${arg} needs a value`);
      return v;
    };
    if (arg === '--input') opts.input = resolve(value());
    else if (arg === '--timeout') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < 1) usage(`--timeout takes whole seconds, got ${JSON.stringify(v)}`);
      opts.timeoutS = Number(v);
    } else if (arg === '--csv') opts.csv = resolve(value());
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node scripts/electronegativity.mjs [--input DIR] [--timeout SECONDS] [--csv FILE]\n');
      process.exit(0);
    } else usage(`unknown argument ${JSON.stringify(arg)}`);
  }
  return opts;
}

/** The child: runs the tool in-process with `got` replaced, writes its result as JSON. */
async function child(input, outFile, electronVersion) {
  const Module = require('node:module');
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === 'got') {
      const offline = () => Promise.reject(new Error('offline: Portolan runs Electronegativity without network'));
      return Object.assign(offline, { get: offline, head: offline });
    }
    return load.call(this, request, ...rest);
  };
  const run = require('@doyensec/electronegativity');
  const result = await run(
    {
      input,
      isRelative: true,
      isVerbose: true,
      customScan: [],
      excludeFromScan: EXCLUDED_CHECKS.map((c) => c.toLowerCase()),
      electronVersionOverride: electronVersion || undefined,
      parserPlugins: [],
    },
    false,
  );
  const issues = result.issues.map((i) => ({
    id: i.id,
    severity: i.severity.name,
    confidence: i.confidence.name,
    file: i.file,
    line: i.location?.line ?? 0,
    column: i.location?.column ?? 0,
    sample: i.sample ?? '',
    description: String(i.description ?? ''),
    url: i.shortenedURL ?? '',
    manualReview: Boolean(i.manualReview),
  }));
  writeFileSync(outFile, JSON.stringify({ checks: result.globalChecks + result.atomicChecks, errors: result.errors, issues }));
}

/** Copies what ships and its sources into a fresh folder (see the header). */
function stage() {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-eng-'));
  const skipNodeModules = (src) => !src.split(/[\\/]/).includes('node_modules');
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const parts = ['electron', 'renderer', 'out/main', 'out/preload', 'out/renderer'];
  const missing = [];
  for (const part of parts) {
    const src = join(ROOT, part);
    if (!existsSync(src)) {
      missing.push(part);
      continue;
    }
    cpSync(src, join(dir, part), { recursive: true, filter: skipNodeModules });
  }
  return { dir, missing };
}

function installedElectronVersion() {
  try {
    return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Every `eng-disable` annotation under dir: the justified findings, listed so none hides. */
function annotations(dir) {
  const found = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.(m?[jt]sx?|html?|vue)$/.test(name)) {
        readFileSync(p, 'utf8')
          .split('\n')
          .forEach((line, n) => {
            const m = /eng-disable[ \t]+([\w \t,]+)/.exec(line);
            if (m && !/^\s*\*/.test(line)) found.push({ file: relative(dir, p), line: n + 1, checks: m[1].trim() });
          });
      }
    }
  };
  walk(dir);
  return found;
}

function table(rows, headers) {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const fmt = (r) => r.map((v, c) => String(v).padEnd(widths[c])).join('  ').trimEnd();
  return [fmt(headers), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

function csvCell(v) {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let input = opts.input;
  let staged = null;
  if (input) {
    if (!existsSync(input) || !statSync(input).isDirectory()) usage(`--input ${input} is not a folder`);
  } else {
    staged = stage();
    input = staged.dir;
    if (staged.missing.length) console.log(`note: ${staged.missing.join(', ')} not found (run npm run build first to check the built app too)`);
  }
  const version = installedElectronVersion();
  const outFile = join(mkdtempSync(join(tmpdir(), 'portolan-eng-out-')), 'result.json');
  const started = Date.now();
  try {
    const code = await new Promise((resolveCode) => {
      const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', input, outFile, version ?? ''], {
        cwd: ROOT,
        env: { ...process.env, LANG: 'en-US' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let chatter = '';
      proc.stdout.on('data', (b) => (chatter += b));
      proc.stderr.on('data', (b) => (chatter += b));
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        console.error(`electronegativity: no result after ${opts.timeoutS} s, stopped`);
        resolveCode(2);
      }, opts.timeoutS * 1000);
      proc.on('close', (c) => {
        clearTimeout(timer);
        if (c !== 0 && chatter.trim()) console.error(chatter.trim());
        resolveCode(c === 0 ? 0 : 2);
      });
    });
    if (code !== 0 || !existsSync(outFile)) {
      if (code === 0) console.error('electronegativity: the tool ended without a result');
      process.exitCode = 2;
      return;
    }
    const result = JSON.parse(readFileSync(outFile, 'utf8'));
    const order = { HIGH: 0, MEDIUM: 1, LOW: 2, INFORMATIONAL: 3 };
    const issues = result.issues.sort((a, b) => order[a.severity] - order[b.severity] || a.file.localeCompare(b.file) || a.line - b.line);
    console.log(
      `Electronegativity ${require('@doyensec/electronegativity/package.json').version}: ${result.checks} checks, Electron ${version ?? 'version unknown'}, ` +
        `${opts.input ? relative(process.cwd(), input) || '.' : 'package.json, electron/, renderer/, out/'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    if (issues.length) {
      console.log(
        table(
          issues.map((i) => [i.severity, i.confidence, i.id, `${i.file}:${i.line}`, i.sample.replace(/\s+/g, ' ').slice(0, 70)]),
          ['severity', 'confidence', 'check', 'where', 'code'],
        ),
      );
    } else console.log('no findings');
    const justified = annotations(input);
    if (justified.length) {
      console.log(`\njustified at their place (eng-disable, with the reason in a comment beside it):`);
      console.log(table(justified.map((a) => [a.checks, `${a.file}:${a.line}`]), ['check', 'where']));
    }
    if (opts.csv) {
      const head = ['severity', 'confidence', 'check', 'file', 'line', 'column', 'description', 'url'];
      const lines = issues.map((i) => [i.severity, i.confidence, i.id, i.file, i.line, i.column, i.description, i.url].map(csvCell).join(','));
      writeFileSync(opts.csv, [head.join(','), ...lines].join('\n') + '\n');
    }
    const unparsed = result.errors.filter((e) => !e.tolerable);
    for (const e of unparsed) console.log(`not checked, the tool could not parse it: ${relative(input, e.file)}: ${e.message}`);
    const blocking = issues.filter((i) => BLOCKING.has(i.severity));
    const counts = ['HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'].map((s) => `${issues.filter((i) => i.severity === s).length} ${s.toLowerCase()}`);
    console.log(`\n${counts.join(', ')}; ${justified.length} justified in place${unparsed.length ? `; ${unparsed.length} files not parsed` : ''}`);
    if (blocking.length || unparsed.length) {
      console.log('fix each high and medium finding, or justify it at its place with a comment and `eng-disable CHECK_ID`');
      process.exitCode = 1;
    }
  } finally {
    rmSync(dirname(outFile), { recursive: true, force: true });
    if (staged) rmSync(staged.dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4], process.argv[5]).catch((err) => {
    console.error(err?.stack ?? String(err));
    process.exit(1);
  });
} else {
  await main();
}
