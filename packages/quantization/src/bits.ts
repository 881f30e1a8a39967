import type { BitWidth, IntRange, QuantSpec } from './types.js';

/** Largest width a quantizer may have: values and products stay exact in float32/float64 math. */
export const MAX_BIT_WIDTH = 16;

/** Validate and brand a quantizer bit width: an integer in 1..16. */
export function bitWidth(n: number): BitWidth {
  if (!Number.isInteger(n) || n < 1 || n > MAX_BIT_WIDTH) {
    throw new RangeError(`bitWidth: expected an integer in 1..${MAX_BIT_WIDTH}, got ${String(n)}`);
  }
  return n as BitWidth;
}

/** Build a QuantSpec, validating the width. */
export function quantSpec(bits: number, signed: boolean, range: QuantSpec['range'] = 'wide'): QuantSpec {
  return { bits: bitWidth(bits), signed, range };
}

/**
 * The integer interval [qmin, qmax] of a quantizer:
 * signed narrow [-2^(b-1)+1, 2^(b-1)-1], signed wide [-2^(b-1), 2^(b-1)-1],
 * unsigned wide [0, 2^b-1], unsigned narrow [0, 2^b-2].
 * 1-bit edge cases: signed wide is [-1, 0] and unsigned wide is [0, 1]; narrow 1-bit (signed or
 * unsigned) would be the single level {0}, which carries no information, so it is rejected.
 */
export function quantRange(spec: QuantSpec): IntRange {
  const b = bitWidth(spec.bits);
  if (spec.range !== 'narrow' && spec.range !== 'wide') {
    throw new RangeError(`quantRange: range must be 'narrow' or 'wide', got ${String(spec.range)}`);
  }
  if (b === 1 && spec.range === 'narrow') {
    throw new RangeError(
      `quantRange: a 1-bit ${spec.signed ? 'signed' : 'unsigned'} narrow quantizer has the single level {0}; ` + `use 'wide' range or at least 2 bits`,
    );
  }
  const narrow = spec.range === 'narrow' ? 1 : 0;
  if (spec.signed) {
    const half = 2 ** (b - 1);
    return { min: -half + narrow, max: half - 1 };
  }
  return { min: 0, max: 2 ** b - 1 - narrow };
}

function checkRange(range: IntRange, fn: string): void {
  if (!Number.isSafeInteger(range.min) || !Number.isSafeInteger(range.max) || range.min > range.max) {
    throw new RangeError(`${fn}: expected an integer range with min <= max, got [${String(range.min)}, ${String(range.max)}]`);
  }
}

/**
 * Bits of a two's-complement signed integer that holds every value of `range`:
 * the smallest b >= 1 with -2^(b-1) <= min and max <= 2^(b-1)-1. E.g. [-4,3] -> 3, [0,3] -> 3, [-5,0] -> 4.
 */
export function signedBits(range: IntRange): number {
  checkRange(range, 'signedBits');
  let b = 1;
  while (range.min < -(2 ** (b - 1)) || range.max > 2 ** (b - 1) - 1) b++;
  return b;
}

/**
 * Bits of an unsigned integer that holds every value of a non-negative `range`: the smallest b >= 1
 * with max <= 2^b-1 ([0,0] -> 1: we never report a zero-width register).
 */
export function unsignedBits(range: IntRange): number {
  checkRange(range, 'unsignedBits');
  if (range.min < 0) {
    throw new RangeError(`unsignedBits: range must be non-negative, got min ${range.min}`);
  }
  let b = 1;
  while (range.max > 2 ** b - 1) b++;
  return b;
}
