/**
 * `portolan scan TARGET... --ports SPEC [--concurrency N] [--timeout MS] [--rate N]
 *   [--exclude ...] [--all-states] [--format tsv|json] [--db PATH]`
 *
 * A full-handshake connect scan of exactly the targets given. tsv columns (a public
 * contract: add at the end, never rename): host, port, proto, state, reason, banner.
 * Open ports only unless --all-states. Rows sorted by address, then port.
 */
import { readFileSync, statSync } from 'node:fs';
import { Engine } from '../../engine';
import { hostKey } from '../../inventory/hostkey';
import { ConfirmationRequired, PortSpecError, TargetError, type ProbeResult } from '../../scan';
import { ScanProfileName } from '../../../shared/scan';
import { dbPath, parseCommandLine, UsageError } from '../common';
import { scanTsv } from '../format';


/** Largest targets file read, bytes. */
const MAX_TARGETS_FILE = 16 * 1024 * 1024;

export const SCAN_HELP = `  portolan scan TARGET... --ports SPEC [--exclude T]... [--input-file FILE]...
               [--profile gentle|normal|fast] [--concurrency N] [--per-host N]
               [--timeout MS] [--retries N] [--rate N] [--banner-wait MS] [--http]
               [--confirm-large] [--all-states] [--format tsv|json] [--db PATH]
      Connect-scan the targets typed (addresses, CIDR, 192.0.2.1-20, hostnames).
      Ports: 22,80,8000-8100 | all | top:N. Open ports become inventory evidence 'scan'.
      --banner-wait MS: how long to read an open port's greeting (default 500, 0: none).
      --http: to every open port that sent nothing within the banner wait, on any
      port number, send 'HEAD / HTTP/1.0' and read the answer as its banner.`;

function int(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

interface ScanSummary {
  addresses: string;
  ports: number;
  probes: number;
  open: number;
  closed: number;
  filtered: number;
  errors: number;
}

const plural = (n: number | string, one: string, many = `${one}s`): string => `${n} ${String(n) === '1' ? one : many}`;

/**
 * The one line on stderr that ends every scan, whatever it found (the tsv on stdout
 * lists open ports only, so a sweep with nothing open would otherwise end in silence):
 * `scan 3, 127.0.0.1: 100 ports probed, 0 open, 100 closed, 0 filtered`.
 */
export function summaryLine(scanId: number, s: ScanSummary | null, targets: string[]): string {
  if (!s) return `scan ${scanId}: no summary (the run stopped before its end)\n`;
  const what = s.addresses === '1' && targets.length === 1 && !/[\s,/-]/.test(targets[0]!.trim()) ? targets[0]!.trim() : plural(s.addresses, 'address', 'addresses');
  const probes = s.addresses === '1' ? `${plural(s.probes, 'port')} probed` : `${plural(s.ports, 'port')}, ${plural(s.probes, 'probe')}`;
  return `scan ${scanId}, ${what}: ${probes}, ${s.open} open, ${s.closed} closed, ${s.filtered} filtered${s.errors ? `, ${plural(s.errors, 'error')}` : ''}\n`;
}

export async function cmdScan(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    allowPositionals: true,
    options: {
      ports: { type: 'string', short: 'p' },
      exclude: { type: 'string', multiple: true },
      'input-file': { type: 'string', short: 'i', multiple: true },
      profile: { type: 'string' },
      concurrency: { type: 'string' },
      'per-host': { type: 'string' },
      timeout: { type: 'string' },
      retries: { type: 'string' },
      rate: { type: 'string' },
      'banner-wait': { type: 'string' },
      http: { type: 'boolean' },
      'confirm-large': { type: 'boolean' },
      'all-states': { type: 'boolean' },
      format: { type: 'string' },
      db: { type: 'string' },
    },
  });
  const format = values.format ?? 'tsv';
  if (format !== 'tsv' && format !== 'json') throw new UsageError(`--format must be tsv or json, not '${format}'`);
  if (!values.ports) throw new UsageError('scan needs --ports (e.g. --ports 22,80,443, --ports top:100, --ports all)');
  const profile = values.profile === undefined ? undefined : ScanProfileName.safeParse(values.profile);
  if (profile && !profile.success) throw new UsageError('--profile must be gentle, normal or fast');

  const targetTexts = [...positionals];
  for (const f of values['input-file'] ?? []) {
    let text: string;
    try {
      // Bounded: a targets file is a list, not a stream (/dev/zero must not eat the memory).
      if (f !== '-') {
        const st = statSync(f);
        if (!st.isFile()) throw new Error('not a regular file');
        if (st.size > MAX_TARGETS_FILE) throw new Error(`larger than ${MAX_TARGETS_FILE / 1024 / 1024} MiB`);
      }
      text = readFileSync(f === '-' ? 0 : f, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the targets file ${f}: ${(err as Error).message}`);
    }
    if (text.length > MAX_TARGETS_FILE) throw new Error(`cannot read the targets file ${f}: larger than ${MAX_TARGETS_FILE / 1024 / 1024} MiB`);
    targetTexts.push(text);
  }
  if (!targetTexts.join('').trim()) throw new UsageError('scan needs at least one target (an address, CIDR block, range or hostname)');

  const engine = await Engine.open({ dbPath: dbPath(values.db) });
  const results: ProbeResult[] = [];
  const progress = process.stderr.isTTY;
  let jobId: string | null = null;
  /** The signal that stopped the sweep: the exit code says so (128 + its number). */
  let stoppedBy: NodeJS.Signals | null = null;
  const onSigint = (sig: NodeJS.Signals): void => {
    stoppedBy ??= sig;
    if (jobId) engine.jobs.cancel(jobId);
  };
  try {
    const off = engine.on('scan.progress', (p) => {
      if (progress && !p.final) process.stderr.write(`\r${p.paused ? 'paused ' : ''}${p.done}/${p.total} probes, ${p.open} open, ${p.rate}/s${p.etaS !== null ? `, ETA ${p.etaS}s` : ''}   `);
    });
    let started;
    try {
      started = await engine.scans.start(
        {
          targets: targetTexts.join('\n'),
          excludes: (values.exclude ?? []).join('\n'),
          ports: values.ports,
          profile: profile?.data,
          concurrency: int('concurrency', values.concurrency, 1, 100_000),
          perHost: int('per-host', values['per-host'], 1, 100_000),
          timeoutMs: int('timeout', values.timeout, 10, 60_000),
          retries: int('retries', values.retries, 0, 10),
          rate: int('rate', values.rate, 1, 1_000_000),
          bannerWaitMs: int('banner-wait', values['banner-wait'], 0, 10_000),
          httpProbe: values.http ?? false,
          confirmLarge: values['confirm-large'] ?? false,
        },
        // Only what will be printed is kept: open ports, or every state with --all-states.
        { onResult: (r) => void ((values['all-states'] || r.state === 'open') && results.push(r)) },
      );
    } catch (err) {
      if (err instanceof ConfirmationRequired) throw new UsageError(`${err.message} (--confirm-large)`);
      if (err instanceof TargetError || err instanceof PortSpecError) throw new UsageError(err.message);
      throw err;
    }
    jobId = started.jobId;
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    const end = await engine.jobs.wait(started.jobId);
    off();
    if (progress) process.stderr.write('\r\x1b[K');
    for (const w of end.warnings) process.stderr.write(`portolan: warning: ${w}\n`);

    // Rows by host (one sort key per host, not per row), then by port: a full sweep
    // prints 65,535 rows of one host, which arrive nearly in port order already.
    const byHost = new Map<string, ProbeResult[]>();
    for (const r of results) {
      let list = byHost.get(r.host);
      if (!list) byHost.set(r.host, (list = []));
      list.push(r);
    }
    const keyed = [...byHost]
      .map(([host, rows]) => ({ k: hostKey(host), rows }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
      .flatMap((h) => h.rows.sort((a, b) => a.port - b.port));
    if (format === 'json') {
      const rows = keyed.map((r) => ({ host: r.host, port: r.port, proto: 'tcp', state: r.state, reason: r.reason, banner: r.banner, service: r.service, rttUs: r.rttUs }));
      process.stdout.write(JSON.stringify({ scanId: started.scanId, job: end.id, status: end.status, summary: end.result, results: rows }, null, 2) + '\n');
    } else {
      // Host (an address), port, state and reason never hold a tab or a line break; only
      // the banner (server-sent bytes) is cleaned (scanTsv).
      process.stdout.write(scanTsv(keyed));
    }
    process.stderr.write(summaryLine(started.scanId, end.result as ScanSummary | null, values['input-file']?.length ? [] : positionals));
    if (end.status !== 'done') {
      process.stderr.write(`portolan: error: scan ${end.status}${end.error ? `: ${end.error.message}` : ''} (what was found is stored as scan ${started.scanId})\n`);
      return stoppedBy === 'SIGINT' ? 130 : stoppedBy === 'SIGTERM' ? 143 : 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await engine.close();
  }
}
