// @fhenet/quantization — the integer math shared by training, compiler and runtime.
// Conventions (ranges, rounding, zero points, layouts): docs/quantization.md.
export type { BitWidth, RangeMode, QuantSpec, QuantParams, IntRange } from './types.js';
export { roundHalfToEven } from './rounding.js';
export { MAX_BIT_WIDTH, bitWidth, quantSpec, quantRange, signedBits, unsignedBits } from './bits.js';
export { assertQuantParams } from './params.js';
export { quantize, dequantize, fakeQuantize } from './quantize.js';
export {
  calibrateMinMax,
  calibrateMinMaxPerChannel,
  calibrateFromData,
  type CalibrationMethod,
  type CalibrationOptions,
  type PercentileMethod,
} from './calibrate.js';
export {
  accumulatorRange,
  accumulatorRanges,
  accumulatorBits,
  worstCaseAccumulator,
  maxActiveSynapses,
} from './accumulator.js';
export { weightNorm2, weightNorms2 } from './norms.js';
export { FormatError, show } from './errors.js';
export { jsonLimitViolation, parseBoundedJson, type BoundedJson, type JsonLimits } from './json-limits.js';
