import { describe, expect, it } from 'vitest';
import { DatasetFormatError, readIdx } from '@fhenet/datasets';
import { idxBytes } from '@fhenet/testing';

describe('readIdx', () => {
  it('parses dims and data exactly', () => {
    const data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const got = readIdx(idxBytes([3, 2, 2], data), 'imgs', 3);
    expect(got.dims).toEqual([3, 2, 2]);
    expect(Array.from(got.data)).toEqual(data);
    expect(got.data.byteOffset).toBe(0);
  });

  it('reads big-endian dimensions above 255', () => {
    const got = readIdx(idxBytes([300], new Uint8Array(300).fill(7)), 'labels', 1);
    expect(got.dims).toEqual([300]);
  });

  it('rejects a bad magic number, naming the file and both values', () => {
    const bytes = idxBytes([2], [0, 1]);
    bytes[0] = 0x1f;
    expect(() => readIdx(bytes, 'f.idx', 1)).toThrow('f.idx: magic number: expected 0x00000801, got 0x1f000801');
  });

  it('rejects a rank that is not the expected one', () => {
    expect(() => readIdx(idxBytes([2], [0, 1]), 'lbl', 3)).toThrow('lbl: magic number (rank byte): expected 0x00000803, got 0x00000801');
  });

  it('rejects a data type other than unsigned byte', () => {
    const bytes = idxBytes([2], [0, 1]);
    bytes[2] = 0x0d;
    expect(() => readIdx(bytes, 'f', 1)).toThrow('f: data type byte: expected 0x08 (unsigned byte), got 0x0d');
  });

  it('rejects truncated data and extra bytes with the exact lengths', () => {
    const good = idxBytes([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(() => readIdx(good.subarray(0, good.length - 2), 'f', 2)).toThrow(
      'f: byte length: expected 18 (12-byte header + 2x3 data), got 16 (truncated by 2 bytes)',
    );
    const long = new Uint8Array(good.length + 1);
    long.set(good);
    expect(() => readIdx(long, 'f', 2)).toThrow('got 19 (1 extra bytes)');
  });

  it('rejects a header cut short', () => {
    expect(() => readIdx(new Uint8Array([0, 0, 8]), 'f')).toThrow('f: header: expected at least 4 bytes, got 3 bytes');
    expect(() => readIdx(idxBytes([5, 5, 5], []).subarray(0, 10), 'f')).toThrow('f: header: expected 16 bytes for 3 dimensions, got 10 bytes');
  });

  it('throws DatasetFormatError with structured fields', () => {
    try {
      readIdx(new Uint8Array([0, 0, 9, 1, 0, 0, 0, 0]), 'x');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DatasetFormatError);
      expect((e as DatasetFormatError).field).toBe('data type byte');
    }
  });
});
