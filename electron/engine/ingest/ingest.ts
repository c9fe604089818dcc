/**
 * Ingest of capture files: decode → flow table → flows in batched transactions →
 * listener inferences merged into the inventory. A file already ingested completely
 * (same SHA-256) is skipped, so running the same ingest twice duplicates nothing.
 * A file that is not a capture is refused before anything is written.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { readCaptureFile, CaptureFormatError, type ReadSummary } from '../decode/capfile';
import { decodeFrame, newPacket } from '../decode';
import { FlowTable } from '../flows/table';
import type { FlowRecord, ListenerHit } from '../flows/types';
import { recordSightings } from '../inventory/inventory';
import type { Db } from '../store/db';
import type { JobContext } from '../jobs/jobs';

export interface FileOutcome {
  path: string;
  captureId: number | null;
  status: 'complete' | 'skipped' | 'incomplete' | 'failed';
  packets: number;
  flows: number;
  listeners: number;
  added: number;
  warnings: string[];
  error?: string;
}

export interface IngestResult {
  files: FileOutcome[];
  packets: number;
  flows: number;
  listeners: number;
  added: number;
}

export class IngestError extends Error {
  override name = 'IngestError';
  constructor(
    message: string,
    readonly partial: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Flows per write transaction. */
const FLOW_BATCH = 5000;

export async function ingestFiles(db: Db, paths: string[], ctx: JobContext, onChanged: (added: number, updated: number) => void): Promise<IngestResult> {
  const sizes: number[] = [];
  for (const p of paths) sizes.push(await stat(p).then((s) => s.size, () => 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  let doneBefore = 0;
  const result: IngestResult = { files: [], packets: 0, flows: 0, listeners: 0, added: 0 };
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    if (ctx.signal.aborted) break;
    const label = `file ${i + 1} of ${paths.length}: ${path.split('/').pop()}`;
    let outcome: FileOutcome;
    try {
      outcome = await ingestOne(db, path, ctx, (done) => ctx.progress({ done: doneBefore + done, total, unit: 'bytes', message: label }), onChanged);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      outcome = { path, captureId: null, status: 'failed', packets: 0, flows: 0, listeners: 0, added: 0, warnings: [], error: (err as Error).message };
    }
    for (const w of outcome.warnings) ctx.warn(`${path}: ${w}`);
    result.files.push(outcome);
    result.packets += outcome.packets;
    result.flows += outcome.flows;
    result.listeners += outcome.listeners;
    result.added += outcome.added;
    doneBefore += sizes[i]!;
    ctx.progress({ done: doneBefore, total, unit: 'bytes', message: label });
  }
  const failed = result.files.filter((f) => f.status === 'failed');
  if (failed.length) {
    const msg = failed.map((f) => f.error).join('; ');
    throw new IngestError(failed.length === paths.length ? msg : `${failed.length} of ${paths.length} files failed: ${msg}`, result as unknown as Record<string, unknown>);
  }
  return result;
}

async function sha256File(path: string, signal: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    if (signal.aborted) throw signal.reason;
    h.update(chunk);
  }
  return h.digest('hex');
}

/** Reads the first bytes and refuses anything that is not pcap or pcapng. */
async function checkMagic(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a folder, not a file' : e.message;
    throw new CaptureFormatError(`${path}: ${why}`);
  }
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    if (bytesRead < 4) throw new CaptureFormatError(`${path}: ${bytesRead === 0 ? 'empty file' : 'too short'}, not a capture`);
    const be = buf.readUInt32BE(0);
    const le = buf.readUInt32LE(0);
    const ok = [0x0a0d0d0a, 0xa1b2c3d4, 0xa1b23c4d].some((m) => m === be || m === le);
    if (!ok) throw new CaptureFormatError(`${path}: not a pcap or pcapng capture (starts with 0x${be.toString(16).padStart(8, '0')})`);
  } finally {
    await fh.close();
  }
}

async function ingestOne(db: Db, path: string, ctx: JobContext, progress: (done: number) => void, onChanged: (added: number, updated: number) => void): Promise<FileOutcome> {
  await checkMagic(path);
  const size = (await stat(path)).size;
  const sha = await sha256File(path, ctx.signal);
  const seen = await db.get<{ id: number }>('captureBySha', [sha]);
  if (seen) {
    return { path, captureId: seen.id, status: 'skipped', packets: 0, flows: 0, listeners: 0, added: 0, warnings: [`already ingested as capture ${seen.id}; skipped`] };
  }
  const captureId = (await db.tx(() => db.run('captureInsert', [ctx.id, path, sha, size, null, '', Date.now()]))).lastID;
  const pending: FlowRecord[] = [];
  let flowsStored = 0;
  const flush = async (): Promise<void> => {
    if (!pending.length) return;
    const batch = pending.splice(0, pending.length);
    await db.tx(async () => {
      for (const f of batch) {
        await db.run('flowInsert', [captureId, f.transport, f.srcIp, f.srcPort, f.destIp, f.destPort, f.startUs, f.endUs, f.packetsIn, f.packetsOut, f.bytesIn, f.bytesOut, f.ackPacketsIn, f.ackPacketsOut, f.syn, f.synAck, f.fin, f.rst, f.connState, f.history, f.appProto, f.vlan, f.directionKnown ? 1 : 0]);
      }
    });
    flowsStored += batch.length;
  };
  const table = new FlowTable({ onFlow: (f) => pending.push(f) });
  const pkt = newPacket();
  let firstUs = Infinity;
  let lastUs = -Infinity;
  let noPorts = 0;
  const issues = new Map<string, number>();
  let summary: ReadSummary | undefined;
  let stoppedBy: unknown = null;
  try {
    summary = await readCaptureFile(path, {
      signal: ctx.signal,
      onFrame: (f) => {
        if (f.tsUs < firstUs) firstUs = f.tsUs;
        if (f.tsUs > lastUs) lastUs = f.tsUs;
        decodeFrame(f.linktype, f.data, pkt);
        if (pkt.issue && pkt.issue !== 'unsupported') {
          const k = `${pkt.issue} in ${pkt.issueLayer}`;
          issues.set(k, (issues.get(k) ?? 0) + 1);
        }
        if (pkt.hasPorts && !pkt.laterFragment && (pkt.ipProto === 6 || pkt.ipProto === 17)) table.add(pkt, f.tsUs, f.origLen);
        else noPorts++;
      },
      onChunk: async (done) => {
        progress(done);
        if (pending.length >= FLOW_BATCH) await flush();
      },
    });
  } catch (err) {
    if (err instanceof CaptureFormatError) {
      // Nothing usable was read: leave no trace of this file.
      await db.tx(() => db.run('captureDelete', [captureId]));
      throw err;
    }
    stoppedBy = err;
  }
  const hits = table.end();
  await flush();
  const warnings = [...(summary?.warnings ?? [])];
  for (const [k, n] of issues) warnings.push(`${n} packets ${k}`);
  const status = stoppedBy ? 'incomplete' : 'complete';
  let added = 0;
  await db.tx(async () => {
    const r = await recordSightings(db, 'capture', captureId, hits.map(toSighting));
    added = r.added;
    await db.run('captureFinish', [
      summary?.format ?? null,
      (summary?.linktypes ?? []).join(','),
      Number.isFinite(firstUs) ? firstUs : null,
      Number.isFinite(lastUs) ? lastUs : null,
      summary?.packets ?? 0,
      summary?.bytes ?? 0,
      noPorts,
      flowsStored,
      JSON.stringify(warnings),
      status,
      captureId,
    ]);
    onChanged(r.added, r.updated);
  });
  if (stoppedBy) throw stoppedBy;
  return { path, captureId, status, packets: summary?.packets ?? 0, flows: flowsStored, listeners: hits.length, added, warnings };
}

function toSighting(h: ListenerHit) {
  return {
    host: h.host,
    proto: h.proto,
    port: h.port,
    evidence: h.evidence,
    confidence: h.confidence,
    service: h.service,
    firstSeenMs: Math.floor(h.firstUs / 1000),
    lastSeenMs: Math.floor(h.lastUs / 1000),
    flows: h.flows,
    bytes: h.bytes,
  };
}
