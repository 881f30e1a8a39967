// The client of encrypted inference: holds the secret key. Generates keys for the circuit's
// parameter set, quantizes and encrypts raw samples, decrypts and decodes the outputs. Only the
// seeded evaluation keys and ciphertexts ever leave it.
import {
  argmax,
  decodeOutputs,
  quantizeInputs,
  type Circuit,
  circuitParameters,
  isCrtCircuit,
  crtOutputBits,
  crtProduct,
  inputSize,
  outputSize,
} from '@fhenet/circuit';
import type { LweCiphertextBatch, EvaluationKeys, ProgressCallback, SeededEvaluationKeys, SeededPackingKeys } from '@fhenet/engine';
import { ClientKey, crtReconstruct, decodeResidue, decodeSigned, encodeResidue } from '@fhenet/engine';
import type { TfheParameterSet } from '@fhenet/params';

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
  /** Ciphertexts per sample in and out: the integers times the moduli of a CRT first stage / table-less CRT last stage. */
  readonly inputCiphertexts: number;
  readonly outputCiphertexts: number;
  private constructor(circuit: Circuit, key: ClientKey) {
    this.circuit = circuit;
    this.params = key.params;
    this.key = key;
    const first = circuit.stages[0]!;
    const last = circuit.stages[circuit.stages.length - 1]!;
    this.sampleSize = inputSize(first.linear);
    this.outputSize = outputSize(last.linear);
    this.inputCiphertexts = this.sampleSize * (first.crt ? first.crt.moduli.length : 1);
    this.outputCiphertexts = this.outputSize * (last.crt && !last.tables ? last.crt.moduli.length : 1);
  }
  /** True when the circuit runs with WoP lookups: the server also needs packing keyswitching keys. */
  get needsPackingKeys(): boolean {
    return isCrtCircuit(this.circuit) && this.circuit.stages.some((s) => s.crt && s.tables);
  }
  /** Seeded PFKS keys for the server's WoP lookups (CRT circuits; docs/key-and-ciphertext-formats.md, kind 5). */
  generateSeededPackingKeys(): Promise<SeededPackingKeys> {
    if (!isCrtCircuit(this.circuit)) throw new Error(`circuit "${this.circuit.name}" has no CRT stages: it needs no packing keyswitching keys`);
    return this.key.generateSeededPackingKeys();
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
    const first = this.circuit.stages[0]!;
    if (first.crt) {
      // CRT first stage: q mod p_i in encoding round(2^64 / p_i) (native, no padding), value-major.
      const moduli = first.crt.moduli;
      const words = new BigUint64Array(q.length * moduli.length);
      for (let j = 0; j < q.length; j++)
        moduli.forEach((p, i) => {
          words[j * moduli.length + i] = encodeResidue(q[j]!, p);
        });
      return this.key.encryptTorus(words);
    }
    return this.key.encrypt(q);
  }
  /** Output ciphertexts -> the simulator's integers (PBS outputs in [-p, p), clear-table residues in [0, 2p)). */
  decryptValues(outputs: LweCiphertextBatch): Int32Array {
    if (outputs.count === 0 || outputs.count % this.outputCiphertexts !== 0) {
      throw new RangeError(`decrypt: expected a multiple of ${this.outputCiphertexts} output ciphertexts, got ${outputs.count}`);
    }
    const last = this.circuit.stages[this.circuit.stages.length - 1]!;
    if (last.crt) return this.decryptCrt(outputs, last);
    const residues = this.key.decrypt(outputs);
    if (this.circuit.output.kind === 'clearTable') return residues;
    const p = 2 ** this.circuit.bits;
    return residues.map((r) => (r >= p ? r - 2 * p : r));
  }
  /**
   * CRT last stage: with tables, the table integers T_c[u] in encoding 2^64 / 2^(o+1); without, the
   * accumulator's residues (neuron-major), rebuilt by the CRT, plus the clear offset the server
   * left out (plan.ts), mod M: the u `simulate` returns.
   */
  private decryptCrt(outputs: LweCiphertextBatch, last: Circuit['stages'][number]): Int32Array {
    const phases = this.key.decryptPhase(outputs);
    if (last.tables) {
      const bits = crtOutputBits(last);
      return Int32Array.from(phases, (ph) => decodeSigned(ph, bits));
    }
    const moduli = last.crt!.moduli;
    const m = moduli.length;
    const M = crtProduct(moduli);
    const values = new Int32Array(phases.length / m);
    const r = new Array<number>(m);
    for (let k = 0; k < values.length; k++) {
      for (let i = 0; i < m; i++) r[i] = decodeResidue(phases[k * m + i]!, moduli[i]!);
      const off = last.offset[k % this.outputSize]!;
      values[k] = (((crtReconstruct(r, moduli) + off) % M) + M) % M;
    }
    return values;
  }
  decode(outputs: LweCiphertextBatch): DecodedOutputs {
    const values = this.decryptValues(outputs);
    const count = values.length / this.outputSize;
    const logits = decodeOutputs(this.circuit, values, count);
    return { values, logits, classes: argmax(logits, count) };
  }
}
