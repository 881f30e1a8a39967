// Samples as read from one source, before and while they become an ImageDataset: the shared steps
// of loading training data (sources.ts) and the user's inputs (inputs.ts).

import { readFileSync } from 'node:fs';
import { isNumberField } from './csv.js';
import { channelsOf, encodeValues, type DataLayout, type InputEncoding } from './domain.js';
import { DatasetFormatError, DatasetMissingError } from './errors.js';

/** Labels as read: class names (CSV text, class folders) or class indices (IDX, .npy). */
export type RawLabels = { readonly names: readonly string[] } | { readonly indices: ArrayLike<number> };

/** Samples as read from one source, before labels are resolved and values encoded. */
export interface RawSamples {
  readonly source: string;
  readonly layout: DataLayout;
  readonly sampleShape: readonly number[];
  readonly count: number;
  /** Bytes (IDX, images, uint8 arrays) or other numbers, count x sampleSize, channels last. */
  readonly values: Uint8Array | Float64Array;
  readonly labels: RawLabels;
  /** Names sample i's label in errors, e.g. "line 7, column \"label\"". */
  readonly where: (i: number) => string;
  readonly labelSource: string;
  readonly classNames?: readonly string[];
  readonly columns?: readonly string[];
  readonly labelColumn?: number;
}

export function readBytes(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch {
    throw new DatasetMissingError(path, `data file ${path} does not exist or cannot be read`);
  }
}

export function checkFinite(values: ArrayLike<number>, source: string, where: (i: number) => string): void {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) throw new DatasetFormatError(source, where(i), 'a finite number', `${values[i]}`);
}

/** Class names of the training samples: given, a source's list, folder names, CSV label text, or 0..max. */
export function classNamesOf(train: RawSamples): string[] {
  if (train.classNames) return [...train.classNames];
  if ('names' in train.labels && !train.labels.names.every(isNumberField)) return [...new Set(train.labels.names)].sort();
  const idx = 'names' in train.labels ? train.labels.names.map(Number) : Array.from(train.labels.indices);
  let max = 0;
  idx.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 255)
      throw new DatasetFormatError(train.labelSource, train.where(i), 'a class index, an integer in [0, 255]', `${v}`);
    if (v > max) max = v;
  });
  return Array.from({ length: max + 1 }, (_, i) => String(i));
}

/** Class index of every sample of `s` against `classNames`; a label outside them names the file and row. */
export function resolveLabels(s: RawSamples, classNames: readonly string[]): Uint8Array {
  const byName = new Map(classNames.map((n, i) => [n, i]));
  const numeric = classNames.every((n, i) => n === String(i));
  const out = new Uint8Array(s.count);
  const outOfRange = (i: number, got: string): never => {
    throw new DatasetFormatError(
      s.labelSource,
      s.where(i),
      `one of the ${classNames.length} training classes (${numeric ? `0..${classNames.length - 1}` : classNames.slice(0, 8).join(', ') + (classNames.length > 8 ? ', ...' : '')})`,
      `${got} (label out of range)`,
    );
  };
  for (let i = 0; i < s.count; i++) {
    if ('names' in s.labels) {
      const name = s.labels.names[i]!;
      const k = byName.get(name) ?? (numeric && isNumberField(name) ? byName.get(String(Number(name))) : undefined);
      out[i] = k ?? outOfRange(i, JSON.stringify(name));
    } else {
      const v = s.labels.indices[i]!;
      out[i] = Number.isInteger(v) && v >= 0 && v < classNames.length ? v : outOfRange(i, `${v}`);
    }
  }
  return out;
}

export function encode(s: RawSamples, encoding: InputEncoding): Uint8Array {
  const size = s.sampleShape.reduce((a, b) => a * b, 1);
  return encodeValues(s.values, encoding, channelsOf(s.sampleShape), s.source, (i) => `sample ${Math.floor(i / size)}, value ${i % size}`);
}

/** Samples `indices` of `s` (values, labels and their row names follow). */
export function pick(s: RawSamples, indices: ArrayLike<number>): RawSamples {
  const size = s.sampleShape.reduce((a, b) => a * b, 1);
  const values = s.values instanceof Uint8Array ? new Uint8Array(indices.length * size) : new Float64Array(indices.length * size);
  const idx = Array.from(indices);
  idx.forEach((i, k) => {
    values.set(s.values.subarray(i * size, (i + 1) * size), k * size);
  });
  const labels: RawLabels =
    'names' in s.labels
      ? { names: idx.map((i) => (s.labels as { names: readonly string[] }).names[i]!) }
      : { indices: idx.map((i) => (s.labels as { indices: ArrayLike<number> }).indices[i]!) };
  return { ...s, count: idx.length, values, labels, where: (k) => s.where(idx[k]!) };
}
