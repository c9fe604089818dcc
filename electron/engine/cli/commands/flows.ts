/**
 * `portolan flows [--capture N] [--format tsv|json] [--limit N] [--db PATH]`
 *
 * Flow records, oldest first (docs/listeners.md explains every field). tsv columns are a
 * public contract like the services columns: add at the end, never rename or drop.
 * Times are ISO 8601 UTC with microseconds.
 */
import { openEngine, parseCommandLine, UsageError } from '../common';
import { FLOW_COLUMNS as STORED_FLOW_COLUMNS } from '../../store/statements-capture';

export const FLOW_COLUMNS = [
  'capture', 'transport', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'start', 'end', 'packets_in', 'packets_out',
  'bytes_in', 'bytes_out', 'ack_packets_in', 'ack_packets_out', 'syn', 'syn_ack', 'fin', 'rst', 'conn_state', 'history',
  'app_proto', 'server_name', 'vlan', 'direction_known', 'flags',
] as const;

export const FLOWS_HELP = `  portolan flows [--capture N] [--format tsv|json] [--limit N] [--db PATH]
      List flow records (Zeek-style conn_state and history, packets/bytes/acks each way).`;

/** A stored batch of flows (migration 9): `rows` as JSON text, fields in STORED order. */
interface BatchRow {
  capture_id: number;
  first_id: number;
  count: number;
  rows: string;
}

/** The fields of a stored flow, in the order a batch holds them (statements-capture.ts's FLOW_COLUMNS after capture_id). */
const STORED = STORED_FLOW_COLUMNS.slice(1) as ReadonlyArray<Exclude<keyof FlowRow, 'capture_id'>>;

function flowRow(captureId: number, values: unknown[]): FlowRow {
  const r: Record<string, unknown> = { capture_id: captureId };
  STORED.forEach((c, i) => (r[c] = values[i] ?? null));
  return r as unknown as FlowRow;
}

interface FlowRow {
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
  const { values } = parseCommandLine({ args, options: { db: { type: 'string' }, format: { type: 'string', default: 'tsv' }, capture: { type: 'string' }, limit: { type: 'string' } } });
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
    // Flows are stored a batch to a row (migration 9): read a few batches at a time and
    // print their flows in id order, from after the last one printed.
    let after = 0;
    let n = 0;
    for (;;) {
      const batches = capture === null ? await engine.db.all<BatchRow>('capFlowBatchesPage', [after, 4]) : await engine.db.all<BatchRow>('capFlowBatchesPageOf', [capture, after, 4]);
      if (!batches.length) break;
      for (const b of batches) {
        const rows = JSON.parse(b.rows) as unknown[][];
        for (let i = 0; i < rows.length && n < limit; i++) {
          const id = b.first_id + i;
          if (id <= after) continue;
          const o = toObject(flowRow(b.capture_id, rows[i]!));
          if (format === 'tsv') out.write(FLOW_COLUMNS.map((c) => cell(o[c])).join('\t') + '\n');
          else {
            out.write(`${first ? '\n  ' : ',\n  '}${JSON.stringify(o)}`);
            first = false;
          }
          n++;
        }
        after = b.first_id + b.count - 1;
      }
      if (n >= limit) break;
    }
    if (format === 'json') out.write(first ? ']\n' : '\n]\n');
    return 0;
  } finally {
    await engine.close();
  }
}
