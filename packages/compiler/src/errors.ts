// Errors of the compiler. Each names where the problem is (file or layer), the field, and expected
// vs got, so a bad circuit file or an over-budget model is fixable from the message alone.

/** A model the compiler cannot lower (unsupported layer order, unrepresentable values, ...). */
export class LoweringError extends Error {
  constructor(
    readonly layer: string,
    message: string,
  ) {
    super(`layer "${layer}": ${message}`);
    this.name = 'LoweringError';
  }
}

/** A stage whose accumulator needs more bits than the user's --max-bits budget. */
export class BitWidthError extends Error {
  constructor(
    readonly layer: string,
    readonly bits: number,
    readonly maxBits: number,
    message: string,
  ) {
    super(message);
    this.name = 'BitWidthError';
  }
}
