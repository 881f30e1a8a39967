// Per-channel scaling of a rounded stage's accumulator (docs/compiler.md, "Rounding"): a channel
// whose sized range needs b < bits bits multiplies its integer weights (and zero-point fold) by
// 2^s, s = min(k, bits - b), so that its slots spread over the whole slot space and rounding k
// slot bits loses only k - s of its accumulator bits. The integers stay exact; only the 2-norm
// (nu) grows by 2^s, and with it the dot product's share of the noise, which the optimizer
// carries. A scaled sum pool becomes the equivalent conv2d (weight 2^s from its own channel, 0
// from the others): the circuit format and the runtime already gather convolutions, and a pool
// left unscaled would lose all of its few (~4) bits to rounding.
import type { IntRange } from '@fhenet/quantization';
import { channelCount, channelOfOutputs } from '@fhenet/circuit';
import type { Conv2dOp, LinearOp, SumPoolOp } from '@fhenet/circuit';

const spanBits = (r: IntRange) => Math.max(1, Math.ceil(Math.log2(r.max - r.min + 1)));

/** The multiplier 2^s of every channel. */
export function roundingScales(op: LinearOp, sized: readonly IntRange[], bits: number, roundBits: number): Int32Array {
  if (roundBits < 2) return new Int32Array(channelCount(op)).fill(1);
  return Int32Array.from(sized, (r) => 2 ** Math.max(0, Math.min(roundBits, bits - spanBits(r))));
}

/** The op with channel c's weights multiplied by scale[c]. */
export function scaleLinear(op: LinearOp, scale: Int32Array): LinearOp {
  if (scale.every((m) => m === 1)) return op;
  if (op.kind === 'dense') {
    const weights = Int32Array.from(op.weights);
    for (let o = 0; o < op.outputSize; o++) for (let k = op.rowPtr[o]!; k < op.rowPtr[o + 1]!; k++) weights[k]! *= scale[o]!;
    return { ...op, weights };
  }
  if (op.kind === 'conv2d') {
    const channels = op.outputShape[2];
    return { ...op, weights: Int32Array.from(op.weights, (w, i) => w * scale[i % channels]!) };
  }
  return poolAsConv(op, scale);
}

/** The sum pool as a conv2d whose filter c reads only input channel c, with weight scale[c]. */
function poolAsConv(op: SumPoolOp, scale: Int32Array): Conv2dOp {
  const [kh, kw] = op.poolSize;
  const channels = op.inputShape[2];
  const weights = new Int32Array(kh * kw * channels * channels);
  // [kh, kw, inChannels, filters] row-major: tap t, input channel c, filter c.
  for (let t = 0; t < kh * kw; t++) for (let c = 0; c < channels; c++) weights[(t * channels + c) * channels + c] = scale[c]!;
  return { kind: 'conv2d', inputShape: op.inputShape, outputShape: op.outputShape, kernelSize: op.poolSize, strides: op.strides, padBefore: [0, 0], weights };
}

/** Per-output fold (zero points) multiplied by its channel's scale. */
export function scaleFold(op: LinearOp, fold: Int32Array, scale: Int32Array): Int32Array {
  const channel = channelOfOutputs(op);
  return Int32Array.from(fold, (f, o) => f * scale[channel[o]!]!);
}

/** Largest 2-norm of one channel's (scaled) integer weights: the nu of the noise model (@fhenet/circuit, which also checks it on load). */
export { maxChannelNorm } from '@fhenet/circuit';
