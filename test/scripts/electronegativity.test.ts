/**
 * scripts/electronegativity.mjs, the `npm test` step that runs Electronegativity: it fails
 * on an insecure Electron app (node integration, no isolation, no sandbox, no CSP, no
 * permission handler, no navigation limit), passes a locked one whose one remaining
 * finding is justified in place with `eng-disable`, lists that justification, and never
 * touches the network (every socket and DNS lookup its processes try is logged through a
 * NODE_OPTIONS hook). The real app is checked by the `npm test` step itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/require';

const SCRIPT = resolve(REPO_ROOT, 'scripts/electronegativity.mjs');
const dir = mkdtempSync(join(tmpdir(), 'portolan-eng-test-'));
const netLog = join(dir, 'net.log');
const netHook = join(dir, 'net-hook.cjs');

/** Logs (and lets through) every connect and DNS lookup of a process it is preloaded into. */
writeFileSync(
  netHook,
  `const net = require('node:net'); const dns = require('node:dns'); const fs = require('node:fs');
const log = (s) => fs.appendFileSync(${JSON.stringify(netLog)}, s + '\\n');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...a) {
  const o = Array.isArray(a[0]) ? a[0][0] : a[0];
  log('connect ' + JSON.stringify(o && typeof o === 'object' ? o.host || o.path : a));
  return connect.apply(this, a);
};
const lookup = dns.lookup;
dns.lookup = function (h, ...r) { log('lookup ' + h); return lookup.call(this, h, ...r); };
`,
);

function app(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const PACKAGE_JSON = JSON.stringify({ name: 'fixture', version: '1.0.0', devDependencies: { electron: '41.7.1' } });

function run(args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NODE_OPTIONS: `--require ${netHook}` },
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/electronegativity.mjs', () => {
  it('the network probe sees a connection attempt (so its silence below means something)', () => {
    const r = spawnSync(process.execPath, ['-e', "require('node:net').connect(1, '127.0.0.1').on('error', () => {})"], {
      env: { ...process.env, NODE_OPTIONS: `--require ${netHook}` },
    });
    expect(r.status).toBe(0);
    expect(readFileSync(netLog, 'utf8')).toContain('connect "127.0.0.1"');
    rmSync(netLog);
  });

  it('fails an insecure app, naming each finding, without touching the network', () => {
    const root = app('insecure', {
      'package.json': PACKAGE_JSON,
      'main.js': `const { app, BrowserWindow } = require('electron');
app.whenReady().then(() => {
  const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });
  w.loadFile('index.html');
});
`,
      'index.html': '<!doctype html><html><head><title>x</title></head><body><script src="app.js"></script></body></html>\n',
    });
    const csv = join(dir, 'insecure.csv');
    const r = run(['--input', root, '--csv', csv]);
    expect(r.code, r.out).toBe(1);
    for (const id of ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'CSP_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK']) {
      expect(r.out).toContain(id);
    }
    expect(r.out).toMatch(/main\.js:3/);
    expect(r.out).toMatch(/\d+ high, \d+ medium/);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('severity,confidence,check,file,line,column,description,url');
    expect(rows.some((l) => l.startsWith('HIGH,') && l.includes('CONTEXT_ISOLATION_JS_CHECK,main.js,3,'))).toBe(true);
    expect(existsSync(netLog) ? readFileSync(netLog, 'utf8') : '').toBe('');
  });

  it('passes a locked app and lists the finding justified in place', () => {
    const root = app('locked', {
      'package.json': PACKAGE_JSON,
      'main.js': `const { app, BrowserWindow, session } = require('electron');
app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, _p, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  const w = new BrowserWindow({
    webPreferences: {
      // reviewed: sandboxed, isolated, exposes one domain API
      preload: require('node:path').join(__dirname, 'preload.js'), // eng-disable PRELOAD_JS_CHECK
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  w.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  w.webContents.on('will-navigate', (e) => e.preventDefault());
  w.loadFile('index.html');
});
`,
      'index.html': `<!doctype html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; object-src 'none'; base-uri 'none'" />
<title>x</title></head><body><script src="app.js"></script></body></html>
`,
    });
    const r = run(['--input', root]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('0 high, 0 medium');
    expect(r.out).toMatch(/justified at their place[\s\S]*PRELOAD_JS_CHECK\s+main\.js:8/);
    expect(r.out).not.toMatch(/MEDIUM\s+\w+\s+PRELOAD_JS_CHECK/);
    expect(existsSync(netLog) ? readFileSync(netLog, 'utf8') : '').toBe('');
  });

  it('a wrong command line is exit 2 with the usage', () => {
    const r = run(['--timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('--timeout takes whole seconds');
    expect(r.out).toContain('usage:');
    expect(run(['--input', join(dir, 'no-such-folder')]).code).toBe(2);
  });
});
