/**
 * The live-capture child process: the only code that loads the native `pcap` package.
 * A native fault, a missing libpcap or a permission error ends this process, never the
 * app or the CLI that started it.
 *
 * Started with one argument, a JSON request (see protocol.ts):
 * - `list`: prints the interfaces and whether a capture can be opened, then exits;
 * - `capture`: opens the interface in immediate mode (buffer_timeout 0, so packets are
 *   delivered as they arrive), tries the BPF candidates best first, and writes every
 *   frame to stdout as a classic pcap stream (the parent reads it with the same reader
 *   as files). Frames are batched into large writes, never one write per packet.
 *   Control and statistics travel on the IPC channel. SIGTERM, SIGINT or a `stop`
 *   message closes the capture, flushes, reports final statistics and exits 0.
 */
import type { ChildReply, ChildRequest } from './protocol';

/* The pcap package has no useful types; this is the part we use. */
interface PcapStats {
  ps_recv: number;
  ps_drop: number;
  ps_ifdrop: number;
}
interface PcapSession {
  link_type: string;
  on(event: 'packet', cb: (p: { buf: Buffer; header: Buffer }) => void): void;
  close(): void;
  stats(): PcapStats;
}
interface PcapModule {
  lib_version: string;
  findalldevs(): Array<{ name: string; description?: string; addresses: Array<{ addr?: string }>; flags?: string }>;
  createSession(device: string, opts: { filter?: string; buffer_size?: number; snap_length?: number; buffer_timeout?: number; promiscuous?: boolean }): PcapSession;
}

function send(msg: ChildReply): void {
  if (process.send && process.connected) process.send(msg);
}

/** Sends the last message, then exits once it has left (an IPC send is asynchronous). */
function sendAndExit(msg: ChildReply, code = 0): never {
  if (process.send && process.connected) process.send(msg, undefined, {}, () => process.exit(code));
  else process.exit(code);
  // Wait for the callback; nothing else runs.
  return undefined as never;
}

/** Keeps stdout for the pcap stream only. */
console.log = (...args: unknown[]) => console.error(...args);

function loadPcap(): PcapModule | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('pcap') as PcapModule;
    (mod as unknown as { warningHandler: (x: string) => void }).warningHandler = () => undefined;
    return mod;
  } catch (err) {
    sendAndExit({ t: 'error', stage: 'load', message: (err as Error).message });
    return null;
  }
}

/** pcap.js names a few link types; others come as "Unknown linktype N". */
const LINK_NAMES: Record<string, number> = {
  LINKTYPE_NULL: 0,
  LINKTYPE_ETHERNET: 1,
  LINKTYPE_RAW: 101,
  LINKTYPE_IEEE802_11_RADIO: 127,
  LINKTYPE_LINUX_SLL: 113,
};

function linkNumber(name: string): number {
  if (name in LINK_NAMES) return LINK_NAMES[name]!;
  const m = /(\d+)\s*$/.exec(name);
  return m ? Number(m[1]) : -1;
}

function list(pcap: PcapModule, probe: string | null): void {
  let devices: ReturnType<PcapModule['findalldevs']> = [];
  try {
    devices = pcap.findalldevs();
  } catch (err) {
    // libpcap says "no devices" as an error; an empty list is the answer then.
    if (!/didn't find any devs|no devices/i.test((err as Error).message)) {
      sendAndExit({ t: 'error', stage: 'list', message: (err as Error).message });
      return;
    }
  }
  // Opening one interface shows whether the privileges suffice (nothing is read).
  let probeError: string | null = null;
  const target = probe ?? devices.find((d) => d.name === 'any')?.name ?? devices[0]?.name;
  if (target) {
    try {
      const s = pcap.createSession(target, { buffer_timeout: 0, buffer_size: 1 << 16, snap_length: 128 });
      s.close();
    } catch (err) {
      probeError = (err as Error).message;
    }
  }
  sendAndExit({
    t: 'devices',
    libpcap: pcap.lib_version,
    probeError,
    devices: devices.map((d) => ({
      name: d.name,
      description: d.description ?? null,
      addresses: (d.addresses ?? []).map((a) => a.addr).filter((a): a is string => typeof a === 'string'),
      loopback: d.flags === 'PCAP_IF_LOOPBACK',
    })),
  });
}

function capture(pcap: PcapModule, req: Extract<ChildRequest, { op: 'capture' }>): void {
  let session: PcapSession | null = null;
  let used: { bpf: string; note: string | null } | null = null;
  const errors: string[] = [];
  for (const cand of req.filters) {
    try {
      session = pcap.createSession(req.iface, {
        filter: cand.bpf,
        buffer_timeout: 0,
        buffer_size: req.bufferBytes,
        snap_length: req.snaplen,
        promiscuous: req.promiscuous,
      });
      used = cand;
      break;
    } catch (err) {
      const msg = (err as Error).message;
      errors.push(msg);
      // Only a filter the compiler refused is worth another candidate.
      if (!/syntax|filter|vlan|expression|too many|no VLAN|pcap_compile|setfilter/i.test(msg)) break;
    }
  }
  if (!session || !used) {
    sendAndExit({ t: 'error', stage: 'open', message: errors[0] ?? 'could not open the capture' });
    return;
  }
  const linktype = linkNumber(session.link_type);
  const snaplen = req.snaplen;

  // The pcap stream: global header, then records batched into large chunks.
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(snaplen, 16);
  head.writeUInt32LE(linktype < 0 ? 1 : linktype, 20);
  process.stdout.write(head);

  const CHUNK = 1 << 20;
  let chunk = Buffer.allocUnsafe(CHUNK);
  let used0 = 0;
  let appDrops = 0;
  let frames = 0;
  const flush = (): void => {
    if (!used0) return;
    // Back-pressure: when the parent falls this far behind, drop and count rather than grow without bound.
    if (process.stdout.writableLength > req.maxQueuedBytes) appDrops += countRecords(chunk, used0);
    else process.stdout.write(chunk.subarray(0, used0));
    chunk = Buffer.allocUnsafe(CHUNK);
    used0 = 0;
  };
  session.on('packet', (raw) => {
    const h = raw.header;
    const caplen = Math.min(h.readUInt32LE(8), raw.buf.length);
    if (used0 + 16 + caplen > CHUNK) flush();
    chunk.writeUInt32LE(h.readUInt32LE(0), used0);
    chunk.writeUInt32LE(h.readUInt32LE(4), used0 + 4);
    chunk.writeUInt32LE(caplen, used0 + 8);
    chunk.writeUInt32LE(h.readUInt32LE(12), used0 + 12);
    raw.buf.copy(chunk, used0 + 16, 0, caplen);
    used0 += 16 + caplen;
    frames++;
  });
  send({ t: 'started', linktype, linkName: session.link_type, bpf: used.bpf, note: used.note });

  const stats = (): { recv: number; drop: number; ifdrop: number; appDrops: number; frames: number } => {
    try {
      const s = session!.stats();
      return { recv: s.ps_recv, drop: s.ps_drop, ifdrop: s.ps_ifdrop, appDrops, frames };
    } catch {
      return { recv: frames, drop: 0, ifdrop: 0, appDrops, frames };
    }
  };
  const flusher = setInterval(flush, req.flushMs);
  const reporter = setInterval(() => send({ t: 'stats', ...stats() }), req.statsMs);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(flusher);
    clearInterval(reporter);
    // Read what the kernel still holds before closing: a busy machine may lag behind the wire.
    const raw = session as unknown as { session?: { dispatch(b: Buffer, h: Buffer): number }; buf?: Buffer; header?: Buffer };
    try {
      for (let i = 0; i < 1000 && raw.session && raw.buf && raw.header; i++) if (raw.session.dispatch(raw.buf, raw.header) <= 0) break;
    } catch {
      // A handle that cannot be read any more: close it below.
    }
    const final = stats();
    try {
      session!.close();
    } catch {
      // Closing a broken handle: nothing more to read anyway.
    }
    flush();
    // Frames first, then the final word: the parent finishes when both have arrived.
    process.stdout.end(() => sendAndExit({ t: 'stopped', ...final }));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('message', (m: unknown) => {
    if ((m as { t?: string })?.t === 'stop') stop();
  });
  // The parent died: stop rather than capture forever.
  process.on('disconnect', stop);
}

function countRecords(buf: Buffer, len: number): number {
  let n = 0;
  for (let at = 0; at + 16 <= len; at += 16 + buf.readUInt32LE(at + 8)) n++;
  return n;
}

function main(): void {
  let req: ChildRequest;
  try {
    req = JSON.parse(process.argv[2] ?? '') as ChildRequest;
  } catch {
    sendAndExit({ t: 'error', stage: 'load', message: 'bad request to the capture process' }, 2);
    return;
  }
  const pcap = loadPcap();
  if (!pcap) return;
  if (req.op === 'list') list(pcap, req.probe);
  else capture(pcap, req);
}

main();
