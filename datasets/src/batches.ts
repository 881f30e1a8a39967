// Mini-batches, one-hot targets and subsets over an ImageDataset.

import { checkCount } from './errors.js';
import { channelAffine, normalizeImage, type Normalization } from './normalize.js';
import { shuffledIndices } from './shuffle.js';
import type { ImageDataset } from './types.js';
import { imageSize } from './types.js';

export interface BatchOptions {
  /** Shuffle order seed (default 0), so runs are reproducible unless asked otherwise. */
  readonly seed?: number;
  /** Visit images in a seeded random order (default true) or in stored order. */
  readonly shuffle?: boolean;
  /** Skip the final batch when it has fewer than batchSize images (default false). */
  readonly dropLast?: boolean;
  /** How pixels become floats (default { scale: 'unit' }). */
  readonly normalize?: Normalization;
}

export interface Batch {
  /** Dataset index of each image in the batch. */
  readonly indices: Uint32Array;
  /** size images, NHWC, normalized. */
  readonly x: Float32Array;
  /** size labels. */
  readonly y: Uint8Array;
  readonly size: number;
}

/**
 * Iterates the dataset once in batches. Every batch has freshly allocated buffers, so a caller
 * may keep or hand off a batch (e.g. to tf.tensor) without it being overwritten by the next one.
 */
export function* batches(dataset: ImageDataset, batchSize: number, options: BatchOptions = {}): Generator<Batch> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batches: batchSize: expected a positive integer, got ${batchSize}`);
  }
  const order = options.shuffle === false ? Uint32Array.from({ length: dataset.count }, (_, i) => i) : shuffledIndices(dataset.count, options.seed ?? 0);
  const affine = channelAffine(options.normalize ?? { scale: 'unit' }, dataset.channels);
  const size = imageSize(dataset);
  for (let start = 0; start < dataset.count; start += batchSize) {
    const n = Math.min(batchSize, dataset.count - start);
    if (n < batchSize && options.dropLast === true) return;
    const indices = order.slice(start, start + n);
    const x = new Float32Array(n * size);
    const y = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      normalizeImage(dataset, indices[k]!, x, k, affine);
      y[k] = dataset.labels[indices[k]!]!;
    }
    yield { indices, x, y, size: n };
  }
}

/** Row-major [labels.length, numClasses] one-hot matrix. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  checkCount(numClasses, 'oneHot: numClasses');
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= numClasses) {
      throw new RangeError(`oneHot: labels[${i}]: expected an integer in [0, ${numClasses}), got ${l}`);
    }
    out[i * numClasses + l] = 1;
  }
  return out;
}

/** A copy of the chosen images, in the order given (indices may repeat). */
export function subset(dataset: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const size = imageSize(dataset);
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= dataset.count) {
      throw new RangeError(`subset: indices[${k}]: expected an integer in [0, ${dataset.count}), got ${i}`);
    }
    images.set(dataset.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = dataset.labels[i]!;
  }
  return { ...dataset, count: indices.length, images, labels };
}
