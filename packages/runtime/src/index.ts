// @fhenet/runtime — public API. Each module re-exported here is documented in its own file.
export const PACKAGE_NAME = '@fhenet/runtime';
export { LweCiphertextBatch } from './ciphertext.js';
export { ClientKey, type KeygenOptions } from './client.js';
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
} from './server.js';
export type { TfheParameterSet as EngineParameterSet, NoiseSpec } from './parameters.js';
export { engineFingerprint, assertEngineParams, assertWopEngineParams, wopEngineFingerprint, messageModulus } from './parameters.js';
export { residueDelta, encodeResidue, decodeResidue, encodeSigned, decodeSigned, crtReconstruct } from './residues.js';
export { pbsOutputVariance, keyswitchVariance, modulusSwitchVariance, freshVariance, log2PFail } from './noise-model.js';
// Encrypted inference of compiled circuits (client, server, executor) and its HTTP service.
export * from './inference/index.js';
export * from './http/index.js';
// Clients using only Zama's node-tfhe / tfhe (tfhe-rs 1.7): their keys and ciphertexts in, theirs out.
export * from './tfhers/index.js';
