/**
 * Ingest of capture files: decode → flow table → flows in batched transactions →
 * listener inferences merged into the inventory. A file already ingested completely
 * (same SHA-256) is skipped, so running the same ingest twice duplicates nothing.
 * A file that is not a capture is refused before anything is written.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { fileProblem } from '../files';
import { readCaptureFile, CaptureFormatError, type ReadSummary } from '../decode/capfile';
import { decodeFrameAt, newPacket } from '../decode';
import { compileBpf } from '../filters/compile';
import { packetFilter } from '../filters/match';
import type { ResolvedSelection } from '../filters/selection';
import { FlowTable } from '../flows/table';
import type { FlowRecord } from '../flows/types';
import { recordSightings } from '../inventory/inventory';
import { hitSighting } from '../flows/sighting';
import type { Db } from '../store/db';
import type { JobContext } from '../jobs/jobs';
import { flowsJson, storeFlowsJson } from './flowstore';

export interface FileOutcome {
  path: string;
  captureId: number | null;
  status: 'complete' | 'skipped' | 'incomplete' | 'failed';
  packets: number;
  flows: number;
  listeners: number;
  added: number;
  /** Packets the protocol choice left out. */
  filteredOut?: number;
  warnings: string[];
  error?: string;
}

export interface IngestOptions {
  /** Protocol choice, applied exactly as live capture applies it (filters/match.ts). */
  selection?: ResolvedSelection;
  /** Names to record and show instead of paths (uploads' temporary copies). */
  labels?: ReadonlyMap<string, string>;
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
/** 9999-12-31T23:59:59Z in µs: the last instant an ISO 8601 date can show. */
const MAX_TS_US = 253402300799e6;

class AlreadyRunning extends Error {
  constructor(readonly captureId: number) {
    super(`capture ${captureId} is being ingested`);
  }
}

export async function ingestFiles(db: Db, given: string[], ctx: JobContext, onChanged: (added: number, updated: number) => void, opts: IngestOptions = {}): Promise<IngestResult> {
  // The same file named twice in one job is read once.
  const paths = [...new Set(given)];
  const sizes: number[] = [];
  for (const p of paths) sizes.push(await stat(p).then((s) => s.size, () => 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  let doneBefore = 0;
  const result: IngestResult = { files: [], packets: 0, flows: 0, listeners: 0, added: 0 };
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    if (ctx.signal.aborted) break;
    const shown = opts.labels?.get(path) ?? path;
    const label = `file ${i + 1} of ${paths.length}: ${shown.replace(/^upload: /, '').split('/').pop()}`;
    let outcome: FileOutcome;
    try {
      outcome = await ingestOne(db, path, shown, ctx, (done) => ctx.progress({ done: doneBefore + done, total, unit: 'bytes', message: label }), onChanged, opts.selection);
    } catch (err) {
      if (ctx.signal.aborted) {
        // Cancelled: the job's result still names what was stored (files done before, and
        // the one cut short if its capture was kept, marked incomplete).
        if (err instanceof StoppedIngest) result.files.push(err.outcome);
        throw Object.assign(new Error('ingest cancelled'), { partial: result as unknown as Record<string, unknown> });
      }
      outcome = { path: shown, captureId: null, status: 'failed', packets: 0, flows: 0, listeners: 0, added: 0, warnings: [], error: (err as Error).message.split(path).join(shown) };
    }
    for (const w of outcome.warnings) ctx.warn(`${shown}: ${w}`);
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

/** Files at least this big are hashed on a worker thread while this one decodes them. */
const HASH_ON_WORKER = 8 << 20;

/**
 * The worker: streams the file through SHA-256, posting how far it has read after each
 * chunk, then the hex digest (or the error).
 */
const HASH_WORKER = `
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const h = createHash('sha256');
let at = 0;
createReadStream(workerData, { highWaterMark: 1 << 20 })
  .on('data', (c) => {
    h.update(c);
    at += c.length;
    parentPort.postMessage({ at });
  })
  .on('end', () => parentPort.postMessage({ sha: h.digest('hex') }))
  .on('error', (e) => parentPort.postMessage({ error: e.message }));
`;

/**
 * SHA-256 of a file. Big files are hashed on a worker thread (the second core) so the
 * digest is ready a moment after decoding starts instead of costing a read of its own
 * before it. `onRead` hears how many bytes from the start have been read for the hash.
 */
async function sha256File(path: string, size: number, signal: AbortSignal, onRead?: (bytes: number) => void): Promise<string> {
  if (size >= HASH_ON_WORKER) {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: path });
    const stop = (): void => void worker.terminate();
    signal.addEventListener('abort', stop, { once: true });
    try {
      return await new Promise<string>((resolve, reject) => {
        worker.on('message', (m: { at?: number; sha?: string; error?: string }) => {
          if (m.at !== undefined) onRead?.(m.at);
          else if (m.sha) resolve(m.sha);
          else reject(new Error(`cannot read ${path}: ${m.error}`));
        });
        worker.once('error', reject);
        worker.once('exit', () => reject(signal.aborted ? signal.reason : new Error(`hashing ${path} stopped`)));
      });
    } finally {
      signal.removeEventListener('abort', stop);
      void worker.terminate();
    }
  }
  const h = createHash('sha256');
  let at = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    if (signal.aborted) throw signal.reason;
    h.update(chunk);
    at += chunk.length;
    onRead?.(at);
  }
  return h.digest('hex');
}

/** The capture row this ingest writes under, or why the file is skipped instead. */
type Claim = { captureId: number } | { skip: FileOutcome };

async function claimCapture(db: Db, sha: string, size: number, shown: string, ctx: JobContext, filterText: string, sel?: ResolvedSelection): Promise<Claim> {
  const seen = await db.get<{ id: number; filter: string }>('capCaptureBySha', [sha, filterText]);
  if (seen) {
    const how = seen.filter ? ' under the same protocol choice' : '';
    return { skip: { path: shown, captureId: seen.id, status: 'skipped', packets: 0, flows: 0, listeners: 0, added: 0, warnings: [`already ingested as capture ${seen.id}${how}; skipped`] } };
  }
  const captureId = (await db.tx(async () => {
    // Another live job reading this very file: let it finish instead of racing it.
    const busy = await db.get<{ id: number }>('captureRunningBySha', [sha, filterText]);
    if (busy) throw new AlreadyRunning(busy.id);
    // A partial ingest of this file (cancelled, crashed) is replaced, not added to.
    await db.run('evidenceDeleteIncomplete', [sha, filterText]);
    await db.run('captureDeleteIncomplete', [sha, filterText]);
    const r = await db.run('captureInsert', [ctx.id, shown, sha, size, null, filterText, Date.now()]);
    if (filterText) await db.run('capCaptureChoice', [null, JSON.stringify(sel!.selection), null, filterText, r.lastID]);
    return r;
  }).catch((err: unknown) => {
    if (err instanceof AlreadyRunning) return null;
    throw err;
  }))?.lastID;
  if (captureId === undefined) {
    return { skip: { path: shown, captureId: null, status: 'skipped', packets: 0, flows: 0, listeners: 0, added: 0, warnings: ['another job is ingesting this file right now; skipped'] } };
  }
  return { captureId };
}

/** Reads the first bytes and refuses anything that is not a pcap or pcapng file. */
async function checkMagic(path: string): Promise<void> {
  let fh;
  try {
    // A folder, FIFO or device is refused before it is opened (a FIFO with no writer
    // would block the open forever).
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    fh = await open(path, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'EISDIR' ? 'is a folder, not a capture file' : e.code === 'ENOTREG' ? 'not a regular file (a pipe or device?); save the capture to a file first' : fileProblem(e);
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

async function ingestOne(db: Db, path: string, shown: string, ctx: JobContext, progress: (done: number) => void, onChanged: (added: number, updated: number) => void, sel?: ResolvedSelection): Promise<FileOutcome> {
  await checkMagic(path);
  const before = await stat(path);
  const size = before.size;
  // The filter text identifies the protocol choice; an unfiltered ingest covers every choice.
  const filterText = sel && !sel.all ? compileBpf(sel, { vlan: true }) : '';
  // Decoding starts while the file is hashed; nothing is written until the hash has said
  // whether this file was ingested before (then decoding stops and the file is skipped).
  const skipped = new AbortController();
  // Small files are hashed first (it costs little), so even an ingest cancelled at once
  // leaves its capture row, marked incomplete. A big file cancelled before its hash is
  // ready stops without writing anything.
  /** How far the hash's own read of the file has got. */
  let hashedTo = 0;
  const hashed = sha256File(path, size, ctx.signal, (at) => void (hashedTo = at));
  hashed.catch(() => undefined); // awaited through `claim`
  const claim = hashed.then((sha) => claimCapture(db, sha, size, shown, ctx, filterText, sel));
  claim.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  if (size < HASH_ON_WORKER) await claim;
  let captureId: number | null = null;
  let skip: FileOutcome | null = null;
  /** Waits for the claim; false when the file is to be skipped. */
  const claimed = async (): Promise<boolean> => {
    if (captureId !== null) return true;
    if (skip) return false;
    const c = await claim;
    if ('skip' in c) {
      skip = c.skip;
      skipped.abort();
      return false;
    }
    captureId = c.captureId;
    return true;
  };
  const pending: FlowRecord[] = [];
  let flowsStored = 0;
  /**
   * Stores the flows finished so far. Their JSON is made at once, before waiting for the
   * write in flight (`prior`), so SQLite's thread goes from one batch to the next without
   * waiting for this one to make the next text.
   */
  const flush = async (prior: Promise<void> = Promise.resolve()): Promise<void> => {
    const batch = pending.splice(0, pending.length);
    const texts = batch.length ? flowsJson(batch) : [];
    await prior;
    if (!batch.length || !(await claimed())) return;
    const id = captureId!;
    await db.tx(() => storeFlowsJson(db, id, texts));
    flowsStored += batch.length;
  };
  const table = new FlowTable({ onFlow: (f) => pending.push(f) });
  const filter = sel ? packetFilter(sel) : null;
  let filteredOut = 0;
  const pkt = newPacket();
  let firstUs = Infinity;
  let lastUs = -Infinity;
  let noPorts = 0;
  let badTimes = 0;
  let untimed = 0;
  const fileUs = Math.floor(before.mtimeMs) * 1000;
  /** Frames decoded: the packet count of a read cut short (it has no summary). */
  let framesRead = 0;
  const issues = new Map<string, number>();
  let summary: ReadSummary | undefined;
  let stoppedBy: unknown = null;
  let inflight: Promise<void> = Promise.resolve();
  // The hash and the decoding are two reads of the file. A chunk the hash had read before
  // the decoder started reading it needs nothing more: a byte changed between the two
  // reads makes the file hash differently from the stored digest, which the check after
  // the read catches. A chunk the decoder read first (the hash's worker starts a moment
  // late, or falls behind) gets a CRC-32 (about 0.4 ms a MiB), so a byte rewritten in place
  // after the decoder read it but before the hash did is caught too.
  const hashedAtStart = new Map<number, number>();
  const unhashed: Array<[offset: number, length: number]> = [];
  let unhashedCrc = 0;
  try {
    summary = await readCaptureFile(path, {
      onReadStart: (offset) => void hashedAtStart.set(offset, hashedTo),
      onBytes: (b, offset) => {
        const hashedBefore = hashedAtStart.get(offset) ?? 0;
        hashedAtStart.delete(offset);
        if (hashedBefore >= offset + b.length) return;
        unhashedCrc = crc32(b, unhashedCrc);
        unhashed.push([offset, b.length]);
      },
      signal: AbortSignal.any([ctx.signal, skipped.signal]),
      onFrame: (f) => {
        // A timestamp outside 1970..9999 is damage, not time, and a Simple Packet Block has
        // none: keep the packet at the last good time (before any, the file's modification
        // time) so one bad record cannot poison the inventory's dates with 1970 or 148,000.
        if (!f.timed) {
          untimed++;
          f.tsUs = Number.isFinite(lastUs) ? lastUs : fileUs;
        } else if (!(f.tsUs >= 0 && f.tsUs <= MAX_TS_US)) {
          badTimes++;
          f.tsUs = Number.isFinite(lastUs) ? lastUs : fileUs;
        }
        framesRead++;
        if (f.tsUs < firstUs) firstUs = f.tsUs;
        if (f.tsUs > lastUs) lastUs = f.tsUs;
        decodeFrameAt(f.linktype, f.buf, f.start, f.end, pkt);
        if (pkt.issue && (pkt.issue !== 'unsupported' || pkt.issueLayer.startsWith('linktype'))) {
          const k = pkt.issue === 'unsupported' ? `not decoded: unsupported ${pkt.issueLayer}` : `${pkt.issue} in ${pkt.issueLayer}`;
          issues.set(k, (issues.get(k) ?? 0) + 1);
        }
        if (filter && !filter(pkt)) {
          filteredOut++;
          return;
        }
        if (pkt.hasPorts && !pkt.laterFragment && (pkt.ipProto === 6 || pkt.ipProto === 17)) table.add(pkt, f.tsUs, f.origLen);
        else noPorts++;
      },
      onChunk: async (done) => {
        progress(done);
        if (pending.length >= FLOW_BATCH) {
          // One batch at a time in SQLite's thread, while this thread decodes the next chunk.
          const prior = inflight;
          inflight = flush(prior);
          inflight.catch(() => undefined); // awaited later; never unhandled meanwhile
          await prior;
        }
      },
    });
  } catch (err) {
    if (err instanceof CaptureFormatError) {
      // Nothing usable was read: leave no trace of this file.
      await inflight;
      if (await claimed().catch(() => false)) {
        const id = captureId!;
        await db.tx(() => db.run('captureDelete', [id]));
      }
      throw err;
    }
    if (!skipped.signal.aborted || ctx.signal.aborted) stoppedBy = err;
  }
  // The flows still open at the end of the file (often most of them: closed flows linger
  // five seconds of capture time) are finished a slice at a time and written in one
  // transaction, with the next slice's statement always queued behind the one SQLite is
  // running: its thread goes from one to the next without waiting for this one, and no
  // more than two slices' texts are held at once.
  await inflight;
  if (!(await claimed())) return skip!;
  const id: number = captureId!;
  // The hash and the decoding are two reads of the file: if it changed in between (still
  // being written, truncated, replaced), the stored hash would name bytes that were not
  // the ones decoded, and a later ingest of the finished file would be skipped or doubled.
  // Nothing of such a read is kept.
  const after = await stat(path).catch(() => null);
  if (!after || after.size !== before.size || after.ino !== before.ino || (after.mtimeMs !== before.mtimeMs && !(await sameBytes(path, await hashed, unhashed, unhashedCrc, ctx.signal)))) {
    await db.tx(() => db.run('captureDelete', [id]));
    throw new CaptureFormatError(`${path}: the file changed while it was read (still being written?); nothing stored from it: ingest it again once it is complete`);
  }
  if (!stoppedBy && table.openFlows > 0) {
    await db.tx(async () => {
      const queued: Array<Promise<void>> = [];
      while (table.openFlows > 0) {
        table.finishSome(FLOW_BATCH);
        const batch = pending.splice(0, pending.length);
        const write = storeFlowsJson(db, id, flowsJson(batch)).then(() => void (flowsStored += batch.length));
        write.catch(() => undefined); // awaited below
        queued.push(write);
        if (queued.length >= 2) await queued.shift();
      }
      for (const w of queued) await w;
    });
  }
  const hits = table.end();
  await flush();
  const warnings = [...(summary?.warnings ?? [])];
  for (const [k, n] of issues) warnings.push(`${n} ${n === 1 ? 'packet' : 'packets'} ${k}`);
  const keptAt = "kept at the previous packet's time (the file's modification time before any)";
  if (badTimes) warnings.push(`${badTimes} ${badTimes === 1 ? 'packet' : 'packets'} had impossible timestamps (before 1970 or after 9999); ${keptAt}`);
  if (untimed) warnings.push(`${untimed} ${untimed === 1 ? 'packet carries' : 'packets carry'} no capture time (pcapng Simple Packet Blocks); ${keptAt}`);
  for (const a of table.answering) {
    warnings.push(`${a.host} answered SYN-ACK on ${a.answeredPorts} of ${a.probedPorts} probed TCP ports (SYN proxy, tarpit?): ${a.collapsedPorts} bare handshakes not listed as services`);
  }
  const status = stoppedBy ? 'incomplete' : 'complete';
  let added = 0;
  const finished = db.tx(async () => {
    const r = await recordSightings(db, 'capture', id, hits.map(hitSighting));
    added = r.added;
    if (r.future) {
      warnings.push(`${r.future} listening ${r.future === 1 ? 'service was' : 'services were'} seen by packets dated after this computer's clock (the capture's clock was wrong, or its timestamps damaged); the inventory records ${r.future === 1 ? 'it' : 'them'} at the time of this ingest`);
    }
    await db.run('captureFinish', [
      summary?.format ?? null,
      (summary?.linktypes ?? []).join(','),
      Number.isFinite(firstUs) ? firstUs : null,
      Number.isFinite(lastUs) ? lastUs : null,
      summary?.packets ?? framesRead,
      summary?.bytes ?? 0,
      noPorts,
      flowsStored,
      JSON.stringify(warnings),
      status,
      id,
    ]);
    for (const a of table.answering) {
      await db.run('capAnsweringInsert', [id, a.host, a.proto, a.probedPorts, a.answeredPorts, a.collapsedPorts, a.firstUs, a.lastUs]);
    }
    if (filteredOut) await db.run('capCaptureCounts', [null, null, null, filteredOut, id]);
    onChanged(r.added, r.updated);
  });
  try {
    await finished;
  } catch (err) {
    if (!/UNIQUE constraint failed: captures/.test((err as Error).message)) throw err;
    // Another process finished the same file first: drop this copy (its flows go with it).
    await db.tx(() => db.run('captureDelete', [id]));
    return { path: shown, captureId: null, status: 'skipped', packets: 0, flows: 0, listeners: 0, added: 0, warnings: ['another job ingested this file at the same time; skipped'] };
  }
  const outcome: FileOutcome = { path: shown, captureId: id, status, packets: summary?.packets ?? framesRead, flows: flowsStored, listeners: hits.length, added, ...(filter ? { filteredOut } : {}), warnings };
  if (stoppedBy) throw new StoppedIngest(outcome);
  return outcome;
}

/**
 * A file whose modification time moved while it was read but whose size did not (a
 * `touch`, a copy tool restoring times, a backup agent) is read again: the read stands
 * when the file now hashes to the stored SHA-256 and the `ranges` the decoder read before
 * the hash did (in file order, not overlapping) have the CRC-32 of the bytes it read.
 * Anything else is a changed file.
 */
async function sameBytes(path: string, sha: string, ranges: ReadonlyArray<readonly [number, number]>, crc: number, signal: AbortSignal): Promise<boolean> {
  try {
    const h = createHash('sha256');
    let c = 0;
    let at = 0;
    let next = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      if (signal.aborted) return false;
      h.update(chunk);
      const end = at + chunk.length;
      while (next < ranges.length) {
        const [from, length] = ranges[next]!;
        if (from >= end) break;
        const to = from + length;
        const lo = Math.max(from, at);
        const hi = Math.min(to, end);
        if (hi > lo) c = crc32(chunk.subarray(lo - at, hi - at), c);
        if (to > end) break;
        next++;
      }
      at = end;
    }
    return h.digest('hex') === sha && next === ranges.length && c === crc;
  } catch {
    return false;
  }
}

/** An ingest stopped by its job's cancel, after storing what it read as an incomplete capture. */
class StoppedIngest extends Error {
  constructor(readonly outcome: FileOutcome) {
    super('ingest stopped');
  }
}
