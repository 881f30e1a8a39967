// Client side: the secret key. Encrypts, decrypts, and produces evaluation keys. The key's bits
// are never logged or put in an error message; its serialized form is the only way out.
import { LweCiphertextBatch } from './ciphertext.js';
import { NativeObject } from './handle.js';
import { native, type NativeHandle } from './native.js';
import { assertEngineParams, engineFingerprint, type TfheParameterSet } from './parameters.js';
import { EvaluationKeys, SeededEvaluationKeys, runKeySession, type ProgressCallback } from './server.js';

export interface KeygenOptions {
  readonly onProgress?: ProgressCallback;
}

export class ClientKey extends NativeObject {
  readonly params: TfheParameterSet;
  private constructor(handle: NativeHandle, params: TfheParameterSet) {
    super(handle);
    this.params = params;
  }
  /** Fresh binary keys from the OS-seeded CSPRNG. Refuses sets below the 128-bit bound. */
  static generate(params: TfheParameterSet): ClientKey {
    return new ClientKey(native.clientKeyGenerate(assertEngineParams(params)), params);
  }
  /** Encrypts integer messages (taken mod 2p, p = 2^messageBits) under the big key. */
  encrypt(messages: ArrayLike<number>): LweCiphertextBatch {
    return new LweCiphertextBatch(native.encrypt(this.handle, Int32Array.from(messages)), this.params);
  }
  /** Decodes round(phase / delta) mod 2p: values >= p mean the padding bit was consumed. */
  decrypt(batch: LweCiphertextBatch): Int32Array {
    return native.decrypt(this.handle, NativeObject.handleOf(batch));
  }
  /** Raw phases b - <a, s> (torus, 2^64 scale): for noise measurements. */
  decryptPhase(batch: LweCiphertextBatch): BigUint64Array {
    return native.decryptPhase(this.handle, NativeObject.handleOf(batch));
  }
  /** Evaluation keys ready for a server in this process. */
  async generateEvaluationKeys(options: KeygenOptions = {}): Promise<EvaluationKeys> {
    const out = await runKeySession(native.sessionKeygen(this.handle, true, false), options.onProgress);
    return new EvaluationKeys(out.evaluationKeys!, this.params);
  }
  /** Compressed evaluation keys for transfer (about half the size); the server decompresses. */
  async generateSeededEvaluationKeys(options: KeygenOptions = {}): Promise<SeededEvaluationKeys> {
    const out = await runKeySession(native.sessionKeygen(this.handle, false, true), options.onProgress);
    return new SeededEvaluationKeys(out.seeded!, this.params);
  }
  /** Both forms from one key generation (same keys). */
  async generateBothEvaluationKeys(options: KeygenOptions = {}): Promise<{ keys: EvaluationKeys; seeded: SeededEvaluationKeys }> {
    const out = await runKeySession(native.sessionKeygen(this.handle, true, true), options.onProgress);
    return { keys: new EvaluationKeys(out.evaluationKeys!, this.params), seeded: new SeededEvaluationKeys(out.seeded!, this.params) };
  }
  /** Secret material: store it as you would a private key. */
  serialize(): Buffer {
    return native.serializeClientKey(this.handle, engineFingerprint(this.params));
  }
  static deserialize(bytes: Uint8Array, params: TfheParameterSet): ClientKey {
    return new ClientKey(native.deserializeClientKey(bytes, assertEngineParams(params), engineFingerprint(params)), params);
  }
  /** Never reveal key material through inspection or JSON. */
  toJSON(): object {
    return { type: 'ClientKey', params: this.params.name };
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ClientKey { params: ${this.params.name} }`;
  }
}
