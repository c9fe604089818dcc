/**
 * A compensating-control note is not a review decision: after `control`, a sealed
 * snapshot still carries the approval (justification, owner, approver, time) and the flag
 * reason of the latest approve / flag, and the note in its own field. Real CLI, real
 * database file, services found by scanning real listeners on 127.0.0.1.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, portolan } from '../../support/cli';

/** One RFC 4180 line (no line breaks inside cells here) into its cells. */
function csvCells(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!));
}

const servers: Server[] = [];
async function listen(): Promise<number> {
  const s = createServer((c) => c.destroy());
  servers.push(s);
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  return (s.address() as { port: number }).port;
}

describe('portolan control keeps approvals and flags intact in snapshots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-control-'));
  const db = join(dir, 'c.db');
  const run = (user: string, ...args: string[]) => portolan([...args, '--db', db], { PORTOLAN_USER: user });
  let web = 0;
  let odd = 0;

  beforeAll(async () => {
    ensureBuilt();
    web = await listen();
    odd = await listen();
    const s = run('alice', 'scan', '127.0.0.1', '--ports', `${web},${odd}`);
    expect(s.code, s.stderr).toBe(0);
  }, 60_000);
  afterAll(() => servers.forEach((s) => s.close()));

  it('approval from the approve event, flag from the flag event, the note beside them', () => {
    expect(run('alice', 'review', `127.0.0.1:${web}/tcp`, '--approve', '--reason', 'dev web, CHG-1', '--owner', 'web team').code).toBe(0);
    expect(run('alice', 'review', `127.0.0.1:${odd}/tcp`, '--flag', '--reason', 'not in the baseline').code).toBe(0);
    const c1 = run('bob', 'control', `127.0.0.1:${web}/tcp`, '--note', 'x');
    expect(c1.code, c1.stderr).toBe(0);
    expect(c1.stdout).toMatch(/compensating control recorded/);
    // Not an insecure service: recorded, with a warning.
    expect(c1.stderr).toMatch(/warning: 127\.0\.0\.1:\d+\/tcp is not marked insecure; the compensating control is recorded anyway/);
    expect(run('bob', 'control', `127.0.0.1:${odd}/tcp`, '--note', 'blocked at the edge').code).toBe(0);

    expect(run('alice', 'snapshot', 'save').stdout).toBe('1\n');
    const out = join(dir, 's.json');
    expect(run('alice', 'snapshot', 'export', '1', '--format', 'json', '--out', out).code).toBe(0);
    const services = JSON.parse(readFileSync(out, 'utf8')).snapshot.services as Array<{ port: number; status: string; approval: unknown; flag: unknown; compensatingControl: { note: string; recordedBy: string; recordedAt: string } }>;
    const w = services.find((s) => s.port === web)!;
    const o = services.find((s) => s.port === odd)!;
    expect(w.status).toBe('approved');
    expect(w.approval).toMatchObject({ justification: 'dev web, CHG-1', owner: 'web team', approvedBy: 'alice' });
    expect(w.compensatingControl).toMatchObject({ note: 'x', recordedBy: 'bob' });
    expect(w.compensatingControl.recordedAt).toMatch(/\+00:00$/);
    expect(o.status).toBe('flagged');
    expect(o.flag).toMatchObject({ reason: 'not in the baseline', flaggedBy: 'alice' });
    expect(o.compensatingControl).toMatchObject({ note: 'blocked at the edge', recordedBy: 'bob' });
    expect(run('alice', 'snapshot', 'verify', out, '--db', db).code).toBe(0);

    const csv = run('alice', 'snapshot', 'export', '1', '--format', 'csv', '--out', '-').stdout.split('\r\n').map(csvCells);
    const cols = csv[0]!;
    expect(cols[0]).toBe('\uFEFFhost'); // a byte-order mark first: spreadsheets then read UTF-8
    const row = csv.find((r) => r[0] === '127.0.0.1' && r[2] === String(web))!;
    const cell = (name: string) => row[cols.indexOf(name)];
    expect([cell('justification'), cell('owner'), cell('approved_by'), cell('compensating_control'), cell('control_recorded_by')]).toEqual(['dev web, CHG-1', 'web team', 'alice', 'x', 'bob']);

    const html = run('alice', 'snapshot', 'export', '1', '--format', 'html', '--out', '-').stdout;
    expect(html).not.toMatch(/approved service without an owner/);
    expect(html).toContain('dev web, CHG-1');
  });
});
