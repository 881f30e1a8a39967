// WoP-PBS parameters of a circuit with CRT stages (docs/crt.md; docs/parameters.md, "WoP-PBS sets
// for CRT stages"): ONE WopParameterSet for the whole circuit, chosen by @fhenet/params
// optimizeWopParameters from the circuit's worst case over its CRT stages (largest modulus, largest
// nu, most selector bits, most output encodings), with every residue decision (and, for a last stage
// the client decrypts as integers, every output decryption) of one inference inside the user's budget.
//
// Mixed circuits (a padded PBS stage next to CRT stages) are refused: a padded stage feeding a CRT
// stage would need a padded-input PBS whose test polynomial holds arbitrary torus values (the
// residues of the consuming stage), which the engine does not have; compile with a smaller
// --max-bits so that every encrypted stage becomes a CRT stage.

import {
  crtLookupCost,
  crtLookupShape,
  optimizeWopParameters,
  pbsCost,
  predictedPbsMs,
  residueBits,
  type CrtLookupCost,
  type WopKeySizes,
  type WopParameterSet,
} from '@fhenet/params';
import { outputSize, crtOutputBits, crtOutputsOf, mixedCrtViolation, selectorBits } from '@fhenet/circuit';
import type { Circuit, CircuitParameters } from '@fhenet/circuit';

export interface CrtStageCost {
  readonly name: string;
  readonly lookups: number;
  /** Cost of one lookup (params' cost.ts units), its parts. */
  readonly perLookup: CrtLookupCost;
  /** One lookup in KS+PBS of the set itself. */
  readonly pbsEquivalentsPerLookup: number;
}

export interface WopChoice {
  readonly set: WopParameterSet;
  readonly maxModulus: number;
  readonly maxSelectorBits: number;
  readonly maxOutputs: number;
  /** WoP lookups and residue decisions per inference. */
  readonly lookups: number;
  readonly residues: number;
  /** Bits of the decrypted output of a CRT last stage with tables (dequantize), else absent. */
  readonly outputDecodeBits?: number;
  readonly outputDecodeLog2PFail?: number;
  readonly keySizes: WopKeySizes;
  readonly stages: readonly CrtStageCost[];
  /** Sum over stages: KS+PBS equivalents (of the set) per inference. */
  readonly pbsEquivalents: number;
  /** Cost model turned into single-thread milliseconds per inference (params' cost.ts). */
  readonly predictedInferenceMs: number;
}

/**
 * One WoP set for every CRT stage of `circuit` (all stages must be CRT stages). Throws a
 * RangeError naming the circuit when it mixes padded and CRT stages, or params' error when no
 * secure set meets the budget.
 */
export function chooseCrtParameters(circuit: Circuit, pErrorPerInference: number): { parameters: CircuitParameters; wop: WopChoice } {
  const mixed = mixedCrtViolation(circuit);
  if (mixed) throw new RangeError(`chooseParameters: ${mixed}`);
  const stages = circuit.stages;
  const last = stages[stages.length - 1]!;
  let maxModulus = 3;
  let maxSelectorBits = 0;
  let maxOutputs = 1;
  let lookups = 0;
  let residues = 0;
  stages.forEach((s, i) => {
    const moduli = s.crt!.moduli;
    maxModulus = Math.max(maxModulus, ...moduli);
    const n = outputSize(s.linear);
    if (s.tables) {
      // The VP of this stage feeds the next decisions (or the client's decryption): its t counts.
      maxSelectorBits = Math.max(maxSelectorBits, selectorBits(moduli));
      maxOutputs = Math.max(maxOutputs, crtOutputsOf(circuit, i));
      lookups += n;
      residues += n * moduli.length; // one keyswitched residue per modulus per neuron
    }
  });
  // A table-less single stage has no lookup: its t still bounds nothing, but the optimizer needs one.
  if (maxSelectorBits === 0) maxSelectorBits = selectorBits(last.crt!.moduli);
  const nu = Math.max(...stages.map((s) => s.analysis.nu));
  const decode = last.tables ? { outputDecodeBits: crtOutputBits(last), decodesPerInference: outputSize(last.linear) } : {};
  const result = optimizeWopParameters({
    maxModulus,
    maxSelectorBits: Math.max(maxSelectorBits, residueBits(maxModulus)),
    maxNu: nu,
    outputs: maxOutputs,
    pErrorPerInference,
    lookupsPerInference: Math.max(1, lookups),
    residuesPerInference: Math.max(1, residues),
    ...decode,
  });
  const set = result.set;
  const refPbs = pbsCost(set).total;
  const costs: CrtStageCost[] = stages.flatMap((s, i) => {
    if (!s.tables) return [];
    const perLookup = crtLookupCost(set, crtLookupShape(s.crt!.moduli, crtOutputsOf(circuit, i)));
    return [{ name: s.name, lookups: outputSize(s.linear), perLookup, pbsEquivalentsPerLookup: perLookup.total / refPbs }];
  });
  const units = costs.reduce((a, c) => a + c.lookups * c.perLookup.total, 0);
  const wop: WopChoice = {
    set,
    maxModulus,
    maxSelectorBits: result.maxSelectorBits,
    maxOutputs,
    lookups,
    residues,
    ...(result.outputDecode ? { outputDecodeBits: result.outputDecode.outputBits, outputDecodeLog2PFail: result.outputDecode.log2PFail } : {}),
    keySizes: result.keySizes,
    stages: costs,
    pbsEquivalents: units / refPbs,
    predictedInferenceMs: predictedPbsMs({ ...pbsCost(set), total: units }),
  };
  return { parameters: { set, log2PFailPerPbs: result.log2PFailPerResidue, pErrorPerInference: result.pErrorPerInference }, wop };
}
