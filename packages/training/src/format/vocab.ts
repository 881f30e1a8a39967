// The quantizer vocabulary of the format: the shared types of @fhenet/quantization.
export type { RangeMode, QuantSpec, QuantParams, IntRange } from '@fhenet/quantization';
