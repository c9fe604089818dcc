/**
 * The preload's drop grant (electron/preload/drop-ledger.ts): the page may ingest only
 * files the user really dropped — every one in the last trusted drop, within a minute,
 * once. Stand-in File objects carry a path the way `webUtils.getPathForFile` reads it.
 */
import { describe, expect, it } from 'vitest';
import { DROP_TTL_MS, DropLedger } from '../../electron/preload/drop-ledger';
import { IngestDropped, isCaptureFileName } from '../../electron/shared';

/** A stand-in File: `path` as Electron would give it ('' for a File made by a script). */
const file = (path: string) => ({ path });
const pathOf = (f: unknown): string => {
  if (!f || typeof f !== 'object' || !('path' in f)) throw new TypeError('not a File');
  return (f as { path: string }).path;
};
const drop = (isTrusted: boolean, files: unknown[]) => ({ isTrusted, dataTransfer: { files } });

function ledger(start = 1000) {
  let t = start;
  const l = new DropLedger(pathOf, () => t);
  return { l, later: (ms: number) => (t += ms) };
}

describe('drop ledger', () => {
  it('grants the files of the last trusted drop, once', () => {
    const { l } = ledger();
    const a = file('/home/ana/a.pcap');
    const b = file('/home/ana/b.pcapng');
    l.record(drop(true, [a, b, file('/home/ana/notes.txt')]));
    // The page may take a subset (it leaves out what is not a capture).
    expect(l.take([a, b])).toEqual(['/home/ana/a.pcap', '/home/ana/b.pcapng']);
    expect(() => l.take([a])).toThrow(/only files dropped on this window/);
  });

  it('ignores scripted drops (isTrusted false)', () => {
    const { l } = ledger();
    const a = file('/etc/shadow.pcap');
    l.record(drop(false, [a]));
    expect(() => l.take([a])).toThrow(expect.objectContaining({ name: 'NotDropped' }));
  });

  it('refuses a file that was not in the drop, even beside one that was', () => {
    const { l } = ledger();
    const a = file('/home/ana/a.pcap');
    l.record(drop(true, [a]));
    expect(() => l.take([a, file('/home/ana/picked-elsewhere.pcap')])).toThrow(/only files dropped/);
    // A refused request does not use the drop up.
    expect(l.take([a])).toEqual(['/home/ana/a.pcap']);
  });

  it('refuses files without a path (made by a script), non-files and empty requests', () => {
    const { l } = ledger();
    l.record(drop(true, [file(''), 'not a file', file('/home/ana/a.pcap')]));
    expect(() => l.take([file('')])).toThrow(/only files dropped/);
    expect(() => l.take(['/home/ana/a.pcap'])).toThrow(/only files dropped/);
    expect(() => l.take([])).toThrow(/no dropped files/);
    expect(() => l.take('x')).toThrow(/no dropped files/);
  });

  it('forgets a drop after the time limit and when a newer one comes', () => {
    const { l, later } = ledger();
    const a = file('/home/ana/a.pcap');
    const b = file('/home/ana/b.pcap');
    l.record(drop(true, [a]));
    later(DROP_TTL_MS + 1);
    expect(() => l.take([a])).toThrow(/only files dropped/);
    l.record(drop(true, [a]));
    l.record(drop(true, [b]));
    expect(() => l.take([a])).toThrow(/only files dropped/);
    expect(l.take([b])).toEqual(['/home/ana/b.pcap']);
  });
});

describe('what main accepts from a drop (IngestDropped)', () => {
  it('takes absolute capture paths, a few at a time', () => {
    expect(IngestDropped.parse({ paths: ['/home/ana/a.pcap', 'C:\\Users\\ana\\b.PCAPNG'] }).paths).toHaveLength(2);
  });
  it('refuses relative paths, other files, NUL, extra fields and empty or huge lists', () => {
    for (const bad of [
      { paths: ['a.pcap'] },
      { paths: ['/etc/passwd'] },
      { paths: ['/home/ana/notes.txt'] },
      { paths: ['/home/ana/a.pcap\0.txt'] },
      { paths: ['/home/ana/.pcap/'] },
      { paths: [] },
      { paths: Array.from({ length: 101 }, (_, i) => `/d/${i}.pcap`) },
      { paths: ['/home/ana/a.pcap'], grant: true },
      null,
    ]) {
      expect(IngestDropped.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
  it('names capture files by their ending, in any case', () => {
    expect(['a.pcap', 'b.PCAPNG', 'c.cap', 'd.dmp'].every(isCaptureFileName)).toBe(true);
    expect(['notes.txt', 'pcap', '.pcap', 'a.pcap.gz', 'dir/.pcap', ''].some(isCaptureFileName)).toBe(false);
  });
});
