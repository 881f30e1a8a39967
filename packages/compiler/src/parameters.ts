// Choosing the TFHE parameters of a circuit: the cheapest secure set (params' optimizer) for the
// circuit's bit-width and largest nu, with the user's error probability per inference split over
// the circuit's PBS count.

import { keySizes, optimizeParameters, pFailPerInference, type KeySizes, type PbsCost } from '@fhenet/params';
import { outputSize } from './circuit/linear.js';
import type { Circuit, CircuitParameters } from './circuit/types.js';

/** Default error probability of one whole inference (the paper's example, section 4). */
export const DEFAULT_P_ERROR = 1e-6;

export interface ParameterChoice {
  readonly parameters: CircuitParameters;
  readonly keySizes: KeySizes;
  /** Cost model of one keyswitch + PBS, multiply-add units. */
  readonly pbsCost: PbsCost;
  readonly pbsCount: number;
  readonly maxNu: number;
}

export function pbsCount(circuit: Circuit): number {
  return circuit.stages.reduce((n, s) => n + (s.tables ? outputSize(s.linear) : 0), 0);
}

/**
 * nu of the noise model: the largest 2-norm over every stage. The last stage's nu counts too
 * although no PBS follows it when it is decoded in the clear: its decryption has the same margin
 * as a PBS decision (less the keyswitch and modulus-switch noise), so this is conservative.
 * The first stage reads fresh encryptions, whose noise is below a PBS output's; also conservative.
 */
export function maxNu(circuit: Circuit): number {
  return Math.max(...circuit.stages.map((s) => s.analysis.nu));
}

export function chooseParameters(circuit: Circuit, pErrorPerInference = DEFAULT_P_ERROR): ParameterChoice {
  if (!(pErrorPerInference > 0 && pErrorPerInference < 1)) {
    throw new RangeError(`chooseParameters: pError must be a probability in (0, 1), got ${String(pErrorPerInference)}`);
  }
  const count = Math.max(1, pbsCount(circuit));
  const nu = maxNu(circuit);
  const result = optimizeParameters({ messageBits: circuit.bits, maxNu: nu, log2PFailPerPbs: { pErrorPerInference, pbsCount: count } });
  return {
    parameters: { set: result.set, log2PFailPerPbs: result.log2PFail, pErrorPerInference: pFailPerInference(result.log2PFail, count) },
    keySizes: keySizes(result.set),
    pbsCost: result.cost,
    pbsCount: count,
    maxNu: nu,
  };
}
