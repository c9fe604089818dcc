/**
 * Writing flow records: a batch of flows is one row of `flow_batches` (migration 9),
 * a JSON array the `flows` view shows a flow to a row. The batch travels as one string
 * (V8 writes it natively) and SQLite stores it as one value, inside the caller's
 * transaction; storing a flow per row cost SQLite's thread about 4 µs a flow. Shared by
 * file ingest and live capture.
 */
import type { FlowRecord } from '../flows/types';
import type { Db } from '../store/db';

/** Flows per stored batch: large enough to amortise, small enough to keep memory flat. */
const ROWS_PER_STATEMENT = 5000;

/** A flow's fields in the order a batch stores them (statements-capture.ts's FLOW_COLUMNS after capture_id). */
function row(f: FlowRecord): unknown[] {
  return [
    f.transport, f.srcIp, f.srcPort, f.destIp, f.destPort, f.startUs, f.endUs,
    f.packetsIn, f.packetsOut, f.bytesIn, f.bytesOut, f.ackPacketsIn, f.ackPacketsOut,
    f.syn, f.synAck, f.fin, f.rst, f.connState, f.history, f.appProto, f.vlan, f.directionKnown ? 1 : 0,
    f.serverName, f.flags,
  ];
}

/** One stored batch: the JSON text and how many flows it holds. */
export interface FlowBatch {
  json: string;
  count: number;
}

/**
 * The batches storeFlowsJson writes, ROWS_PER_STATEMENT flows each. Made apart from the
 * write so a caller can make the next batch's text while the previous one is written.
 */
export function flowsJson(flows: FlowRecord[]): FlowBatch[] {
  const out: FlowBatch[] = [];
  for (let i = 0; i < flows.length; i += ROWS_PER_STATEMENT) {
    const slice = flows.slice(i, i + ROWS_PER_STATEMENT);
    out.push({ json: JSON.stringify(slice.map(row)), count: slice.length });
  }
  return out;
}

/** Stores batches from flowsJson for capture `captureId`. Call inside `db.tx()`. */
export async function storeFlowsJson(db: Db, captureId: number, batches: FlowBatch[]): Promise<void> {
  for (const b of batches) await db.run('capFlowInsertJson', [captureId, b.json, b.count]);
}

/** Stores `flows` for capture `captureId`. Call inside `db.tx()`. */
export async function storeFlows(db: Db, captureId: number, flows: FlowRecord[]): Promise<void> {
  await storeFlowsJson(db, captureId, flowsJson(flows));
}
