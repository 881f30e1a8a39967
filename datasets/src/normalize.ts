// Pixel bytes to float inputs. Both conventions first map 0..255 to [0, 1]; `mean`/`std` are then
// per channel in that unit scale (the torchvision convention, e.g. CIFAR-10 mean 0.4914, 0.4822, 0.4465).

import type { ImageDataset } from './types.js';
import { imageSize } from './types.js';

export type Normalization = { readonly scale: 'unit' } | { readonly mean: readonly number[]; readonly std: readonly number[] };

/** All images of `dataset` as floats, NHWC, normalized as asked. */
export function toFloat32(dataset: ImageDataset, normalization: Normalization): Float32Array {
  const out = new Float32Array(dataset.count * imageSize(dataset));
  const plan = channelAffine(normalization, dataset.channels);
  for (let i = 0; i < dataset.count; i++) normalizeImage(dataset, i, out, i, plan);
  return out;
}

/** Per channel: value = byte * mul[c] + add[c]. */
export interface ChannelAffine {
  readonly mul: Float64Array;
  readonly add: Float64Array;
}

/** Validates `normalization` against the channel count and folds it into one multiply-add. */
export function channelAffine(normalization: Normalization, channels: number): ChannelAffine {
  const mul = new Float64Array(channels);
  const add = new Float64Array(channels);
  if ('scale' in normalization) {
    if (normalization.scale !== 'unit') {
      throw new RangeError(`normalization scale: expected 'unit', got ${String(normalization.scale)}`);
    }
    mul.fill(1 / 255);
    return { mul, add };
  }
  const { mean, std } = normalization;
  if (mean.length !== channels || std.length !== channels) {
    throw new RangeError(`normalization: expected mean and std of length ${channels} (one per channel), got ${mean.length} and ${std.length}`);
  }
  for (let c = 0; c < channels; c++) {
    const s = std[c]!;
    const m = mean[c]!;
    if (!(s > 0) || !Number.isFinite(s) || !Number.isFinite(m)) {
      throw new RangeError(`normalization channel ${c}: expected finite mean and std > 0, got mean ${m}, std ${s}`);
    }
    mul[c] = 1 / (255 * s);
    add[c] = -m / s;
  }
  return { mul, add };
}

/** Writes image `index` of `dataset` into slot `slot` of `out` (slots are imageSize floats apart). */
export function normalizeImage(dataset: ImageDataset, index: number, out: Float32Array, slot: number, { mul, add }: ChannelAffine): void {
  const size = imageSize(dataset);
  const channels = dataset.channels;
  const src = index * size;
  const dst = slot * size;
  for (let p = 0; p < size; p++) {
    const c = p % channels;
    out[dst + p] = dataset.images[src + p]! * mul[c]! + add[c]!;
  }
}
