// One entry point by dataset name, for the CLI and experiment scripts.

import { loadCifar10, loadCifar100 } from './cifar.js';
import { loadMnist } from './mnist.js';
import type { ImageDataset, Split } from './types.js';

export const DATASET_NAMES = ['mnist', 'cifar10', 'cifar100', 'cifar100-coarse'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface LoadOptions {
  readonly split: Split;
  readonly limit?: number;
  /** Data folder; for CIFAR it defaults to FHENET_CIFAR10_DIR / FHENET_CIFAR100_DIR. */
  readonly dir?: string;
}

export function loadDataset(name: DatasetName, options: LoadOptions): ImageDataset {
  switch (name) {
    case 'mnist':
      return loadMnist(options);
    case 'cifar10':
      return loadCifar10(options);
    case 'cifar100':
      return loadCifar100({ ...options, labels: 'fine' });
    case 'cifar100-coarse':
      return loadCifar100({ ...options, labels: 'coarse' });
    default:
      throw new RangeError(`loadDataset: name: expected one of ${DATASET_NAMES.join(', ')}, got ${String(name)}`);
  }
}
