/**
 * Acceptance on real public captures (../shared/captures), answers computed
 * independently with tshark (../shared/captures/README.md): a tool is right on a file
 * when its `handshake` and `reply` services are exactly the rows of `<file>.tsv`,
 * nothing in `<file>.closed.tsv` is a listener, and the endpoints of mid-stream
 * conversations (`<file>.midstream.tsv`) carry no handshake claim.
 * Driven through the CLI, as scripts and auditors use it.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAPTURES_DIR, EXPECTED_DIR, hasSharedCaptures, requireOrSkip } from '../support/require';
import { ensureBuilt, parseTsv, portolan } from '../support/cli';

const ready = requireOrSkip(hasSharedCaptures() && existsSync(join(CAPTURES_DIR, 'MANIFEST.tsv')), `shared captures not found at ${CAPTURES_DIR}`);

/** Every capture the MANIFEST lists; the special ones are checked separately below. */
const manifest = ready ? parseTsv(readFileSync(join(CAPTURES_DIR, 'MANIFEST.tsv'), 'utf8')).map((r) => r.file!) : [];
const SPECIAL = new Set(['zeek_empty.pcap', 'libpcap_pcap-invalid-version-2.pcap']);

function rows(file: string): string[] {
  return parseTsv(readFileSync(file, 'utf8')).map((r) => `${r.host}\t${r.port}\t${r.proto}\t${r.evidence ?? ''}`).sort();
}

function ingestAndList(file: string): Array<Record<string, string>> {
  const db = join(mkdtempSync(join(tmpdir(), 'portolan-acc-')), 'a.db');
  const ing = portolan(['ingest', '--db', db, join(CAPTURES_DIR, file)]);
  expect(ing.code, ing.stderr).toBe(0);
  const out = portolan(['services', '--db', db, '--format', 'tsv']);
  expect(out.code, out.stderr).toBe(0);
  expect(out.stdout.split('\n')[0]!.split('\t').slice(0, 8)).toEqual(['host', 'port', 'proto', 'evidence', 'status', 'first_seen', 'last_seen', 'sources']);
  return parseTsv(out.stdout);
}

describe.skipIf(!ready)('real captures', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('the MANIFEST lists every capture in the folder', () => {
    const files = readdirSync(CAPTURES_DIR).filter((f) => /\.pcap(ng)?$/.test(f));
    expect(manifest.sort()).toEqual(files.sort());
  });

  it.each(manifest.filter((f) => !SPECIAL.has(f)))('%s', (file) => {
    const got = ingestAndList(file);
    const certain = got.filter((r) => r.evidence === 'handshake' || r.evidence === 'reply').map((r) => `${r.host}\t${r.port}\t${r.proto}\t${r.evidence}`).sort();
    expect(certain).toEqual(rows(join(EXPECTED_DIR, `${file}.tsv`)));
    for (const r of got) if (r.evidence === 'data') expect(r.confidence).not.toBe('certain');

    const closedFile = join(EXPECTED_DIR, `${file}.closed.tsv`);
    if (existsSync(closedFile)) {
      const listeners = new Set(got.map((r) => `${r.host}\t${r.port}\t${r.proto}`));
      for (const c of parseTsv(readFileSync(closedFile, 'utf8'))) expect(listeners.has(`${c.host}\t${c.port}\t${c.proto}`), `${c.host}:${c.port} is closed`).toBe(false);
    }
    const midFile = join(EXPECTED_DIR, `${file}.midstream.tsv`);
    if (existsSync(midFile)) {
      const byEndpoint = new Map(got.map((r) => [`${r.host}:${r.port}`, r]));
      for (const m of parseTsv(readFileSync(midFile, 'utf8'))) {
        for (const ep of [m.endpoint_a!, m.endpoint_b!]) {
          const r = byEndpoint.get(ep.replace(/^\[(.*)\]/, '$1'));
          if (r) expect(r.evidence, `${ep} was never seen in a handshake`).toBe('data');
        }
      }
    }
  });

  it('an empty capture (valid header, no packets) succeeds and finds nothing', () => {
    expect(ingestAndList('zeek_empty.pcap')).toEqual([]);
  });

  it('a pcap with version 2.5 (libpcap refuses it) is read with a warning, never silently', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'portolan-acc-')), 'a.db');
    const r = portolan(['ingest', '--db', db, join(CAPTURES_DIR, 'libpcap_pcap-invalid-version-2.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/version 2\.5/);
    expect(r.stdout).toMatch(/\b1 packet,/);
  });

  it('ingesting all captures into one database, twice, duplicates nothing', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'portolan-acc-')), 'a.db');
    const all = manifest.map((f) => join(CAPTURES_DIR, f));
    expect(portolan(['ingest', '--db', db, ...all]).code).toBe(0);
    const first = portolan(['services', '--db', db, '--format', 'json']).stdout;
    const again = portolan(['ingest', '--db', db, ...all]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already ingested/);
    expect(portolan(['services', '--db', db, '--format', 'json']).stdout).toBe(first);
  });
});
