// The client of encrypted inference: holds the secret key. Generates keys for the circuit's
// parameter set, quantizes and encrypts raw samples, decrypts and decodes the outputs. Only the
// seeded evaluation keys and ciphertexts ever leave it.
import { argmax, decodeOutputs, quantizeInputs, type Circuit } from '@fhenet/compiler';
import type { LweCiphertextBatch } from '../ciphertext.js';
import { ClientKey } from '../client.js';
import type { EvaluationKeys, ProgressCallback, SeededEvaluationKeys } from '../server.js';
import { circuitParameters } from './plan.js';
import type { TfheParameterSet } from '@fhenet/params';
import { inputSize, outputSize } from '@fhenet/compiler';

export interface DecodedOutputs {
  /** samples x outputs, exactly what `simulate` returns for the same inputs. */
  readonly values: Int32Array;
  readonly logits: Float64Array;
  readonly classes: Int32Array;
}

/**
 * The client half of encrypted inference, whichever library holds the secret key: our engine
 * (InferenceClient: ciphertexts are LweCiphertextBatch) or Zama's node-tfhe / tfhe (TfheRsClient:
 * ciphertexts are node-tfhe's bytes, concatenated). Both decrypt to exactly the integers
 * `simulate` computes. Key generation differs (ours: seeded evaluation keys, async; node-tfhe:
 * a compressed server key) and stays on the classes.
 */
export interface EncryptedInferenceClient<Ciphertexts> {
  readonly circuit: Circuit;
  readonly params: TfheParameterSet;
  /** Input integers per sample and output integers per sample. */
  readonly sampleSize: number;
  readonly outputSize: number;
  /** The secret key as its library serializes it: keep it on the client. */
  serializeKey(): Uint8Array;
  /** Raw samples (count x inputShape, e.g. MNIST bytes) -> the circuit's input quantizer -> ciphertexts. */
  encryptRaw(raw: ArrayLike<number>, count: number): Ciphertexts;
  encryptQuantized(q: Int32Array): Ciphertexts;
  /** The server's outputs -> the simulator's integers (PBS outputs in [-p, p), clear-table residues in [0, 2p)). */
  decryptValues(outputs: Ciphertexts): Int32Array;
  decode(outputs: Ciphertexts): DecodedOutputs;
}

export class InferenceClient implements EncryptedInferenceClient<LweCiphertextBatch> {
  readonly circuit: Circuit;
  readonly params: TfheParameterSet;
  readonly key: ClientKey;
  readonly sampleSize: number;
  readonly outputSize: number;
  private constructor(circuit: Circuit, key: ClientKey) {
    this.circuit = circuit;
    this.params = key.params;
    this.key = key;
    this.sampleSize = inputSize(circuit.stages[0]!.linear);
    this.outputSize = outputSize(circuit.stages[circuit.stages.length - 1]!.linear);
  }
  /** A fresh secret key for the circuit's parameter set (fast; evaluation keys are separate). */
  static generate(circuit: Circuit): InferenceClient {
    return new InferenceClient(circuit, ClientKey.generate(circuitParameters(circuit)));
  }
  /** A client key file written by `serializeKey()`; refused if made for other parameters. */
  static fromKeyBytes(circuit: Circuit, bytes: Uint8Array): InferenceClient {
    return new InferenceClient(circuit, ClientKey.deserialize(bytes, circuitParameters(circuit)));
  }
  serializeKey(): Buffer {
    return this.key.serialize();
  }
  /** Compressed evaluation keys, the form sent to a server. */
  generateSeededEvaluationKeys(onProgress?: ProgressCallback): Promise<SeededEvaluationKeys> {
    return this.key.generateSeededEvaluationKeys(onProgress ? { onProgress } : {});
  }
  /** Both forms from one key generation: run locally and also keep the transfer form. */
  generateBothEvaluationKeys(onProgress?: ProgressCallback): Promise<{ keys: EvaluationKeys; seeded: SeededEvaluationKeys }> {
    return this.key.generateBothEvaluationKeys(onProgress ? { onProgress } : {});
  }
  /** Raw samples (e.g. MNIST bytes, count x inputShape) -> input quantizer -> encryptions. */
  encryptRaw(raw: ArrayLike<number>, count: number): LweCiphertextBatch {
    return this.encryptQuantized(quantizeInputs(this.circuit, raw, count));
  }
  /** Already-quantized input integers (taken mod 2^(bits+1), as the simulator does). */
  encryptQuantized(q: Int32Array): LweCiphertextBatch {
    if (q.length === 0 || q.length % this.sampleSize !== 0) {
      throw new RangeError(`encrypt: expected a multiple of ${this.sampleSize} input integers, got ${q.length}`);
    }
    return this.key.encrypt(q);
  }
  /** Output ciphertexts -> the simulator's integers (PBS outputs in [-p, p), clear-table residues in [0, 2p)). */
  decryptValues(outputs: LweCiphertextBatch): Int32Array {
    if (outputs.count === 0 || outputs.count % this.outputSize !== 0) {
      throw new RangeError(`decrypt: expected a multiple of ${this.outputSize} output ciphertexts, got ${outputs.count}`);
    }
    const residues = this.key.decrypt(outputs);
    if (this.circuit.output.kind === 'clearTable') return residues;
    const p = 2 ** this.circuit.bits;
    return residues.map((r) => (r >= p ? r - 2 * p : r));
  }
  decode(outputs: LweCiphertextBatch): DecodedOutputs {
    const values = this.decryptValues(outputs);
    const count = values.length / this.outputSize;
    const logits = decodeOutputs(this.circuit, values, count);
    return { values, logits, classes: argmax(logits, count) };
  }
}
