/**
 * A value the contract refuses is a wrong command line: exit 2 and one readable line
 * that names the flag and the rule, for every command (it used to be the first line of
 * the ZodError's JSON: "portolan: usage: ["). The built CLI on a real database file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invalidMessage } from '../../../electron/engine/cli/common';
import { ensureBuilt, portolan } from '../../support/cli';

let db = '';
beforeAll(() => {
  ensureBuilt();
  db = join(mkdtempSync(join(tmpdir(), 'portolan-usage-')), 'p.db');
}, 120_000);

const long = (n: number): string => 'x'.repeat(n);

describe('refused values on the command line', () => {
  it.each([
    [['capture', '--interface', '../../x'], '--interface: not an interface name (must match /^[\\w.:@+-]+$/)'],
    [['capture', '--interface', 'eth0;rm'], '--interface: not an interface name (must match /^[\\w.:@+-]+$/)'],
    [['capture', '--interface', long(70)], '--interface: Too big: expected string to have <=64 characters'],
    [['capture', '--interface', 'lo', '--save-profile', long(300)], '--save-profile: Too big: expected string to have <=64 characters'],
    [['rules', 'add', '--approve', '--subnet', '198.51.100.0/24', '--reason', long(5000), '--owner', 'o'], '--reason: Too big: expected string to have <=512 characters'],
    [['review', '--status', 'new', '--flag', '--reason', long(5000)], '--reason: Too big: expected string to have <=512 characters'],
  ])('%j', (args, line) => {
    const r = portolan([...args, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`portolan: usage: ${line}\n`);
    expect(r.stdout).toBe('');
  });
});

describe('invalidMessage', () => {
  it('maps contract fields to the flags users type, and stays one line', () => {
    const issues = (schema: z.ZodType, v: unknown): z.ZodError => schema.safeParse(v).error!;
    expect(invalidMessage(issues(z.object({ durationS: z.number().max(10) }), { durationS: 11 }))).toBe('--duration: Too big: expected number to be <=10');
    expect(invalidMessage(issues(z.object({ expiresAt: z.number() }), { expiresAt: 'x' }))).toMatch(/^--expires: /);
    expect(invalidMessage(issues(z.object({ selection: z.object({ ignoreHosts: z.array(z.string()) }) }), { selection: { ignoreHosts: [1] } }))).toMatch(/^--ignore-hosts: /);
    expect(invalidMessage(issues(z.string().refine(() => false, 'bad\nvalue'), 'x'))).toBe('a value: bad value');
  });
});
