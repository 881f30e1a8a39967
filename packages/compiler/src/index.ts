// @fhenet/compiler — lowers a trained graph to an integer circuit (@fhenet/circuit), sizes it,
// chooses its TFHE parameters and reports what each choice costs.
export const PACKAGE_NAME = '@fhenet/compiler';
export { LoweringError, BitWidthError } from './errors.js';
export {
  compile,
  AUTO_ROUNDING_SLACK,
  APPROXIMATE_OFF_RATE,
  AUTO_OFF_RATE_MIN_GAIN,
  DEFAULT_CRT_BITS,
  CRT_PARAMETERS_PENDING,
  type CompileOptions,
  type CompileResult,
  type CompileReport,
  type RoundingCandidate,
  type RoundingModeCost,
  type StageReport,
} from './compile.js';
export { withExtractFrom, withRounding } from './rounding-mode.js';
export { droppedBits, predictedApproximation, type StageApproximation } from './approximate-rates.js';
export { lowerGraph } from './lower/lower.js';
export type { LoweredGraph, LoweredStage } from './lower/lowered.js';
export type { ChainPrecision } from './lower/chain.js';
export { analyzeRanges, type StageRanges } from './ranges.js';
export { sizeCircuit, stageBits, bitsForSpan, crtStageMask, type Sizing, type SizeOptions, type CrtSizing } from './size.js';
export { formatReport } from './report.js';
export { chooseParameters, circuitDecisions, pbsCount, maxNu, type DecisionOptions, type ParameterChoice } from './parameters.js';
export { floatTies, type FloatTie } from './ties.js';
export { chooseCrtParameters, type CrtStageCost, type WopChoice } from './crt-parameters.js';
