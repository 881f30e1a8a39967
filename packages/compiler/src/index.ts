// @fhenet/compiler — lowers a trained graph to an integer circuit, sizes it, simulates it.
export const PACKAGE_NAME = '@fhenet/compiler';
export * from './circuit/types.js';
export { accumulate, channelCount, channelOfOutputs, inputSize, outputSize } from './circuit/linear.js';
export { circuitToJson, circuitFromJson, circuitVersionOf, saveCircuit, loadCircuit, MAX_CIRCUIT_BITS } from './circuit/format.js';
export { crtIndex, crtLookups, crtModuliViolation, crtProduct, selectorBits, MAX_CRT_PRODUCT } from './circuit/crt.js';
export { simulate, type SimulationResult, type StageTrace } from './simulate.js';
export { quantizeInputs, decodeOutputs, argmax } from './client.js';
export { CircuitFormatError, LoweringError, BitWidthError } from './errors.js';
export { simulatedAccuracy, type SimulatedAccuracy } from './accuracy.js';
export { compile, withExtractFrom, AUTO_ROUNDING_SLACK, DEFAULT_CRT_BITS, CRT_PARAMETERS_PENDING, type CompileOptions, type CompileResult, type CompileReport, type RoundingCandidate, type StageReport } from './compile.js';
export { lowerGraph, type LoweredGraph, type LoweredStage } from './lower/lower.js';
export type { ChainPrecision } from './lower/chain.js';
export { analyzeRanges, type StageRanges } from './ranges.js';
export { sizeCircuit, stageBits, bitsForSpan, crtStageMask, type Sizing, type SizeOptions, type CrtSizing } from './size.js';
export { formatReport } from './report.js';
export { chooseParameters, circuitDecisions, pbsCount, maxNu, DEFAULT_P_ERROR, type ParameterChoice } from './parameters.js';
export { bucketOfBox, clearRoundedBits, expandRoundedTable, extractFromOf, extractionSteps, pbsPerNeuron, provableExtractFrom, roundedTableViolation, stagePbs, type ExtractionStep } from './circuit/rounding.js';
export { floatTies, type FloatTie } from './ties.js';
export {
  tfheRsParameters,
  newParameters,
  compressedServerKeyBytes,
  TfheRsParameterError,
  WASM_COMPRESSED_SERVER_KEY_LIMIT_BYTES,
  TFHE_RS_KEY_CHOICE_BIG,
  TFHE_RS_VERSION,
  TFHE_RS_PARAMETERS_FORMAT,
  TFHE_RS_PARAMETERS_VERSION,
  newParametersCall,
  tfheRsParametersDocument,
  type TfheRsParametersDocument,
  type TfheRsShortintParameters,
  type TfheRsNoise,
  type TfheRsShortintApi,
} from './tfhers-parameters.js';
export { chooseCrtParameters, crtOutputBits, crtOutputsOf, mixedCrtViolation, type CrtStageCost, type WopChoice } from './crt-parameters.js';
