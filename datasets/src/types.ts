// The in-memory form every reader returns, so training code never cares where images came from.

/** Which half of a dataset: the published training set or the held-out test set. */
export type Split = 'train' | 'test';

/**
 * A labelled image dataset held as raw bytes.
 * `images` holds count*height*width*channels pixel values in HWC order per image, so the flat
 * buffer is NHWC (the layout TensorFlow.js conv layers expect). Pixels are 0..255 as stored.
 */
export interface ImageDataset {
  readonly name: string;
  readonly split: Split;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
  readonly images: Uint8Array;
  /** One class index per image, each < numClasses. */
  readonly labels: Uint8Array;
  /** Human-readable name of each class index, when the data source provides one. */
  readonly classNames?: readonly string[];
  /**
   * 'table' (tabular rows, e.g. from a CSV): each sample is a vector of `channels` features, held
   * as a 1x1 image with one channel per feature, so per-channel code is per-feature code. Absent:
   * images.
   */
  readonly layout?: 'image' | 'table';
}

/** The per-sample shape a model reads: [height, width, channels], or [features] for a table. */
export function sampleShape(dataset: ImageDataset): number[] {
  return dataset.layout === 'table' ? [dataset.channels] : [dataset.height, dataset.width, dataset.channels];
}

/** Bytes of one image: height * width * channels. */
export function imageSize(dataset: ImageDataset): number {
  return dataset.height * dataset.width * dataset.channels;
}
