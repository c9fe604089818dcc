/**
 * A live capture as a job: the child (child.ts) reads the interface with libpcap and
 * streams frames as pcap; here they go through the same reader, decoder, selection
 * filter and flow table as a capture file. Every `tickMs`: finished flows are written in
 * one transaction, listeners seen at least `holdMs` ago go to the inventory (so the
 * analyst sees them appear), counters are reported as job progress. Stopping — the
 * duration ends, Stop, Ctrl-C, SIGTERM, or a cancel — closes the capture and stores
 * everything seen; a crash of the child keeps what arrived and marks the capture
 * incomplete.
 */
import type { ChildProcess } from 'node:child_process';
import type { FoundService } from '../../shared/capture';
import { CaptureStreamReader, type Frame } from '../decode/capfile';
import { decodeFrameAt, newPacket } from '../decode';
import { bpfCandidates } from '../filters/compile';
import { packetFilter } from '../filters/match';
import type { ResolvedSelection } from '../filters/selection';
import { FlowTable, type EarlyHit } from '../flows/table';
import type { AnsweringHost, FlowRecord } from '../flows/types';
import { storeFlows } from '../ingest/flowstore';
import { hitSighting } from '../flows/sighting';
import { recordSightings, type Sighting } from '../inventory/inventory';
import type { JobContext } from '../jobs/jobs';
import type { Db } from '../store/db';
import { CaptureError, classify } from './errors';
import type { ChildReply, ChildStats } from './protocol';
import { spawnChild, tail } from './spawn';

export interface LiveOptions {
  iface: string;
  durationS?: number;
  selection: ResolvedSelection;
  profile?: string;
  /** Aborted to end the capture normally (Stop, Ctrl-C, duration): the job ends `done`. */
  stop: AbortSignal;
  snaplen?: number;
  /** A listener is reported this long after it was first seen (fake-handshake hosts wait longer). */
  holdMs?: number;
  tickMs?: number;
  childPath?: string;
}

export interface LiveHooks {
  onChanged(added: number, updated: number): void;
  onFound(found: FoundService[]): void;
}

export interface LiveResult {
  captureId: number;
  interface: string;
  bpf: string;
  linktype: number;
  packets: number;
  bytes: number;
  flows: number;
  listeners: number;
  added: number;
  kernelDrops: number;
  ifDrops: number;
  appDrops: number;
  filteredOut: number;
  answering: AnsweringHost[];
  status: 'complete' | 'incomplete';
}

/** Longest stretch of packet decoding per turn of the event loop, and of a tick's sweep. */
const SLICE_MS = 8;
const SWEEP_BUDGET_MS = 10;

const ZERO: ChildStats = { recv: 0, drop: 0, ifdrop: 0, appDrops: 0, frames: 0 };

export async function runLiveCapture(db: Db, opts: LiveOptions, ctx: JobContext, hooks: LiveHooks): Promise<LiveResult> {
  const sel = opts.selection;
  const candidates = bpfCandidates(sel);
  // In immediate mode Linux libpcap gives every ring slot the snap length: 2 KiB slots make
  // a 32 MiB ring hold ~16 000 packets (256 KiB slots: 128). Headers and the first
  // payload bytes are all the decoder and the sniffers read; wire lengths stay exact.
  const snaplen = opts.snaplen ?? 2048;
  const captureId = (await db.tx(() => db.run('captureInsert', [ctx.id, `live:${opts.iface}`, null, null, 'live', candidates[0]!.bpf, Date.now()]))).lastID;
  await db.run('capCaptureChoice', [opts.iface, sel.all ? null : JSON.stringify(sel.selection), opts.profile ?? null, candidates[0]!.bpf, captureId]);

  let child: ChildProcess;
  try {
    child = spawnChild(
      { op: 'capture', iface: opts.iface, filters: candidates, snaplen, bufferBytes: 32 << 20, promiscuous: true, flushMs: 20, statsMs: 500, maxQueuedBytes: 64 << 20 },
      opts.childPath,
    );
  } catch (err) {
    await db.tx(() => db.run('captureDelete', [captureId]));
    throw err instanceof CaptureError ? err : new CaptureError(classify('spawn', (err as Error).message, opts.iface));
  }
  const stderr = tail(child);

  // --- the packet path: pcap stream → decoder → selection → flow table ---------------
  const pending: FlowRecord[] = [];
  const table = new FlowTable({ early: true, onFlow: (f) => pending.push(f) });
  const filter = packetFilter(sel);
  const pkt = newPacket();
  let packets = 0;
  let bytes = 0;
  let firstUs = Infinity;
  let lastUs = -Infinity;
  let undecoded = 0;
  let filteredOut = 0;
  const onFrame = (f: Frame): void => {
    packets++;
    bytes += f.origLen;
    if (f.tsUs < firstUs) firstUs = f.tsUs;
    if (f.tsUs > lastUs) lastUs = f.tsUs;
    decodeFrameAt(f.linktype, f.buf, f.start, f.end, pkt);
    if (filter && !filter(pkt)) {
      filteredOut++;
      return;
    }
    if (pkt.hasPorts && !pkt.laterFragment && (pkt.ipProto === 6 || pkt.ipProto === 17)) table.add(pkt, f.tsUs, f.origLen);
    else undecoded++;
  };
  const reader = new CaptureStreamReader(onFrame, `live:${opts.iface}`);
  let streamError: Error | null = null;
  // A turn of the event loop reads up to 32 × 64 KiB from the helper's pipe and decodes
  // all of it before anything else runs; past SLICE_MS the stream pauses until the turn's
  // end, so requests and timers get the loop between slices (throughput is unchanged).
  let sliceStart = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    if (streamError) return;
    if (!sliceStart) {
      sliceStart = performance.now();
      setImmediate(() => (sliceStart = 0));
    }
    try {
      reader.push(chunk);
    } catch (err) {
      streamError = err as Error;
    }
    if (performance.now() - sliceStart > SLICE_MS && !child.stdout!.isPaused()) {
      child.stdout!.pause();
      setImmediate(() => child.stdout!.resume());
    }
  });
  const streamEnded = new Promise<void>((resolve) => child.stdout!.on('close', resolve));

  // --- the child's word: started / stats / stopped / error, and its exit --------------
  let stats: ChildStats = ZERO;
  let started: Extract<ChildReply, { t: 'started' }> | null = null;
  let openError: Extract<ChildReply, { t: 'error' }> | null = null;
  let startedResolve!: () => void;
  const startedOrFailed = new Promise<void>((r) => (startedResolve = r));
  child.on('message', (m: ChildReply) => {
    if (m.t === 'started') {
      started = m;
      startedResolve();
    } else if (m.t === 'error') {
      openError = m;
      startedResolve();
    } else if (m.t === 'stats' || m.t === 'stopped') {
      const { t: _t, ...s } = m;
      stats = s;
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  void exited.then(() => startedResolve());
  child.on('error', (err) => {
    openError ??= { t: 'error', stage: 'load', message: err.message };
    startedResolve();
  });

  await startedOrFailed;
  if (!started) {
    const e = openError as Extract<ChildReply, { t: 'error' }> | null;
    const exit = child.exitCode !== null || child.signalCode !== null ? await exited : null;
    child.kill('SIGKILL');
    await db.tx(() => db.run('captureDelete', [captureId]));
    const message = e?.message ?? (exit?.signal ? `the capture helper died (${exit.signal})` : `the capture helper exited (${exit?.code ?? '?'})`) + (stderr() ? `: ${stderr()}` : '');
    throw new CaptureError(classify(e?.stage ?? 'load', message, opts.iface));
  }
  const live = started as Extract<ChildReply, { t: 'started' }>;
  if (live.bpf !== candidates[0]!.bpf || live.note) {
    await db.run('capCaptureChoice', [opts.iface, sel.all ? null : JSON.stringify(sel.selection), opts.profile ?? null, live.bpf, captureId]);
    if (live.note) ctx.warn(`kernel filter: ${live.note}`);
  }

  // --- stopping --------------------------------------------------------------------
  let stopping = false;
  const requestStop = (): void => {
    if (stopping) return;
    stopping = true;
    if (child.connected) child.send({ t: 'stop' });
    else child.kill('SIGTERM');
    // A child that does not stop in time is killed; what arrived is kept.
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  };
  opts.stop.addEventListener('abort', requestStop, { once: true });
  ctx.signal.addEventListener('abort', requestStop, { once: true });
  const timer = opts.durationS ? setTimeout(requestStop, opts.durationS * 1000) : null;
  if (opts.stop.aborted || ctx.signal.aborted) requestStop();

  // --- periodic work: flows to the store, listeners to the inventory, progress ------
  const holdUs = (opts.holdMs ?? 2000) * 1000;
  const startedAt = Date.now();
  let flowsStored = 0;
  let added = 0;
  let reported = 0;
  let busy: Promise<void> = Promise.resolve();
  const flushFlows = async (): Promise<void> => {
    if (!pending.length) return;
    const batch = pending.splice(0, pending.length);
    await db.tx(() => storeFlows(db, captureId, batch));
    flowsStored += batch.length;
  };
  const recordEarly = async (early: EarlyHit[]): Promise<void> => {
    if (!early.length) return;
    const fresh: FoundService[] = [];
    await db.tx(async () => {
      for (const e of early) {
        if (!(await db.get('capServiceKnown', [e.host, e.proto, e.port]))) {
          fresh.push({ host: e.host, port: e.port, proto: e.proto, evidence: e.evidence, confidence: 'certain', service: null, at: new Date().toISOString() });
        }
      }
      const ms = Math.floor(early[0]!.firstUs / 1000);
      const r = await recordSightings(db, 'capture', captureId, early.map((e) => sighting(e, ms)));
      added += r.added;
      reported += early.length;
      hooks.onChanged(r.added, r.updated);
    });
    if (fresh.length) hooks.onFound(fresh);
  };
  const progress = (): void => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const counters = {
      packets,
      bytes,
      flows: flowsStored + pending.length,
      openFlows: table.openFlows,
      services: reported,
      newServices: added,
      kernelDrops: stats.drop,
      ifDrops: stats.ifdrop,
      appDrops: stats.appDrops,
      filteredOut,
      seconds: Math.round(elapsed),
    };
    ctx.progress({
      done: packets,
      total: null,
      unit: 'packets',
      message: `${opts.iface}: ${count(packets, 'packet')} · ${count(counters.flows, 'flow')} · ${added} new ${added === 1 ? 'service' : 'services'} · ${stats.drop + stats.appDrops} dropped`,
      counters,
    });
  };
  const tick = async (): Promise<void> => {
    table.advance(Date.now() * 1000);
    // Bounded: flows that expired together (a burst of closes) are finished over several ticks.
    table.sweep(SWEEP_BUDGET_MS);
    await flushFlows();
    await recordEarly(table.drainEarly(holdUs));
    progress();
  };
  const ticker = setInterval(() => {
    busy = busy.then(tick).catch((err: unknown) => ctx.warn(`store: ${(err as Error).message}`));
  }, opts.tickMs ?? 250);
  progress();

  const exit = await exited;
  await streamEnded;
  clearInterval(ticker);
  if (timer) clearTimeout(timer);
  await busy;
  // The child exits 0 only after a clean stop (asked by us, or its own SIGINT from Ctrl-C).
  const crashed = exit.code !== 0 && !(stopping && exit.signal === 'SIGTERM');

  // --- the end: everything left goes to the store --------------------------------------
  const hits = table.end();
  await flushFlows();
  const warnings: string[] = [];
  if (streamError) warnings.push(`capture stream damaged: ${(streamError as Error).message}`);
  if (reader.leftover) warnings.push(`${reader.leftover} bytes of a last, incomplete frame were dropped`);
  const summary = reader.summary();
  for (const w of summary?.warnings ?? []) warnings.push(w);
  for (const a of table.answering) {
    warnings.push(`${a.host} answered SYN-ACK on ${a.answeredPorts} of ${a.probedPorts} probed TCP ports (SYN proxy, tarpit?): ${a.collapsedPorts} bare handshakes not listed as services`);
  }
  if (crashed) warnings.push(`the capture process ended unexpectedly (${exit.signal ?? `exit code ${exit.code}`}${stderr() ? `: ${stderr()}` : ''}); kept what arrived`);
  for (const w of warnings) ctx.warn(w);
  const status = crashed ? 'incomplete' : 'complete';
  await db.tx(async () => {
    const r = await recordSightings(db, 'capture', captureId, hits.map(hitSighting));
    added += r.added;
    hooks.onChanged(r.added, r.updated);
    for (const a of table.answering) {
      await db.run('capAnsweringInsert', [captureId, a.host, a.proto, a.probedPorts, a.answeredPorts, a.collapsedPorts, a.firstUs, a.lastUs]);
    }
    await db.run('captureFinish', [
      'live',
      String(live.linktype),
      Number.isFinite(firstUs) ? firstUs : null,
      Number.isFinite(lastUs) ? lastUs : null,
      packets,
      bytes,
      undecoded,
      flowsStored,
      JSON.stringify(warnings),
      status,
      captureId,
    ]);
    await db.run('capCaptureCounts', [stats.drop, stats.ifdrop, stats.appDrops, filteredOut, captureId]);
  });
  progress();
  const result: LiveResult = {
    captureId,
    interface: opts.iface,
    bpf: live.bpf,
    linktype: live.linktype,
    packets,
    bytes,
    flows: flowsStored,
    listeners: hits.length,
    added,
    kernelDrops: stats.drop,
    ifDrops: stats.ifdrop,
    appDrops: stats.appDrops,
    filteredOut,
    answering: table.answering,
    status,
  };
  if (crashed) {
    throw Object.assign(new Error(`the capture on ${opts.iface} ended unexpectedly (${exit.signal ?? `exit code ${exit.code}`}); ${count(packets, 'packet')} and ${count(flowsStored, 'flow')} were stored`), {
      name: 'CaptureCrashed',
      partial: result as unknown as Record<string, unknown>,
    });
  }
  return result;
}

function sighting(e: EarlyHit, ms: number): Sighting {
  const at = Math.floor(e.firstUs / 1000) || ms;
  return { host: e.host, proto: e.proto, port: e.port, evidence: e.evidence, confidence: 'certain', service: null, firstSeenMs: at, lastSeenMs: at, flows: 0, bytes: 0 };
}

/** "1 packet", "2 packets". */
function count(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}
