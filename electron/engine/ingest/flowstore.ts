/**
 * Writing flow records: one INSERT … SELECT FROM json_each per batch, inside the
 * caller's transaction. The rows travel as one JSON string (V8 writes it natively, SQLite
 * reads it on its worker thread), which keeps the event loop free for decoding.
 * Shared by file ingest and live capture.
 */
import type { FlowRecord } from '../flows/types';
import type { Db } from '../store/db';

/** Rows per statement: large enough to amortise, small enough to keep memory flat. */
const ROWS_PER_STATEMENT = 5000;

function row(f: FlowRecord): unknown[] {
  return [
    f.transport, f.srcIp, f.srcPort, f.destIp, f.destPort, f.startUs, f.endUs,
    f.packetsIn, f.packetsOut, f.bytesIn, f.bytesOut, f.ackPacketsIn, f.ackPacketsOut,
    f.syn, f.synAck, f.fin, f.rst, f.connState, f.history, f.appProto, f.vlan, f.directionKnown ? 1 : 0,
    f.serverName, f.flags,
  ];
}

/**
 * The JSON texts storeFlowsJson writes, ROWS_PER_STATEMENT flows each. Made apart from
 * the write so a caller can make the next batch's text while the previous one is being
 * written (the end of an ingest stores tens of thousands of flows back to back).
 */
export function flowsJson(flows: FlowRecord[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flows.length; i += ROWS_PER_STATEMENT) out.push(JSON.stringify(flows.slice(i, i + ROWS_PER_STATEMENT).map(row)));
  return out;
}

/** Stores texts from flowsJson for capture `captureId`. Call inside `db.tx()`. */
export async function storeFlowsJson(db: Db, captureId: number, texts: string[]): Promise<void> {
  for (const json of texts) await db.run('capFlowInsertJson', [captureId, json]);
}

/** Stores `flows` for capture `captureId`. Call inside `db.tx()`. */
export async function storeFlows(db: Db, captureId: number, flows: FlowRecord[]): Promise<void> {
  await storeFlowsJson(db, captureId, flowsJson(flows));
}
