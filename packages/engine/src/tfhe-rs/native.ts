// Typed surface of the native tfhe-rs interop functions (native/algorithms/tfhers_*.cc, exported by
// native/bindings/tfhers.cc). Kept beside the code that uses it so that ../native.ts stays the
// engine's own surface.
import { native, type NativeHandle, type NativeParams } from '../native.js';

export interface TfheRsNative {
  /** node-tfhe CompressedCiphertext bytes -> the Ciphertext bytes tfhe-rs decompresses it into. */
  tfhersDecompressCiphertext(bytes: Uint8Array, p: NativeParams): Buffer;
  /** node-tfhe Ciphertexts (compressed = false) or CompressedCiphertexts -> one batch. */
  tfhersReadCiphertexts(items: Uint8Array[], p: NativeParams, compressed: boolean): NativeHandle;
  /** One node-tfhe Ciphertext per ciphertext of the batch. */
  tfhersWriteCiphertexts(batch: NativeHandle, p: NativeParams): Buffer[];
  /** node-tfhe CompressedServerKey -> evaluation keys (Fourier BSK + KSK). */
  tfhersExpandServerKey(bytes: Uint8Array, p: NativeParams): NativeHandle;
  /** Same on a libuv worker. */
  tfhersExpandServerKeyAsync(bytes: Uint8Array, p: NativeParams, onProgress?: (done: number, total: number) => void): Promise<NativeHandle>;
}

export const tfhersNative = native as unknown as TfheRsNative;
