import { checkParams } from './params.js';
import { roundHalfToEven } from './rounding.js';
import { forEachChannelBlock } from './layout.js';
import type { QuantParams } from './types.js';

// Arithmetic is float32, like TensorFlow.js tensors: x and scale are rounded to float32 and
// Math.fround(x / scale) is the correctly rounded float32 quotient (float64 has enough extra bits for
// the double rounding to be harmless). So tf.clipByValue(tf.round(tf.div(x, scale)) + zp, qmin, qmax)
// on float32 tensors gives exactly these integers.

/**
 * q = clamp(roundHalfToEven(x / scale) + zeroPoint, qmin, qmax), per channel along params.axis
 * (then `shape` is required: row-major, see docs/quantization.md). ±Infinity clamps; NaN is an error.
 */
export function quantize(x: ArrayLike<number>, params: QuantParams, shape?: readonly number[]): Int32Array {
  const { range, layout } = checkParams(params, x.length, shape, 'quantize');
  const scales = params.scale.map(Math.fround);
  const out = new Int32Array(x.length);
  forEachChannelBlock(x.length, layout, (c, start, end) => {
    const s = scales[c]!;
    const z = params.zeroPoint[c]!;
    for (let i = start; i < end; i++) {
      const v = x[i]!;
      if (Number.isNaN(v)) throw new RangeError(`quantize: x[${i}] is NaN`);
      const q = roundHalfToEven(Math.fround(Math.fround(v) / s)) + z;
      out[i] = q < range.min ? range.min : Math.min(q, range.max);
    }
  });
  return out;
}

/** r = scale * (q - zeroPoint), in float32; per channel along params.axis (then `shape` is required). */
export function dequantize(q: ArrayLike<number>, params: QuantParams, shape?: readonly number[]): Float32Array {
  const { layout } = checkParams(params, q.length, shape, 'dequantize');
  const scales = params.scale.map(Math.fround);
  const out = new Float32Array(q.length);
  forEachChannelBlock(q.length, layout, (c, start, end) => {
    const s = scales[c]!;
    const z = params.zeroPoint[c]!;
    for (let i = start; i < end; i++) {
      const v = q[i]!;
      if (!Number.isInteger(v)) throw new RangeError(`dequantize: q[${i}] must be an integer, got ${String(v)}`);
      out[i] = s * (v - z);
    }
  });
  return out;
}

/** dequantize(quantize(x)): the value the trained model sees in place of x. */
export function fakeQuantize(x: ArrayLike<number>, params: QuantParams, shape?: readonly number[]): Float32Array {
  return dequantize(quantize(x, params, shape), params, shape);
}
