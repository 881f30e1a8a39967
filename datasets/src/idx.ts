// Reader for the IDX format of the MNIST distribution (http://yann.lecun.com/exdb/mnist/):
// a big-endian header [0x00, 0x00, dtype, rank] followed by `rank` uint32 dimensions, then the
// data in row-major order. Only dtype 0x08 (unsigned byte) is supported: it is all MNIST uses.

import { DatasetFormatError } from './errors.js';

/** The data type byte of unsigned-byte IDX files. */
export const IDX_UBYTE = 0x08;
/** Magic numbers of the two MNIST file kinds: rank-3 images and rank-1 labels. */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxArray {
  /** Dimension sizes as stored, outermost first. */
  readonly dims: readonly number[];
  /** product(dims) bytes, copied out of the file so the array owns its buffer from offset 0. */
  readonly data: Uint8Array;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/**
 * Parses an unsigned-byte IDX file. `source` names the file in error messages.
 * With `expectedRank`, the magic number must be exactly 0x0000_08_<rank> (e.g. 3 for images).
 * The file length must equal header + product(dims): truncated files and trailing bytes are
 * both errors, since either means the file is not what its header claims.
 */
export function readIdx(bytes: Uint8Array, source: string, expectedRank?: number): IdxArray {
  if (bytes.length < 4) {
    throw new DatasetFormatError(source, 'header', 'at least 4 bytes', `${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const rank = bytes[3]!;
  const magicExpected = expectedRank === undefined ? '0x000008NN (NN = rank)' : hex((IDX_UBYTE << 8) | expectedRank);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetFormatError(source, 'magic number', magicExpected, hex(magic));
  }
  if (bytes[2] !== IDX_UBYTE) {
    throw new DatasetFormatError(source, 'data type byte', '0x08 (unsigned byte)', `0x${bytes[2]!.toString(16).padStart(2, '0')}`);
  }
  if ((expectedRank !== undefined && rank !== expectedRank) || rank === 0) {
    throw new DatasetFormatError(source, 'magic number (rank byte)', magicExpected, hex(magic));
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DatasetFormatError(source, 'header', `${headerBytes} bytes for ${rank} dimensions`, `${bytes.length} bytes`);
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i));
  const dataBytes = dims.reduce((a, b) => a * b, 1);
  const expectedLength = headerBytes + dataBytes;
  if (bytes.length !== expectedLength) {
    const diff = bytes.length - expectedLength;
    throw new DatasetFormatError(
      source,
      'byte length',
      `${expectedLength} (${headerBytes}-byte header + ${dims.join('x')} data)`,
      `${bytes.length} (${diff < 0 ? `truncated by ${-diff}` : `${diff} extra`} bytes)`,
    );
  }
  return { dims, data: bytes.slice(headerBytes) };
}
