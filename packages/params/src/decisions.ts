// The PBS decisions of a circuit and the noise each one sees (docs/parameters.md, "Rounded
// lookups"). A plain p-bit lookup decides right while its noise stays within half a slot; a stage
// that rounds away its k low accumulator bits first extracts bits 1..k-1 with one sign PBS each
// (tolerance about a quarter torus, but its input is multiplied by 2^(p-i) first, so its earlier
// noise is amplified 4^(p-i) times), then looks up runs of 2^k boxes (tolerance (2^(k-1) - 1/2)
// slots). All of them share the circuit's one parameter set; each must meet the per-PBS target.
// An approximately rounded stage (approximate.ts) skips the extractions: one lookup per neuron
// reads the slot with its low bits still in it, rated like the exact rounded lookup for a slot at
// its bucket's centre; slots nearer a bucket edge land one bucket off with the probability
// approximate.ts gives (a modelled loss of accuracy, not a failure).
import { sigmaForOffRate } from './approximate.js';
import { halfSlot, log2PFailWithin, varKeyswitch, varModulusSwitch, varPbs } from './noise.js';
import type { TfheParameterSet } from './types.js';

export type DecisionKind = 'lookup' | 'extract' | 'clear' | 'approximate';

/**
 * How a stage that rounds k >= 2 low slot bits rounds them: 'exact' clears bits 1..k-1 with one
 * sign PBS each before the lookup (k PBS per neuron); 'approximate' looks the slot up directly and
 * lets the bootstrap's own modulus switch drop them (one PBS per neuron; a slot near a bucket edge
 * may land one bucket off, approximate.ts).
 */
export type RoundingMode = 'exact' | 'approximate';

export const ROUNDING_MODES: readonly RoundingMode[] = ['exact', 'approximate'];

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
  /**
   * Approximate lookups held to a one-bucket-off rate (approximate.ts, sigmaForOffRate): the
   * largest variance before the decision (torus units), a bound beside the tolerance's.
   */
  readonly varianceCap?: number;
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
  /**
   * Last stage with tables: the client decrypts its lookups' outputs, a PBS output's noise within
   * half a slot. Always met when the lookups need an exactly small noise; an approximate stage's
   * decision alone would let a cheap PBS leave noise there (measured: 3.5% of decryptions off at
   * n=680, k=3, N=512, PBS 17/1).
   */
  readonly decrypted?: boolean;
  /** How roundBits >= 2 are rounded (default 'exact'); ignored when roundBits is 0. */
  readonly rounding?: RoundingMode;
  /**
   * Approximate rounding only: instead of holding a slot at its bucket's centre to the per-PBS
   * target, let a slot at a uniformly random offset of its bucket land one bucket off with this
   * probability (a modelled loss of accuracy that buys a cheaper set); only a move of two buckets
   * or more is then a failure held to the target. Absent: the centre rule.
   */
  readonly offRate?: number;
  /**
   * Approximate rounding only, without offRate: rate the stage by its failures alone (a slot two
   * buckets off), with no bound on how often it lands one bucket off. What a reader checks: a file
   * does not record the off rate its set was held to, and any rate only bounds the noise further.
   */
  readonly failuresOnly?: boolean;
  /**
   * With offRate: how the stage's dropped bits r = slot mod 2^k are distributed (counts per r,
   * 2^k entries; from calibration), which sets how much noise the rate allows (approximate.ts
   * sigmaForOffRate). Default: uniform.
   */
  readonly droppedBits?: ArrayLike<number>;
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
  const lookups = lookupDecisions(r);
  if (!r.decrypted) return lookups;
  // The client decrypts the PBS outputs: no keyswitch or modulus switch, the PBS noise alone.
  return [...lookups, { label: `${r.name} output decryption`, kind: 'clear', count: 0, inputFactor: 1, tolerance: halfSlot(p) }];
}

/** The PBS of one stage, in execution order: bit extractions 1..k-1 then the lookup, or the approximate lookup alone. */
function lookupDecisions(r: StageDecisionRequest): PbsDecision[] {
  const p = r.messageBits;
  const nu2 = r.nu * r.nu;
  if (r.rounding === 'approximate' && r.roundBits >= 2) {
    // No extraction: the lookup reads the dot product itself.
    if (r.offRate !== undefined || r.failuresOnly) {
      // A slot lands two buckets away only past 2^k + beta >= 2^k + 1/2 slots of noise; one bucket
      // off as often as offRate says, on average over the stage's dropped bits (uniform by default).
      const slot = 2 ** -(p + 1);
      return [
        {
          label: `${r.name} approximate lookup`,
          kind: 'approximate',
          count: r.outputs,
          inputFactor: nu2,
          tolerance: (2 ** r.roundBits + 0.5) * slot,
          ...(r.offRate === undefined ? {} : { varianceCap: (sigmaForOffRate(r.roundBits, r.offRate, r.droppedBits) * slot) ** 2 }),
        },
      ];
    }
    // Held to the exact rounded lookup's tolerance: a slot at its bucket's centre is looked up
    // right but with the per-PBS target.
    return [
      {
        label: `${r.name} approximate lookup`,
        kind: 'approximate',
        count: r.outputs,
        inputFactor: nu2,
        tolerance: roundedLookupTolerance(p, r.roundBits),
      },
    ];
  }
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
