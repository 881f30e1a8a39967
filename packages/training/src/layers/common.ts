// Shared bits of the fhenet tfjs layers: argument types, integer ranges, config checks.

import type * as tf from '@tensorflow/tfjs';

export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
export type RangeMode = 'narrow' | 'wide';
export type Kwargs = Record<string, unknown>;

/** Integer range of a quantizer (same table as the trained-graph format). */
export function qRange(bits: number, signed: boolean, range: RangeMode): { qmin: number; qmax: number } {
  if (signed) {
    const half = 2 ** (bits - 1);
    return { qmin: range === 'narrow' ? -half + 1 : -half, qmax: half - 1 };
  }
  return { qmin: 0, qmax: range === 'narrow' ? 2 ** bits - 2 : 2 ** bits - 1 };
}

/** Throws naming the layer and field unless bits/range give at least two levels. */
export function checkQuantConfig(layer: string, field: string, bits: number, signed: boolean, range: RangeMode): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) {
    throw new RangeError(`layer ${layer}: ${field}: expected an integer 1..16, got ${bits}`);
  }
  if (range !== 'narrow' && range !== 'wide') throw new RangeError(`layer ${layer}: ${field} range: expected "narrow" or "wide", got ${String(range)}`);
  const { qmin, qmax } = qRange(bits, signed, range);
  if (qmax <= qmin) {
    throw new RangeError(
      `layer ${layer}: ${field}: ${bits}-bit ${signed ? 'signed' : 'unsigned'} ${range} has a single level [${qmin}, ${qmax}]; use more bits or the wide range`,
    );
  }
}

export function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
}
