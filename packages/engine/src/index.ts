// @fhenet/engine — our native TFHE engine (C++ under native/, docs/engine.md) and its thin
// TypeScript binding: parameter sets checked before any key exists, client keys, seeded and
// expanded evaluation keys, ciphertext batches, keyswitch + programmable bootstrapping, WoP
// lookups, and the tfhe-rs (node-tfhe) key and ciphertext formats. It knows nothing of circuits.
export const PACKAGE_NAME = '@fhenet/engine';
export { LweCiphertextBatch } from './ciphertext.js';
export { ClientKey, type KeygenOptions } from './client-key.js';
export {
  EvaluationKeys,
  SeededEvaluationKeys,
  PackingKeys,
  SeededPackingKeys,
  wopLookup,
  type WopLookupArgs,
  type WopLookupOptions,
  ServerEngine,
  setThreadCount,
  threadCount,
  kernelVariant,
  type CsrWeights,
  type DenseWeights,
  type ProgressCallback,
  type PbsOptions,
  plainEvaluationKeyBytes,
  assertPlainKeysSerializable,
} from './server-engine.js';
export type { TfheParameterSet as EngineParameterSet, NoiseSpec } from './parameters.js';
export { engineFingerprint, assertEngineParams, assertWopEngineParams, wopEngineFingerprint, messageModulus } from './parameters.js';
export { residueDelta, encodeResidue, decodeResidue, encodeSigned, decodeSigned, crtReconstruct } from './residues.js';
export { pbsOutputVariance, keyswitchVariance, modulusSwitchVariance, freshVariance, log2PFail } from './noise-model.js';
export { seededKeyBytes, ciphertextBatchBytes } from './sizes.js';
export { ENGINE_LIMITS, pbsGroupSize, pbsThreadScratchBytes, wopNeuronChunk } from './limits.js';
export { withProgress } from './progress.js';
// tfhe-rs 1.7 (node-tfhe / tfhe wasm) objects: their compressed server keys expanded into our
// engine, their ciphertexts read and written. Formats: docs/tfhe-rs-formats.md.
export {
  readTfheRsCiphertexts,
  writeTfheRsCiphertexts,
  readTfheRsCiphertextStream,
  writeTfheRsCiphertextStream,
  tfheRsCiphertextBytes,
  decompressTfheRsCiphertext,
  type ReadOptions,
} from './tfhe-rs/ciphertexts.js';
export { expandTfheRsServerKey, expandTfheRsServerKeyAsync } from './tfhe-rs/server-key.js';
