// Errors of the circuit contract. Each names the file, the field, and expected vs got, so a bad
// circuit file is fixable from the message alone.
import { FormatError } from '@fhenet/quantization';

/** A circuit file that does not match docs/circuit-format.md. */
export class CircuitFormatError extends FormatError {}

export { show } from '@fhenet/quantization';
