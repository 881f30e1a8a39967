// Noise model of tfhe-parameters.md ("Noise model"), as code, in torus units ((x/q)^2, q = 2^64).
// Used by the runtime's tests to check measured variances against predictions.
import type { NoiseSpec, TfheParameterSet } from './parameters.js';
// The same formulas now also live in @fhenet/params (varPbs, varKeyswitch, ...); tests check the
// two agree, so either may be used.

const Q2 = 2 ** 128;

/** Variance of one noise sample, torus units. */
export function noiseVariance(d: NoiseSpec): number {
  if (d.kind === 'tuniform') return (2 ** (2 * d.boundLog2 + 1) + 1) / 6 / Q2;
  return 2 ** (2 * d.stdDevLog2) / Q2;
}

/** Fresh big-key encryption: the GLWE noise distribution (see docs/engine.md, Encodings). */
export function freshVariance(set: TfheParameterSet): number {
  return noiseVariance(set.glweNoise);
}

/** Output variance of one PBS (includes the f64 FFT term, mantissa 53). */
export function pbsOutputVariance(set: TfheParameterSet): number {
  const n = set.lweDimension,
    k = set.glweDimension,
    N = set.polynomialSize;
  const l = set.pbs.levelCount,
    B = 2 ** set.pbs.baseLog;
  const s2 = noiseVariance(set.glweNoise);
  const B2l = B ** (2 * l);
  const fft = 0.00705 * 2 ** (2 * Math.max(0, 64 - 53)) * ((B * B) / Q2) * l ** 1.01827 * k ** 1.22003 * N ** 2.22003 * (k + 1) ** 1.01827;
  return n * (l * (k + 1) * N * s2 * ((B * B) / 12 + 1 / 6) + ((k * N) / 2) * (1 / (48 * Q2) + 1 / (24 * B2l)) + 1 / (24 * B2l) - 1 / (24 * Q2) + fft);
}

/**
 * Keyswitch kN -> n variance. The engine keeps the keyswitching key's words rounded to their top
 * 32 bits and computes mod 2^32 (docs/engine.md): the rounded words add 1/(12 * 2^64) to the key's
 * noise and the output's rounding 1/(12 * 2^64) (@fhenet/params varKeyswitch, q_out = 2^32).
 */
export function keyswitchVariance(set: TfheParameterSet): number {
  const kN = set.glweDimension * set.polynomialSize;
  const l = set.keyswitch.levelCount,
    B = 2 ** set.keyswitch.baseLog;
  const qOut2 = 2 ** 64;
  const s2 = noiseVariance(set.lweNoise) + 1 / (12 * qOut2);
  return l * kN * s2 * ((B * B) / 12 + 1 / 6) + kN * (1 / (48 * Q2) + 1 / (24 * B ** (2 * l))) - 1 / (12 * Q2) + 1 / (12 * qOut2);
}

/** Centered modulus switch to 2N. */
export function modulusSwitchVariance(set: TfheParameterSet): number {
  const twoN = 2 * set.polynomialSize;
  return set.lweDimension * (1 / (24 * Q2) + 1 / (48 * twoN * twoN));
}

/** log2 of the failure probability of one PBS fed by a dot product of 2-norm nu over PBS outputs. */
export function log2PFail(set: TfheParameterSet, nu: number): number {
  const s2 = nu * nu * pbsOutputVariance(set) + keyswitchVariance(set) + modulusSwitchVariance(set);
  const x = 1 / (4 * 2 ** set.messageBits) / (Math.SQRT2 * Math.sqrt(s2));
  // erfc(x) ~ exp(-x^2) / (x sqrt(pi)) * (1 - 1/(2x^2)) for large x; direct below 5.
  if (x < 5) return Math.log2(erfcSmall(x));
  return (-x * x) / Math.LN2 - Math.log2(x * Math.sqrt(Math.PI)) + Math.log2(1 - 1 / (2 * x * x) + 3 / (4 * x ** 4));
}

function erfcSmall(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse near 5; use the continued fraction via series of erf.
  let sum = x,
    term = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return 1 - (2 / Math.sqrt(Math.PI)) * sum;
}
