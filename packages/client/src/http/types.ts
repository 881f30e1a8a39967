// The JSON shapes the service publishes, as types only: imported by the service, the Node client
// and the browser page (which must not pull in server code). Documented in docs/http-api.md.
import type { TfheRsShortintParameters } from '@fhenet/circuit';

export interface InputEncoding {
  /** Raw sample shape [height, width, channels], channels last; raw values are flattened in that order. */
  readonly shape: readonly number[];
  /** x = fround(raw / divisor), then q = the quantizer of x (packages/quantization `quantize`). */
  readonly divisor: number;
  readonly quantizer: {
    readonly bits: number;
    readonly signed: boolean;
    readonly range: string;
    readonly scale: readonly number[];
    readonly zeroPoint: readonly number[];
  };
}

/**
 * Decrypted output integers -> logits. 'dequantize': the value v in [-p, p) (a tfhe-rs residue r
 * in [0, 2p) is v = r < p ? r : r - 2p), logit = scale * (v - zeroPoint). 'clearTable': the
 * residue r in [0, 2p) of output o reads values[channelOfOutput[o] * 2p + r].
 */
export type OutputEncoding =
  | { readonly kind: 'dequantize'; readonly scale: number; readonly zeroPoint: number }
  | { readonly kind: 'clearTable'; readonly values: readonly number[]; readonly channelOfOutput: readonly number[] };

export type TfheRsInfo =
  | {
      readonly available: true;
      /** Shortint.new_parameters arguments, in call order (@fhenet/compiler newParameters calls it). */
      readonly newParameters: TfheRsShortintParameters;
      /** Exact size of the compressed server key POST /v1/tfhe-rs/keys accepts (its body limit). */
      readonly serverKeyBytes: number;
      /** Bytes of one input ciphertext: serialize_compressed_ciphertext (124) or serialize_ciphertext. */
      readonly ciphertextBytes: { readonly compressed: number; readonly full: number };
      /** Output ciphertexts are serialize_ciphertext-form (`full` bytes) declaring message modulus 2p. */
      readonly outputMessageModulus: number;
    }
  | { readonly available: false; readonly reason: string };

/**
 * The answer of POST /v1/keys and POST /v1/tfhe-rs/keys (201). `token` is shown only here: every
 * later request on the key set sends `Authorization: Bearer <token>`.
 */
export interface KeyRegistration {
  readonly keyId: string;
  readonly token: string;
  readonly parameters: string;
  /** Engine keys: decompression time on the server (ms). */
  readonly decompressMs?: number;
  /** tfhe-rs keys: expansion time on the server (ms). */
  readonly expandMs?: number;
}

export interface ServiceCircuitInfo {
  readonly name: string;
  readonly bits: number;
  readonly inputShape: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly pbsPerSample: number;
  readonly parameters: { readonly name: string; readonly fingerprint: string };
  readonly limits: { readonly seededKeyBytes: number; readonly maxSamplesPerRequest: number; readonly inputBytesPerSample: number };
  readonly input: InputEncoding;
  /**
   * Stages the client evaluates in the clear before encrypting (compiled with --clear-first-layer).
   * When > 0, `input` only says how raw values become the first clear stage's integers: the client
   * must run those stages too (`quantizeInputs` of @fhenet/compiler over the circuit file).
   */
  readonly clearStages: number;
  readonly output: OutputEncoding;
  readonly tfheRs: TfheRsInfo;
}

/** One raw input image offered by the page (e.g. an MNIST test image: 784 bytes 0..255). */
export interface WebSample {
  /** Index in its dataset split, shown to the user. */
  readonly index: number;
  readonly label: number;
  /** Raw values in the circuit's input layout (inputShape, channels last). */
  readonly pixels: readonly number[];
}
