// Interoperability with Zama's node-tfhe / tfhe packages (tfhe-rs 1.7 compiled to wasm): the
// server half for clients that use only those packages. Formats: docs/tfhe-rs-formats.md.
export {
  readTfheRsCiphertexts,
  writeTfheRsCiphertexts,
  readTfheRsCiphertextStream,
  writeTfheRsCiphertextStream,
  tfheRsCiphertextBytes,
  decompressTfheRsCiphertext,
  type ReadOptions,
} from './ciphertexts.js';
export { expandTfheRsServerKey, expandTfheRsServerKeyAsync } from './server-key.js';
export { TfheRsClient, type ShortintModule } from './client.js';
export { loadNodeTfhe, nodeTfheServerKeyInWorker } from './node-tfhe.js';
// The node-tfhe client's files (`--client node-tfhe`, docs/node-tfhe-client.md) and its loop.
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
} from './files.js';
export {
  writeTfheRsKeyDir,
  readTfheRsManifest,
  loadTfheRsClient,
  decodeTfheRsOutputFile,
  keyDirClient,
  readTfheRsFile,
  writeTfheRsCiphertextFile,
  tfheRsServerKeyPath,
  nodeTfheWriter,
  TFHE_RS_KEY_DIR_FORMAT,
  TFHE_RS_KEY_DIR_VERSION,
  TFHE_RS_MANIFEST_FILE,
  TFHE_RS_CLIENT_KEY_FILE,
  TFHE_RS_SERVER_KEY_FILE,
  type TfheRsKeyDirManifest,
} from './key-dir.js';
export { loadServerFromKeyFile, readServerInputs, writeServerOutputs, type ClientFamily } from './server-files.js';
export { predictTfheRs, type TfheRsRemote } from './predict.js';
