// @fhenet/params — TFHE parameter sets, the 128-bit security rule, the noise model, sizes and
// costs, the fingerprint and the optimizer. Each module documents itself; docs/parameters.md
// explains the whole.
export type { DecompositionParams, ModulusSwitch, NoiseDistribution, TfheParameterSet } from './types.js';
export {
  CIPHERTEXT_MODULUS_LOG2,
  MAX_GAUSSIAN_STD_DEV_LOG2,
  MAX_TUNIFORM_BOUND_LOG2,
  describeNoise,
  noiseStdDevLog2,
  noiseVariance,
  tuniformIntegerVariance,
} from './distribution.js';
export { assertKeyParameters, assertParameterSet, MAX_MESSAGE_BITS, type KeyParameters } from './validate.js';
export { publishedSet, publishedSets, type NoiseKind, type PublishedFailure } from './published.js';
export {
  assertSecure,
  concreteMinStdDevLog2,
  GAUSSIAN_132_ROUNDING_TOLERANCE_LOG2,
  keySecurity,
  MIN_SECURE_DIMENSION,
  MIN_STD_DEV_LOG2,
  minSecureGaussianStdDevLog2,
  minSecureTUniformBoundLog2,
  securityCheck,
  tfheRsMinGaussianStdDevLog2,
  tfheRsMinTUniformBoundLog2,
  type KeySecurityVerdict,
  type SecurityParams,
  type SecurityReport,
} from './security.js';
export { checkParameters, publishedNoise, type ParameterCheck, type PublishedKeyParameters, type PublishedNoise } from './check-parameters.js';
export { canonicalParameterEncoding, parameterFingerprint } from './fingerprint.js';
export {
  ENGINE_KEYSWITCH_MODULUS_LOG2,
  externalProductNoiseTerms,
  halfSlot,
  log2PFail,
  log2PFailFromVariance,
  log2PFailWithin,
  varBeforeDecision,
  varFreshEncryption,
  varKeyswitch,
  varModulusSwitch,
  varPbs,
  type DecisionNoiseOptions,
  type ExternalProductNoiseTerms,
  type KeyswitchNoiseParams,
  type ModulusSwitchNoiseParams,
  type PbsNoiseParams,
  type PFailOptions,
} from './noise.js';
export { erfc, log2Erfc } from './erfc.js';
export { log2PFailPerPbsFor, pFailPerInference } from './probability.js';
export { keySizes, type KeySizes } from './sizes.js';
export { multiValueCovariance, multiValuePbs, type MultiValuePbs } from './multi-value.js';
export {
  COST_UNITS_PER_MS,
  COST_WEIGHTS,
  costTerms,
  fftCost,
  pbsCost,
  predictedPbsMs,
  type CostParams,
  type CostTerms,
  type CostWeights,
  type PbsCost,
} from './cost.js';
export { optimizeParameters, DEFAULT_P_ERROR, OPTIMIZER_SPACE, type FailureTarget, type OptimizeRequest, type OptimizeResult } from './optimizer.js';
export {
  assertRoundBits,
  decisionPbsCount,
  decisionVariance,
  extractionTolerance,
  log2PFailOfDecision,
  pErrorOfDecisions,
  plainDecision,
  roundedLookupTolerance,
  ROUNDING_MODES,
  stageDecisions,
  type DecisionKind,
  type PbsDecision,
  type RoundingMode,
  type StageDecisionRequest,
} from './decisions.js';
export {
  boxLowerEdge,
  boxPositions,
  bucketShift,
  bucketShiftTable,
  normalTail,
  offBucketRate,
  sigmaForOffRate,
  type BucketNoise,
  type BucketShift,
} from './approximate.js';
// WoP-PBS of CRT residues (docs/crt.md; docs/parameters.md, "WoP-PBS sets for CRT stages").
export type { WopParameterSet } from './types.js';
export { assertDecompositionParams } from './validate.js';
export { assertWopParameterSet, assertWopSecure, wopSecurityCheck, type WopSecurityReport } from './wop-set.js';
export { canonicalWopParameterEncoding, wopParameterFingerprint } from './fingerprint.js';
export {
  crtDrift,
  ggswNoiseFromCircuitBootstrap,
  log2PFailOutputDecode,
  log2PFailResidue,
  varBeforeResidueDecision,
  varExternalProduct,
  varGgswFromCircuitBootstrap,
  varPackingKeyswitch,
  varVerticalPacking,
  weightL1NormBound,
  type CircuitBootstrapNoiseParams,
  type GgswNoise,
  type GlweShape,
  type PackingKeyswitchNoise,
  type PackingKeyswitchNoiseParams,
  type PackingRow,
  type VerticalPackingNoiseParams,
} from './wop-noise.js';
export {
  circuitBootstrapBitCost,
  cmuxCost,
  crtLookupCost,
  crtLookupShape,
  ggswFourierCost,
  packingKeyswitchCost,
  verticalPackingCmuxCount,
  verticalPackingCost,
  wopKeySizes,
  type CircuitBootstrapBitCost,
  type CrtLookupCost,
  type CrtLookupShape,
  type WopKeySizes,
  type WopShapeParams,
} from './wop-cost.js';
export { chooseCrtModuli, gcd, residueBits, type CrtModuliChoice, type CrtModuliOptions } from './crt-moduli.js';
export {
  CRT_MAX_MODULUS_CANDIDATES,
  optimizeCrtStage,
  optimizeWopParameters,
  WOP_OPTIMIZER_SPACE,
  type CrtStageAlternative,
  type CrtStageRequest,
  type CrtStageResult,
  type WopOptimizeRequest,
  type WopOptimizeResult,
} from './wop-optimizer.js';
