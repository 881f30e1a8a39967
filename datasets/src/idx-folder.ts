// A folder of IDX files laid out like the MNIST distribution (and Fashion-MNIST, EMNIST, KMNIST):
// training images + labels, optionally test images + labels, each gzipped or not.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetFormatError, DatasetMissingError } from './errors.js';
import { readDataFile, readNameList } from './files.js';
import { readIdx } from './idx.js';

/** Largest decompressed IDX file (a bound against gzip bombs). */
export const IDX_MAX_BYTES = 2 ** 31;

export interface IdxPart {
  /** The images file, for errors. */
  readonly source: string;
  /** Per-sample shape: [h, w, 1] (rank-3 files), [h, w, c] (rank 4) or [n] (rank 2, a table). */
  readonly sampleShape: readonly number[];
  readonly count: number;
  readonly values: Uint8Array;
  readonly labels: Uint8Array;
  readonly labelSource: string;
}

export interface IdxFolder {
  readonly train: IdxPart;
  readonly test?: IdxPart;
  /** From an optional classes.txt (one name per line). */
  readonly classNames?: readonly string[];
}

const HOW =
  "An IDX folder holds files named like MNIST's: train-images-idx3-ubyte and train-labels-idx1-ubyte (optionally t10k-/test- ones too), each possibly .gz.";

/** Which split and role a file name is: "train-images-idx3-ubyte.gz" -> train images. */
function role(name: string): { split: 'train' | 'test'; kind: 'images' | 'labels' } | null {
  const n = name.toLowerCase().replace(/\.gz$/, '');
  if (!/idx\d|ubyte|\.idx$/.test(n)) return null;
  const split = n.includes('train') ? 'train' : n.includes('t10k') || n.includes('test') ? 'test' : null;
  const kind = n.includes('label') ? 'labels' : n.includes('image') || /idx[234]/.test(n) ? 'images' : null;
  return split && kind ? { split, kind } : null;
}

function readMaybeGzip(dir: string, name: string): Uint8Array {
  const bytes = readDataFile(dir, name, HOW);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    const out = gunzipSync(bytes, { maxOutputLength: IDX_MAX_BYTES });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new DatasetFormatError(join(dir, name), 'gzip', `a gzip stream of at most ${IDX_MAX_BYTES} bytes`, (e as Error).message);
  }
}

function readPart(dir: string, images: string, labels: string): IdxPart {
  const source = join(dir, images);
  const labelSource = join(dir, labels);
  const x = readIdx(readMaybeGzip(dir, images), source);
  if (x.dims.length < 2 || x.dims.length > 4)
    throw new DatasetFormatError(source, 'rank (magic number)', '2 (rows of features), 3 (gray images) or 4 (images with channels)', `${x.dims.length}`);
  const y = readIdx(readMaybeGzip(dir, labels), labelSource, 1);
  const [count, ...rest] = x.dims as [number, ...number[]];
  if (y.dims[0] !== count) throw new DatasetFormatError(labelSource, 'label count', `${count} (the sample count of ${images})`, `${y.dims[0]}`);
  const sampleShape = rest.length === 2 ? [rest[0]!, rest[1]!, 1] : rest;
  if (sampleShape.some((d) => d === 0)) throw new DatasetFormatError(source, 'dimensions', 'non-zero sizes', x.dims.join('x'));
  return { source, sampleShape, count, values: x.data, labels: y.data, labelSource };
}

export function readIdxFolder(dir: string): IdxFolder {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    throw new DatasetMissingError(dir, `IDX folder ${dir} does not exist or cannot be read. ${HOW}`);
  }
  const found = new Map<string, string[]>();
  for (const n of names) {
    const r = role(n);
    if (r) found.set(`${r.split} ${r.kind}`, [...(found.get(`${r.split} ${r.kind}`) ?? []), n]);
  }
  const one = (key: string, required: boolean): string | undefined => {
    const list = found.get(key) ?? [];
    if (list.length > 1) throw new DatasetFormatError(dir, `${key} file`, 'exactly one', list.join(', '));
    if (list.length === 0 && required) throw new DatasetMissingError(dir, `no ${key} file in ${dir} (found: ${names.join(', ') || 'nothing'}). ${HOW}`);
    return list[0];
  };
  const train = readPart(dir, one('train images', true)!, one('train labels', true)!);
  const testImages = one('test images', false);
  const testLabels = one('test labels', false);
  if ((testImages === undefined) !== (testLabels === undefined)) {
    throw new DatasetMissingError(
      dir,
      `${dir} has test ${testImages ? 'images' : 'labels'} (${testImages ?? testLabels}) but no test ${testImages ? 'labels' : 'images'}. ${HOW}`,
    );
  }
  const test = testImages && testLabels ? readPart(dir, testImages, testLabels) : undefined;
  if (test && test.sampleShape.join('x') !== train.sampleShape.join('x')) {
    throw new DatasetFormatError(test.source, 'sample shape', `${train.sampleShape.join('x')} (as ${train.source})`, test.sampleShape.join('x'));
  }
  const classNames = readNameList(dir, 'classes.txt');
  return { train, ...(test ? { test } : {}), ...(classNames ? { classNames } : {}) };
}
