// Everything of the circuit contract that runs anywhere (Node and the browser page): types, the
// validated reader and the writer, the simulator, client-side encoding, CRT and rounding helpers,
// the tfhe-rs parameter mapping. index.ts adds the Node-only file helpers.
export * from './types.js';
export { accumulate, channelCount, channelOfOutputs, inputSize, outputSize, windowPlan, convPlan, maxChannelNorm, slotRange } from './linear.js';
export {
  circuitToJson,
  circuitFromJson,
  circuitFromText,
  circuitVersionOf,
  circuitDecisions,
  type DecisionOptions,
  MAX_CIRCUIT_BITS,
  MAX_CIRCUIT_VALUES,
  MAX_WINDOW_TAPS,
  MAX_CIRCUIT_FILE_BYTES,
  CIRCUIT_JSON_LIMITS,
} from './format.js';
export { runClearStages, clearTableLength, ClearStageRangeError } from './clear.js';
export {
  crtIndex,
  crtLookups,
  crtModuliViolation,
  crtProduct,
  crtOutputBits,
  crtOutputsOf,
  mixedCrtViolation,
  selectorBits,
  MAX_CRT_PRODUCT,
} from './crt.js';
export {
  approximateLookupInput,
  approximateLookupShift,
  bucketOfBox,
  clearRoundedBits,
  expandRoundedTable,
  extractFromOf,
  extractionSteps,
  isApproximate,
  pbsPerNeuron,
  provableExtractFrom,
  roundedTableViolation,
  stagePbs,
  type ExtractionStep,
} from './rounding.js';
export { simulate, type NoiseEffect, type SimulateOptions, type SimulationResult, type StageTrace } from './simulate.js';
export { recomputedSlotRanges, type RecomputedRanges } from './ranges.js';
export { approximateStageNoise, gaussianSource, noisyBox, outputWeightNorms2, type ApproximateStageNoise } from './approximate.js';
export { quantizeInputs, decodeOutputs, argmax } from './encoding.js';
export { DEFAULT_NOISE_SEED, predictedAgreement, simulatedAccuracy, type SimulatedAccuracy } from './accuracy.js';
export { circuitParameters, isCrtCircuit, refuseCrtStages } from './parameters.js';
export { CircuitFormatError } from './errors.js';
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
} from './tfhe-rs-parameters.js';
