// The client half of encrypted inference for a user who has only Zama's packages: node-tfhe in
// Node or tfhe in a browser (the same wasm-bindgen API, passed in as `Shortint`, so this file
// imports neither and nothing native). It makes tfhe-rs keys for the circuit's parameter set,
// quantizes and encrypts inputs as node-tfhe ciphertexts, and decrypts the server's answers into
// exactly the integers InferenceClient (our own client) would decrypt. Secret material stays in
// the tfhe-rs client key object; only the compressed server key and ciphertexts leave.
import {
  argmax,
  decodeOutputs,
  inputSize,
  newParameters,
  outputSize,
  quantizeInputs,
  tfheRsParameters,
  type Circuit,
  type TfheRsShortintApi,
} from '@fhenet/circuit';
import { assertSecure, type TfheParameterSet } from '@fhenet/params';
import type { DecodedOutputs, EncryptedInferenceClient } from '../inference-client.js';

/** The part of node-tfhe's / tfhe's `Shortint` class this client uses (structural). */
export interface ShortintModule<Key = unknown, Ct = unknown, CCt = unknown, SKey = unknown, Noise = unknown, Params = unknown>
  extends TfheRsShortintApi<Noise, Params> {
  new_client_key(p: Params): Key;
  serialize_client_key(k: Key): Uint8Array;
  deserialize_client_key(b: Uint8Array): Key;
  new_compressed_server_key(k: Key): SKey;
  serialize_compressed_server_key(k: SKey): Uint8Array;
  encrypt(k: Key, m: bigint): Ct;
  encrypt_compressed(k: Key, m: bigint): CCt;
  serialize_ciphertext(c: Ct): Uint8Array;
  serialize_compressed_ciphertext(c: CCt): Uint8Array;
  deserialize_ciphertext(b: Uint8Array): Ct;
  decrypt(k: Key, c: Ct): bigint;
}

/** Bytes of one serialized tfhe-rs Ciphertext for a circuit (kN words + 1, then 72 bytes of metadata). */
function ciphertextBytes(circuit: Circuit): number {
  const set = circuit.parameters!.set;
  return 8 * (set.glweDimension * set.polynomialSize + 1) + 72;
}
const COMPRESSED_CIPHERTEXT_BYTES = 124;

export class TfheRsClient<Key = unknown> implements EncryptedInferenceClient<Uint8Array> {
  readonly circuit: Circuit;
  readonly params: TfheParameterSet;
  readonly sampleSize: number;
  readonly outputSize: number;
  private readonly S: ShortintModule<Key>;
  private readonly key: Key;
  private constructor(S: ShortintModule<Key>, circuit: Circuit, key: Key) {
    if (!circuit.parameters) throw new Error(`circuit "${circuit.name}" has no TFHE parameters`);
    refuseCrtForTfheRs(circuit);
    assertSecure(circuit.parameters.set);
    this.S = S;
    this.circuit = circuit;
    this.params = circuit.parameters.set;
    this.key = key;
    this.sampleSize = inputSize(circuit.stages[0]!.linear);
    this.outputSize = outputSize(circuit.stages[circuit.stages.length - 1]!.linear);
  }

  /**
   * A fresh tfhe-rs client key for the circuit's set (`Shortint.new_parameters` with
   * tfheRsParameters; a set tfhe-rs cannot use throws TfheRsParameterError with the reason, a set
   * below the 128-bit rule throws naming each weak key: nothing is generated).
   */
  static generate<K>(S: ShortintModule<K>, circuit: Circuit): TfheRsClient<K> {
    if (!circuit.parameters) throw new Error(`circuit "${circuit.name}" has no TFHE parameters`);
    refuseCrtForTfheRs(circuit);
    // The same 128-bit rule as the engine's keygen (@fhenet/params security.ts, security-rule.json):
    // node-tfhe and the browser's tfhe make keys for whatever parameters they are given.
    assertSecure(circuit.parameters.set);
    return new TfheRsClient(S, circuit, S.new_client_key(newParameters(S, tfheRsParameters(circuit.parameters.set))));
  }
  /** A key written by serializeKey() (node-tfhe's own client-key bytes). */
  static fromKeyBytes<K>(S: ShortintModule<K>, circuit: Circuit, bytes: Uint8Array): TfheRsClient<K> {
    return new TfheRsClient(S, circuit, S.deserialize_client_key(bytes));
  }
  /** The secret key as node-tfhe serializes it: keep it on the client. */
  serializeKey(): Uint8Array {
    return this.S.serialize_client_key(this.key);
  }
  /** The compressed server key to send (tens to hundreds of MiB; slow in wasm: tens of seconds). */
  compressedServerKey(): Uint8Array {
    return this.S.serialize_compressed_server_key(this.S.new_compressed_server_key(this.key));
  }

  /**
   * Quantized input integers (count x sampleSize) -> concatenated node-tfhe ciphertexts, the
   * server's tfhe-rs ciphertext stream. Compressed (default): 124 bytes each, the server
   * regenerates the masks. Every value must be in [0, p): tfhe-rs encrypts m mod p.
   */
  encryptQuantized(q: Int32Array, options: { compressed?: boolean } = {}): Uint8Array {
    if (q.length === 0 || q.length % this.sampleSize !== 0) {
      throw new RangeError(`encrypt: expected a multiple of ${this.sampleSize} input integers, got ${q.length}`);
    }
    const p = 2 ** this.circuit.bits;
    const compressed = options.compressed !== false;
    const size = compressed ? COMPRESSED_CIPHERTEXT_BYTES : ciphertextBytes(this.circuit);
    const out = new Uint8Array(q.length * size);
    q.forEach((v, i) => {
      if (!(v >= 0 && v < p)) throw new RangeError(`encrypt: input ${i} is ${v}, outside [0, ${p}) (tfhe-rs would reduce it mod ${p})`);
      const m = BigInt(v);
      const bytes = compressed
        ? this.S.serialize_compressed_ciphertext(this.S.encrypt_compressed(this.key, m))
        : this.S.serialize_ciphertext(this.S.encrypt(this.key, m));
      if (bytes.length !== size) throw new Error(`internal: tfhe-rs ciphertext of ${bytes.length} bytes, expected ${size}`);
      out.set(bytes, i * size);
    });
    return out;
  }
  /** Raw samples (e.g. MNIST bytes) -> the circuit's input quantizer -> encryptQuantized. */
  encryptRaw(raw: ArrayLike<number>, count: number, options: { compressed?: boolean } = {}): Uint8Array {
    return this.encryptQuantized(quantizeInputs(this.circuit, raw, count), options);
  }

  /**
   * The server's answer (concatenated node-tfhe ciphertexts declaring message modulus 2p) -> the
   * simulator's integers: PBS outputs in [-p, p), clear-table residues in [0, 2p).
   */
  decryptValues(stream: Uint8Array): Int32Array {
    const size = ciphertextBytes(this.circuit);
    const count = stream.length / size;
    if (!Number.isInteger(count) || count === 0 || count % this.outputSize !== 0) {
      throw new RangeError(`decrypt: expected a multiple of ${this.outputSize} ciphertexts of ${size} bytes, got ${stream.length} bytes`);
    }
    const p = 2 ** this.circuit.bits;
    const values = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const r = Number(this.S.decrypt(this.key, this.S.deserialize_ciphertext(stream.subarray(i * size, (i + 1) * size))));
      values[i] = this.circuit.output.kind === 'clearTable' || r < p ? r : r - 2 * p;
    }
    return values;
  }
  decode(stream: Uint8Array): DecodedOutputs {
    const values = this.decryptValues(stream);
    const count = values.length / this.outputSize;
    const logits = decodeOutputs(this.circuit, values, count);
    return { values, logits, classes: argmax(logits, count) };
  }
}

/**
 * tfhe-rs shortint encrypts padded messages only, and has neither our residue encoding nor our PFKS
 * keys: a circuit with CRT stages runs with this engine's client (InferenceClient) only.
 */
function refuseCrtForTfheRs(circuit: Circuit): void {
  const crt = circuit.stages.find((s) => s.crt);
  if (crt) {
    throw new Error(
      `circuit "${circuit.name}": stage ${crt.name} is a CRT stage (moduli ${crt.crt!.moduli.join(', ')}); a node-tfhe / tfhe client cannot encrypt its residues ` +
        'or make its packing keyswitching keys: use the fhenet client (--client fhenet)',
    );
  }
}
