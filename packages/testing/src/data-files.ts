// Builders for small data files in the real on-disk formats, so readers are tested end to end.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';

/** An unsigned-byte IDX file: [0, 0, 0x08, rank], big-endian uint32 dims, then `data`. */
export function idxBytes(dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d);
  });
  out.set(data, 4 + 4 * dims.length);
  return out;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fhenet-${prefix}-`));
}

export function writeFiles(dir: string, files: Record<string, Uint8Array | string>): string {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** A .npy (format 1.0) of `data` with dtype `descr` ("|u1", "<f4", "<i8", ...) and `shape`. */
export function npyBytes(descr: string, shape: number[], data: ArrayLike<number>): Uint8Array {
  const itemSize = Number(descr.slice(2));
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // Header padded with spaces to a multiple of 64 bytes, ending in a newline (as numpy writes it).
  const headerLen = Math.ceil((10 + dict.length + 1) / 64) * 64 - 10;
  const header = dict.padEnd(headerLen - 1, ' ') + '\n';
  const out = new Uint8Array(10 + headerLen + data.length * itemSize);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, headerLen, true);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer, 10 + headerLen);
  const le = descr[0] !== '>';
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    const o = i * itemSize;
    switch (descr.slice(1)) {
      case 'u1':
        view.setUint8(o, v);
        break;
      case 'i4':
        view.setInt32(o, v, le);
        break;
      case 'i8':
        view.setBigInt64(o, BigInt(v), le);
        break;
      case 'f4':
        view.setFloat32(o, v, le);
        break;
      case 'f8':
        view.setFloat64(o, v, le);
        break;
      default:
        throw new Error(`npyBytes: dtype ${descr} not supported by the test writer`);
    }
  }
  return out;
}

/** A PNG of h x w x channels bytes (1 gray, 3 RGB), written by pngjs as a gray or RGB file. */
export function pngBytes(height: number, width: number, channels: 1 | 3, pixels: ArrayLike<number>): Uint8Array {
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) png.data[p * 4 + c] = pixels[p * channels + (channels === 1 ? 0 : c)]!;
    png.data[p * 4 + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2 });
}

/** Deterministic pseudo-random bytes (tests only). */
export function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}
