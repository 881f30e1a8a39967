// Cost model of one keyswitch + PBS, in units of one FFT butterfly-equivalent, with named terms
// after tfhe-parameters.md ("PBS ~ n * [(k+1)*l FFTs + (k+1) inverse FFTs + (k+1)^2*l*N
// multiply-adds]"), each weighted by what it costs on this project's engine:
//  - fft: a size-N negacyclic FFT (forward or inverse) counts N*log2(N) units;
//  - product: one Fourier-domain multiply-add of the external product; there are (k+1)^2*l*N per
//    iteration. The reference counts it like an FFT unit; measured, it is ~3.6 times dearer
//    (complex multiply-adds streaming the bootstrapping key), which is why k = 2 or 3 at small N
//    lose against k = 1 at twice the N more often than the unweighted formula says;
//  - rotation: per-iteration work linear in the accumulator, (k+1)*N (X^a*acc - acc, the gadget
//    decomposition's digit loop, the accumulator update); absent from the reference formula;
//  - keyswitch: kN*l_ks*(n+1) multiply-adds.
// The weights are fitted (bench/fit.ts) to single-thread CPU time per KS+PBS in the engine's
// grouped batches, 13 secure sets of different k, N, l, n and keyswitch levels measured
// interleaved (bench/measured-cost-run2.json; bench/RESULTS.md); test/cost.test.ts checks the
// model ranks every clearly separated measured pair the same way as the measurements.
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
 * bench/measured-cost-run2.json (2026-12-03): product 3.65, rotation 2.41, keyswitch 1.62; the
 * four terms fitted to run 1's KS+PBS totals (its keyswitch-alone times are wall-clock): product
 * 3.65, rotation 2.05, keyswitch 1.28. Committed: product and keyswitch of run 2 rounded, rotation
 * between the two runs.
 */
export const COST_WEIGHTS = { fft: 1, product: 3.6, rotation: 2.3, keyswitch: 1.6 } as const;

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

export function pbsCost(set: CostParams): PbsCost {
  const t = costTerms(set);
  const w = COST_WEIGHTS;
  const pbs = w.fft * t.fftUnits + w.product * t.products + w.rotation * t.rotation;
  const keyswitch = w.keyswitch * t.keyswitchProducts;
  return { pbs, keyswitch, total: pbs + keyswitch };
}

/**
 * Cost units per millisecond of single-thread CPU time per KS+PBS in a grouped batch (the
 * engine's default evaluation) on the project's 2-core AMD EPYC (avx512), idle: the geometric
 * mean of cost / CPU ms of the four sets of packages/engine/bench/RESULTS.md measured on the
 * idle machine on 2026-12-03 06:00Z (4-bit 7.5 ms, 6-bit 66.2 ms, 7-bit n=998 N=8192 64.9 ms,
 * n=839 k=2 N=1024 9.6 ms; the model gives 8.0, 64.9, 60.9 and 9.7 ms). Loaded runs (load 8-15)
 * measured 9-15% more CPU time. The previous model (all terms weight 1, 5.6e6 multiply-adds per
 * ms, fitted to tfhe-rs's ungrouped latencies) predicted about twice these times.
 */
export const COST_UNITS_PER_MS = 1.62e7;

/** Predicted single-thread CPU milliseconds of one keyswitch + PBS (grouped batch, idle machine). */
export function predictedPbsMs(cost: PbsCost): number {
  return cost.total / COST_UNITS_PER_MS;
}
