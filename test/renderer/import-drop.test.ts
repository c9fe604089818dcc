/** Dropped files sorted into captures and refused files, and the refusal in words. */
import { describe, expect, it } from 'vitest';
import { rejectionLine, sortDropped } from '../../renderer/src/composables/useImportCapture';

describe('dropped files', () => {
  it('keeps captures in drop order and names the others', () => {
    const files = [{ name: 'a.pcap' }, { name: 'notes.txt' }, { name: 'b.PcapNG' }, { name: '' }];
    expect(sortDropped(files)).toEqual({ accepted: [{ name: 'a.pcap' }, { name: 'b.PcapNG' }], rejected: ['notes.txt', 'a file without a name'] });
  });
  it('says why, for one file or many', () => {
    expect(rejectionLine(['notes.txt'])).toBe('notes.txt is not a capture file (.pcap, .pcapng, .cap, .dmp); it was not imported.');
    expect(rejectionLine(['1', '2', '3', '4', '5', '6', '7'])).toBe('7 files are not capture files (.pcap, .pcapng, .cap, .dmp) and were not imported: 1, 2, 3, 4, 5 and 2 more.');
  });
});
