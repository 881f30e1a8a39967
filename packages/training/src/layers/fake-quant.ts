// Fake quantization with straight-through gradients. The forward op sequence is exactly the one
// docs/trained-graph-format.md specifies (div, round, add, clip, sub, mul in float32), so the
// compiler's integer form reproduces it; tf.round is round-half-to-even.

import * as tf from '@tensorflow/tfjs';
import { fakeQuantKernel, fusedKernels } from '../backend/fused.js';

/**
 * How a fake quantizer rounds x/s: 'halfEven' (tf.round, the format's contract for activations and
 * plain weights) or 'towardZero' (trunc: |q| <= |x/s|, so an L1 bound on x/s holds for q too; the
 * accumulator-aware weights use it, quant-linear.ts).
 */
export type Rounding = 'halfEven' | 'towardZero';

/** round(v) or trunc(v) with tf ops (tfjs has no trunc: sign(v) * floor(|v|)). */
function roundOf(v: tf.Tensor, rounding: Rounding): tf.Tensor {
  return rounding === 'towardZero' ? tf.mul(tf.sign(v), tf.floor(tf.abs(v))) : tf.round(v);
}

/** Sums `g` down to `shape` (the shape of a broadcast scale: [], [1] or [channels] on the last axis). */
function reduceTo(g: tf.Tensor, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 1) return tf.reshape(tf.sum(g), shape);
  const axes = Array.from({ length: g.rank - 1 }, (_, i) => i);
  return tf.reshape(tf.sum(g, axes), shape);
}

/**
 * The scale a learned (LSQ) scale variable stands for: max(|s|, 1e-8). Gradient steps can push a
 * raw scale through zero (seen on a per-channel weight scale); taking |s| keeps the quantizer
 * valid and differentiable. Forward and export both use this tensor, so exports stay exact.
 */
export function lsqScale(s: tf.Tensor): tf.Tensor {
  return tf.maximum(tf.abs(s), 1e-8);
}

/**
 * LSQ fake quantizer with zero point 0 (Esser et al. 2020): out = clamp(R(x/s), qmin, qmax) * s, R
 * the rounding. d out/dx = 1 inside the range, 0 outside (straight-through); d out/ds = (R(v) - v) inside,
 * qmin/qmax outside, times gradScale (1/sqrt(numel * qmax) keeps the scale's step size sane).
 * `s` broadcasts against x: per-tensor ([] or [1]) or per-channel on the last axis ([c]).
 */
export function lsqFakeQuant(x: tf.Tensor, s: tf.Tensor, qmin: number, qmax: number, gradScale: number, rounding: Rounding = 'halfEven'): tf.Tensor {
  const f = tf.customGrad(((xi: tf.Tensor, si: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi, si]);
    const value = tf.mul(tf.clipByValue(roundOf(tf.div(xi, si), rounding), qmin, qmax), si);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, ss] = saved as [tf.Tensor, tf.Tensor];
        const d = dy as tf.Tensor;
        const v = tf.div(xs, ss);
        const inside = tf.logicalAnd(tf.greaterEqual(v, qmin), tf.lessEqual(v, qmax));
        const dx = tf.where(inside, d, tf.zerosLike(d));
        const dsElem = tf.where(inside, tf.sub(roundOf(v, rounding), v), tf.clipByValue(v, qmin, qmax));
        const ds = reduceTo(tf.mul(tf.mul(d, dsElem), gradScale), ss.shape);
        return [dx, ds];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, s);
}

/**
 * Fake quantizer with fixed (non-learned) scale and zero point:
 * out = (clamp(round(x/s) + zp, qmin, qmax) - zp) * s, straight-through inside the range.
 * `s` and `zp` are constants here: their gradient is not needed (min/max tracking or export).
 */
export function fixedFakeQuant(x: tf.Tensor, s: tf.Tensor, zp: tf.Tensor, qmin: number, qmax: number, rounding: Rounding = 'halfEven'): tf.Tensor {
  // s and zp are captured, not arguments, so customGrad gives them no gradient. They may be
  // disposed before the backward pass runs, so the pass-through mask is computed and saved here.
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const shifted = tf.add(roundOf(tf.div(xi, s), rounding), zp);
    const value = tf.mul(tf.sub(tf.clipByValue(shifted, qmin, qmax), zp), s);
    save([tf.cast(tf.logicalAnd(tf.greaterEqual(shifted, qmin), tf.lessEqual(shifted, qmax)), 'float32')]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.mul(dy as tf.Tensor, saved[0] as tf.Tensor)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x);
}

/**
 * LSQ fake quantizer of `x * mask` (mask optional) with scale lsqScale(rawScale), gradients to x
 * (times the mask) and to the raw scale variable. One fused kernel on wasm (backend/fused.ts),
 * else the composition above; both give the same values and gradients.
 */
export function lsqQuantize(
  x: tf.Tensor,
  rawScale: tf.Tensor,
  qmin: number,
  qmax: number,
  gradScale: number,
  mask?: tf.Tensor,
  rounding: Rounding = 'halfEven',
): tf.Tensor {
  if (fusedKernels()) {
    const inputs: tf.NamedTensorMap = { x, s: rawScale };
    if (mask) inputs.mask = mask;
    const attrs = { qmin, qmax, gradScale, lsq: true, towardZero: rounding === 'towardZero' };
    return tf.engine().runKernel(fakeQuantKernel(true, mask !== undefined), inputs, attrs) as tf.Tensor;
  }
  return lsqFakeQuant(mask ? tf.mul(x, mask) : x, lsqScale(rawScale), qmin, qmax, gradScale, rounding);
}

/** Fixed-scale fake quantizer of `x * mask` (mask optional): fused on wasm, else the composition. */
export function fixedQuantize(
  x: tf.Tensor,
  s: tf.Tensor,
  zp: tf.Tensor,
  qmin: number,
  qmax: number,
  mask?: tf.Tensor,
  rounding: Rounding = 'halfEven',
): tf.Tensor {
  if (fusedKernels()) {
    const inputs: tf.NamedTensorMap = { x, s, zp };
    if (mask) inputs.mask = mask;
    const attrs = { qmin, qmax, gradScale: 0, lsq: false, towardZero: rounding === 'towardZero' };
    return tf.engine().runKernel(fakeQuantKernel(false, mask !== undefined), inputs, attrs) as tf.Tensor;
  }
  return fixedFakeQuant(mask ? tf.mul(x, mask) : x, s, zp, qmin, qmax, rounding);
}
