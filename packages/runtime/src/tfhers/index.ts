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
