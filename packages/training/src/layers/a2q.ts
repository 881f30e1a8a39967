// Accumulator-aware quantization (A2Q; Colbert, Pappalardo, Petri-Koenig, Wang, ICCV 2023): the
// configuration a QuantLinear carries and the small pieces of its forward (quant-linear.ts).

import * as tf from '@tensorflow/tfjs';
import { a2qL1Budget } from '../format/accumulators.js';

/**
 * The accumulator budget of one linear layer. Its integer inputs (zero-point-centred, pooling
 * included) lie in an interval of width `inputSpan`, so channel c's worst-case accumulator takes
 * `inputSpan * ||q_c||_1 + 1` values; A2Q keeps `||q_c||_1 <= floor((2^P - 1) / inputSpan)`, so that
 * it takes at most 2^P values: minus a per-channel constant (the compiler's shift), it fits a signed
 * P-bit register, and the compiler's worst-case sizing gives this layer at most P bits.
 */
export interface A2qConfig {
  /** P, the accumulator bits. */
  readonly accumulatorBits: number;
  /** max - min of the layer's integer inputs: 2^b - 1 unsigned wide, 2^b - 2 narrow, x4 after a 2x2 average pool. */
  readonly inputSpan: number;
}

/**
 * The budget is applied as B (1 - A2Q_MARGIN): float32 rounding in the norm, the gain and the
 * division can make the L1 norm of the values truncated exceed the exact one by a few ulps of each
 * of at most fan-in terms; 2^-10 covers fan-ins up to 2^13 at the worst-case bound (and loses at most
 * one unit of an integer budget below 2^10). The exported integers are checked exactly anyway.
 */
export const A2Q_MARGIN = 2 ** -10;

/** Throws naming the layer unless the config gives an integer budget of at least one unit. */
export function a2qCheck(layer: string, c: A2qConfig): void {
  if (!Number.isInteger(c.accumulatorBits) || c.accumulatorBits < 2 || c.accumulatorBits > 30) {
    throw new RangeError(`layer ${layer}: a2q.accumulatorBits: expected an integer 2..30, got ${String(c.accumulatorBits)}`);
  }
  if (!Number.isInteger(c.inputSpan) || c.inputSpan < 1) {
    throw new RangeError(`layer ${layer}: a2q.inputSpan: expected a positive integer, got ${String(c.inputSpan)}`);
  }
  if (a2qBudget(c) < 1) {
    throw new RangeError(
      `layer ${layer}: an accumulator of ${c.accumulatorBits} bits cannot hold even one synapse of inputs spanning ${c.inputSpan}: raise a2q.accumulatorBits to at least ${Math.ceil(Math.log2(c.inputSpan + 1))}`,
    );
  }
}

/** The L1 budget of each output channel's integer weights. */
export function a2qBudget(c: A2qConfig): number {
  return a2qL1Budget(c.accumulatorBits, c.inputSpan);
}

/** Identity forward; the gradient is multiplied by k (LSQ's gradient scale on every path to a scale). */
export function scaleGradient(x: tf.Tensor, k: number): tf.Tensor {
  const f = tf.customGrad(((xi: tf.Tensor) => ({
    value: tf.clone(xi),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.mul(dy as tf.Tensor, k),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x);
}
