// The paper's Table 1 (Stoian et al., "Deep Neural Networks for Encrypted Inference with TFHE",
// CSCML 2023, section 5): the one fixed reference our regenerated table is set beside. Timings on
// an Intel i7-11800H, 8 cores / 16 threads, unless `note` says otherwise.

export interface PaperRow {
  readonly network: string;
  readonly weightBits: number;
  readonly actBits: number;
  /** Active neurons (synapses per neuron after pruning); 'all' = unpruned. */
  readonly active: number | 'all';
  readonly range: 'narrow' | 'wide';
  readonly dataset: 'MNIST' | 'CIFAR10' | 'CIFAR100';
  readonly circuitBits: number;
  /** Accuracy in [0, 1]. */
  readonly accuracy: number;
  readonly seconds: number;
  readonly note?: string;
}

export const PAPER_CITATION = 'Stoian et al., Deep Neural Networks for Encrypted Inference with TFHE, CSCML 2023, Table 1';

export const PAPER_TABLE_1: readonly PaperRow[] = [
  { network: '3-layer FCNN', weightBits: 2, actBits: 2, active: 150, range: 'narrow', dataset: 'MNIST', circuitBits: 6, accuracy: 0.922, seconds: 31 },
  { network: '3-layer FCNN', weightBits: 2, actBits: 2, active: 90, range: 'wide', dataset: 'MNIST', circuitBits: 7, accuracy: 0.965, seconds: 77 },
  { network: '3-layer FCNN', weightBits: 2, actBits: 2, active: 190, range: 'wide', dataset: 'MNIST', circuitBits: 8, accuracy: 0.971, seconds: 300 },
  { network: 'LeNet', weightBits: 2, actBits: 2, active: 190, range: 'wide', dataset: 'MNIST', circuitBits: 8, accuracy: 0.976, seconds: 2780 },
  { network: '6-layer CNN', weightBits: 2, actBits: 2, active: 190, range: 'wide', dataset: 'MNIST', circuitBits: 8, accuracy: 0.987, seconds: 5072 },
  {
    network: 'VGG-9',
    weightBits: 2,
    actBits: 2,
    active: 'all',
    range: 'narrow',
    dataset: 'CIFAR10',
    circuitBits: 8,
    accuracy: 0.623,
    seconds: 624,
    note: '8-bit input, first layer in the clear; c6i.metal, 128 vCPU',
  },
  {
    network: 'VGG-9',
    weightBits: 6,
    actBits: 6,
    active: 110,
    range: 'wide',
    dataset: 'CIFAR10',
    circuitBits: 15,
    accuracy: 0.9,
    seconds: 25000,
    note: 'c6i.metal, 128 vCPU',
  },
  {
    network: 'VGG-9',
    weightBits: 6,
    actBits: 6,
    active: 110,
    range: 'wide',
    dataset: 'CIFAR100',
    circuitBits: 15,
    accuracy: 0.69,
    seconds: 25000,
    note: 'c6i.metal, 128 vCPU',
  },
];

/**
 * The paper's row for a configuration, if the paper has one. A qualifier in parentheses after our
 * network's name (e.g. "VGG-9 (width x0.25)") still matches the paper's network: the table shows
 * the qualifier beside the paper's figures, so the difference stays visible.
 */
export function paperRow(
  network: string,
  weightBits: number,
  actBits: number,
  active: number | 'all',
  range: 'narrow' | 'wide',
  dataset: string,
): PaperRow | undefined {
  const base = network.replace(/\s*\(.*\)$/, '');
  return PAPER_TABLE_1.find(
    (r) =>
      r.network === base &&
      r.weightBits === weightBits &&
      r.actBits === actBits &&
      r.active === active &&
      r.range === range &&
      r.dataset.toLowerCase() === dataset.toLowerCase(),
  );
}
