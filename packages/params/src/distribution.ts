// Noise distributions as numbers: the variance a fresh encryption carries, in torus units
// ((x/q)^2, q = 2^64) for the noise model, and log2 of the integer standard deviation for the
// security rule, which is stated in integer units.
import rule from './security-rule.json' with { type: 'json' };
import type { NoiseDistribution } from './types.js';

/** log2 of the ciphertext modulus q. Every set here uses native u64 arithmetic. */
export const CIPHERTEXT_MODULUS_LOG2 = 64;

/**
 * Largest TUniform bound the samplers draw exactly: TU(b) takes b + 2 random bits, and a u64
 * holds 64 (engine: commons/noise_sampler.h). Larger bounds are refused by every reader. From the
 * security rule's one source, security-rule.json, which the engine compiles in too.
 */
export const MAX_TUNIFORM_BOUND_LOG2: number = rule.samplers.maxTUniformBoundLog2;
/**
 * Largest Gaussian log2 sigma accepted: the engine's Box-Muller samples reach about 8.7 sigma
 * (53-bit uniforms), and 8.7 * 2^59 still fits a signed 64-bit integer (2^63); beyond that the
 * rounding to an integer would overflow. Such noise is far above any useful set anyway.
 */
export const MAX_GAUSSIAN_STD_DEV_LOG2: number = rule.samplers.maxGaussianStdDevLog2;

/** Variance of TU(b) in integer units: (2^(2b+1) + 1) / 6. */
export function tuniformIntegerVariance(boundLog2: number): number {
  return (2 ** (2 * boundLog2 + 1) + 1) / 6;
}

/** Variance of one fresh sample of `noise`, in torus units. */
export function noiseVariance(noise: NoiseDistribution): number {
  const q2 = 2 ** (2 * CIPHERTEXT_MODULUS_LOG2);
  return noise.kind === 'tuniform' ? tuniformIntegerVariance(noise.boundLog2) / q2 : 2 ** (2 * noise.stdDevLog2) / q2;
}

/**
 * log2 of the standard deviation in integer units. For TU(b) this is the standard deviation of
 * the uniform law, sqrt((2^(2b+1)+1)/6) ~ 2^(b - 0.79): that is the number compared with the
 * Gaussian security curve (an LWE attack sees the error's spread, not its shape).
 */
export function noiseStdDevLog2(noise: NoiseDistribution): number {
  return noise.kind === 'tuniform' ? Math.log2(tuniformIntegerVariance(noise.boundLog2)) / 2 : noise.stdDevLog2;
}

/** "TU(45)" or "Gaussian(sigma=2^44.16)", for messages. */
export function describeNoise(noise: NoiseDistribution): string {
  return noise.kind === 'tuniform' ? `TU(${noise.boundLog2})` : `Gaussian(sigma=2^${noise.stdDevLog2})`;
}
