import { quantRange } from './bits.js';
import { channelLayout } from './layout.js';
import { roundHalfToEven } from './rounding.js';
import type { QuantParams, QuantSpec } from './types.js';

/** Smallest positive normal float32: below it a scale would lose precision or flush to 0. */
const MIN_NORMAL_F32 = 2 ** -126;

/** Percentile clipping: keep the [100 - percentile, percentile] percentiles of the data, in (50, 100]. */
export interface PercentileMethod {
  readonly percentile: number;
}
export type CalibrationMethod = 'minmax' | PercentileMethod;

export interface CalibrationOptions {
  readonly method: CalibrationMethod;
  /** Calibrate one quantizer per channel along this axis (shape required). */
  readonly axis?: number;
  readonly shape?: readonly number[];
}

/**
 * (scale, zeroPoint) for observed real values in [min, max].
 * Signed specs are symmetric: zeroPoint 0, scale = max(|min|, |max|) / qmax.
 * Unsigned specs are affine: the range is widened to contain 0, scale = (hi - lo) / (qmax - qmin),
 * zeroPoint = roundHalfToEven(qmin - lo / scale), so real 0 is exactly the integer zeroPoint.
 * Scales are rounded to float32, the precision every stage computes in.
 * Fallback: when the range is {0} (empty or all-zero data) or so small that the scale would not be a
 * normal float32, scale is 1 (every value then quantizes to the zero point, i.e. to 0).
 */
function scaleAndZeroPoint(spec: QuantSpec, min: number, max: number, fn: string): { scale: number; zeroPoint: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new RangeError(`${fn}: expected finite min <= max, got min ${String(min)}, max ${String(max)}`);
  }
  const q = quantRange(spec);
  if (spec.signed) {
    if (q.max === 0) {
      throw new RangeError(`${fn}: a 1-bit signed quantizer [-1, 0] cannot be calibrated symmetrically; use an unsigned 1-bit spec`);
    }
    const scale = checkedScale(Math.max(Math.abs(min), Math.abs(max)) / q.max, fn);
    return { scale, zeroPoint: 0 };
  }
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = checkedScale((hi - lo) / (q.max - q.min), fn);
  const zeroPoint = Math.min(q.max, Math.max(q.min, roundHalfToEven(q.min - lo / scale)));
  return { scale, zeroPoint };
}

function checkedScale(raw: number, fn: string): number {
  const scale = Math.fround(raw);
  if (!Number.isFinite(scale)) throw new RangeError(`${fn}: range too wide, scale ${raw} overflows float32`);
  return scale < MIN_NORMAL_F32 ? 1 : scale;
}

/** Per-tensor parameters for real values in [min, max]. */
export function calibrateMinMax(spec: QuantSpec, min: number, max: number): QuantParams {
  const { scale, zeroPoint } = scaleAndZeroPoint(spec, min, max, 'calibrateMinMax');
  return { bits: spec.bits, signed: spec.signed, range: spec.range, scale: [scale], zeroPoint: [zeroPoint] };
}

/** Per-channel parameters along `axis`: channel c holds real values in [mins[c], maxs[c]]. */
export function calibrateMinMaxPerChannel(spec: QuantSpec, mins: readonly number[], maxs: readonly number[], axis: number): QuantParams {
  const fn = 'calibrateMinMaxPerChannel';
  if (mins.length !== maxs.length) {
    throw new RangeError(`${fn}: mins has ${mins.length} channels but maxs has ${maxs.length}`);
  }
  if (mins.length === 0) throw new RangeError(`${fn}: need at least one channel, got 0`);
  if (!Number.isInteger(axis)) throw new RangeError(`${fn}: axis must be an integer, got ${String(axis)}`);
  const each = mins.map((min, c) => scaleAndZeroPoint(spec, min, maxs[c]!, `${fn} (channel ${c})`));
  return {
    bits: spec.bits,
    signed: spec.signed,
    range: spec.range,
    scale: each.map((p) => p.scale),
    zeroPoint: each.map((p) => p.zeroPoint),
    axis,
  };
}

/**
 * Calibrate from data: 'minmax' uses the extreme values; {percentile: p} uses the (100-p)-th and p-th
 * percentiles (linear interpolation between sorted values, numpy's default), clipping outliers.
 * With `axis`, one quantizer per channel of the row-major tensor of `shape`.
 * Empty data (or an empty channel) falls back to the range {0} (scale 1, see calibrateMinMax).
 */
export function calibrateFromData(spec: QuantSpec, values: ArrayLike<number>, options: CalibrationOptions): QuantParams {
  const fn = 'calibrateFromData';
  const { method, axis, shape } = options;
  if (method !== 'minmax') {
    const p = method?.percentile;
    if (typeof p !== 'number' || !(p > 50 && p <= 100)) {
      throw new RangeError(`${fn}: method must be 'minmax' or {percentile: p} with p in (50, 100], got ${JSON.stringify(method)}`);
    }
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${fn}: values[${i}] must be finite, got ${String(values[i])}`);
  }
  if (axis === undefined) {
    const [min, max] = bounds(values, method);
    return calibrateMinMax(spec, min, max);
  }
  const { channels, inner } = channelLayout(values.length, shape, axis, fn);
  const perChannel: number[][] = Array.from({ length: channels }, () => []);
  for (let i = 0; i < values.length; i++) perChannel[Math.floor(i / inner) % channels]!.push(values[i]!);
  const b = perChannel.map((v) => bounds(v, method));
  return calibrateMinMaxPerChannel(
    spec,
    b.map((x) => x[0]),
    b.map((x) => x[1]),
    axis,
  );
}

function bounds(values: ArrayLike<number>, method: CalibrationMethod): [number, number] {
  if (values.length === 0) return [0, 0];
  if (method === 'minmax') {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return [min, max];
  }
  const sorted = Float64Array.from(values).sort();
  return [percentile(sorted, 100 - method.percentile), percentile(sorted, method.percentile)];
}

/** p-th percentile of ascending `sorted` with linear interpolation (numpy 'linear'). */
function percentile(sorted: Float64Array, p: number): number {
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}
