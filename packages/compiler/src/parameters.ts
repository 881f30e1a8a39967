// Choosing the TFHE parameters of a circuit: the cheapest secure set (params' optimizer) that
// carries every PBS decision of the circuit (plain lookups, bit extractions and rounded lookups,
// each with its own noise and tolerance) with the user's error probability per inference split
// evenly over ALL the circuit's PBS.

import {
  DEFAULT_P_ERROR,
  decisionPbsCount,
  keySizes,
  optimizeParameters,
  pbsCost,
  pErrorOfDecisions,
  predictedPbsMs,
  type KeySizes,
  type PbsCost,
  type PbsDecision,
} from '@fhenet/params';
import { circuitDecisions, stagePbs } from '@fhenet/circuit';
import type { Circuit, CircuitParameters, DecisionOptions } from '@fhenet/circuit';
import { chooseCrtParameters, type WopChoice } from './crt-parameters.js';

/** Default error probability of one whole inference (the paper's example, section 4). */

export interface ParameterChoice {
  readonly parameters: CircuitParameters;
  readonly keySizes: KeySizes;
  /** Cost model of one keyswitch + PBS, multiply-add units. */
  readonly pbsCost: PbsCost;
  readonly pbsCount: number;
  readonly maxNu: number;
  /** Every decision kind the set was chosen for. */
  readonly decisions: readonly PbsDecision[];
  /** The off rate approximate stages were held to (absent: the centre rule, or no approximate stage). */
  readonly approximateOffRate?: number;
  /** Cost model turned into this machine's single-thread KS+PBS milliseconds (params' cost.ts). */
  readonly predictedPbsMs: number;
  /**
   * Circuits with CRT stages (crt-parameters.ts): the WoP set's rating, costs and key sizes
   * (`parameters.set` is then a WopParameterSet; decisions are empty, pbsCount counts residue decisions).
   */
  readonly wop?: WopChoice;
}

/** PBS per inference, bit extractions included (the known-zero bits of extractFrom skipped). */
export function pbsCount(circuit: Circuit): number {
  return circuit.stages.reduce((n, s) => n + stagePbs(s), 0);
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

/** The PBS decisions of a circuit, stage by stage (params' decisions.ts; @fhenet/circuit, whose reader checks a circuit's figures with it). */
export { circuitDecisions, type DecisionOptions } from '@fhenet/circuit';

export function chooseParameters(circuit: Circuit, pErrorPerInference = DEFAULT_P_ERROR, options: DecisionOptions = {}): ParameterChoice {
  if (!(pErrorPerInference > 0 && pErrorPerInference < 1)) {
    throw new RangeError(`chooseParameters: pError must be a probability in (0, 1), got ${String(pErrorPerInference)}`);
  }
  if (circuit.stages.some((s) => s.crt)) {
    // WoP lookups are not PBS decisions of one padded set: one WoP set rates them (crt-parameters.ts).
    const { parameters, wop } = chooseCrtParameters(circuit, pErrorPerInference);
    return {
      parameters,
      keySizes: wop.keySizes,
      pbsCost: pbsCost(wop.set),
      pbsCount: wop.residues,
      maxNu: maxNu(circuit),
      decisions: [],
      predictedPbsMs: predictedPbsMs(pbsCost(wop.set)),
      wop,
    };
  }
  const decisions = circuitDecisions(circuit, options);
  const count = Math.max(1, decisionPbsCount(decisions));
  const nu = maxNu(circuit);
  const result = optimizeParameters({ messageBits: circuit.bits, maxNu: nu, decisions, log2PFailPerPbs: { pErrorPerInference, pbsCount: count } });
  return {
    parameters: { set: result.set, log2PFailPerPbs: result.log2PFail, pErrorPerInference: pErrorOfDecisions(result.set, decisions) },
    keySizes: keySizes(result.set),
    pbsCost: result.cost,
    pbsCount: count,
    maxNu: nu,
    decisions,
    predictedPbsMs: predictedPbsMs(result.cost),
    ...(options.approximateOffRate !== undefined && decisions.some((d) => d.kind === 'approximate') ? { approximateOffRate: options.approximateOffRate } : {}),
  };
}
