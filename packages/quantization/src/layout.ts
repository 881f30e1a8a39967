// How a flat row-major tensor maps onto the channels of a per-channel quantizer.

/** Number of elements of a tensor of this shape (1 for a scalar shape []). */
export function shapeSize(shape: readonly number[], fn: string): number {
  let size = 1;
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${fn}: shape[${i}] must be a non-negative integer, got ${String(d)}`);
    }
    size *= d;
  });
  return size;
}

/**
 * Where the channels sit in a flat row-major buffer: element i belongs to channel
 * floor(i / inner) % channels, where inner is the product of the dimensions after the axis.
 * Negative axes count from the end (-1 is the last dimension, as in TensorFlow.js).
 */
export interface ChannelLayout {
  readonly channels: number;
  readonly inner: number;
}

export function channelLayout(length: number, shape: readonly number[] | undefined, axis: number, fn: string): ChannelLayout {
  if (shape === undefined) {
    throw new RangeError(`${fn}: per-channel parameters (axis ${axis}) need the tensor shape; got none`);
  }
  const size = shapeSize(shape, fn);
  if (size !== length) {
    throw new RangeError(`${fn}: shape [${shape.join(', ')}] has ${size} elements but the data has ${length}`);
  }
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(`${fn}: axis must be an integer in [${-rank}, ${rank - 1}] for shape [${shape.join(', ')}], got ${axis}`);
  }
  const a = axis < 0 ? axis + rank : axis;
  let inner = 1;
  for (let d = a + 1; d < rank; d++) inner *= shape[d]!;
  return { channels: shape[a]!, inner };
}

/** Visit the contiguous runs [start, end) of a flat buffer that share one channel c. */
export function forEachChannelBlock(length: number, { channels, inner }: ChannelLayout, visit: (c: number, start: number, end: number) => void): void {
  for (let start = 0, block = 0; start < length; start += inner, block++) {
    visit(block % channels, start, Math.min(start + inner, length));
  }
}
