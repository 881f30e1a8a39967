// The PBS decisions of a circuit and the noise each one sees (docs/parameters.md, "Rounded
// lookups"). A plain p-bit lookup decides right while its noise stays within half a slot; a stage
// that rounds away its k low accumulator bits first extracts bits 1..k-1 with one sign PBS each
// (tolerance about a quarter torus, but its input is multiplied by 2^(p-i) first, so its earlier
// noise is amplified 4^(p-i) times), then looks up runs of 2^k boxes (tolerance (2^(k-1) - 1/2)
// slots). All of them share the circuit's one parameter set; each must meet the per-PBS target.
import { halfSlot, log2PFailWithin, varKeyswitch, varModulusSwitch, varPbs } from './noise.js';
import type { TfheParameterSet } from './types.js';

export type DecisionKind = 'lookup' | 'extract' | 'clear';

export interface PbsDecision {
  /** For reports and errors, e.g. "dense1 bit 1". */
  readonly label: string;
  readonly kind: DecisionKind;
  /** PBS of this kind per inference (0 for a clear decryption, which is no PBS). */
  readonly count: number;
  /**
   * The variance before the decision is inputFactor * Var_in + Var_KS + Var_MS, where Var_in is
   * the variance of one PBS output (the dot product's inputs and the extraction outputs); a clear
   * decryption ('clear') has no keyswitch or modulus switch: inputFactor * Var_in only.
   */
  readonly inputFactor: number;
  /** The decision is right while the noise stays within +-tolerance (torus units). */
  readonly tolerance: number;
}

export interface StageDecisionRequest {
  readonly name: string;
  /** Circuit message bits p (2^p slots, one padding bit). */
  readonly messageBits: number;
  /** Largest 2-norm of one output's integer weights. */
  readonly nu: number;
  /** Low accumulator bits rounded away before the lookup: 0 (plain) or 2..messageBits-1. */
  readonly roundBits: number;
  /** Neurons of the stage (PBS per decision kind per inference). */
  readonly outputs: number;
  /** Last stage decoded by the client: no PBS, decrypted with the plain tolerance. */
  readonly clearDecode?: boolean;
}

/** Tolerance of extracting bit i (1 <= i < p) with a sign PBS: 1/4 - 2^-(i+2) - 2^-(p+2) torus. */
export function extractionTolerance(messageBits: number, bit: number): number {
  // Both values of the uncleared bit 0 sit at q/4 -+ q/2^(i+2) from the centre of the positive
  // half torus; the test polynomial's half-box shift moves that half to [-delta/2, q/2 - delta/2).
  return 1 / 4 - 2 ** -(bit + 2) - 2 ** -(messageBits + 2);
}

/** Tolerance of a lookup after rounding k >= 2 bits: (2^(k-1) - 1/2) delta, delta = 2^-(p+1). */
export function roundedLookupTolerance(messageBits: number, roundBits: number): number {
  if (roundBits === 0) return halfSlot(messageBits);
  return (2 ** (roundBits - 1) - 0.5) * 2 ** -(messageBits + 1);
}

export function assertRoundBits(messageBits: number, roundBits: number, what = 'roundBits'): void {
  if (!Number.isInteger(roundBits) || roundBits === 1 || roundBits < 0 || roundBits >= messageBits) {
    throw new Error(`${what} must be 0 or an integer in [2, ${messageBits - 1}] for ${messageBits} message bits, got ${roundBits}`);
  }
}

/** The decisions of one stage, in execution order: bit extractions 1..k-1, then the lookup. */
export function stageDecisions(r: StageDecisionRequest): PbsDecision[] {
  const p = r.messageBits;
  const nu2 = r.nu * r.nu;
  if (r.clearDecode) {
    if (r.roundBits !== 0) throw new Error(`${r.name}: a stage decoded in the clear has no lookup to round for (roundBits ${r.roundBits})`);
    // The client decrypts all 2p residues of the dot product under the big key: half a slot of
    // tolerance, and no keyswitch or modulus switch noise.
    return [{ label: `${r.name} clear decode`, kind: 'clear', count: 0, inputFactor: nu2, tolerance: halfSlot(p) }];
  }
  assertRoundBits(p, r.roundBits, `${r.name}: roundBits`);
  const out: PbsDecision[] = [];
  for (let i = 1; i < r.roundBits; i++) {
    // Input: the dot product (nu^2 Var_PBS) plus the i-1 earlier extraction outputs, times 2^(p-i).
    out.push({
      label: `${r.name} bit ${i}`,
      kind: 'extract',
      count: r.outputs,
      inputFactor: 4 ** (p - i) * (nu2 + (i - 1)),
      tolerance: extractionTolerance(p, i),
    });
  }
  const extra = r.roundBits === 0 ? 0 : r.roundBits - 1;
  out.push({ label: `${r.name} lookup`, kind: 'lookup', count: r.outputs, inputFactor: nu2 + extra, tolerance: roundedLookupTolerance(p, r.roundBits) });
  return out;
}

/** Variance before a decision; Var_in defaults to Var_PBS (conservative for fresh inputs). */
export function decisionVariance(set: TfheParameterSet, d: PbsDecision, inputVariance = varPbs(set)): number {
  const input = d.inputFactor * inputVariance;
  return d.kind === 'clear' ? input : input + varKeyswitch(set) + varModulusSwitch(set, set.modulusSwitch);
}

export function log2PFailOfDecision(set: TfheParameterSet, d: PbsDecision): number {
  return log2PFailWithin(d.tolerance, decisionVariance(set, d));
}

/** The plain decision of a set rated at maxNu (what log2PFail(set) computes). */
export function plainDecision(messageBits: number, nu: number, count = 1): PbsDecision {
  return { label: 'lookup', kind: 'lookup', count, inputFactor: nu * nu, tolerance: halfSlot(messageBits) };
}

/** Total PBS of a list of decisions. */
export function decisionPbsCount(ds: readonly PbsDecision[]): number {
  return ds.reduce((n, d) => n + d.count, 0);
}

/**
 * Probability that at least one decision of one inference fails: 1 - prod (1 - p_d)^count_d.
 * Clear decryptions (count 0) are not PBS and add nothing, as before rounding: their noise has no
 * keyswitch or modulus switch, so the per-PBS bound they are held to covers them with room.
 */
export function pErrorOfDecisions(set: TfheParameterSet, ds: readonly PbsDecision[]): number {
  let logSurvive = 0;
  for (const d of ds) logSurvive += d.count * Math.log1p(-(2 ** log2PFailOfDecision(set, d)));
  return -Math.expm1(logSurvive);
}
