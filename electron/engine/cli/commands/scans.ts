/**
 * `portolan scans [--format table|tsv|json] [--limit N] [--db PATH]`: the connect-scan
 * runs with their ids (the inventory's `scan:N` sources): who, when, from which local
 * address, what, and the counts. The most recent N, oldest first.
 */
import { listScanRuns } from '../../scan';
import { openEngine, parseCommandLine } from '../common';
import { listFormat, listLimit, writeList } from '../listing';

/** tsv columns, a stable contract: add at the end, never rename. */
export const SCAN_RUN_COLUMNS = ['id', 'started_at', 'ended_at', 'status', 'started_by', 'source_addr', 'targets', 'ports', 'addresses', 'probes', 'open', 'closed', 'filtered', 'errors', 'probes_planned', 'stopped'] as const;

export const SCANS_HELP = `  portolan scans [--format table|tsv|json] [--limit N] [--db PATH]
      Connect-scan runs with their ids (the inventory's scan:N sources), who ran them,
      from which address, and their counts. tsv columns: ${SCAN_RUN_COLUMNS.join(', ')}.`;

export async function cmdScans(args: string[]): Promise<number> {
  const { values } = parseCommandLine({ args, options: { db: { type: 'string' }, format: { type: 'string' }, limit: { type: 'string' } } });
  const format = listFormat(values.format);
  const limit = listLimit(values.limit, 1000);
  const engine = await openEngine(values.db, 'read');
  try {
    const runs = (await listScanRuns(engine.db, limit)).sort((a, b) => a.id - b.id);
    if (format === 'json') {
      process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
      return 0;
    }
    writeList(
      format,
      SCAN_RUN_COLUMNS,
      runs.map((r) => ({
        id: r.id,
        started_at: r.startedAt,
        ended_at: r.endedAt,
        status: r.status,
        started_by: r.startedBy,
        source_addr: r.sourceAddr,
        // One target a line as stored; a cell holds them space-separated (no target has a space).
        targets: r.targets.split('\n').join(' '),
        ports: r.ports,
        addresses: r.addresses,
        probes: r.probesDone,
        open: r.open,
        closed: r.closed,
        filtered: r.filtered,
        errors: r.errors,
        probes_planned: r.probesTotal,
        stopped: r.stopReason ?? '',
      })),
      'no scan runs (portolan scan TARGET --ports SPEC)',
    );
    return 0;
  } finally {
    await engine.close();
  }
}
