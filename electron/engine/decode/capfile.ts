/**
 * Streaming readers for capture files: classic pcap and pcapng. Frames are handed to a
 * callback as views into the read buffer (zero-copy): the callback must not keep them.
 *
 * pcap (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html): a 24-byte
 * global header — magic (4: a1b2c3d4 µs or a1b23c4d ns, in the writer's byte order) |
 * version major (2) | minor (2) | reserved (8) | snaplen (4) | link type + FCS bits (4) —
 * then records: seconds (4) | µs or ns (4) | captured length (4) | original length (4) | data.
 *
 * pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html): blocks of
 * type (4) | total length (4) | body | total length (4). The Section Header Block
 * (0x0A0D0D0A) sets the byte order (magic 1A2B3C4D) and resets the interface list;
 * Interface Description Blocks (1) give each interface its link type, snaplen and
 * timestamp resolution (option if_tsresol, 9) and offset (if_tsoffset, 14); packets come
 * in Enhanced (6), Simple (3) and obsolete (2) Packet Blocks. Other blocks are skipped.
 */
import { open } from 'node:fs/promises';

/**
 * One captured frame: bytes [start, end) of `buf`, the reader's buffer. Valid only during
 * the callback (the buffer is reused). `data` makes a view of just the frame when a
 * consumer wants one; the per-packet path (decodeFrameAt) uses the offsets and makes none.
 */
export class Frame {
  /** Link type of the interface the frame was captured on. */
  linktype = 1;
  /** Capture time, microseconds since the Unix epoch (UTC); 0 when `timed` is false. */
  tsUs = 0;
  /** False for a frame the file gives no time (a pcapng Simple Packet Block). */
  timed = true;
  /** Length of the frame on the wire, bytes. */
  origLen = 0;
  /** pcapng interface id (0 for pcap). */
  iface = 0;
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;

  /** The captured bytes as a view (made on each read; valid only during the callback). */
  get data(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  set(buf: Uint8Array, start: number, end: number): void {
    this.buf = buf;
    this.start = start;
    this.end = end;
  }
}

export interface ReadSummary {
  format: 'pcap' | 'pcapng';
  packets: number;
  bytes: number;
  linktypes: number[];
  /** Problems that did not stop the read (kept packets are still counted). */
  warnings: string[];
}

export class CaptureFormatError extends Error {
  override name = 'CaptureFormatError';
}

export interface ReadOptions {
  onFrame: (f: Frame) => void;
  /**
   * Called after each chunk with bytes consumed so far; awaited, so the caller can flush
   * batches to the store (and the event loop breathes) between chunks.
   */
  onChunk?: (bytesRead: number, totalBytes: number) => void | Promise<void>;
  /** Called as the read of the chunk at `offset` is started (before any of it is read). */
  onReadStart?: (offset: number) => void;
  /**
   * Called with each chunk of the file as read (`offset` its place in the file), in file
   * order, before it is parsed: every byte the frames come from passes here once, so the
   * caller can checksum what it decoded.
   */
  onBytes?: (bytes: Uint8Array, offset: number) => void;
  signal?: AbortSignal;
  chunkSize?: number;
}

/** A record longer than this is a length lie, not a packet: stop there. */
const MAX_RECORD = 16 * 1024 * 1024;
/** Room kept in front of each read for a record cut by the previous chunk's end. */
const TAIL_ROOM = 256 * 1024;
const PCAPNG_SHB = 0x0a0d0d0a;

/**
 * Reads a whole capture file, calling `onFrame` per packet. Throws CaptureFormatError
 * when the file is not a capture at all; damage after a valid start becomes a warning.
 *
 * Two buffers take turns, and the next chunk is being read into one while the other is
 * parsed (a read waits for the thread pool, and on a busy machine that wait was a sixth
 * of an ingest). Each buffer keeps room in front of its chunk for the part of a record
 * the previous chunk cut off, so the only bytes copied are that tail; a record longer
 * than the room (rare: up to MAX_RECORD) is gathered in a buffer of its own that grows
 * by doubling.
 */
export async function readCaptureFile(path: string, opts: ReadOptions): Promise<ReadSummary> {
  const fh = await open(path, 'r');
  /** The read in flight, if any: settled before the file is closed. */
  let ahead: Promise<number> | null = null;
  try {
    const size = (await fh.stat()).size;
    const chunk = Math.max(64, opts.chunkSize ?? 1 << 20);
    const room = Math.min(chunk, TAIL_ROOM);
    const bufs = [Buffer.allocUnsafe(room + chunk), Buffer.allocUnsafe(room + chunk)];
    let turn = 0;
    /** File position of the next read. */
    let pos = 0;
    const readInto = (b: Buffer): Promise<number> => {
      opts.onReadStart?.(pos);
      return fh.read(b, room, chunk, pos).then((r) => r.bytesRead);
    };
    ahead = readInto(bufs[0]!);
    let parser: Parser | null = null;
    /** The unparsed bytes: the tail of the previous chunk(s), not yet a whole record. */
    let tail: Uint8Array = new Uint8Array(0);
    /** Holds a tail longer than the room (a long record read over several chunks). */
    let long: Buffer | null = null;
    let consumed = 0;
    let eof = false;
    while (!eof) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      const bytesRead = await ahead!;
      ahead = null;
      pos += bytesRead;
      const cur = bufs[turn]!;
      turn ^= 1;
      if (bytesRead === 0) eof = true;
      else ahead = readInto(bufs[turn]!);
      if (bytesRead > 0) opts.onBytes?.(cur.subarray(room, room + bytesRead), pos - bytesRead);
      // The tail goes in front of the new bytes: in the room kept for it, or when it is
      // longer (a record bigger than the room) in a buffer of its own.
      let view: Uint8Array;
      const inLong = tail.length > room;
      if (!inLong) {
        cur.set(tail, room - tail.length);
        view = new Uint8Array(cur.buffer, cur.byteOffset + room - tail.length, tail.length + bytesRead);
      } else {
        // The tail is at the start of `long`, which grows by doubling (linear in the record).
        const need = tail.length + bytesRead;
        if (long!.length < need) {
          const grown = Buffer.allocUnsafe(Math.max(need, 2 * long!.length));
          grown.set(tail, 0);
          long = grown;
        }
        long!.set(cur.subarray(room, room + bytesRead), tail.length);
        view = long!.subarray(0, need);
      }
      if (!parser) {
        if (view.length < 24 && !eof) {
          tail = view.slice();
          continue;
        }
        if (view.length === 0) throw new CaptureFormatError(`${path}: empty file, not a capture`);
        parser = makeParser(view, path);
      }
      parser.base = consumed;
      const used = parser.feed(view, opts.onFrame);
      consumed += used;
      // The tail is copied out: the buffer under it is the target of the read after next.
      const rest = view.length - used;
      if (rest <= room) {
        tail = view.slice(used);
        long = null;
      } else if (inLong) {
        long!.copyWithin(0, used, view.length);
        tail = long!.subarray(0, rest);
      } else {
        long = Buffer.allocUnsafe(rest + Math.max(rest, chunk));
        long.set(view.subarray(used), 0);
        tail = long.subarray(0, rest);
      }
      await opts.onChunk?.(consumed, size);
      if (parser.stopped) {
        tail = new Uint8Array(0);
        break;
      }
    }
    if (!parser) throw new CaptureFormatError(`${path}: empty file, not a capture`);
    const summary = parser.summary();
    if (!parser.started()) {
      throw new CaptureFormatError(parser.stopped && summary.warnings.length ? `${path}: the capture's header is damaged: ${summary.warnings[0]}` : `${path}: the capture's header is cut off (${size} bytes in the file)`);
    }
    if (tail.length > 0 && !parser.stopped) {
      summary.warnings.push(`file ends inside a record at byte ${consumed} (${tail.length} bytes left over); kept the ${summary.packets} packets before it`);
    }
    return summary;
  } finally {
    await ahead?.catch(() => 0);
    await fh.close();
  }
}

/**
 * The same readers over a byte stream that arrives in pieces (a live capture's pipe):
 * push chunks as they come; frames are handed to `onFrame` as soon as they are whole.
 */
export class CaptureStreamReader {
  private parser: Parser | null = null;
  private pending: Uint8Array = new Uint8Array(0);
  /** Bytes of the stream parsed so far. */
  private consumed = 0;

  constructor(
    private readonly onFrame: (f: Frame) => void,
    private readonly label = 'stream',
  ) {}

  /** Feeds one chunk. Throws CaptureFormatError when the stream is not a capture. */
  push(chunk: Uint8Array): void {
    if (this.parser?.stopped) return;
    let buf: Uint8Array = this.pending.length ? concat(this.pending, chunk) : chunk;
    if (!this.parser) {
      if (buf.length < 24) {
        this.pending = Uint8Array.prototype.slice.call(buf);
        return;
      }
      this.parser = makeParser(buf, this.label);
    }
    this.parser.base = this.consumed;
    const used = this.parser.feed(buf, this.onFrame);
    this.consumed += used;
    buf = buf.subarray(used);
    this.pending = buf.length ? Uint8Array.prototype.slice.call(buf) : new Uint8Array(0);
  }

  /** Bytes received but not yet part of a whole record. */
  get leftover(): number {
    return this.pending.length;
  }

  summary(): ReadSummary | null {
    return this.parser ? this.parser.summary() : null;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

interface Parser {
  /** Parses whole records from `buf`; returns bytes consumed. */
  feed(buf: Uint8Array, onFrame: (f: Frame) => void): number;
  summary(): ReadSummary;
  /** True once the file header (pcap) or first section header (pcapng) was read. */
  started(): boolean;
  /** True after an unrecoverable length lie: the rest of the file is skipped. */
  stopped: boolean;
  /** Where in the file the buffer given to the next feed starts (for warnings' byte offsets). */
  base: number;
}

function makeParser(head: Uint8Array, path: string): Parser {
  if (head.length < 4) throw new CaptureFormatError(`${path}: too short to be a capture (${head.length} bytes)`);
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magicBE = dv.getUint32(0, false);
  if (magicBE === PCAPNG_SHB) return new PcapngParser();
  const magicLE = dv.getUint32(0, true);
  for (const [magic, le] of [
    [magicBE, false],
    [magicLE, true],
  ] as const) {
    if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
      return new PcapParser(le, magic === 0xa1b23c4d);
    }
  }
  throw new CaptureFormatError(`${path}: not a pcap or pcapng file (magic 0x${magicBE.toString(16).padStart(8, '0')})`);
}

class PcapParser implements Parser {
  stopped = false;
  base = 0;
  private headerDone = false;
  private linktype = 1;
  private snaplen = 0;
  private packets = 0;
  private bytes = 0;
  private warnings: string[] = [];
  private oversize = 0;
  private frame = new Frame();

  constructor(
    private readonly le: boolean,
    private readonly nano: boolean,
  ) {}

  feed(buf: Uint8Array, onFrame: (f: Frame) => void): number {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let at = 0;
    if (!this.headerDone) {
      if (buf.length < 24) return 0;
      const major = dv.getUint16(4, this.le);
      const minor = dv.getUint16(6, this.le);
      if (major !== 2 || minor !== 4) {
        this.warnings.push(`pcap version ${major}.${minor} is not 2.4 (libpcap refuses such files); read anyway`);
      }
      this.snaplen = dv.getUint32(16, this.le);
      // The upper bits of this field carry FCS information; the link type is the low 16.
      this.linktype = dv.getUint32(20, this.le) & 0xffff;
      this.frame.linktype = this.linktype;
      this.headerDone = true;
      at = 24;
    }
    const le = this.le;
    const div = this.nano ? 1000 : 1;
    const frame = this.frame;
    while (buf.length - at >= 16) {
      const sec = dv.getUint32(at, le);
      const frac = dv.getUint32(at + 4, le);
      const incl = dv.getUint32(at + 8, le);
      const orig = dv.getUint32(at + 12, le);
      if (incl > MAX_RECORD) {
        this.warnings.push(`record at byte ${this.base + at} claims ${incl} captured bytes: file damaged, stopped reading; kept ${this.packets} packets`);
        this.stopped = true;
        return buf.length;
      }
      if (buf.length - at - 16 < incl) break;
      if ((this.snaplen > 0 && incl > this.snaplen) || incl > orig) this.oversize++;
      frame.tsUs = sec * 1e6 + Math.floor(frac / div);
      frame.timed = true;
      frame.origLen = orig;
      frame.set(buf, at + 16, at + 16 + incl);
      this.packets++;
      this.bytes += orig;
      onFrame(frame);
      at += 16 + incl;
    }
    return at;
  }

  started(): boolean {
    return this.headerDone;
  }

  summary(): ReadSummary {
    const warnings = [...this.warnings];
    if (this.oversize) warnings.push(`${this.oversize} records captured more bytes than the snaplen or original length; read as captured`);
    return { format: 'pcap', packets: this.packets, bytes: this.bytes, linktypes: [this.linktype], warnings };
  }
}

interface Iface {
  linktype: number;
  snaplen: number;
  /** Timestamp units per second. */
  unitsPerSec: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  offsetSec: number;
}

class PcapngParser implements Parser {
  stopped = false;
  base = 0;
  private le = false;
  private ifaces: Iface[] = [];
  private packets = 0;
  private bytes = 0;
  private linktypes = new Set<number>();
  private warnings: string[] = [];
  private unknownIface = 0;
  private sections = 0;
  private frame = new Frame();

  feed(buf: Uint8Array, onFrame: (f: Frame) => void): number {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let at = 0;
    while (buf.length - at >= 12) {
      const typeBE = dv.getUint32(at, false);
      const shb = typeBE === PCAPNG_SHB;
      if (shb) {
        const bom = dv.getUint32(at + 8, false);
        if (bom === 0x1a2b3c4d) this.le = false;
        else if (bom === 0x4d3c2b1a) this.le = true;
        else {
          this.warnings.push(`section header at byte ${this.base + at} has a bad byte-order magic; stopped reading`);
          this.stopped = true;
          return buf.length;
        }
      }
      const le = this.le;
      const type = dv.getUint32(at, le);
      const len = dv.getUint32(at + 4, le);
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD) {
        this.warnings.push(`block at byte ${this.base + at} has an impossible length ${len}; stopped reading, kept ${this.packets} packets`);
        this.stopped = true;
        return buf.length;
      }
      if (buf.length - at < len) break;
      // A block ends with its length again: a mismatch means the length (or the block) lies.
      const trailer = dv.getUint32(at + len - 4, le);
      if (trailer !== len) {
        this.warnings.push(`block at byte ${this.base + at} ends with length ${trailer}, not its ${len}; stopped reading, kept ${this.packets} packets`);
        this.stopped = true;
        return buf.length;
      }
      // A section starts once its whole header block is read (a cut-off one is no start).
      if (shb) {
        this.ifaces = [];
        this.sections++;
      }
      const body = at + 8;
      const bodyLen = len - 12;
      if (type === 1) this.readIdb(dv, body, bodyLen);
      else if (type === 6 || type === 2) this.readEpb(buf, dv, body, bodyLen, type === 2, onFrame);
      else if (type === 3) this.readSpb(buf, dv, body, bodyLen, onFrame);
      at += len;
    }
    return at;
  }

  started(): boolean {
    return this.sections > 0;
  }

  private readIdb(dv: DataView, body: number, bodyLen: number): void {
    if (bodyLen < 8) {
      this.warnings.push('interface description block too short; ignored');
      return;
    }
    const iface: Iface = {
      linktype: dv.getUint16(body, this.le),
      snaplen: dv.getUint32(body + 4, this.le),
      unitsPerSec: 1e6,
      offsetSec: 0,
    };
    // Options: code (2) | length (2) | value padded to 4; code 0 ends.
    let at = body + 8;
    const end = body + bodyLen;
    while (end - at >= 4) {
      const code = dv.getUint16(at, this.le);
      const olen = dv.getUint16(at + 2, this.le);
      if (code === 0 || at + 4 + olen > end) break;
      if (code === 9 && olen >= 1) {
        const r = dv.getUint8(at + 4);
        const exp = r & 0x7f;
        iface.unitsPerSec = r & 0x80 ? 2 ** exp : 10 ** exp;
      } else if (code === 14 && olen >= 8) {
        iface.offsetSec = Number(dv.getBigInt64(at + 4, this.le));
      }
      at += 4 + ((olen + 3) & ~3);
    }
    this.ifaces.push(iface);
    this.linktypes.add(iface.linktype);
  }

  private readEpb(buf: Uint8Array, dv: DataView, body: number, bodyLen: number, obsolete: boolean, onFrame: (f: Frame) => void): void {
    if (bodyLen < 20) {
      this.warnings.push('packet block too short; skipped');
      return;
    }
    const id = obsolete ? dv.getUint16(body, this.le) : dv.getUint32(body, this.le);
    const hi = dv.getUint32(body + 4, this.le);
    const lo = dv.getUint32(body + 8, this.le);
    const cap = dv.getUint32(body + 12, this.le);
    const orig = dv.getUint32(body + 16, this.le);
    const iface = this.ifaces[id];
    if (!iface) {
      this.unknownIface++;
      return;
    }
    const incl = Math.min(cap, bodyLen - 20);
    const units = hi * 4294967296 + lo;
    const frame = this.frame;
    frame.linktype = iface.linktype;
    frame.iface = id;
    frame.tsUs = Math.floor((units / iface.unitsPerSec + iface.offsetSec) * 1e6);
    frame.timed = true;
    frame.origLen = orig;
    frame.set(buf, body + 20, body + 20 + incl);
    this.packets++;
    this.bytes += orig;
    onFrame(frame);
  }

  private readSpb(buf: Uint8Array, dv: DataView, body: number, bodyLen: number, onFrame: (f: Frame) => void): void {
    const iface = this.ifaces[0];
    if (!iface || bodyLen < 4) return;
    const orig = dv.getUint32(body, this.le);
    const incl = Math.min(orig, iface.snaplen || orig, bodyLen - 4);
    const frame = this.frame;
    frame.linktype = iface.linktype;
    frame.iface = 0;
    frame.tsUs = 0;
    frame.timed = false;
    frame.origLen = orig;
    frame.set(buf, body + 4, body + 4 + incl);
    this.packets++;
    this.bytes += orig;
    onFrame(frame);
  }

  summary(): ReadSummary {
    const warnings = [...this.warnings];
    if (this.unknownIface) warnings.push(`${this.unknownIface} packets named an interface that was never described; skipped`);
    return { format: 'pcapng', packets: this.packets, bytes: this.bytes, linktypes: [...this.linktypes], warnings };
  }
}
