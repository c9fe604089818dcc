/**
 * `portolan flows [--capture N] [--format tsv|json] [--limit N] [--db PATH]`
 *
 * Flow records, oldest first (docs/listeners.md explains every field). tsv columns are a
 * public contract like the services columns: add at the end, never rename or drop.
 * Times are ISO 8601 UTC with microseconds.
 */
import { parseArgs } from 'node:util';
import { openEngine, UsageError } from '../common';

export const FLOW_COLUMNS = [
  'capture', 'transport', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'start', 'end', 'packets_in', 'packets_out',
  'bytes_in', 'bytes_out', 'ack_packets_in', 'ack_packets_out', 'syn', 'syn_ack', 'fin', 'rst', 'conn_state', 'history',
  'app_proto', 'server_name', 'vlan', 'direction_known', 'flags',
] as const;

export const FLOWS_HELP = `  portolan flows [--capture N] [--format tsv|json] [--limit N] [--db PATH]
      List flow records (Zeek-style conn_state and history, packets/bytes/acks each way).`;

interface FlowRow {
  id: number;
  capture_id: number;
  transport: string;
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  start_us: number;
  end_us: number;
  packets_in: number;
  packets_out: number;
  bytes_in: number;
  bytes_out: number;
  ack_packets_in: number;
  ack_packets_out: number;
  syn: number;
  syn_ack: number;
  fin: number;
  rst: number;
  conn_state: string;
  history: string;
  app_proto: string | null;
  server_name: string | null;
  vlan: string;
  direction_known: number;
  flags: string | null;
}

/** µs since the epoch → ISO 8601 with six fraction digits. */
export function isoUs(us: number): string {
  const ms = Math.floor(us / 1000);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${String(Math.floor(us % 1e6)).padStart(6, '0')}Z`);
}

function toObject(r: FlowRow): Record<string, string | number | boolean | null> {
  return {
    capture: r.capture_id,
    transport: r.transport,
    src_ip: r.src_ip,
    src_port: r.src_port,
    dest_ip: r.dest_ip,
    dest_port: r.dest_port,
    start: isoUs(r.start_us),
    end: isoUs(r.end_us),
    packets_in: r.packets_in,
    packets_out: r.packets_out,
    bytes_in: r.bytes_in,
    bytes_out: r.bytes_out,
    ack_packets_in: r.ack_packets_in,
    ack_packets_out: r.ack_packets_out,
    syn: r.syn,
    syn_ack: r.syn_ack,
    fin: r.fin,
    rst: r.rst,
    conn_state: r.conn_state,
    history: r.history,
    app_proto: r.app_proto,
    server_name: r.server_name,
    vlan: r.vlan,
    direction_known: r.direction_known === 1,
    flags: r.flags ?? '',
  };
}

const cell = (v: unknown): string => (v === null || v === undefined ? '' : String(v).replace(/[\t\r\n]/g, ' '));

export async function cmdFlows(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { db: { type: 'string' }, format: { type: 'string', default: 'tsv' }, capture: { type: 'string' }, limit: { type: 'string' } } });
  const format = values.format;
  if (format !== 'tsv' && format !== 'json') throw new UsageError('--format must be tsv or json');
  const capture = values.capture === undefined ? null : /^\d{1,15}$/.test(values.capture) ? Number(values.capture) : NaN;
  if (capture !== null && !(Number.isInteger(capture) && capture > 0)) throw new UsageError('--capture must be a capture id (a positive whole number)');
  const limit = values.limit === undefined ? Infinity : /^\d{1,15}$/.test(values.limit) ? Number(values.limit) : NaN;
  if (!(limit === Infinity || (Number.isInteger(limit) && limit > 0))) throw new UsageError('--limit must be a positive whole number');
  const engine = await openEngine(values.db, 'read');
  try {
    // A capture that does not exist is an error, not an empty list.
    if (capture !== null && !(await engine.db.query('SELECT 1 FROM captures WHERE id = ?', [capture])).length) {
      process.stderr.write(`portolan: error: no capture ${capture}\n`);
      return 1;
    }
    const out = process.stdout;
    let first = true;
    if (format === 'tsv') out.write(FLOW_COLUMNS.join('\t') + '\n');
    else out.write('[');
    let after = 0;
    let n = 0;
    for (;;) {
      const page = Math.min(5000, limit - n);
      if (page <= 0) break;
      const rows = capture === null ? await engine.db.all<FlowRow>('capFlowsPage', [after, page]) : await engine.db.all<FlowRow>('capFlowsPageOf', [capture, after, page]);
      for (const r of rows) {
        const o = toObject(r);
        if (format === 'tsv') out.write(FLOW_COLUMNS.map((c) => cell(o[c])).join('\t') + '\n');
        else {
          out.write(`${first ? '\n  ' : ',\n  '}${JSON.stringify(o)}`);
          first = false;
        }
      }
      n += rows.length;
      if (rows.length < page) break;
      after = rows[rows.length - 1]!.id;
    }
    if (format === 'json') out.write(first ? ']\n' : '\n]\n');
    return 0;
  } finally {
    await engine.close();
  }
}
