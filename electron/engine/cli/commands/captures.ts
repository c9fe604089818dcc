/**
 * `portolan captures [--format table|tsv|json] [--limit N] [--db PATH]`: the stored
 * captures (ingested files and live captures) with their ids, the N in `flows --capture N`
 * and in the inventory's `capture:N` sources. The most recent N, oldest first.
 */
import { openEngine, parseCommandLine } from '../common';
import { listFormat, listLimit, writeList } from '../listing';

/** tsv columns, a stable contract: add at the end, never rename. */
export const CAPTURE_COLUMNS = ['id', 'recorded_at', 'status', 'source', 'packets', 'bytes', 'flows', 'services', 'first_packet', 'last_packet', 'filter', 'sha256'] as const;

export const CAPTURES_HELP = `  portolan captures [--format table|tsv|json] [--limit N] [--db PATH]
      Stored captures (files ingested, live captures) with their ids: flows --capture N,
      the inventory's capture:N sources. tsv columns: ${CAPTURE_COLUMNS.join(', ')}.`;

interface CaptureDb {
  id: number;
  source: string;
  status: string;
  packets: number | null;
  bytes: number | null;
  flows: number | null;
  first_us: number | null;
  last_us: number | null;
  filter: string | null;
  file_sha256: string | null;
  created_at: number;
  services: number;
}

const isoUs = (us: number | null): string | null => (us === null ? null : new Date(Math.floor(us / 1000)).toISOString());

export async function cmdCaptures(args: string[]): Promise<number> {
  const { values } = parseCommandLine({ args, options: { db: { type: 'string' }, format: { type: 'string' }, limit: { type: 'string' } } });
  const format = listFormat(values.format);
  const limit = listLimit(values.limit, 1000);
  const engine = await openEngine(values.db, 'read');
  try {
    const rows = await engine.db.query<CaptureDb>(
      `SELECT * FROM (SELECT c.id, c.source, c.status, c.packets, c.bytes, c.flows, c.first_us, c.last_us, c.filter, c.file_sha256, c.created_at,
         (SELECT COUNT(*) FROM service_evidence e WHERE e.source_kind = 'capture' AND e.source_id = c.id) AS services
       FROM captures c ORDER BY c.id DESC LIMIT ?) ORDER BY id`,
      [limit],
    );
    writeList(
      format,
      CAPTURE_COLUMNS,
      rows.map((r) => ({
        id: r.id,
        recorded_at: new Date(r.created_at).toISOString(),
        status: r.status,
        source: r.source,
        packets: r.packets,
        bytes: r.bytes,
        flows: r.flows,
        services: r.services,
        first_packet: isoUs(r.first_us),
        last_packet: isoUs(r.last_us),
        filter: r.filter ?? '',
        sha256: r.file_sha256,
      })),
      'no captures (portolan ingest FILE, or portolan capture --interface IF)',
    );
    return 0;
  } finally {
    await engine.close();
  }
}
