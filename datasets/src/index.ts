// @fhenet/datasets — public API. Each module re-exported here is documented in its own file.
export type { ImageDataset, Split } from './types.js';
export { imageSize } from './types.js';
export { DatasetFormatError, DatasetMissingError } from './errors.js';
export type { IdxArray } from './idx.js';
export { readIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IDX_UBYTE } from './idx.js';
export type { MnistOptions } from './mnist.js';
export { loadMnist, mnistDataDir } from './mnist.js';
