// Client side: the secret key. Encrypts, decrypts, and produces evaluation keys. The key's bits
// are never logged or put in an error message; its serialized form is the only way out.
import { LweCiphertextBatch } from './ciphertext.js';
import { NativeObject } from './handle.js';
import { native, type NativeHandle } from './native.js';
import { assertEngineParams, assertWopEngineParams, engineFingerprint, type TfheParameterSet, type WopParameterSet } from './parameters.js';
import { EvaluationKeys, SeededEvaluationKeys, SeededPackingKeys, runKeySession, type ProgressCallback } from './server-engine.js';

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
  /**
   * Encrypts raw torus plaintexts (u64 words, 2^64 scale) under the big key: residues r * round(2^64 / p)
   * of CRT stages (residues.ts), which have no padding bit and no power-of-two delta.
   */
  encryptTorus(plaintexts: BigUint64Array): LweCiphertextBatch {
    return new LweCiphertextBatch(native.encryptTorus(this.handle, plaintexts), this.params);
  }
  /**
   * Seeded packing keyswitching keys for WoP lookups (circuits with CRT stages): the key's
   * parameters must be a WoP-PBS set (its circuitBootstrap / packingKeyswitch). Masks, noise and
   * the public seed come from the engine's CSPRNG.
   */
  async generateSeededPackingKeys(): Promise<SeededPackingKeys> {
    const set = this.params as WopParameterSet;
    return new SeededPackingKeys(await native.pfksKeygenSeeded(this.handle, assertWopEngineParams(set)), set);
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
