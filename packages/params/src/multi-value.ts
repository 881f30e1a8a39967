// The multi-value PBS (the engine's pbsMany; tfhe-rs's apply_many_lookup_table): F functions of
// one input in one blind rotation. The LUT polynomial packs the F functions one after the other
// (function j in boxes [j p/F, (j+1) p/F)); an input x < p/F rotates entry x + j p/F to coefficient
// j N/F, which a sample extraction reads. Nothing of the PBS changes but which coefficients are
// extracted, so:
//  - each output has the variance of one PBS output (varPbs): coefficient j N/F of the rotated
//    accumulator carries the same external-product and FFT noise as coefficient 0;
//  - outputs of one input are correlated (multiValueCovariance): the external products' mask
//    rounding errors reach the phase through the binary GLWE key, whose coefficients have mean
//    1/2, so two coefficients of the accumulator share part of that term. A dot product over
//    several outputs of one multi-value PBS must add the covariances (correlations up to ~0.25
//    between neighbouring outputs at F = 8). The engine's noise test measures both
//    (packages/engine/test/noise.test.ts);
//  - the decision is the one of a p-slot PBS (the box is still N/p coefficients): same
//    failure probability as log2PFail(set), but one decision for F outputs, which fail together;
//  - the price is the input range: x < p/F, i.e. log2 F top bits of the message space left free;
//  - the cost is one keyswitch + PBS plus F - 1 sample extractions (k N + 1 word copies each,
//    counted as accumulator-linear work) instead of F keyswitches + PBS.
import { COST_WEIGHTS, pbsCost } from './cost.js';
import { noiseVariance } from './distribution.js';
import { externalProductNoiseTerms, log2PFail, varPbs, type DecisionNoiseOptions } from './noise.js';
import type { TfheParameterSet } from './types.js';

export interface MultiValuePbs {
  /** F, a power of two in 1..p. */
  readonly functions: number;
  /** Input messages must lie in [0, inputSlots), inputSlots = p / F. */
  readonly inputSlots: number;
  /** Variance of each of the F outputs (torus units): varPbs(set). */
  readonly outputVariance: number;
  /** log2 p_fail of the one decision behind the F outputs (at options.nu, default maxNu). */
  readonly log2PFail: number;
  /** Cost units (cost.ts) of the multi-value PBS and of F separate keyswitches + PBS. */
  readonly cost: number;
  readonly separateCost: number;
}

function assertFunctions(set: TfheParameterSet, functions: number): void {
  const p = 2 ** set.messageBits;
  if (!Number.isInteger(functions) || functions < 1 || functions > p || (functions & (functions - 1)) !== 0) {
    throw new Error(`multi-value PBS: functions must be a power of two in 1..${p} (p of the ${set.messageBits}-bit set), got ${functions}`);
  }
}

export function multiValuePbs(set: TfheParameterSet, functions: number, options: DecisionNoiseOptions = {}): MultiValuePbs {
  assertFunctions(set, functions);
  const p = 2 ** set.messageBits;
  const one = pbsCost(set).total;
  const extraction = set.glweDimension * set.polynomialSize * COST_WEIGHTS.rotation;
  return {
    functions,
    inputSlots: p / functions,
    outputVariance: varPbs(set),
    log2PFail: log2PFail(set, options),
    cost: one + (functions - 1) * extraction,
    separateCost: functions * one,
  };
}

/**
 * Covariance (torus units) of outputs j and jj of one multi-value PBS with `functions` outputs
 * (coefficients c = j N/F and c + Delta, Delta = |jj - j| N/F; j = jj gives varPbs). The phase
 * error of coefficient c is e_body[c] - sum_k (e_k . S_k)[c], S_k the binary GLWE key. Whatever
 * noise sits in the mask polynomials e_k reaches the phase through S_k; coefficients c and
 * c + Delta of e_k . S_k pair e_k[u] with S_k[c - u] and S_k[c + Delta - u], and over a uniform
 * binary key E[S[t] S[t + Delta]] = 1/4 while the negacyclic wrap flips the sign of Delta of the
 * N pairs: the shared part is (N - 2 Delta)/4 per key polynomial where the variance has N/2. So
 *   Cov(Delta) = (1 - 2 Delta/N)/2 * n * (mask rounding term + FFT term)
 * positive for Delta < N/2, zero at N/2, negative beyond. The mask rounding term (the CMux input
 * X^a acc - acc rounded to B^-l before decomposing) is certainly a mask term; the fitted FFT term
 * is counted as one too (the k mask polynomials carry k/(k+1) of the FFT error, and it is
 * multiplied by S like the rounding): that makes this an upper estimate of |Cov|. The GGSW noise
 * term and the body's rounding are independent across coefficients. Measured (engine
 * test/noise.test.ts, F = 4, lag N/4): correlation 0.14-0.16 at 2 bits (model 0.19, rounding
 * alone 0.146), 0.15-0.17 at 4 bits (model 0.172, rounding alone 0.118); at F = 8 the 4-bit
 * profile over the lags N/8 .. 7N/8 follows (1 - 2 Delta/N) within the sampling error.
 */
export function multiValueCovariance(set: TfheParameterSet, functions: number, j: number, jj: number): number {
  assertFunctions(set, functions);
  for (const [name, v] of [
    ['j', j],
    ['jj', jj],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= functions) throw new Error(`multi-value PBS: output ${name} must be an integer in 0..${functions - 1}, got ${v}`);
  }
  if (j === jj) return varPbs(set);
  const N = set.polynomialSize;
  const delta = (Math.abs(jj - j) * N) / functions;
  const t = externalProductNoiseTerms(set, noiseVariance(set.glweNoise), set.pbs);
  return ((1 - (2 * delta) / N) / 2) * set.lweDimension * (t.maskRounding + t.fft);
}
