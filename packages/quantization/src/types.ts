// The shared vocabulary of fhenet: every stage speaks in these types.

declare const brand: unique symbol;
/** A quantizer width in bits, 1..16, validated by bitWidth(). Accumulator widths (signedBits) are plain numbers. */
export type BitWidth = number & { readonly [brand]: 'BitWidth' };

/**
 * Integer range convention of a signed quantizer (the paper's Figure 1):
 * - 'narrow': [-2^(b-1)+1, 2^(b-1)-1], symmetric, so |q| <= 2^(b-1)-1;
 * - 'wide':   [-2^(b-1),   2^(b-1)-1], one more negative level.
 * Unsigned quantizers use [0, 2^b-1] in wide mode and [0, 2^b-2] in narrow mode.
 */
export type RangeMode = 'narrow' | 'wide';

/** What a quantizer is, independent of the data it was calibrated on. */
export interface QuantSpec {
  readonly bits: BitWidth;
  readonly signed: boolean;
  readonly range: RangeMode;
}

/**
 * A calibrated uniform quantizer: r = scale * (q - zeroPoint), q integer in [qmin, qmax].
 * Per-tensor when scale/zeroPoint have one entry; per-channel along `axis` otherwise.
 */
export interface QuantParams extends QuantSpec {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  /** Channel axis for per-channel parameters; undefined for per-tensor. */
  readonly axis?: number;
}

/** An inclusive integer interval [min, max]. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
}
