// @fhenet/executor — runs a compiled circuit (@fhenet/circuit) on the engine (@fhenet/engine):
// the plan (CSR weights, table indices, bit extractions, CRT lookups), the stage-by-stage
// execution on ciphertexts, banded and spilled execution for large stages, and the memory model
// that budgets a run before any key exists. It holds evaluation keys only, never a secret key.
export const PACKAGE_NAME = '@fhenet/executor';
export { planCircuit, crtSelectorIndex, linearToCsr, repeatCsr, type CircuitPlan, type StagePlan, type CrtStagePlan, type PlannedExtraction } from './plan.js';
export type { BandOptions } from './bands.js';
export { chooseBands, bandsModelOptions, type ChosenBands, type BandChoice, type ChooseBandsArgs } from './choose-bands.js';
export { executePlan, type ExecuteOptions, type ExecutionResult } from './execute.js';
export type { StageTiming, StageProgress, InferenceProgress } from './progress.js';
export { InferenceServer } from './inference-server.js';
export {
  inProcessLookups,
  type StageLookups,
  type StageLookupRequest,
  type RemoteLookups,
  type PublishKeys,
  type EvaluationKeyKind,
} from './lookups.js';
export { lookupOutputs, type LookupProgress, type LookupResult } from './stage-lookup.js';
export {
  modelExecutionMemory,
  formatBytes,
  assertMemoryBudget,
  assertRegistrationBudget,
  defaultMemoryLimit,
  parseByteSize,
  DEFAULT_MEMORY_FRACTION,
  type MemoryBudget,
  type MemoryModel,
  type MemoryModelOptions,
} from './memory.js';
export { ciphertextTensorBytes, type StageMemory } from './memory-terms.js';
