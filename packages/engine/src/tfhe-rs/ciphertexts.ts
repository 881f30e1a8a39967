// Ciphertexts as node-tfhe 1.7 serializes them (Shortint.serialize_ciphertext /
// serialize_compressed_ciphertext) <-> the engine's LweCiphertextBatch. Formats:
// docs/tfhe-rs-formats.md. The client must encrypt under the big key (EncryptionKeyChoice.Big),
// message modulus 2^messageBits and carry modulus 1: anything else is refused with the field named.
import { LweCiphertextBatch } from '../ciphertext.js';
import { NativeObject } from '../handle.js';
import { assertEngineParams, type TfheParameterSet } from '../parameters.js';
import { tfhersNative } from './native.js';

export interface ReadOptions {
  /** The buffers are CompressedCiphertexts (seed + body): masks are regenerated with tfhe-rs's CSPRNG. */
  readonly compressed?: boolean;
}

/** node-tfhe ciphertext buffers -> one batch (ciphertext i of the batch is buffer i). */
export function readTfheRsCiphertexts(items: readonly Uint8Array[], params: TfheParameterSet, options: ReadOptions = {}): LweCiphertextBatch {
  assertEngineParams(params);
  const handle = tfhersNative.tfhersReadCiphertexts([...items], params, options.compressed === true);
  return new LweCiphertextBatch(handle, params);
}

/**
 * One node-tfhe Ciphertext per ciphertext of the batch (`Shortint.deserialize_ciphertext` reads
 * them). They declare message modulus 2p (p = 2^messageBits), so `Shortint.decrypt` with the
 * client's key returns round(phase / delta) mod 2p, padding bit included, like our
 * ClientKey.decrypt: a PBS output f in [-p, p) decrypts to f mod 2p (see docs/tfhe-rs-formats.md).
 */
export function writeTfheRsCiphertexts(batch: LweCiphertextBatch, params: TfheParameterSet): Uint8Array[] {
  assertEngineParams(params);
  return tfhersNative.tfhersWriteCiphertexts(NativeObject.handleOf(batch), params);
}

/** What `Shortint.decompress_ciphertext` would produce, computed by our CSPRNG (byte-identical). */
export function decompressTfheRsCiphertext(compressed: Uint8Array, params: TfheParameterSet): Uint8Array {
  assertEngineParams(params);
  return tfhersNative.tfhersDecompressCiphertext(compressed, params);
}

/** Bytes of one node-tfhe Ciphertext of `params` (8(kN+1) + 72) or CompressedCiphertext (124). */
export function tfheRsCiphertextBytes(params: TfheParameterSet, compressed = false): number {
  return compressed ? 124 : 8 * (params.glweDimension * params.polynomialSize + 1) + 72;
}

/**
 * Several node-tfhe ciphertexts concatenated (every one has the same size for a parameter set, so
 * the split is unambiguous): the wire form for HTTP bodies. A length that is not a whole number
 * of ciphertexts is refused with both numbers.
 */
export function readTfheRsCiphertextStream(bytes: Uint8Array, params: TfheParameterSet, options: ReadOptions = {}): LweCiphertextBatch {
  const size = tfheRsCiphertextBytes(params, options.compressed === true);
  if (bytes.length === 0 || bytes.length % size !== 0) {
    throw new Error(
      `tfhe-rs ciphertext stream: ${bytes.length} bytes is not a whole number of ${options.compressed ? 'compressed ' : ''}ciphertexts of ${size} bytes (${params.name})`,
    );
  }
  const items: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) items.push(bytes.subarray(at, at + size));
  return readTfheRsCiphertexts(items, params, options);
}

/** The batch as concatenated node-tfhe Ciphertexts (see writeTfheRsCiphertexts). */
export function writeTfheRsCiphertextStream(batch: LweCiphertextBatch, params: TfheParameterSet): Buffer {
  return Buffer.concat(writeTfheRsCiphertexts(batch, params));
}
