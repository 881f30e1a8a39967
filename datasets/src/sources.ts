// Where a data set comes from (a built-in data set by name, or the user's files) and how its
// training and test samples are read, labelled and encoded into ImageDatasets; what is recorded of
// it with a trained graph (DataDescription, read back by description-json.ts).

import { basename, extname, resolve } from 'node:path';
import { subset } from './batches.js';
import { readCsvTable } from './csv.js';
import { channelStats, channelsOf, domainMismatch, fitMinMax, withFingerprint, type ChannelStats, type DataDomain, type DataLayout } from './domain.js';
import { DatasetFormatError, DatasetMissingError } from './errors.js';
import { readIdxFolder } from './idx-folder.js';
import { decodeImages, isFolder, listImageFolder } from './images.js';
import { DATASET_NAMES, loadDataset, type DatasetName } from './load.js';
import { readNpy, readNpz, type NpyArray } from './npy.js';
import { checkFinite, classNamesOf, encode, pick, readBytes, resolveLabels, type RawSamples } from './samples.js';
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
  throw new DatasetFormatError(
    path,
    'format',
    'a folder (IDX files, or one sub-folder of images per class), .csv/.tsv, .npy or .npz; or name it with --format',
    ext || '(no extension)',
  );
}

/** A data source with its paths made absolute (what a graph records). */
export function resolveSource(s: DataSource): DataSource {
  if (s.format === 'dataset') return s;
  if (s.format === 'npy') return { ...s, path: resolve(s.path), labels: resolve(s.labels) };
  return { ...s, path: resolve(s.path) };
}

/** Sample shape and layout of an array of samples: [N, n] a table, [N, h, w] gray images, [N, h, w, c] images. */
function arraySamples(x: NpyArray, y: NpyArray, xSource: string, ySource: string): RawSamples {
  if (x.shape.length < 2 || x.shape.length > 4)
    throw new DatasetFormatError(xSource, 'shape', '(N, features), (N, h, w) or (N, h, w, c)', `(${x.shape.join(', ')})`);
  const [count, ...rest] = x.shape as [number, ...number[]];
  if (y.shape.length !== 1 || y.shape[0] !== count)
    throw new DatasetFormatError(ySource, 'shape', `(${count},): one label per sample of ${xSource}`, `(${y.shape.join(', ')})`);
  if (rest.some((d) => d === 0) || count === 0) throw new DatasetFormatError(xSource, 'shape', 'no zero dimension', `(${x.shape.join(', ')})`);
  const layout: DataLayout = rest.length === 1 ? 'table' : 'image';
  const sampleShape = rest.length === 2 ? [rest[0]!, rest[1]!, 1] : rest;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  checkFinite(x.data, xSource, (i) => `sample ${Math.floor(i / size)}, value ${i % size}`);
  return { source: xSource, layout, sampleShape, count, values: x.data, labels: { indices: y.data }, where: (i) => `label ${i}`, labelSource: ySource };
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

function imageDataset(name: string, split: Split, s: RawSamples, bytes: Uint8Array, labels: Uint8Array, classNames: readonly string[]): ImageDataset {
  const [height, width, channels] = s.layout === 'table' ? [1, 1, s.sampleShape[0]!] : (s.sampleShape as [number, number, number]);
  return {
    name,
    split,
    count: s.count,
    height,
    width,
    channels,
    ...(s.layout === 'table' ? { layout: 'table' as const } : {}),
    numClasses: classNames.length,
    images: bytes,
    labels,
    classNames,
  };
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
    if (!read.test)
      throw new DatasetMissingError(src.path, `${src.path} has no test part (IDX t10k-/test- files, .npz x_test/y_test): name test data or a test split`);
    testRaw = read.test;
  } else if (test.kind === 'files') {
    if (test.source.format !== src.format) throw new RangeError(`test data: expected format ${src.format} (as the training data), got ${test.source.format}`);
    testRaw = readSource(resolveSource(test.source) as typeof src).train;
  } else {
    if (!(test.fraction > 0 && test.fraction < 1)) throw new RangeError(`test split: expected a fraction in (0, 1), got ${test.fraction}`);
    const n = train.count;
    const nTest = Math.round(n * test.fraction);
    if (nTest < 1 || nTest >= n)
      throw new DatasetFormatError(
        train.source,
        'sample count',
        `enough samples for a ${test.fraction} test split (at least 1 test and 1 training sample)`,
        `${n}`,
      );
    const order = shuffledIndices(n, test.seed);
    [testRaw, train] = [pick(train, order.slice(0, nTest).sort()), pick(train, order.slice(nTest).sort())];
  }
  if (testRaw.sampleShape.join('x') !== train.sampleShape.join('x')) {
    throw new DatasetFormatError(
      testRaw.source,
      'sample shape',
      `${train.sampleShape.join('x')} (as the training data ${train.source})`,
      testRaw.sampleShape.join('x'),
    );
  }
  const { data: trainSet, domain } = finish(src, train, classNames, options);
  const testSet = imageDataset(trainSet.name, 'test', testRaw, encode(testRaw, domain.encoding), resolveLabels(testRaw, classNames), classNames);
  return { train: trainSet, test: testSet, description: describe(domain, src, test, trainSet, testSet) };
}

/** The training samples of `raw` (the first options.limit), encoded and labelled, and their domain. */
function finish(
  src: { format: DataFormat; path: string },
  raw: RawSamples,
  classNames: readonly string[],
  options: LoadDataOptions,
): { data: ImageDataset; domain: DataDomain } {
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
  const kept =
    options.limit !== undefined && options.limit < raw.count
      ? pick(
          raw,
          Uint32Array.from({ length: options.limit }, (_, i) => i),
        )
      : raw;
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

/** A built-in data set (MNIST, CIFAR): bytes, its own test split unless a fraction is asked for. */
function loadNamed(src: { format: 'dataset'; name: DatasetName }, test: TestSource, options: LoadDataOptions, withTest = true): LoadedData {
  if (!(DATASET_NAMES as readonly string[]).includes(src.name))
    throw new RangeError(`data set: expected one of ${DATASET_NAMES.join(', ')}, got ${String(src.name)}`);
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
  if (options.limit !== undefined && options.limit < train.count)
    train = subset(
      train,
      Uint32Array.from({ length: options.limit }, (_, i) => i),
    );
  const classNames = train.classNames ? [...train.classNames] : Array.from({ length: train.numClasses }, (_, i) => String(i));
  const domain = withFingerprint({
    origin: src.name,
    layout: 'image',
    sampleShape: [train.height, train.width, train.channels],
    classNames,
    encoding: { kind: 'bytes' },
  });
  return { train: { ...train, classNames }, test: { ...testSet, classNames }, description: describe(domain, src, test, train, testSet) };
}
