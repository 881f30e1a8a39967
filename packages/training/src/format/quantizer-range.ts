// Integer range and exact quantization of a QuantParams, as the format defines them, delegated to
// @fhenet/quantization (tfjs-free) so training, compiler and simulator share one implementation.

import { quantRange, quantize, roundHalfToEven, type IntRange, type QuantParams, type QuantSpec } from '@fhenet/quantization';

/** [qmin, qmax] of a quantizer spec (the paper's Figure 1); throws for single-level specs. */
export function intRangeOf(spec: QuantSpec): IntRange {
  return quantRange(spec);
}

/** Round half to even (what tf.round does). */
export const roundHalfEven = roundHalfToEven;

/**
 * The integer code of x under quantizer params p for channel c, computed exactly as the tfjs
 * training graph does: q = clamp(roundHalfToEven(fround(x / scale)) + zp, qmin, qmax).
 */
export function quantizeValue(x: number, p: QuantParams, channel = 0): number {
  const c = p.scale.length === 1 ? 0 : channel;
  const single: QuantParams = { bits: p.bits, signed: p.signed, range: p.range, scale: [p.scale[c] as number], zeroPoint: [p.zeroPoint[c] as number] };
  return quantize([x], single)[0] as number;
}

/**
 * Integer weights of a dense or conv layer (same layout as `weights`, last axis = `channels`
 * output channels), masked synapses set to 0 (weight zero points are 0).
 */
export function quantizeWeights(weights: Float32Array, mask: Uint8Array, quantizer: QuantParams, channels: number): Int32Array {
  const q =
    quantizer.scale.length === 1
      ? quantize(weights, { ...quantizer, axis: undefined } as QuantParams)
      : quantize(weights, { ...quantizer, axis: 1 }, [weights.length / channels, channels]);
  for (let i = 0; i < q.length; i++) if (mask[i] === 0) q[i] = 0;
  return q;
}
