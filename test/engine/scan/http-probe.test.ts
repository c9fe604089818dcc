/**
 * `scan --http`: every open port that stays silent for the banner wait gets a
 * `HEAD / HTTP/1.0`, whatever its number (docs/scanner.md). A real Node HTTP server on an
 * ephemeral port of 127.0.0.1, scanned with the built CLI.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv, type CliResult } from '../../support/cli';
import { REPO_ROOT } from '../../support/require';

/**
 * The CLI, run without blocking this process: the HTTP server under test lives here and
 * must answer while the scan runs (support/cli.ts's spawnSync would freeze it).
 */
function portolan(args: string[]): Promise<CliResult> {
  return new Promise((ok) => {
    execFile(process.execPath, [join(REPO_ROOT, 'bin/portolan.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' }, (err, stdout, stderr) => {
      ok({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let server: Server;
let port = 0;
const heads: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  server = createServer((req, res) => {
    heads.push(`${req.method} ${req.url}`);
    res.writeHead(200, { Server: 'PortolanTestHTTP/1.0' });
    res.end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as { port: number }).port;
}, 120_000);
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe('scan --http', () => {
  const db = join(mkdtempSync(join(tmpdir(), 'portolan-http-')), 'h.db');

  it('without --http a silent web server has no banner', async () => {
    const r = await portolan(['scan', '127.0.0.1', '--ports', String(port), '--banner-wait', '300', '--format', 'tsv', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseTsv(r.stdout)).toEqual([{ host: '127.0.0.1', port: String(port), proto: 'tcp', state: 'open', reason: 'syn-ack', banner: '' }]);
    expect(heads).toEqual([]);
  });

  it('with --http it gets HEAD on an ephemeral port, and the answer is its banner and service, kept in the inventory', async () => {
    const r = await portolan(['scan', '127.0.0.1', '--ports', String(port), '--banner-wait', '300', '--http', '--format', 'tsv', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const [row] = parseTsv(r.stdout);
    expect(row).toMatchObject({ port: String(port), state: 'open' });
    expect(row!.banner).toMatch(/^HTTP\/1\.[01] 200 OK\\r\\n/);
    expect(row!.banner).toContain('PortolanTestHTTP/1.0');
    expect(heads).toEqual(['HEAD /']);
    const svc = parseTsv((await portolan(['services', '--format', 'tsv', '--db', db])).stdout).find((s) => s.port === String(port));
    expect(svc?.service).toBe('http');
    // The banner is kept with the service in the inventory, not only with the probe.
    const stored = (JSON.parse((await portolan(['services', '--format', 'json', '--db', db])).stdout) as Array<{ port: number; banner: string | null }>).find((s) => s.port === port);
    expect(stored?.banner).toContain('PortolanTestHTTP/1.0');
  });
});
