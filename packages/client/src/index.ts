// @fhenet/client — the client half of encrypted inference and the loop around it: our client
// (InferenceClient, secret key from @fhenet/engine) and the tfhe-rs one (TfheRsClient over
// node-tfhe / tfhe) behind one EncryptedInferenceClient interface, their key folders and
// ciphertext files, the HTTP client of the inference service (docs/http-api.md) and its wire
// types, and predict: keys, encrypt, run (in process or over HTTP), decrypt, compare with the
// clear simulation.
export const PACKAGE_NAME = '@fhenet/client';
export { InferenceClient, type DecodedOutputs, type EncryptedInferenceClient } from './inference-client.js';
export {
  writeKeyDir,
  readManifest,
  loadClient,
  loadSeededKeys,
  loadSeededPackingKeys,
  loadSeededKeyBytes,
  seededKeysPath,
  writeCiphertexts,
  readCiphertexts,
  keySetOf,
  isKeyFolder,
  KEY_DIR_FORMAT,
  KEY_DIR_VERSION,
  KEY_DIR_READABLE_VERSIONS,
  CLIENT_KEY_FILE,
  SEEDED_KEYS_FILE,
  PACKING_KEYS_FILE,
  MANIFEST_FILE,
  type KeyDirManifest,
  type KeyDirOptions,
} from './key-folder.js';
export {
  openKeySetFile,
  keySetHeader,
  newKeySetId,
  assertSameKeySet,
  KEY_SET_FILE_MAGIC,
  KEY_SET_FILE_VERSION,
  KEY_SET_HEADER_BYTES,
  type KeySetFile,
} from './key-set-file.js';
export {
  predict,
  type PredictClient,
  type PredictOptions,
  type PredictResult,
  type SampleResult,
  type BatchResult,
  type PredictMemory,
  type StageMemoryReport,
} from './predict.js';
export { runPredictLoop, compareWithSimulation, type LoopOptions, type BatchObserver } from './predict/loop.js';
export {
  localSession,
  remoteSession,
  type InferenceSession,
  type SessionAnswer,
  type CiphertextCodec,
  type RemoteRoutes,
  type StageSummary,
} from './predict/session.js';
export { loadServerFromKeyFile, readServerInputs, writeServerOutputs, type ClientFamily, type KeySetRef } from './server-files.js';
export { InferenceHttpClient, HttpServiceError, type RemoteInferenceResult, type RemoteKey } from './http/client.js';
export type { ServiceCircuitInfo, InputEncoding, OutputEncoding, TfheRsInfo, WebSample, KeyRegistration } from './http/types.js';
// The client for users of Zama's node-tfhe / tfhe only (docs/node-tfhe-client.md): its keys,
// files and loop.
export { TfheRsClient, type ShortintModule } from './tfhe-rs/client.js';
export { loadNodeTfhe, nodeTfheServerKeyInWorker } from './tfhe-rs/node-tfhe.js';
export {
  sniffFile,
  encodeTfheRsFile,
  decodeTfheRsFile,
  TFHE_RS_FILE_MAGIC,
  TFHE_RS_FILE_VERSION,
  TFHE_RS_FILE_HEADER_BYTES,
  TFHE_RS_FILE_KINDS,
  ENGINE_FILE_MAGIC,
  type FileFamily,
  type TfheRsFileKind,
  type TfheRsFileContent,
} from './tfhe-rs/files.js';
export {
  writeTfheRsKeyDir,
  readTfheRsManifest,
  loadTfheRsClient,
  loadTfheRsServerKey,
  decodeTfheRsOutputFile,
  keyDirClient,
  readTfheRsFile,
  writeTfheRsCiphertextFile,
  tfheRsServerKeyPath,
  nodeTfheWriter,
  TFHE_RS_KEY_DIR_FORMAT,
  TFHE_RS_KEY_DIR_VERSION,
  TFHE_RS_KEY_DIR_READABLE_VERSIONS,
  TFHE_RS_MANIFEST_FILE,
  TFHE_RS_CLIENT_KEY_FILE,
  TFHE_RS_SERVER_KEY_FILE,
  type TfheRsKeyDirManifest,
} from './tfhe-rs/key-folder.js';
