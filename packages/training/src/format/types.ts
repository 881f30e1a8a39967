// The trained graph: what training hands to the compiler. These are the decoded, in-memory types;
// docs/trained-graph-format.md describes the on-disk manifest + payload and the exact forward
// semantics of every layer type. Nothing here imports TensorFlow.js.

import type { DataDescription } from '@fhenet/datasets';
import type { QuantParams } from './vocab.js';

export const TRAINED_GRAPH_FORMAT = 'fhenet-trained-graph';
/** The newest version: v3 adds `accumulatorBits` on dense/conv2d layers (accumulator-aware training). */
export const TRAINED_GRAPH_VERSION = 3;
/** v2 adds `data` (where the training data came from and its domain). */
export const TRAINED_GRAPH_VERSION_WITH_DATA = 2;
/** What the writer writes for a graph without `data`: v1, readable exactly as before. */
export const TRAINED_GRAPH_VERSION_WITHOUT_DATA = 1;
/** Versions the reader accepts: v1 (no `data`), v2 (`data` required), v3 (v2 + `accumulatorBits`). */
export const TRAINED_GRAPH_READABLE_VERSIONS: readonly number[] = [1, 2, 3];

/** The version the writer writes: the lowest that holds the graph (3 with accumulator budgets, 2 with data, else 1). */
export function trainedGraphVersion(g: TrainedGraph): number {
  if (g.layers.some((l) => (l.type === 'dense' || l.type === 'conv2d') && l.accumulatorBits !== undefined)) return TRAINED_GRAPH_VERSION;
  return g.data ? TRAINED_GRAPH_VERSION_WITH_DATA : TRAINED_GRAPH_VERSION_WITHOUT_DATA;
}

/** A per-sample shape (no batch axis). Images are [height, width, channels]; vectors are [n]. */
export type Shape = readonly number[];

/**
 * Univariate activations the format allows between a linear layer and the next quantizer.
 * Each is defined precisely in docs/trained-graph-format.md ("Activations").
 */
export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softplus', 'softsign', 'swish'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

interface LayerBase {
  /** Unique within the graph; used in error messages and by the compiler for naming stages. */
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
}

/**
 * Fully connected: y[o] = sum_i xq[i] * wq[i,o] + bias[o], weights stored [in, units] row-major.
 * `mask` holds 1 for an active synapse and 0 for a pruned one, same layout as `weights`.
 */
export interface DenseLayer extends LayerBase {
  readonly type: 'dense';
  readonly units: number;
  readonly weights: Float32Array;
  readonly bias: Float32Array | null;
  readonly mask: Uint8Array;
  /** Zero point must be 0; per-channel along axis 1 (the output unit) or per-tensor. */
  readonly weightQuantizer: QuantParams;
  /**
   * v3: the accumulator budget P the integer weights keep (accumulator-aware training, A2Q): for
   * every output channel c, `span * ||q_c||_1 + 1 <= 2^P`, q_c the channel's masked integer weights
   * and span = qmax - qmin of the quantizer feeding the layer, times the window area of any average
   * pooling in between. The channel's worst-case accumulator then takes at most 2^P values: what
   * the compiler's per-channel shift and worst-case sizing need for P bits. The reader checks it.
   */
  readonly accumulatorBits?: number;
}

/** 2-D convolution, NHWC, weights [kh, kw, inChannels, filters] row-major, dilation 1. */
export interface Conv2dLayer extends LayerBase {
  readonly type: 'conv2d';
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'same' | 'valid';
  readonly weights: Float32Array;
  readonly bias: Float32Array | null;
  readonly mask: Uint8Array;
  /** Zero point must be 0; per-channel along axis 3 (the filter) or per-tensor. */
  readonly weightQuantizer: QuantParams;
  /** v3: the accumulator budget P the integer weights keep, as in DenseLayer. */
  readonly accumulatorBits?: number;
}

/** Inference-mode batch normalisation over the last axis. */
export interface BatchNormLayer extends LayerBase {
  readonly type: 'batchNorm';
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly movingMean: Float32Array;
  readonly movingVariance: Float32Array;
  readonly epsilon: number;
}

export interface ActivationLayer extends LayerBase {
  readonly type: 'activation';
  readonly activation: ActivationName;
  /** Negative slope of leakyRelu; absent for every other activation. */
  readonly alpha?: number;
}

/** An activation quantizer: x -> scale * (clamp(round(x/scale) + zp, qmin, qmax) - zp). Per-tensor. */
export interface QuantizerLayer extends LayerBase {
  readonly type: 'quantizer';
  readonly quantizer: QuantParams;
}

/** Average pooling, 'valid' padding only (every window has poolSize[0]*poolSize[1] elements). */
export interface AvgPool2dLayer extends LayerBase {
  readonly type: 'avgPool2d';
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'valid';
}

/** Row-major flatten of [h, w, c] (NHWC): index (i*w + j)*c + k. */
export interface FlattenLayer extends LayerBase {
  readonly type: 'flatten';
}

export type LinearLayer = DenseLayer | Conv2dLayer;
export type GraphLayer = DenseLayer | Conv2dLayer | BatchNormLayer | ActivationLayer | QuantizerLayer | AvgPool2dLayer | FlattenLayer;
export type LayerType = GraphLayer['type'];
export const LAYER_TYPES: readonly LayerType[] = ['dense', 'conv2d', 'batchNorm', 'activation', 'quantizer', 'avgPool2d', 'flatten'];

/** Free-form facts about how the graph was trained (command, accuracy, pruning targets...). */
export interface TrainingInfo {
  readonly [key: string]: unknown;
}

export interface TrainedGraph {
  readonly name: string;
  /** Per-sample input shape, e.g. [28, 28, 1]. */
  readonly inputShape: Shape;
  /**
   * How raw data becomes the float input x the input quantizer sees, e.g. MNIST bytes p -> p / 255
   * computed in float32. Documented so the client can reproduce it.
   */
  readonly inputScaling: { readonly divisor: number };
  readonly inputQuantizer: QuantParams;
  readonly layers: readonly GraphLayer[];
  readonly numClasses: number;
  readonly training: TrainingInfo;
  /**
   * v2: the training data — its domain (sample shape, class names, how stored values become the
   * bytes inputScaling divides), where it came from and its test split — so compile, encrypt and
   * predict reuse it without being told again (docs/trained-graph-format.md, "Data").
   */
  readonly data?: DataDescription;
}
