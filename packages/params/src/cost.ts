// The cost model of tfhe-parameters.md: PBS ~ n * [(k+1)*l FFTs + (k+1) inverse FFTs +
// (k+1)^2*l*N multiply-adds], in multiply-add units. The reference leaves the FFT's price open;
// we count a size-N negacyclic FFT as N*log2(N) (the usual radix-2 operation count). The
// keyswitch, kN*l_ks*(n+1) multiply-adds, is added because the optimizer also chooses its
// decomposition and it is 10-15% of the measured KS+PBS time (test/cost.test.ts compares the
// model with the measured latencies of the reference).
import type { TfheParameterSet } from './types.js';

export type CostParams = Pick<TfheParameterSet, 'lweDimension' | 'glweDimension' | 'polynomialSize' | 'pbs' | 'keyswitch'>;

export interface PbsCost {
  /** Blind rotation, multiply-add units. */
  readonly pbs: number;
  /** Keyswitch kN -> n, multiply-add units. */
  readonly keyswitch: number;
  /** pbs + keyswitch: what the optimizer minimizes. */
  readonly total: number;
}

/** Multiply-add equivalents of one size-N negacyclic FFT. */
export function fftCost(polynomialSize: number): number {
  return polynomialSize * Math.log2(polynomialSize);
}

export function pbsCost(set: CostParams): PbsCost {
  const { lweDimension: n, glweDimension: k, polynomialSize: N } = set;
  const l = set.pbs.levelCount;
  const ffts = (k + 1) * l + (k + 1);
  const pbs = n * (ffts * fftCost(N) + (k + 1) ** 2 * l * N);
  const keyswitch = k * N * set.keyswitch.levelCount * (n + 1);
  return { pbs, keyswitch, total: pbs + keyswitch };
}

/**
 * Cost-model units per millisecond of single-thread KS+PBS on the project's 2-core AMD EPYC
 * (avx512): the geometric mean of cost / measured CPU time of the published 2/4/6/8-bit sets
 * (packages/runtime/bench/RESULTS.md, 2026-11-25: 4.0, 6.2, 5.5, 7.2 million per ms). Predictions
 * from it are good to about +-30% across N = 512 .. 65536.
 */
export const COST_UNITS_PER_MS = 5.6e6;

/** Predicted single-thread milliseconds of one keyswitch + PBS on the reference machine. */
export function predictedPbsMs(cost: PbsCost): number {
  return cost.total / COST_UNITS_PER_MS;
}
