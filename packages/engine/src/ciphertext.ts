// LweCiphertextBatch: ciphertexts under the big key (dimension k*N), one padding bit.
import { NativeObject } from './handle.js';
import { native, type NativeHandle } from './native.js';
import { engineFingerprint, type TfheParameterSet } from './parameters.js';

export class LweCiphertextBatch extends NativeObject {
  readonly params: TfheParameterSet;
  readonly count: number;
  /** LWE dimension (k*N for every ciphertext visible outside a PBS). */
  readonly dimension: number;
  /** @internal */
  constructor(handle: NativeHandle, params: TfheParameterSet) {
    super(handle);
    this.params = params;
    const info = native.batchInfo(handle);
    this.count = info.count;
    this.dimension = info.dimension;
  }
  /** Versioned binary form (docs/key-and-ciphertext-formats.md). */
  serialize(): Buffer {
    return native.serializeBatch(this.handle, engineFingerprint(this.params), this.params);
  }
  static deserialize(bytes: Uint8Array, params: TfheParameterSet): LweCiphertextBatch {
    return new LweCiphertextBatch(native.deserializeBatch(bytes, params, engineFingerprint(params)), params);
  }
  /** New batch of the ciphertexts at `indices` (repeats allowed): reordering, im2col, slicing. */
  gather(indices: ArrayLike<number>): LweCiphertextBatch {
    return new LweCiphertextBatch(native.gather(this.handle, Uint32Array.from(indices)), this.params);
  }
  /** New batch: a copy of this one with ciphertext indices[i] replaced by values' ciphertext i. */
  scatter(indices: ArrayLike<number>, values: LweCiphertextBatch): LweCiphertextBatch {
    return new LweCiphertextBatch(native.scatter(this.handle, Uint32Array.from(indices), NativeObject.handleOf(values)), this.params);
  }
  static concat(batches: readonly LweCiphertextBatch[]): LweCiphertextBatch {
    if (batches.length === 0) throw new Error('concat: expected at least one batch, got 0');
    const params = batches[0]!.params;
    return new LweCiphertextBatch(native.concat(batches.map((b) => NativeObject.handleOf(b))), params);
  }
}
