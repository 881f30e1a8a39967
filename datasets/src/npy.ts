// NumPy .npy arrays (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html) and
// .npz archives of them (a zip, read with fflate). Our own reader because the npm ones do not
// validate: the header dict is parsed strictly, the dtype must be a plain number type, and the
// data length must be exactly product(shape) * itemsize.

import { unzipSync } from 'fflate';
import { DatasetFormatError } from './errors.js';

export interface NpyArray {
  /** The header's descr, e.g. "<f4", "|u1". */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** uint8 and bool arrays stay bytes; every other dtype is widened to float64 (exact for all but 64-bit integers beyond 2^53, refused). */
  readonly data: Uint8Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Value reader per dtype (type letter + item size): read(view, byteOffset, littleEndian). */
const READERS: Record<string, (v: DataView, o: number, le: boolean) => number> = {
  i1: (v, o) => v.getInt8(o),
  u2: (v, o, le) => v.getUint16(o, le),
  i2: (v, o, le) => v.getInt16(o, le),
  u4: (v, o, le) => v.getUint32(o, le),
  i4: (v, o, le) => v.getInt32(o, le),
  u8: (v, o, le) => Number(v.getBigUint64(o, le)),
  i8: (v, o, le) => Number(v.getBigInt64(o, le)),
  f4: (v, o, le) => v.getFloat32(o, le),
  f8: (v, o, le) => v.getFloat64(o, le),
};

/** Parses one .npy file's bytes; `source` names it in errors. */
export function readNpy(bytes: Uint8Array, source: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DatasetFormatError(source, 'magic', '\\x93NUMPY (a .npy file written by numpy.save)', hexStart(bytes));
  }
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new DatasetFormatError(source, 'format version', '1.0, 2.0 or 3.0', `${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : Infinity;
  const start = 8 + lenBytes;
  if (start + headerLen > bytes.length) throw new DatasetFormatError(source, 'header length', `<= ${bytes.length - start} bytes`, `${headerLen}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen)).trim();
  const m = /^\{\s*(?:(['"])(descr|fortran_order|shape)\1\s*:\s*('[^']*'|"[^"]*"|True|False|\([^)]*\))\s*,?\s*){3}\}$/.exec(header);
  const fields = new Map<string, string>();
  for (const f of header.matchAll(/(['"])(descr|fortran_order|shape)\1\s*:\s*('[^']*'|"[^"]*"|True|False|\([^)]*\))/g)) fields.set(f[2]!, f[3]!);
  if (m === null || fields.size !== 3) {
    throw new DatasetFormatError(source, 'header', "a dict of 'descr', 'fortran_order' and 'shape'", header.slice(0, 120));
  }
  if (fields.get('fortran_order') !== 'False') {
    throw new DatasetFormatError(source, 'fortran_order', 'False (C order; save numpy.ascontiguousarray(x))', fields.get('fortran_order')!);
  }
  const descr = fields.get('descr')!.slice(1, -1);
  const shapeText = fields.get('shape')!.slice(1, -1).trim();
  const shape =
    shapeText === ''
      ? []
      : shapeText
          .split(',')
          .filter((s) => s.trim() !== '')
          .map((s) => Number(s.trim()));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new DatasetFormatError(source, 'shape', 'a tuple of non-negative integers', `(${shapeText})`);
  const d = /^([<>|=])([biuf])(\d+)$/.exec(descr);
  const kind = d ? `${d[2]}${d[3]}` : '';
  const itemSize = d ? Number(d[3]) : 0;
  if (d === null || (kind !== 'u1' && kind !== 'b1' && READERS[kind] === undefined)) {
    throw new DatasetFormatError(source, 'descr (dtype)', 'a number type: bool, uint8..64, int8..64, float32 or float64', descr);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const data = bytes.subarray(start + headerLen);
  if (data.length !== count * itemSize) {
    throw new DatasetFormatError(source, 'data length', `${count * itemSize} bytes (shape (${shape.join(', ')}) x ${itemSize})`, `${data.length} bytes`);
  }
  if (kind === 'u1' || kind === 'b1') {
    const out = data.slice();
    if (kind === 'b1') {
      const bad = out.findIndex((b) => b > 1);
      if (bad >= 0) throw new DatasetFormatError(source, `value ${bad}`, 'a bool (0 or 1)', `${out[bad]}`);
    }
    return { dtype: descr, shape, data: out };
  }
  const le = d[1] !== '>';
  const read = READERS[kind]!;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v = read(dv, i * itemSize, le);
    if ((kind === 'i8' || kind === 'u8') && !Number.isSafeInteger(v)) {
      throw new DatasetFormatError(source, `value ${i}`, 'an integer of at most 2^53 in magnitude', `${v}`);
    }
    out[i] = v;
  }
  return { dtype: descr, shape, data: out };
}

/** Largest uncompressed member of an .npz we read (a bound against zip bombs). */
export const NPZ_MAX_MEMBER_BYTES = 2 ** 31;

/** The arrays of an .npz archive by name (the member name without ".npy"). */
export function readNpz(bytes: Uint8Array, source: string): Map<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!f.name.endsWith('.npy')) return false;
        if (f.originalSize > NPZ_MAX_MEMBER_BYTES) {
          throw new DatasetFormatError(source, `member ${f.name}`, `at most ${NPZ_MAX_MEMBER_BYTES} bytes uncompressed`, `${f.originalSize}`);
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof DatasetFormatError) throw e;
    throw new DatasetFormatError(source, 'zip archive', 'an .npz written by numpy.savez / savez_compressed', (e as Error).message);
  }
  const out = new Map<string, NpyArray>();
  for (const [name, data] of Object.entries(files)) out.set(name.slice(0, -4), readNpy(data, `${source}:${name}`));
  if (out.size === 0) throw new DatasetFormatError(source, 'members', 'at least one .npy array', 'none');
  return out;
}

function hexStart(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ') || '(empty file)';
}
