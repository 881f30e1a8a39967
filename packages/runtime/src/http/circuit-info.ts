// The JSON of GET /v1/circuit: what any client needs to talk to the service without the circuit
// file. Engine clients use the parameter fingerprint and limits; a tfhe-rs client (node-tfhe, or
// the `tfhe` package in a browser) also needs the exact Shortint.new_parameters arguments, the
// input quantizer (raw value -> integer to encrypt) and the output decoding (decrypted integer ->
// logit). Documented in docs/http-api.md.
import { channelOfOutputs, compressedServerKeyBytes, tfheRsParameters, type Circuit, type TfheRsShortintParameters } from '@fhenet/compiler';
import { parameterFingerprint } from '@fhenet/params';
import type { CircuitPlan } from '../inference/plan.js';
import { ciphertextBatchBytes, seededKeyBytes } from '../inference/sizes.js';
import { tfheRsCiphertextBytes } from '../tfhers/ciphertexts.js';

/** Bytes after the bodies in a serialized tfhe-rs compressed server key (docs/tfhe-rs-formats.md). */
export const TFHE_RS_SERVER_KEY_OVERHEAD = 256;

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
  readonly output: OutputEncoding;
  readonly tfheRs: TfheRsInfo;
}

export function tfheRsInfo(circuit: Circuit, plan: CircuitPlan): TfheRsInfo {
  let newParameters: TfheRsShortintParameters;
  try {
    newParameters = tfheRsParameters(plan.params);
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
  return {
    available: true,
    newParameters,
    serverKeyBytes: compressedServerKeyBytes(plan.params) + TFHE_RS_SERVER_KEY_OVERHEAD,
    ciphertextBytes: { compressed: tfheRsCiphertextBytes(plan.params, true), full: tfheRsCiphertextBytes(plan.params, false) },
    outputMessageModulus: 2 * 2 ** circuit.bits,
  };
}

export function circuitInfo(circuit: Circuit, plan: CircuitPlan, maxSamples: number): ServiceCircuitInfo {
  const params = plan.params;
  const q = circuit.inputQuantizer;
  const last = circuit.stages[circuit.stages.length - 1]!;
  const out = circuit.output;
  return {
    name: circuit.name,
    bits: circuit.bits,
    inputShape: circuit.inputShape,
    inputSize: plan.inputSize,
    outputSize: plan.outputSize,
    pbsPerSample: plan.pbsPerSample,
    parameters: { name: params.name, fingerprint: parameterFingerprint(params) },
    limits: { seededKeyBytes: seededKeyBytes(params), maxSamplesPerRequest: maxSamples, inputBytesPerSample: ciphertextBatchBytes(params, plan.inputSize) },
    input: {
      shape: circuit.inputShape,
      divisor: circuit.inputScaling.divisor,
      quantizer: { bits: q.bits, signed: q.signed, range: q.range, scale: Array.from(q.scale), zeroPoint: Array.from(q.zeroPoint) },
    },
    output:
      out.kind === 'dequantize'
        ? { kind: 'dequantize', scale: out.scale, zeroPoint: out.zeroPoint }
        : { kind: 'clearTable', values: Array.from(out.values), channelOfOutput: Array.from(channelOfOutputs(last.linear)) },
    tfheRs: tfheRsInfo(circuit, plan),
  };
}
