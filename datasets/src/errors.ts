// Errors that name the file, the field, and what was expected, so a bad download is fixable
// from the message alone.

import { FormatError } from '@fhenet/quantization';

/** A data file exists but its contents do not match the format. */
export class DatasetFormatError extends FormatError {}

/** A data folder or file is absent; the message says where the data should go. */
export class DatasetMissingError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'DatasetMissingError';
  }
}

/** Throws a RangeError unless `value` is a non-negative safe integer; `what` names the argument. */
export function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what}: expected a non-negative integer, got ${value}`);
  }
}
