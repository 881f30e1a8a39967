// Integer range and exact fake-quantization of a QuantParams, as the format defines them.
// Kept tfjs-free so the compiler and tests can reproduce the training forward bit for bit.

import type { IntRange, QuantParams, QuantSpec } from './vocab.js';

/**
 * [qmin, qmax] of a quantizer spec (the paper's Figure 1):
 * signed narrow [-2^(b-1)+1, 2^(b-1)-1], signed wide [-2^(b-1), 2^(b-1)-1],
 * unsigned wide [0, 2^b-1], unsigned narrow [0, 2^b-2].
 */
export function intRangeOf(spec: QuantSpec): IntRange {
  const b = spec.bits as number;
  if (spec.signed) {
    const half = 2 ** (b - 1);
    return { min: spec.range === 'narrow' ? -half + 1 : -half, max: half - 1 };
  }
  return { min: 0, max: spec.range === 'narrow' ? 2 ** b - 2 : 2 ** b - 1 };
}

/** Round half to even, on a value already rounded to float32 (what tf.round does). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // rounds .5 up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The integer code of x under quantizer params p for channel c, computed exactly as the tfjs
 * training graph does: every intermediate rounded to float32.
 * q = clamp(roundHalfEven(fround(x / scale)) + zp, qmin, qmax)
 */
export function quantizeValue(x: number, p: QuantParams, channel = 0): number {
  const scale = Math.fround(p.scale[p.scale.length === 1 ? 0 : channel] as number);
  const zp = p.zeroPoint[p.zeroPoint.length === 1 ? 0 : channel] as number;
  const { min, max } = intRangeOf(p);
  const q = roundHalfEven(Math.fround(Math.fround(x) / scale)) + zp;
  return q < min ? min : q > max ? max : q;
}

/**
 * Integer weights of a dense or conv layer (same layout as `weights`), masked synapses set to 0.
 * Per-channel scales index the last axis, whose size is `channels`.
 */
export function quantizeWeights(
  weights: Float32Array,
  mask: Uint8Array,
  quantizer: QuantParams,
  channels: number,
): Int32Array {
  const out = new Int32Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    out[i] = mask[i] === 0 ? 0 : quantizeValue(weights[i] as number, quantizer, i % channels);
  }
  return out;
}
