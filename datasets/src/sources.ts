// Where a data set comes from (a built-in data set by name, or the user's files) and how its
// training and test samples are read, labelled and encoded; what is recorded of it with a trained
// graph (DataDescription), and the user's own samples to classify (readInputSamples).

import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { subset } from './batches.js';
import { readCsvRows, readCsvTable, isNumberField } from './csv.js';
import {
  asObj,
  channelStats,
  channelsOf,
  dataDomainFromJson,
  domainMismatch,
  encodeValues,
  fitMinMax,
  withFingerprint,
  type ChannelStats,
  type DataDomain,
  type DataLayout,
  type Fail,
  type InputEncoding,
} from './domain.js';
import { DatasetFormatError, DatasetMissingError } from './errors.js';
import { readIdxFolder } from './idx-folder.js';
import { convertChannels, decodeImage, decodeImages, isFolder, isImageFile, listImageFolder } from './images.js';
import { DATASET_NAMES, loadDataset, type DatasetName } from './load.js';
import { readNpy, readNpz, type NpyArray } from './npy.js';
import { shuffledIndices } from './shuffle.js';
import type { ImageDataset, Split } from './types.js';

/** File formats `fhenet train --data` reads (docs/datasets.md, "Your own data"). */
export const DATA_FORMATS = ['idx', 'csv', 'npy', 'npz', 'images'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** Where training samples come from; paths are absolute once recorded. */
export type DataSource =
  | { readonly format: 'dataset'; readonly name: DatasetName }
  | { readonly format: 'idx' | 'npz' | 'images'; readonly path: string }
  | { readonly format: 'csv'; readonly path: string; readonly labelColumn?: string | number }
  | { readonly format: 'npy'; readonly path: string; readonly labels: string };

/** Where the test samples come from. */
export type TestSource =
  /** The source's own test part: a data set's test split, an IDX folder's t10k/test files, an .npz's x_test/y_test. */
  | { readonly kind: 'included' }
  /** Other files of the same format. */
  | { readonly kind: 'files'; readonly source: DataSource }
  /** A seeded random fraction of the source, held out of training. */
  | { readonly kind: 'split'; readonly fraction: number; readonly seed: number };

/** What a trained graph records of its data (trained-graph format v2, `data`). */
export interface DataDescription {
  readonly domain: DataDomain;
  readonly source: DataSource;
  readonly test: TestSource;
  readonly trainSamples: number;
  readonly testSamples: number;
  /** Per channel of the training split's encoded bytes: what calibration data is compared with. */
  readonly stats: ChannelStats;
}

export interface LoadedData {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
  readonly description: DataDescription;
}

/** Held out when a source has no test part and none is named. */
export const DEFAULT_TEST_SPLIT = { kind: 'split', fraction: 0.2, seed: 1 } as const;

/** Labels as read: class names (CSV text, class folders) or class indices (IDX, .npy). */
type RawLabels = { readonly names: readonly string[] } | { readonly indices: ArrayLike<number> };

/** Samples as read from one source, before labels are resolved and values encoded. */
interface RawSamples {
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

/** The format a path holds, from its extension or (folders) its contents. */
export function detectFormat(path: string): DataFormat {
  if (isFolder(path)) {
    try {
      readIdxFolder(path);
      return 'idx';
    } catch (e) {
      if (!(e instanceof DatasetMissingError)) throw e;
    }
    return 'images';
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.npy') return 'npy';
  if (ext === '.npz') return 'npz';
  throw new DatasetFormatError(path, 'format', 'a folder (IDX files, or one sub-folder of images per class), .csv/.tsv, .npy or .npz; or name it with --format', ext || '(no extension)');
}

/** A data source with its paths made absolute (what a graph records). */
export function resolveSource(s: DataSource): DataSource {
  if (s.format === 'dataset') return s;
  if (s.format === 'npy') return { ...s, path: resolve(s.path), labels: resolve(s.labels) };
  return { ...s, path: resolve(s.path) };
}

function readBytes(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch {
    throw new DatasetMissingError(path, `data file ${path} does not exist or cannot be read`);
  }
}

/** Sample shape and layout of an array of samples: [N, n] a table, [N, h, w] gray images, [N, h, w, c] images. */
function arraySamples(x: NpyArray, y: NpyArray, xSource: string, ySource: string): RawSamples {
  if (x.shape.length < 2 || x.shape.length > 4) throw new DatasetFormatError(xSource, 'shape', '(N, features), (N, h, w) or (N, h, w, c)', `(${x.shape.join(', ')})`);
  const [count, ...rest] = x.shape as [number, ...number[]];
  if (y.shape.length !== 1 || y.shape[0] !== count) throw new DatasetFormatError(ySource, 'shape', `(${count},): one label per sample of ${xSource}`, `(${y.shape.join(', ')})`);
  if (rest.some((d) => d === 0) || count === 0) throw new DatasetFormatError(xSource, 'shape', 'no zero dimension', `(${x.shape.join(', ')})`);
  const layout: DataLayout = rest.length === 1 ? 'table' : 'image';
  const sampleShape = rest.length === 2 ? [rest[0]!, rest[1]!, 1] : rest;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  checkFinite(x.data, xSource, (i) => `sample ${Math.floor(i / size)}, value ${i % size}`);
  return { source: xSource, layout, sampleShape, count, values: x.data, labels: { indices: y.data }, where: (i) => `label ${i}`, labelSource: ySource };
}

function checkFinite(values: ArrayLike<number>, source: string, where: (i: number) => string): void {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) throw new DatasetFormatError(source, where(i), 'a finite number', `${values[i]}`);
}

function npzPair(arrays: Map<string, NpyArray>, path: string, split: Split): RawSamples | undefined {
  const keys = split === 'train' ? (arrays.has('x_train') ? ['x_train', 'y_train'] : ['x', 'y']) : ['x_test', 'y_test'];
  const [xk, yk] = keys as [string, string];
  const x = arrays.get(xk);
  const y = arrays.get(yk);
  if (split === 'test' && !x && !y) return undefined;
  if (!x || !y) {
    throw new DatasetFormatError(path, 'arrays', split === 'train' ? 'x_train and y_train (or x and y)' : 'x_test with y_test', [...arrays.keys()].join(', '));
  }
  return arraySamples(x, y, `${path}:${xk}`, `${path}:${yk}`);
}

/** Reads a source's training samples, and its own test samples when it has them. */
function readSource(s: Exclude<DataSource, { format: 'dataset' }>): { train: RawSamples; test?: RawSamples } {
  switch (s.format) {
    case 'idx': {
      const f = readIdxFolder(s.path);
      const part = (p: NonNullable<typeof f.test>): RawSamples => ({
        source: p.source,
        layout: p.sampleShape.length === 1 ? 'table' : 'image',
        sampleShape: p.sampleShape,
        count: p.count,
        values: p.values,
        labels: { indices: p.labels },
        where: (i) => `label ${i}`,
        labelSource: p.labelSource,
        ...(f.classNames ? { classNames: f.classNames } : {}),
      });
      return { train: part(f.train), ...(f.test ? { test: part(f.test) } : {}) };
    }
    case 'csv': {
      const t = readCsvTable(s.path, s.labelColumn);
      const labelName = t.header ? JSON.stringify(t.header[t.labelColumn]) : `${t.labelColumn}`;
      return {
        train: {
          source: s.path,
          layout: 'table',
          sampleShape: [t.featureNames.length],
          count: t.rows,
          values: t.features,
          labels: { names: t.labels },
          where: (i) => `line ${t.lines[i]}, column ${labelName}`,
          labelSource: s.path,
          ...(t.header ? { columns: t.header } : {}),
          labelColumn: t.labelColumn,
        },
      };
    }
    case 'npy':
      return { train: arraySamples(readNpy(readBytes(s.path), s.path), readNpy(readBytes(s.labels), s.labels), s.path, s.labels) };
    case 'npz': {
      const arrays = readNpz(readBytes(s.path), s.path);
      const test = npzPair(arrays, s.path, 'test');
      return { train: npzPair(arrays, s.path, 'train')!, ...(test ? { test } : {}) };
    }
    case 'images': {
      const folder = listImageFolder(s.path);
      const { pixels, shape } = decodeImages(folder.files);
      return {
        train: {
          source: s.path,
          layout: 'image',
          sampleShape: shape,
          count: folder.files.length,
          values: pixels,
          labels: { names: folder.labels.map((l) => folder.classNames[l]!) },
          where: (i) => folder.files[i]!,
          labelSource: s.path,
          classNames: folder.classNames,
        },
      };
    }
  }
}

/** Class names of the training samples: given, a source's list, folder names, CSV label text, or 0..max. */
function classNamesOf(train: RawSamples): string[] {
  if (train.classNames) return [...train.classNames];
  if ('names' in train.labels && !train.labels.names.every(isNumberField)) return [...new Set(train.labels.names)].sort();
  const idx = 'names' in train.labels ? train.labels.names.map(Number) : Array.from(train.labels.indices);
  let max = 0;
  idx.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new DatasetFormatError(train.labelSource, train.where(i), 'a class index, an integer in [0, 255]', `${v}`);
    if (v > max) max = v;
  });
  return Array.from({ length: max + 1 }, (_, i) => String(i));
}

/** Class index of every sample of `s` against `classNames`; a label outside them names the file and row. */
function resolveLabels(s: RawSamples, classNames: readonly string[]): Uint8Array {
  const byName = new Map(classNames.map((n, i) => [n, i]));
  const numeric = classNames.every((n, i) => n === String(i));
  const out = new Uint8Array(s.count);
  const outOfRange = (i: number, got: string): never => {
    throw new DatasetFormatError(s.labelSource, s.where(i), `one of the ${classNames.length} training classes (${numeric ? `0..${classNames.length - 1}` : classNames.slice(0, 8).join(', ') + (classNames.length > 8 ? ', ...' : '')})`, `${got} (label out of range)`);
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

function imageDataset(name: string, split: Split, s: RawSamples, bytes: Uint8Array, labels: Uint8Array, classNames: readonly string[]): ImageDataset {
  const [height, width, channels] = s.layout === 'table' ? [1, 1, s.sampleShape[0]!] : (s.sampleShape as [number, number, number]);
  return { name, split, count: s.count, height, width, channels, ...(s.layout === 'table' ? { layout: 'table' as const } : {}), numClasses: classNames.length, images: bytes, labels, classNames };
}

function encode(s: RawSamples, encoding: InputEncoding): Uint8Array {
  const size = s.sampleShape.reduce((a, b) => a * b, 1);
  return encodeValues(s.values, encoding, channelsOf(s.sampleShape), s.source, (i) => `sample ${Math.floor(i / size)}, value ${i % size}`);
}

export interface LoadDataOptions {
  /** Reuse this domain's classes and encoding (compile, calibration): nothing is fitted again. */
  readonly domain?: DataDomain;
  /** Keep the first `limit` training samples (calibration). */
  readonly limit?: number;
}

/**
 * Reads a data source into training and test sets of bytes, with its description. Labels become
 * class indices (names sorted, or folder names, or the indices as stored); values become bytes by
 * the domain's encoding, fitted on the training split unless `options.domain` gives one. Without
 * `test`: the source's own test part when it has one (a data set's, an IDX folder's t10k files,
 * an .npz's x_test), else DEFAULT_TEST_SPLIT.
 */
export function loadData(source: DataSource, testSource?: TestSource, options: LoadDataOptions = {}): LoadedData {
  const src = resolveSource(source);
  if (src.format === 'dataset') return loadNamed(src, testSource ?? { kind: 'included' }, options);
  const read = readSource(src);
  const test: TestSource = testSource ?? (read.test ? { kind: 'included' } : DEFAULT_TEST_SPLIT);
  let train = read.train;
  // Classes of the whole source, before any split: a class held out by chance is still a class.
  const classNames = options.domain ? [...options.domain.classNames] : classNamesOf(train);
  let testRaw: RawSamples;
  if (test.kind === 'included') {
    if (!read.test) throw new DatasetMissingError(src.path, `${src.path} has no test part (IDX t10k-/test- files, .npz x_test/y_test): name test data or a test split`);
    testRaw = read.test;
  } else if (test.kind === 'files') {
    if (test.source.format !== src.format) throw new RangeError(`test data: expected format ${src.format} (as the training data), got ${test.source.format}`);
    testRaw = readSource(resolveSource(test.source) as typeof src).train;
  } else {
    if (!(test.fraction > 0 && test.fraction < 1)) throw new RangeError(`test split: expected a fraction in (0, 1), got ${test.fraction}`);
    const n = train.count;
    const nTest = Math.round(n * test.fraction);
    if (nTest < 1 || nTest >= n) throw new DatasetFormatError(train.source, 'sample count', `enough samples for a ${test.fraction} test split (at least 1 test and 1 training sample)`, `${n}`);
    const order = shuffledIndices(n, test.seed);
    [testRaw, train] = [pick(train, order.slice(0, nTest).sort()), pick(train, order.slice(nTest).sort())];
  }
  if (testRaw.sampleShape.join('x') !== train.sampleShape.join('x')) {
    throw new DatasetFormatError(testRaw.source, 'sample shape', `${train.sampleShape.join('x')} (as the training data ${train.source})`, testRaw.sampleShape.join('x'));
  }
  const { data: trainSet, domain } = finish(src, train, classNames, options);
  const testSet = imageDataset(trainSet.name, 'test', testRaw, encode(testRaw, domain.encoding), resolveLabels(testRaw, classNames), classNames);
  return { train: trainSet, test: testSet, description: describe(domain, src, test, trainSet, testSet) };
}

/** The training samples of `raw` (the first options.limit), encoded and labelled, and their domain. */
function finish(src: { format: DataFormat; path: string }, raw: RawSamples, classNames: readonly string[], options: LoadDataOptions): { data: ImageDataset; domain: DataDomain } {
  const channels = channelsOf(raw.sampleShape);
  const encoding = options.domain?.encoding ?? (raw.values instanceof Uint8Array ? { kind: 'bytes' as const } : fitMinMax(raw.values, channels));
  const domain = withFingerprint({
    origin: src.format,
    layout: raw.layout,
    sampleShape: raw.sampleShape,
    classNames,
    ...(raw.columns ? { columns: raw.columns } : {}),
    ...(raw.labelColumn !== undefined ? { labelColumn: raw.labelColumn } : {}),
    encoding,
  });
  // Data of another domain cannot even be encoded by the given one: say why, before trying.
  const why = options.domain ? domainMismatch(options.domain, domain) : null;
  if (why) throw new DomainMismatchError(src.path, why);
  const kept = options.limit !== undefined && options.limit < raw.count ? pick(raw, Uint32Array.from({ length: options.limit }, (_, i) => i)) : raw;
  const data = imageDataset(basename(src.path, extname(src.path)), 'train', kept, encode(kept, encoding), resolveLabels(kept, classNames), classNames);
  return { data, domain };
}

/** Data read for a domain (LoadDataOptions.domain) that is not of that domain; `why` names the first difference. */
export class DomainMismatchError extends Error {
  constructor(
    readonly source: string,
    readonly why: string,
  ) {
    super(`${source}: not the expected data domain: ${why}`);
    this.name = 'DomainMismatchError';
  }
}

/**
 * Every training sample of a source (no test split: calibration data), encoded and labelled by
 * `options.domain` when given (DomainMismatchError when they are not of that domain), with the
 * domain they make.
 */
export function loadSamples(source: DataSource, options: LoadDataOptions = {}): { data: ImageDataset; domain: DataDomain } {
  const src = resolveSource(source);
  if (src.format === 'dataset') {
    const l = loadNamed(src, { kind: 'included' }, options, false);
    return { data: l.train, domain: l.description.domain };
  }
  const { train } = readSource(src);
  return finish(src, train, options.domain ? options.domain.classNames : classNamesOf(train), options);
}

function describe(domain: DataDomain, source: DataSource, test: TestSource, train: ImageDataset, testSet: ImageDataset): DataDescription {
  return {
    domain,
    source,
    test: test.kind === 'files' ? { kind: 'files', source: resolveSource(test.source) } : test,
    trainSamples: train.count,
    testSamples: testSet.count,
    stats: channelStats(train.images, channelsOf(domain.sampleShape)),
  };
}

/** Samples `indices` of `s` (values, labels and their row names follow). */
function pick(s: RawSamples, indices: ArrayLike<number>): RawSamples {
  const size = s.sampleShape.reduce((a, b) => a * b, 1);
  const values = s.values instanceof Uint8Array ? new Uint8Array(indices.length * size) : new Float64Array(indices.length * size);
  const idx = Array.from(indices);
  idx.forEach((i, k) => values.set(s.values.subarray(i * size, (i + 1) * size), k * size));
  const labels: RawLabels = 'names' in s.labels ? { names: idx.map((i) => (s.labels as { names: readonly string[] }).names[i]!) } : { indices: idx.map((i) => (s.labels as { indices: ArrayLike<number> }).indices[i]!) };
  return { ...s, count: idx.length, values, labels, where: (k) => s.where(idx[k]!) };
}

/** A built-in data set (MNIST, CIFAR): bytes, its own test split unless a fraction is asked for. */
function loadNamed(src: { format: 'dataset'; name: DatasetName }, test: TestSource, options: LoadDataOptions, withTest = true): LoadedData {
  if (!(DATASET_NAMES as readonly string[]).includes(src.name)) throw new RangeError(`data set: expected one of ${DATASET_NAMES.join(', ')}, got ${String(src.name)}`);
  if (test.kind === 'files') throw new RangeError(`test data: a built-in data set (${src.name}) uses its own test split or a fraction of its training split`);
  let train = loadDataset(src.name, { split: 'train', ...(withTest || options.limit === undefined ? {} : { limit: options.limit }) });
  let testSet: ImageDataset;
  if (!withTest) {
    testSet = { ...train, count: 0, images: new Uint8Array(0), labels: new Uint8Array(0), split: 'test' };
  } else if (test.kind === 'split') {
    const nTest = Math.round(train.count * test.fraction);
    const order = shuffledIndices(train.count, test.seed);
    testSet = { ...subset(train, order.slice(0, nTest).sort()), split: 'test' };
    train = subset(train, order.slice(nTest).sort());
  } else {
    testSet = loadDataset(src.name, { split: 'test' });
  }
  if (options.limit !== undefined && options.limit < train.count) train = subset(train, Uint32Array.from({ length: options.limit }, (_, i) => i));
  const classNames = train.classNames ? [...train.classNames] : Array.from({ length: train.numClasses }, (_, i) => String(i));
  const domain = withFingerprint({ origin: src.name, layout: 'image', sampleShape: [train.height, train.width, train.channels], classNames, encoding: { kind: 'bytes' } });
  return { train: { ...train, classNames }, test: { ...testSet, classNames }, description: describe(domain, src, test, train, testSet) };
}

// ---- the user's own samples to classify ---------------------------------------------------------

export interface InputSamples {
  /** count x sampleSize bytes, encoded as the domain's training data. */
  readonly raw: Uint8Array;
  readonly count: number;
  /** Class index of each sample when the input carries labels (a CSV label column, class folders), else null. */
  readonly labels: Uint8Array | null;
  /** What each sample is, for printing: a file name, "line 4", "sample 2". */
  readonly names: readonly string[];
}

/**
 * Reads samples to classify from `path` — an image, a folder of images (flat, or one sub-folder
 * per class), a .npy of one sample or N, or a CSV of rows — and encodes them as `domain`'s
 * training data was. Every mismatch (shape, channels, columns, values) names the file.
 */
export function readInputSamples(path: string, domain: DataDomain): InputSamples {
  const shape = domain.sampleShape;
  const size = shape.reduce((a, b) => a * b, 1);
  const channels = channelsOf(shape);
  const ext = extname(path).toLowerCase();
  const done = (raw: RawSamples, names: readonly string[], labelled: boolean): InputSamples => ({
    raw: encode(raw, domain.encoding),
    count: raw.count,
    labels: labelled ? resolveLabels(raw, domain.classNames) : null,
    names,
  });
  const wantImage = () => {
    if (domain.layout !== 'image') throw new DatasetFormatError(path, 'input', `a CSV of rows or a .npy (the model reads a table of ${channels} features)`, 'images');
  };
  if (isFolder(path) || isImageFile(path)) {
    wantImage();
    let files: string[];
    let labels: RawLabels = { indices: [] };
    let labelled = false;
    if (isFolder(path)) {
      const sub = readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
      if (sub.length > 0) {
        const f = listImageFolder(path);
        files = [...f.files];
        labels = { names: f.labels.map((l) => f.classNames[l]!) };
        labelled = true;
      } else {
        files = readdirSync(path).filter((n) => isImageFile(n) && !n.startsWith('.')).sort().map((n) => join(path, n));
        if (files.length === 0) throw new DatasetFormatError(path, 'images', 'PNG or JPEG files (or one sub-folder of them per class)', 'none');
      }
    } else {
      files = [path];
    }
    const pixels = new Uint8Array(files.length * size);
    files.forEach((f, i) => {
      const d = decodeImage(f);
      if (d.height !== shape[0] || d.width !== shape[1]) throw new DatasetFormatError(f, 'image size', `${shape[1]}x${shape[0]} (the model's input; images are not resized)`, `${d.width}x${d.height}`);
      pixels.set(convertChannels(d.pixels, d.channels, channels), i * size);
    });
    const raw: RawSamples = { source: path, layout: 'image', sampleShape: shape, count: files.length, values: pixels, labels, where: (i) => files[i]!, labelSource: path };
    return done(raw, files.map((f) => basename(f)), labelled);
  }
  if (ext === '.npy') {
    const x = readNpy(readBytes(path), path);
    const s = x.shape;
    const squeezed = channels === 1 && domain.layout === 'image' ? shape.slice(0, 2) : shape;
    const tail = (n: number) => s.slice(s.length - n).join('x');
    const one = s.length === shape.length && tail(shape.length) === shape.join('x') ? true : s.length === squeezed.length && tail(squeezed.length) === squeezed.join('x');
    const many = (s.length === shape.length + 1 && tail(shape.length) === shape.join('x')) || (s.length === squeezed.length + 1 && tail(squeezed.length) === squeezed.join('x'));
    if (!one && !many) throw new DatasetFormatError(path, 'shape', `(${shape.join(', ')}) for one sample or (N, ${shape.join(', ')}) for N`, `(${s.join(', ')})`);
    const count = one ? 1 : s[0]!;
    checkFinite(x.data, path, (i) => `sample ${Math.floor(i / size)}, value ${i % size}`);
    const raw: RawSamples = { source: path, layout: domain.layout, sampleShape: shape, count, values: x.data, labels: { indices: [] }, where: (i) => `sample ${i}`, labelSource: path };
    return done(raw, Array.from({ length: count }, (_, i) => `sample ${i}`), false);
  }
  if (ext === '.csv' || ext === '.tsv') {
    if (domain.layout !== 'table') throw new DatasetFormatError(path, 'input', `an image, a folder of images or a .npy (the model reads ${shape.join('x')} images)`, 'a CSV table');
    const r = readCsvRows(path, channels, domain.columns, domain.labelColumn);
    const raw: RawSamples = {
      source: path,
      layout: 'table',
      sampleShape: shape,
      count: r.rows,
      values: r.values,
      labels: { names: r.labels ?? [] },
      where: (i) => `line ${r.lines[i]}`,
      labelSource: path,
    };
    return done(raw, r.lines.map((l) => `line ${l}`), r.labels !== null);
  }
  throw new DatasetFormatError(path, 'input', 'an image (.png, .jpg), a folder of images, a .npy or a CSV (.csv, .tsv)', ext || '(no extension)');
}

// ---- the recorded description, read back ---------------------------------------------------------

/** Validating reader of a DataDescription written as JSON (a trained graph's `data`). */
export function dataDescriptionFromJson(json: unknown, fail: Fail, field: string): DataDescription {
  const o = asObj(json, fail, field);
  const domain = dataDomainFromJson(o.domain, fail, `${field}.domain`);
  const source = dataSourceFromJson(o.source, fail, `${field}.source`);
  const t = asObj(o.test, fail, `${field}.test`);
  let test: TestSource;
  if (t.kind === 'included') test = { kind: 'included' };
  else if (t.kind === 'files') test = { kind: 'files', source: dataSourceFromJson(t.source, fail, `${field}.test.source`) };
  else if (t.kind === 'split') {
    const fraction = typeof t.fraction === 'number' && t.fraction > 0 && t.fraction < 1 ? t.fraction : fail(`${field}.test.fraction`, 'a number in (0, 1)', t.fraction);
    const seed = Number.isSafeInteger(t.seed) ? (t.seed as number) : fail(`${field}.test.seed`, 'an integer', t.seed);
    test = { kind: 'split', fraction, seed };
  } else return fail(`${field}.test.kind`, '"included", "files" or "split"', t.kind);
  const count = (v: unknown, f: string) => (Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : fail(`${field}.${f}`, 'a positive integer', v));
  const s = asObj(o.stats, fail, `${field}.stats`);
  const channels = channelsOf(domain.sampleShape);
  const arr = (v: unknown, f: string) =>
    Array.isArray(v) && v.length === channels && v.every((x) => typeof x === 'number' && x >= 0 && x <= 255) ? (v as number[]) : fail(`${field}.stats.${f}`, `${channels} numbers in [0, 255] (one per channel)`, v);
  return { domain, source, test, trainSamples: count(o.trainSamples, 'trainSamples'), testSamples: count(o.testSamples, 'testSamples'), stats: { mean: arr(s.mean, 'mean'), std: arr(s.std, 'std') } };
}

function dataSourceFromJson(json: unknown, fail: Fail, field: string): DataSource {
  const o = asObj(json, fail, field);
  const path = (v: unknown, f: string) => (typeof v === 'string' && v.length > 0 ? v : fail(`${field}.${f}`, 'a path', v));
  switch (o.format) {
    case 'dataset':
      return (DATASET_NAMES as readonly unknown[]).includes(o.name) ? { format: 'dataset', name: o.name as DatasetName } : fail(`${field}.name`, `one of ${DATASET_NAMES.join(', ')}`, o.name);
    case 'idx':
    case 'npz':
    case 'images':
      return { format: o.format, path: path(o.path, 'path') };
    case 'csv': {
      const lc = o.labelColumn;
      if (lc !== undefined && !(typeof lc === 'string' && lc.length > 0) && !(Number.isSafeInteger(lc) && (lc as number) >= 0)) fail(`${field}.labelColumn`, 'a column name or index', lc);
      return { format: 'csv', path: path(o.path, 'path'), ...(lc !== undefined ? { labelColumn: lc as string | number } : {}) };
    }
    case 'npy':
      return { format: 'npy', path: path(o.path, 'path'), labels: path(o.labels, 'labels') };
    default:
      return fail(`${field}.format`, `"dataset" or one of ${DATA_FORMATS.join(', ')}`, o.format);
  }
}
