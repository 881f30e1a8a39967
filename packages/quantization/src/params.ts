import { quantRange } from './bits.js';
import { channelLayout, shapeSize, type ChannelLayout } from './layout.js';
import type { IntRange, QuantParams } from './types.js';

/**
 * Assert that params describe a usable quantizer and return its integer range [qmin, qmax].
 * Scales must be finite and > 0 as float32 (the precision we compute in); zero points must be
 * integers inside [qmin, qmax] so that the real value 0 is exactly representable; per-tensor params
 * (no axis) have exactly one scale; the axis, when set, is an integer.
 */
export function assertQuantParams(params: QuantParams, fn = 'assertQuantParams'): IntRange {
  const range = quantRange(params);
  const { scale, zeroPoint, axis } = params;
  if (scale.length !== zeroPoint.length) {
    throw new RangeError(`${fn}: params.scale has ${scale.length} entries but params.zeroPoint has ${zeroPoint.length}`);
  }
  if (scale.length === 0) throw new RangeError(`${fn}: params.scale is empty`);
  scale.forEach((s, c) => {
    const s32 = Math.fround(s);
    if (!Number.isFinite(s32) || s32 <= 0) {
      throw new RangeError(`${fn}: params.scale[${c}] must be a finite float32 > 0, got ${String(s)}`);
    }
  });
  zeroPoint.forEach((z, c) => {
    if (!Number.isInteger(z) || z < range.min || z > range.max) {
      throw new RangeError(`${fn}: params.zeroPoint[${c}] must be an integer in [${range.min}, ${range.max}], got ${String(z)}`);
    }
  });
  if (axis === undefined && scale.length !== 1) {
    throw new RangeError(`${fn}: per-tensor params (no axis) need exactly 1 scale, got ${scale.length}`);
  }
  if (axis !== undefined && !Number.isInteger(axis)) {
    throw new RangeError(`${fn}: params.axis must be an integer, got ${String(axis)}`);
  }
  return range;
}

/**
 * Validate params against data of `length` elements and optional `shape`; return the integer range
 * and the channel layout (per-tensor: a single channel covering everything).
 */
export function checkParams(params: QuantParams, length: number, shape: readonly number[] | undefined, fn: string): { range: IntRange; layout: ChannelLayout } {
  const range = assertQuantParams(params, fn);
  if (params.axis === undefined) {
    if (shape !== undefined && shapeSize(shape, fn) !== length) {
      throw new RangeError(`${fn}: shape [${shape.join(', ')}] has ${shapeSize(shape, fn)} elements but the data has ${length}`);
    }
    return { range, layout: { channels: 1, inner: Math.max(length, 1) } };
  }
  const layout = channelLayout(length, shape, params.axis, fn);
  if (layout.channels !== params.scale.length) {
    throw new RangeError(
      `${fn}: axis ${params.axis} of shape [${shape!.join(', ')}] has ${layout.channels} channels but params.scale has ${params.scale.length}`,
    );
  }
  return { range, layout };
}
