// Encrypted inference of a compiled @fhenet/compiler Circuit: plan, executor, client, server, files.
export { planCircuit, circuitParameters, refuseCrtStages, isCrtCircuit, crtSelectorIndex, linearToCsr, repeatCsr, type CircuitPlan, type StagePlan, type CrtStagePlan } from './plan.js';
export { type BandOptions } from './bands.js';
export { type ChosenBands } from './choose-bands.js';
export { executePlan, type ExecuteOptions, type ExecutionResult, type StageTiming, type StageProgress, type InferenceProgress } from './execute.js';
export { InferenceClient, type DecodedOutputs, type EncryptedInferenceClient } from './client.js';
export { InferenceServer } from './server.js';
export { seededKeyBytes, ciphertextBatchBytes } from './sizes.js';
export { writeKeyDir, readManifest, loadClient, loadSeededKeys, loadSeededPackingKeys, seededKeysPath, writeCiphertexts, readCiphertexts, KEY_DIR_FORMAT, KEY_DIR_VERSION, KEY_DIR_VERSION_CRT, CLIENT_KEY_FILE, SEEDED_KEYS_FILE, PACKING_KEYS_FILE, MANIFEST_FILE, type KeyDirManifest } from './files.js';
export { predict, type PredictOptions, type PredictResult, type SampleResult, type PredictMemory, type StageMemoryReport } from './predict.js';
export { modelExecutionMemory, ciphertextTensorBytes, pbsThreadScratchBytes, pbsGroupSize, formatBytes, assertMemoryBudget, defaultMemoryLimit, parseByteSize, DEFAULT_MEMORY_FRACTION, type MemoryBudget, type MemoryModel, type MemoryModelOptions, type StageMemory } from './memory.js';
