/** Capture file readers: pcap (µs/ns, both byte orders), pcapng (several interfaces), damage. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile, CaptureFormatError, type Frame } from '../../electron/engine/decode/capfile';
import { pcapFile, pcapngFile, tcpFrame } from '../support/frames';

const dir = mkdtempSync(join(tmpdir(), 'portolan-capfile-'));
let n = 0;
function file(buf: Buffer): string {
  const p = join(dir, `f${n++}.cap`);
  writeFileSync(p, buf);
  return p;
}

const SYN = tcpFrame({ src: '192.0.2.1', dst: '192.0.2.2', sport: 40000, dport: 22, flags: 'S' });
const T0 = 1_700_000_000_123_456;

async function frames(path: string, chunkSize?: number): Promise<{ got: Array<Pick<Frame, 'linktype' | 'tsUs' | 'origLen' | 'iface'> & { len: number }>; summary: Awaited<ReturnType<typeof readCaptureFile>> }> {
  const got: Array<Pick<Frame, 'linktype' | 'tsUs' | 'origLen' | 'iface'> & { len: number }> = [];
  const summary = await readCaptureFile(path, { chunkSize, onFrame: (f) => got.push({ linktype: f.linktype, tsUs: f.tsUs, origLen: f.origLen, iface: f.iface, len: f.data.length }) });
  return { got, summary };
}

describe('pcap', () => {
  it.each([
    [true, false],
    [false, false],
    [true, true],
    [false, true],
  ])('little-endian=%s nanosecond=%s: timestamps and lengths survive', async (le, nano) => {
    const { got, summary } = await frames(file(pcapFile([{ tsUs: T0, data: SYN }, { tsUs: T0 + 1, data: SYN, origLen: 1514 }], { le, nano })));
    expect(summary.format).toBe('pcap');
    expect(summary.warnings).toEqual([]);
    expect(got).toEqual([
      { linktype: 1, tsUs: T0, origLen: SYN.length, iface: 0, len: SYN.length },
      { linktype: 1, tsUs: T0 + 1, origLen: 1514, iface: 0, len: SYN.length },
    ]);
  });

  it('reads records split across read chunks', async () => {
    const recs = Array.from({ length: 50 }, (_, i) => ({ tsUs: T0 + i, data: SYN }));
    const { got } = await frames(file(pcapFile(recs)), 37);
    expect(got.length).toBe(50);
  });

  it('names the damaged record by its offset in the file, also past the first read', async () => {
    const data = Buffer.alloc(600, 7);
    const whole = pcapFile(Array.from({ length: 2000 }, (_, i) => ({ tsUs: T0 + i, data })));
    const at = 24 + 1800 * (16 + data.length);
    whole.writeUInt32LE(0x7fffffff, at + 8); // record 1800's captured length
    const path = file(whole);
    for (const chunk of [4096, 65_536, undefined]) {
      const { got, summary } = await frames(path, chunk);
      expect(got.length).toBe(1800);
      expect(summary.warnings.join()).toContain(`record at byte ${at} claims`);
    }
  });

  it('gives the same frames, bytes included, whatever the read size, with records longer than a read', async () => {
    // Records of every size up to 600 kB: longer than the room kept for a cut-off tail
    // (256 kB) and than the reads; the content says where each byte came from.
    const sizes = [SYN.length, 1, 300_000, 70, 1500, 600_000, 9000, SYN.length, 262_145, 3];
    const recs = sizes.map((len, i) => ({ tsUs: T0 + i, data: Buffer.from(Array.from({ length: len }, (_, j) => (i * 31 + j) & 0xff)) }));
    const path = file(pcapFile(recs, { snaplen: 1 << 20 }));
    const read = async (chunkSize?: number): Promise<string[]> => {
      const out: string[] = [];
      const summary = await readCaptureFile(path, { chunkSize, onFrame: (f) => out.push(`${f.tsUs} ${Buffer.from(f.data).toString('base64')}`) });
      expect(summary.warnings).toEqual([]);
      return out;
    };
    const whole = recs.map((r) => `${r.tsUs} ${r.data.toString('base64')}`);
    for (const chunk of [64, 4096, 65_536, 300_000, undefined]) expect(await read(chunk)).toEqual(whole);
  });

  it('keeps what was read when the file is cut off mid-record, and warns', async () => {
    const whole = pcapFile([{ tsUs: T0, data: SYN }, { tsUs: T0 + 1, data: SYN }]);
    const { got, summary } = await frames(file(whole.subarray(0, whole.length - 10)));
    expect(got.length).toBe(1);
    expect(summary.warnings.join()).toMatch(/ends inside a record/);
  });

  it('stops at a record whose length is a lie, keeping earlier packets', async () => {
    const whole = pcapFile([{ tsUs: T0, data: SYN }, { tsUs: T0 + 1, data: SYN }]);
    whole.writeUInt32LE(0x7fffffff, 24 + 16 + SYN.length + 8); // second record's captured length
    const { got, summary } = await frames(file(whole));
    expect(got.length).toBe(1);
    expect(summary.warnings.join()).toMatch(/claims/);
  });

  it('reads records longer than the snaplen as captured, with a warning', async () => {
    const { got, summary } = await frames(file(pcapFile([{ tsUs: T0, data: SYN }], { snaplen: 20 })));
    expect(got.length).toBe(1);
    expect(summary.warnings.join()).toMatch(/snaplen/);
  });

  it('refuses a file that is not a capture, and an empty one, and a cut-off header', async () => {
    await expect(readCaptureFile(file(Buffer.from('{"json": true}\n')), { onFrame: () => undefined })).rejects.toBeInstanceOf(CaptureFormatError);
    await expect(readCaptureFile(file(Buffer.alloc(0)), { onFrame: () => undefined })).rejects.toThrow(/empty/);
    await expect(readCaptureFile(file(pcapFile([]).subarray(0, 12)), { onFrame: () => undefined })).rejects.toThrow(/header is cut off/);
  });

  it('refuses a pcapng whose first section header is cut off or damaged, as a pcap with a cut-off header', async () => {
    const read = (b: Buffer): Promise<unknown> => readCaptureFile(file(b), { onFrame: () => undefined });
    // Type, a length of 1 MiB, the byte-order magic: 12 bytes of a header that never ends.
    const shb = (len: number, bom = 0x1a2b3c4d): Buffer => {
      const b = Buffer.alloc(12);
      b.writeUInt32LE(0x0a0d0d0a, 0);
      b.writeUInt32LE(len, 4);
      b.writeUInt32LE(bom, 8);
      return b;
    };
    await expect(read(shb(1 << 20))).rejects.toThrow(/header is cut off \(12 bytes/);
    await expect(read(Buffer.concat([shb(8), Buffer.alloc(20)]))).rejects.toThrow(/header is damaged: block at byte 0 has an impossible length 8/);
    await expect(read(Buffer.concat([shb(28, 0x01020304), Buffer.alloc(16)]))).rejects.toThrow(/header is damaged: section header at byte 0 has a bad byte-order magic/);
    // A section header whose trailing length differs from its leading one.
    const good = pcapngFile([{ linktype: 1 }], [{ iface: 0, tsUs: T0, data: SYN }]);
    const shbLen = good.readUInt32LE(4);
    const lying = Buffer.from(good);
    lying.writeUInt32LE(shbLen + 4, shbLen - 4);
    await expect(read(lying)).rejects.toThrow(new RegExp(`header is damaged: block at byte 0 ends with length ${shbLen + 4}, not its ${shbLen}`));
    // A whole one is a start, even with no packets after it.
    const whole = pcapngFile([{ linktype: 1 }], []);
    expect((await readCaptureFile(file(whole), { onFrame: () => undefined })).packets).toBe(0);
  });
});

describe('pcapng', () => {
  it('reads interfaces with different link types and timestamp resolutions; skips unknown blocks', async () => {
    const raw = SYN.subarray(14); // LINKTYPE_RAW frame: starts with the IP header
    const path = file(
      pcapngFile(
        [{ linktype: 1 }, { linktype: 101, tsresol: 9 }],
        [
          { iface: 0, tsUs: T0, data: SYN },
          { iface: 1, tsUs: T0 + 5, data: raw },
        ],
      ),
    );
    const { got, summary } = await frames(path);
    expect(summary.format).toBe('pcapng');
    expect(summary.linktypes.sort()).toEqual([1, 101]);
    expect(got).toEqual([
      { linktype: 1, tsUs: T0, origLen: SYN.length, iface: 0, len: SYN.length },
      { linktype: 101, tsUs: T0 + 5, origLen: raw.length, iface: 1, len: raw.length },
    ]);
  });

  it('skips packets that name an undescribed interface, with a warning', async () => {
    const { got, summary } = await frames(file(pcapngFile([{ linktype: 1 }], [{ iface: 3, tsUs: T0, data: SYN }])));
    expect(got.length).toBe(0);
    expect(summary.warnings.join()).toMatch(/never described/);
  });
});
