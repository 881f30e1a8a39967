// @fhenet/datasets — public API. Each module re-exported here is documented in its own file.
export type { ImageDataset, Split } from './types.js';
export { imageSize, sampleShape } from './types.js';
export { DatasetFormatError, DatasetMissingError } from './errors.js';
export type { IdxArray } from './idx.js';
export { readIdx, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IDX_UBYTE } from './idx.js';
export type { MnistOptions } from './mnist.js';
export { loadMnist, mnistDataDir } from './mnist.js';
export type { CifarOptions, Cifar100Options } from './cifar.js';
export { loadCifar10, loadCifar100, CIFAR10_DIR_ENV, CIFAR100_DIR_ENV } from './cifar.js';
export type { DatasetName, LoadOptions } from './load.js';
export { loadDataset, DATASET_NAMES } from './load.js';
export type { Normalization } from './normalize.js';
export { toFloat32 } from './normalize.js';
export { shuffledIndices, splitmix32 } from './shuffle.js';
export type { Batch, BatchOptions } from './batches.js';
export { batches, oneHot, subset } from './batches.js';
// Your own data: files in, domains (what a sample is and how it is encoded) recorded with models.
export type { DataDomain, DataLayout, InputEncoding, ChannelStats, Fail } from './domain.js';
export { channelsOf, channelStats, dataDomainFromJson, domainMismatch, encodeValues, statsDrift, withFingerprint } from './domain.js';
export type { DataFormat, DataSource, TestSource, DataDescription, LoadedData, LoadDataOptions, InputSamples } from './sources.js';
export { DATA_FORMATS, DEFAULT_TEST_SPLIT, DomainMismatchError, dataDescriptionFromJson, detectFormat, loadData, loadSamples, readInputSamples, resolveSource } from './sources.js';
export type { NpyArray } from './npy.js';
export { readNpy, readNpz } from './npy.js';
export type { CsvTable } from './csv.js';
export { readCsvTable } from './csv.js';
export type { DecodedImage } from './images.js';
export { decodeImage } from './images.js';
export { readIdxFolder } from './idx-folder.js';
