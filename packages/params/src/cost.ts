// Cost model of one keyswitch + PBS, in units of one FFT butterfly-equivalent, with named terms
// after tfhe-parameters.md ("PBS ~ n * [(k+1)*l FFTs + (k+1) inverse FFTs + (k+1)^2*l*N
// multiply-adds]"), each weighted by what it costs on this project's engine:
//  - fft: a size-N negacyclic FFT (forward or inverse) counts N*log2(N) units;
//  - product: one Fourier-domain multiply-add of the external product; there are (k+1)^2*l*N per
//    iteration. Counted like an FFT unit in the reference; measured, ~1.4 FFT units since the
//    frequency-blocked GGSW layout (2026-12-07; 3.6 before it, when the multiply-add stalled on its
//    loads of the bootstrapping key and k = 2..4 paid for it);
//  - rotation: per-iteration work linear in the accumulator, (k+1)*N (X^a*acc - acc, the gadget
//    decomposition's digit loop, the accumulator update); absent from the reference formula;
//  - keyswitch: kN*l_ks*(n+1) multiply-adds.
// The weights are fitted (bench/fit.ts) to single-thread CPU time per KS+PBS in the engine's
// grouped batches, 13 secure sets of different k, N, l, n and keyswitch levels measured
// interleaved, twice (bench/measured-cost-run{3,4}.json; bench/RESULTS.md); test/cost.test.ts
// checks the model ranks every clearly separated measured pair the same way as the measurements.
import type { TfheParameterSet } from './types.js';

export type CostParams = Pick<TfheParameterSet, 'lweDimension' | 'glweDimension' | 'polynomialSize' | 'pbs' | 'keyswitch'>;

export interface PbsCost {
  /** Blind rotation (modulus switch, n iterations, sample extraction), cost units. */
  readonly pbs: number;
  /** Keyswitch kN -> n, cost units. */
  readonly keyswitch: number;
  /** pbs + keyswitch: what the optimizer minimizes. */
  readonly total: number;
}

/**
 * Weight of each term per unit of work, relative to one FFT unit. bench/fit.ts on
 * bench/measured-cost-run3.json + run4.json (2026-12-07 23:56 / 23:59Z, engine with the
 * frequency-blocked GGSWs): product 1.42, rotation 3.60, keyswitch 0.81 (each run alone: 1.42 /
 * 4.06 / 0.81 and 1.41 / 3.10 / 0.80); committed rounded. The 12-03 weights (3.6 / 2.3 / 1.6, old
 * layout) priced the k = 3 and 4, N = 512 sets 20 % above the 4-bit k = 1 set they now beat.
 */
export const COST_WEIGHTS = { fft: 1, product: 1.4, rotation: 3.6, keyswitch: 0.8 } as const;

/** Units of one size-N negacyclic FFT. */
export function fftCost(polynomialSize: number): number {
  return polynomialSize * Math.log2(polynomialSize);
}

/** The raw work counts of one KS+PBS, before weighting. */
export interface CostTerms {
  /** n * ((k+1)*l + (k+1)) * N log2 N. */
  readonly fftUnits: number;
  /** n * (k+1)^2 * l * N. */
  readonly products: number;
  /** n * (k+1) * N. */
  readonly rotation: number;
  /** kN * l_ks * (n+1). */
  readonly keyswitchProducts: number;
}

export function costTerms(set: CostParams): CostTerms {
  const { lweDimension: n, glweDimension: k, polynomialSize: N } = set;
  const l = set.pbs.levelCount;
  return {
    fftUnits: n * ((k + 1) * l + (k + 1)) * fftCost(N),
    products: n * (k + 1) ** 2 * l * N,
    rotation: n * (k + 1) * N,
    keyswitchProducts: k * N * set.keyswitch.levelCount * (n + 1),
  };
}

/** Weight of each term, as COST_WEIGHTS. */
export type CostWeights = { readonly [term in keyof typeof COST_WEIGHTS]: number };

/** One KS+PBS priced with the committed weights (or others: earlier fits, the reference formula). */
export function pbsCost(set: CostParams, w: CostWeights = COST_WEIGHTS): PbsCost {
  const t = costTerms(set);
  const pbs = w.fft * t.fftUnits + w.product * t.products + w.rotation * t.rotation;
  const keyswitch = w.keyswitch * t.keyswitchProducts;
  return { pbs, keyswitch, total: pbs + keyswitch };
}

/**
 * Cost units per millisecond of CPU time per KS+PBS, calibrated on encrypted inference (what a
 * compile report predicts) in the machine's fast, idle window of 2026-12-07 (20:30-22:48Z, nothing
 * else running; results/encrypted-latency.json): the geometric mean of cost / CPU ms per PBS (2
 * engine threads: 2 x wall / PBS count) of the 6-layer CNN (8.86 ms) and VGG-9 w0.25 (8.90 ms), both
 * n=839 k=2 N=1024 l=2, and the exact LeNet (11.35 ms, n=918 k=1 N=2048 l=2); the model gives 8.53,
 * 8.53 and 12.31 ms. Linear layers and the client's share are in those times, as in a user's.
 * The same machine runs 1.45-1.7x slower in other windows (the interleaved runs 3 and 4 were taken
 * in one: 1.03e7 units per single-thread ms), so a prediction is the idle, fast case.
 */
export const COST_UNITS_PER_MS = 1.35e7;

/** Predicted CPU milliseconds of one keyswitch + PBS in encrypted inference (grouped, idle machine). */
export function predictedPbsMs(cost: PbsCost): number {
  return cost.total / COST_UNITS_PER_MS;
}
