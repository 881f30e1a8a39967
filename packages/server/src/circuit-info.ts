// The JSON of GET /v1/circuit: what any client needs to talk to the service without the circuit
// file. Engine clients use the parameter fingerprint and limits; a tfhe-rs client (node-tfhe, or
// the `tfhe` package in a browser) also needs the exact Shortint.new_parameters arguments, the
// input quantizer (raw value -> integer to encrypt) and the output decoding (decrypted integer ->
// logit). Documented in docs/http-api.md; the types are in types.ts (shared with the page).
import { channelOfOutputs, compressedServerKeyBytes, tfheRsParameters, type Circuit, type TfheRsShortintParameters } from '@fhenet/circuit';
import type { ServiceCircuitInfo, TfheRsInfo } from '@fhenet/client';
import { parameterFingerprint } from '@fhenet/params';
import type { CircuitPlan } from '@fhenet/executor';
import { ciphertextBatchBytes, seededKeyBytes, tfheRsCiphertextBytes } from '@fhenet/engine';

export type { ServiceCircuitInfo, TfheRsInfo, InputEncoding, OutputEncoding } from '@fhenet/client';

/** Bytes after the bodies in a serialized tfhe-rs compressed server key (docs/tfhe-rs-formats.md). */
export const TFHE_RS_SERVER_KEY_OVERHEAD = 256;

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
    clearStages: circuit.clearStages?.length ?? 0,
    output:
      out.kind === 'dequantize'
        ? { kind: 'dequantize', scale: out.scale, zeroPoint: out.zeroPoint }
        : { kind: 'clearTable', values: Array.from(out.values), channelOfOutput: Array.from(channelOfOutputs(last.linear)) },
    tfheRs: tfheRsInfo(circuit, plan),
  };
}
