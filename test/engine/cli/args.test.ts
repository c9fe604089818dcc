/**
 * The command line as a new user typed it: a flag value that starts with a dash
 * (`--ports -1024`, `--duration -1`), a negative number as an argument, parse errors in
 * one clean line; a bad snapshot scope is a usage error; bulk --reopen selects what can
 * be reopened; a refused named review is counted as refused; a broken import file is
 * reported once. The built CLI on real database files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, parseTsv, portolan } from '../../support/cli';
import { CAPTURES_DIR, REPO_ROOT } from '../../support/require';

let dir = '';
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portolan-args-'));
}, 120_000);

const dbFile = (name: string): string => join(dir, `${name}.db`);

/** A one-host nmap report at a time (seconds) with port 7777 in a state and 8888 open. */
function nmapXml(name: string, at: number, state: 'open' | 'closed'): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sT 192.0.2.77" start="${at}" version="7.94" xmloutputversion="1.05">
<host starttime="${at}" endtime="${at}"><status state="up"/><address addr="192.0.2.77" addrtype="ipv4"/><ports>
<port protocol="tcp" portid="7777"><state state="${state}" reason="syn-ack"/></port>
<port protocol="tcp" portid="8888"><state state="open" reason="syn-ack"/></port>
</ports></host>
<runstats><finished time="${at}"/></runstats>
</nmaprun>
`,
  );
  return file;
}

describe('flag values that start with a dash', () => {
  it('scan --ports -1024 scans ports 1 to 1024 (docs/scanner.md), as --ports=-1024 does', () => {
    const db = dbFile('scan');
    const r = portolan(['scan', '127.0.0.1', '--ports', '-1024', '--timeout', '500', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^scan \d+, 127\.0\.0\.1: 1024 ports probed, /m);
    const short = portolan(['scan', '127.0.0.1', '-p', '-3', '--all-states', '--db', db]);
    expect(short.code, short.stderr).toBe(0);
    expect(short.stderr).toMatch(/: 3 ports probed, /);
    expect(parseTsv(short.stdout).map((row) => row.port)).toEqual(['1', '2', '3']);
    const inline = portolan(['scan', '127.0.0.1', '--ports=-3', '--db', db]);
    expect(inline.code, inline.stderr).toBe(0);
    expect(inline.stderr).toMatch(/: 3 ports probed, /);
  });

  it('capture --duration -1 is refused by the duration rule, not the parser', () => {
    for (const args of [
      ['--duration', '-1'],
      ['-d', '-1'],
    ]) {
      const r = portolan(['capture', '-i', 'lo', ...args, '--db', dbFile('capture')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('portolan: usage: --duration must be whole seconds from 1 to 604800\n');
      expect(r.stdout).toBe('');
    }
  });

  it('rules gone-after -3 says what the days must be', () => {
    const r = portolan(['rules', 'gone-after', '-3', '--db', dbFile('rules')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('portolan: usage: rules gone-after takes a number of days, 0 to 3650 (none: show the current setting)\n');
    // Without a number it shows the setting (read-only: the default 35 days on a new database).
    const db = dbFile('rules');
    expect(portolan(['rules', 'gone-after', '20', '--db', db]).code).toBe(0);
    const shown = portolan(['rules', 'gone-after', '--db', db]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe('gone after 20 days unseen\n');
    const tooMany = portolan(['rules', 'gone-after', '5000', '--db', db]);
    expect([tooMany.code, tooMany.stderr]).toEqual([2, 'portolan: usage: rules gone-after takes a number of days, 0 to 3650 (none: show the current setting)\n']);
  });

  it('a value that starts with a dash reaches the command\'s own check (--port -1, --since -)', () => {
    const db = dbFile('values');
    const p = portolan(['services', '--port', '-1', '--db', db]);
    expect(p.code).toBe(2);
    expect(p.stderr).toBe('portolan: usage: --port takes a number 0 to 65535\n');
    const s = portolan(['services', '--since', '-', '--db', db]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^portolan: usage: --since takes an ISO 8601 time/);
  });

  it('a flag followed by another of the command\'s flags still lacks its value', () => {
    const r = portolan(['review', '--flag', '--reason', '--db', dbFile('lack')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`portolan: usage: --reason needs a value, got the option "--db" (for a value that starts with '-', write --reason=--db)\n`);
    const last = portolan(['scan', '127.0.0.1', '--ports']);
    expect(last.code).toBe(2);
    expect(last.stderr).toBe('portolan: usage: --ports needs a value\n');
  });
});

describe('parse errors', () => {
  it('are one clean line with balanced quotes, exit 2', () => {
    const unknown = portolan(['review', '-x', '--db', dbFile('parse')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`portolan: usage: Unknown option '-x'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- "-x"'\n`);
    const extra = portolan(['services', '-3', '--db', dbFile('parse')]);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toBe(`portolan: usage: Unexpected argument '-3'. This command does not take positional arguments\n`);
    for (const r of [unknown, extra, portolan(['flows', '--bogus']), portolan(['tags', 'list', '--format'])]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^portolan: usage: [^\n]+\n$/);
      expect(r.stderr).not.toContain('\\n');
    }
  });

  it('numbers are digits: serve --port 1e3 / 0x50 / empty and a snapshot id past 2^53 are refused, exit 2', () => {
    for (const port of ['1e3', '0x50', '', '65536', '-1']) {
      const r = portolan(['serve', '--port', port, '--db', dbFile('num')]);
      expect(r.code, port).toBe(2);
      expect(r.stderr).toMatch(/^portolan: usage: --port must be a whole number from 0 to 65535/);
    }
    const big = portolan(['snapshot', 'show', '99999999999999999999', '--db', dbFile('num')]);
    expect(big.code).toBe(2);
    expect(big.stderr).toContain('99999999999999999999');
  });
});

describe('snapshot save --scope', () => {
  it('refuses a scope that is not all, a CIDR or tag:NAME with exit 2, naming the forms', () => {
    const db = dbFile('scope');
    for (const scope of ['bogus', 'tag:', '10.0.0.0/99']) {
      const r = portolan(['snapshot', 'save', '--scope', scope, '--db', db]);
      expect(r.code, scope).toBe(2);
      expect(r.stderr).toBe(`portolan: usage: --scope must be all, a CIDR or address (192.0.2.0/24, subnet:2001:db8::/32) or tag:NAME (tag:CDE); got ${JSON.stringify(scope)}\n`);
      expect(r.stdout).toBe('');
    }
  });

  it('a well-formed scope that matches nothing is not a usage error', () => {
    // A database that exists but holds no service (save refuses a path with no database).
    expect(portolan(['rules', 'gone-after', '30', '--db', dbFile('scope')]).code).toBe(0);
    const r = portolan(['snapshot', 'save', '--scope', '10.99.0.0/16', '--db', dbFile('scope')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^portolan: error: .*matches no host/);
    const all = portolan(['snapshot', 'save', '--scope', 'all', '--db', dbFile('scope')]);
    expect(all.code).toBe(1);
    expect(all.stderr).toMatch(/nothing to seal/);
    expect(portolan(['snapshot', 'save', '--scope', 'all', '--allow-empty', '--db', dbFile('scope')]).code).toBe(0);
  });
});

describe('review', () => {
  const db = (): string => dbFile('review');
  const run = (...args: string[]) => portolan([...args, '--db', db()], { PORTOLAN_USER: 'alice' });
  const statuses = (): Record<string, string> => Object.fromEntries(parseTsv(run('services', '--status', 'all', '--format', 'tsv').stdout).map((r) => [r.port!, r.status!]));

  beforeAll(() => {
    // 7777 approved, then found closed by a later scan: gone. 8888 stays new.
    expect(run('import', nmapXml('open.xml', 1709280000, 'open')).code).toBe(0);
    expect(run('review', '192.0.2.77:7777/tcp', '--approve', '--reason', 'r', '--owner', 'o').code).toBe(0);
    expect(run('import', nmapXml('closed.xml', 1709290000, 'closed')).code).toBe(0);
    expect(statuses()).toEqual({ '7777': 'gone', '8888': 'new' });
  });

  it('approving a gone service by key counts it as refused, not unchanged, and fails', () => {
    const r = run('review', '192.0.2.77:7777/tcp', '--approve', '--reason', 'again', '--owner', 'o');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('approve: 0 changed, 0 unchanged, 1 refused (by alice)\n');
    expect(r.stderr).toBe('portolan: error: cannot approve 192.0.2.77:7777/tcp: it is gone (only --reopen applies until it is seen again)\n');
    const j = run('review', '192.0.2.77:7777/tcp', '--approve', '--reason', 'again', '--owner', 'o', '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ action: 'approve', changed: 0, refused: 1 });
    expect(statuses()['7777']).toBe('gone');
  });

  it('bulk --reopen without --status selects every status but new', () => {
    const dry = run('review', '--reopen', '--reason', 'redo', '--host', '192.0.2.77', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^1 service would be considered for reopen/m);
    const r = run('review', '--reopen', '--reason', 'redo', '--host', '192.0.2.77');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('reopen: 1 changed, 0 unchanged (by alice)\n');
    expect(statuses()).toEqual({ '7777': 'new', '8888': 'new' });
    // --status still narrows; new services cannot be reopened, and asking to is a usage error.
    const n = run('review', '--reopen', '--reason', 'redo', '--host', '192.0.2.77', '--status', 'new');
    expect([n.code, n.stdout, n.stderr]).toEqual([2, '', 'portolan: usage: --reopen applies to approved, flagged, ignored, gone services; new services are open already\n']);
    expect(portolan(['review', '--help']).stdout).toMatch(/--reopen in bulk defaults to every status it applies to/);
  });
});

describe('import of a broken file', () => {
  it('reports the failure once, on stderr; the files that went in keep their lines', () => {
    const broken = join(dir, 'other.xml');
    writeFileSync(broken, '<?xml version="1.0"?>\n<nmaprun scanner="nmap"><host><ports></host></nmaprun>\n');
    const good = nmapXml('good.xml', 1709280000, 'open');
    const r = portolan(['import', broken, good, '--db', dbFile('import')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${good}: nmap, 1 host, 2 open ports (2 new), 0 closed\n`);
    const errors = r.stderr.split('\n').filter((l) => l.includes('other.xml'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^portolan: error: 1 of 2 files failed: .*other\.xml: /);
    const alone = portolan(['import', broken, '--db', dbFile('import')]);
    expect(alone.code).toBe(1);
    expect(alone.stdout).toBe('');
    expect(alone.stderr.match(/other\.xml/g)).toHaveLength(1);
  });
});

describe('file names that cannot be read', () => {
  it('are named in words: an empty name is a usage error; a symlink loop, a device, a too-long name fail in one line', () => {
    for (const cmd of ['ingest', 'import']) {
      const empty = portolan([cmd, '', '--db', dbFile('files')]);
      expect(empty.code, cmd).toBe(2);
      expect(empty.stderr).toBe('portolan: usage: an empty file name was given (an unset shell variable?)\n');
    }
    const a = join(dir, 'loop-a');
    const b = join(dir, 'loop-b');
    symlinkSync(b, a);
    symlinkSync(a, b);
    // (verify's exit 2 is its "error", apart from 1 "altered")
    for (const [args, code] of [[['ingest', a], 1], [['import', a], 1], [['snapshot', 'verify', a], 2]] as const) {
      const r = portolan([...args, '--db', dbFile('files')]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr).toBe(`portolan: error: ${a}: a loop of symbolic links\n`);
    }
    const dev = portolan(['import', '/dev/zero', '--db', dbFile('files')]);
    expect(dev.code).toBe(1);
    expect(dev.stderr).toMatch(/^portolan: error: \/dev\/zero: not a regular file/);
    const long = join(dir, 'x'.repeat(300));
    const r = portolan(['ingest', long, '--db', dbFile('files')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`portolan: error: ${long}: the name is too long\n`);
  });
});

describe('a file name that is not UTF-8', () => {
  it('is named as such (Node receives it with U+FFFD in place of the bytes), not only "no such file"', () => {
    const db = dbFile('utf8');
    // The name is made and passed by the shell: a JS string cannot hold the byte 0xff.
    const made = spawnSync('sh', ['-c', `cp "$1" "$(printf '%s/bad\\377name.pcap' "$2")" && "$5" "$3" ingest --db "$4" "$(printf '%s/bad\\377name.pcap' "$2")"`, 'sh', join(CAPTURES_DIR, 'zeek_smtp.pcap'), dir, join(REPO_ROOT, 'bin', 'portolan.js'), db, process.execPath], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(1);
    expect(made.stderr).toMatch(/^portolan: error: .*bad\uFFFDname\.pcap: no such file: its name holds bytes that are not UTF-8, .*rename the file/);
  });
});

describe('a flag given twice', () => {
  it('with two values is refused (exit 2, nothing run); the same value twice, and list flags, are fine', () => {
    const db = dbFile('twice');
    const other = dbFile('twice-other');
    for (const args of [
      ['services', '--db', db, '--db', other],
      ['services', '--format', 'tsv', '--db', db, '--format=jsonl'],
      ['scan', '127.0.0.1', '-p', '1', '--ports', '2', '--db', db],
    ]) {
      const r = portolan(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^portolan: usage: --(db|format|ports) is given twice \("[^"]+" and "[^"]+"\); give it once\n$/);
      expect(r.stdout).toBe('');
    }
    // Nothing was created by the refused commands.
    expect(portolan(['services', '--db', other]).stderr).toMatch(/no database at/);
    const same = portolan(['scan', '127.0.0.1', '-p', '7', '--ports', '7', '--timeout', '300', '--db', db]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/: 1 ports? probed, /);
    const lists = portolan(['scan', '127.0.0.1', '-p', '7', '--exclude', '127.0.0.2', '--exclude', '127.0.0.3', '--timeout', '300', '--db', db]);
    expect(lists.code, lists.stderr).toBe(0);
  });
});

describe('durations', () => {
  it('past the year 9999 are a usage error naming the flag, not an ISO message', () => {
    const r = portolan(['review', '192.0.2.1:22/tcp', '--ignore', '--reason', 'x', '--expires', '999999w', '--db', dbFile('durations')]);
    expect([r.code, r.stderr]).toEqual([2, 'portolan: usage: --expires 999999w is after the year 9999: give a shorter duration or a date\n']);
  });
});
