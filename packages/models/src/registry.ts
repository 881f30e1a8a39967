// The published pretrained models: one entry per folder under models/ at the repository root.
// An explicit list, not a directory scan, so that a stray or half-written folder is never served
// as a model, and so the list can say which row of the paper's Table 1 each model reproduces
// (test/registry.test.ts checks that the list and the folders agree).

export interface PublishedModel {
  /** Folder name under models/, and the name the CLI and the library accept. */
  readonly name: string;
  /** The network as the paper's Table 1 names it. */
  readonly network: string;
  readonly dataset: 'mnist' | 'cifar10';
  /** Signed weight bits / unsigned activation bits. */
  readonly weightBits: number;
  readonly actBits: number;
  readonly range: 'narrow' | 'wide';
  /** Active synapses per neuron after pruning (the paper's "active neurons"); 'all': not pruned. */
  readonly activeSynapses: number | 'all';
  /** Weight scales per output channel instead of per tensor. */
  readonly perChannel: boolean;
  /** Width multiplier of the zoo network (absent: 1, the paper's widths). */
  readonly width?: number;
  /**
   * Accumulator-aware training (A2Q): the worst-case accumulator bits P every dense/conv layer keeps
   * (its graph records each layer's budget, format v3); absent: none.
   */
  readonly a2qBits?: number;
  /** Requantized after every average pool (zoo `poolQuantizer`); absent: false. */
  readonly poolQuantizer?: boolean;
  /**
   * Why models/<name>/circuit.json is not committed (the CI test runs one encrypted image per
   * committed circuit); `fhenet compile <name> ...` still builds it, as the card says.
   */
  readonly circuitNotCommitted?: string;
}

export const PUBLISHED_MODELS: readonly PublishedModel[] = [
  {
    name: 'mnist-fcnn-narrow-150',
    network: '3-layer FCNN',
    dataset: 'mnist',
    weightBits: 2,
    actBits: 2,
    range: 'narrow',
    activeSynapses: 150,
    perChannel: false,
  },
  { name: 'mnist-fcnn-wide-90', network: '3-layer FCNN', dataset: 'mnist', weightBits: 2, actBits: 2, range: 'wide', activeSynapses: 90, perChannel: true },
  { name: 'mnist-fcnn-wide-190', network: '3-layer FCNN', dataset: 'mnist', weightBits: 2, actBits: 2, range: 'wide', activeSynapses: 190, perChannel: false },
  { name: 'mnist-lenet-wide-190', network: 'LeNet', dataset: 'mnist', weightBits: 2, actBits: 2, range: 'wide', activeSynapses: 190, perChannel: false },
  { name: 'mnist-cnn6-wide-190', network: '6-layer CNN', dataset: 'mnist', weightBits: 2, actBits: 2, range: 'wide', activeSynapses: 190, perChannel: false },
  {
    name: 'cifar10-vgg9-w0.25-narrow-all',
    network: 'VGG-9 (width x0.25)',
    dataset: 'cifar10',
    weightBits: 2,
    actBits: 2,
    range: 'narrow',
    activeSynapses: 'all',
    perChannel: false,
    width: 0.25,
    circuitNotCommitted:
      'one encrypted image is 41,216 PBS (183 s measured on 2 idle cores, median of 20; far longer at CI load; the models test allows one image per committed circuit); compile it by name with --round-bits auto --clear-first-layer (model card)',
  },
  {
    name: 'cifar10-vgg9-narrow-all',
    network: 'VGG-9',
    dataset: 'cifar10',
    weightBits: 2,
    actBits: 2,
    range: 'narrow',
    activeSynapses: 'all',
    perChannel: false,
    circuitNotCommitted:
      'one encrypted image is 193,536 PBS as compiled before the pool fold (~165k after it; 11-bit circuit, ~18 min predicted on 2 idle cores; the models test allows one image per committed circuit); compile it by name with --round-bits auto --clear-first-layer (model card)',
  },
];

export const PUBLISHED_MODEL_NAMES: readonly string[] = PUBLISHED_MODELS.map((m) => m.name);

/** The registry entry of a published model; throws naming the known models otherwise. */
export function publishedModel(name: string): PublishedModel {
  const m = PUBLISHED_MODELS.find((x) => x.name === name);
  if (!m) throw new RangeError(`model "${name}": not a published model; known models: ${PUBLISHED_MODEL_NAMES.join(', ')}`);
  return m;
}
