// CIFAR-10 and CIFAR-100 from the "binary version" batches of https://www.cs.toronto.edu/~kriz/cifar.html.
// A record is label byte(s) then 3072 pixel bytes: 1024 red, 1024 green, 1024 blue, each a 32x32
// row-major plane (CHW). We convert to HWC so every dataset in fhenet has one layout.

import { join, resolve } from 'node:path';
import { checkCount, DatasetFormatError, DatasetMissingError } from './errors.js';
import { readDataFile, readNameList } from './files.js';
import type { ImageDataset, Split } from './types.js';

export const CIFAR10_DIR_ENV = 'FHENET_CIFAR10_DIR';
export const CIFAR100_DIR_ENV = 'FHENET_CIFAR100_DIR';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;

export interface CifarOptions {
  readonly split: Split;
  /** Folder holding the .bin batches; defaults to the dataset's environment variable. */
  readonly dir?: string;
  /** Keep only the first `limit` records; later batch files are then not read at all. */
  readonly limit?: number;
}

export interface Cifar100Options extends CifarOptions {
  /** Which label to return: the 100 fine classes (default) or the 20 coarse superclasses. */
  readonly labels?: 'fine' | 'coarse';
}

/** How one dataset's records are laid out: label bytes in record order, each with its class count. */
interface RecordLayout {
  readonly title: string;
  readonly env: string;
  readonly files: readonly string[];
  readonly labelFields: readonly { readonly field: string; readonly classes: number }[];
  /** Which of labelFields becomes the dataset's label. */
  readonly labelIndex: number;
}

export function loadCifar10(options: CifarOptions): ImageDataset {
  const files = options.split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
  const layout: RecordLayout = {
    title: 'CIFAR-10',
    env: CIFAR10_DIR_ENV,
    files,
    labelFields: [{ field: 'label', classes: 10 }],
    labelIndex: 0,
  };
  const dir = dataDir(options, layout);
  return readCifar('cifar10', options, layout, dir, readNameList(dir, 'batches.meta.txt'), 'batches.meta.txt');
}

export function loadCifar100(options: Cifar100Options): ImageDataset {
  const which = options.labels ?? 'fine';
  if (which !== 'fine' && which !== 'coarse') {
    throw new RangeError(`loadCifar100: labels: expected 'fine' or 'coarse', got ${String(which)}`);
  }
  const layout: RecordLayout = {
    title: 'CIFAR-100',
    env: CIFAR100_DIR_ENV,
    files: [options.split === 'train' ? 'train.bin' : 'test.bin'],
    labelFields: [
      { field: 'coarse label', classes: 20 },
      { field: 'fine label', classes: 100 },
    ],
    labelIndex: which === 'coarse' ? 0 : 1,
  };
  const dir = dataDir(options, layout);
  const namesFile = `${which}_label_names.txt`;
  return readCifar(which === 'fine' ? 'cifar100' : 'cifar100-coarse', options, layout, dir, readNameList(dir, namesFile), namesFile);
}

function howToFix(layout: RecordLayout): string {
  return (
    `Put the ${layout.title} binary batches (${layout.files.join(', ')}, from the "binary version" at ` +
    `https://www.cs.toronto.edu/~kriz/cifar.html, extracted) in one folder and pass it as \`dir\` ` +
    `(the CLI's data-dir flag) or set ${layout.env}.`
  );
}

function dataDir(options: CifarOptions, layout: RecordLayout): string {
  if (options.split !== 'train' && options.split !== 'test') {
    throw new RangeError(`${layout.title}: split: expected 'train' or 'test', got ${String(options.split)}`);
  }
  if (options.limit !== undefined) checkCount(options.limit, `${layout.title}: limit`);
  const dir = options.dir ?? process.env[layout.env];
  if (dir === undefined || dir === '') {
    throw new DatasetMissingError('', `${layout.title} folder not given. ${howToFix(layout)}`);
  }
  return resolve(dir);
}

function readCifar(name: string, options: CifarOptions, layout: RecordLayout, dir: string, classNames: string[] | undefined, namesFile: string): ImageDataset {
  const labelBytes = layout.labelFields.length;
  const recordSize = labelBytes + PIXELS;
  const numClasses = layout.labelFields[layout.labelIndex]!.classes;
  if (classNames !== undefined && classNames.length !== numClasses) {
    throw new DatasetFormatError(join(dir, namesFile), 'class name count', `${numClasses}`, `${classNames.length}`);
  }
  const limit = options.limit ?? Infinity;
  const imageChunks: Uint8Array[] = [];
  const labelChunks: Uint8Array[] = [];
  let count = 0;
  for (const file of layout.files) {
    if (count >= limit) break;
    const source = join(dir, file);
    const bytes = readDataFile(dir, file, howToFix(layout));
    if (bytes.length === 0 || bytes.length % recordSize !== 0) {
      throw new DatasetFormatError(
        source,
        'byte length',
        `a non-zero multiple of ${recordSize} (${labelBytes} label byte(s) + ${PIXELS} pixels per record)`,
        `${bytes.length} (${Math.floor(bytes.length / recordSize)} records + ${bytes.length % recordSize} bytes)`,
      );
    }
    const records = Math.min(bytes.length / recordSize, limit - count);
    const images = new Uint8Array(records * PIXELS);
    const labels = new Uint8Array(records);
    for (let r = 0; r < records; r++) {
      const base = r * recordSize;
      layout.labelFields.forEach(({ field, classes }, i) => {
        const value = bytes[base + i]!;
        if (value >= classes) {
          throw new DatasetFormatError(source, `record ${r} ${field}`, `< ${classes}`, `${value}`);
        }
      });
      labels[r] = bytes[base + layout.labelIndex]!;
      chwToHwc(bytes, base + labelBytes, images, r * PIXELS);
    }
    imageChunks.push(images);
    labelChunks.push(labels);
    count += records;
  }
  return {
    name,
    split: options.split,
    count,
    height: SIDE,
    width: SIDE,
    channels: 3,
    numClasses,
    images: concat(imageChunks),
    labels: concat(labelChunks),
    ...(classNames === undefined ? {} : { classNames }),
  };
}

/** Interleaves the three 32x32 planes starting at src[from] into HWC pixels at dst[to]. */
function chwToHwc(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
  for (let p = 0; p < PLANE; p++) {
    dst[to + 3 * p] = src[from + p]!;
    dst[to + 3 * p + 1] = src[from + PLANE + p]!;
    dst[to + 3 * p + 2] = src[from + 2 * PLANE + p]!;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
