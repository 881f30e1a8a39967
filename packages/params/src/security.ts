// The 128-bit security rule of tfhe-parameters.md ("Security"), binary secrets, q = 2^64.
// A key passes when its noise clears BOTH lines:
//  1. Concrete's 128-bit curve: log2(sigma/q) >= -0.025696778711484593*n + 2.675931372549016,
//     with the integer sigma floored at 4 (log2 >= 2); valid for n >= 450.
//  2. tfhe-rs's stricter 132-bit line: Gaussian variance >= 2^(4-128) + 2^(5.3147 - 0.04978*n);
//     TUniform bound b >= ceil(-0.025167785*n + 64 + 4.100671).
// A TUniform TU(b) is compared with the Gaussian curve (1) through its standard deviation
// sqrt((2^(2b+1)+1)/6) in integer units; line (2) has its own integer rule for b.
// GLWE keys use n = k*N. Dimensions below 450 are refused outright (the curve is not fitted there).
// The constants live in security-rule.json, the rule's one source: the native engine compiles the
// same file into its own check (commons/security.cc, same formulas in the same order), and the
// runtime's test/security-rule.test.ts asserts both give the same verdict on a grid of sets.
import { CIPHERTEXT_MODULUS_LOG2, describeNoise, noiseStdDevLog2, tuniformIntegerVariance } from './distribution.js';
import rule from './security-rule.json' with { type: 'json' };
import type { NoiseDistribution, TfheParameterSet } from './types.js';

/** Smallest dimension the security curve is valid for. */
export const MIN_SECURE_DIMENSION: number = rule.minDimension;
/** log2 of the smallest integer standard deviation allowed (sigma >= 4). */
export const MIN_STD_DEV_LOG2: number = rule.concrete128.minStdDevLog2;
/**
 * The Gaussian table publishes log2 sigma to two decimals and its sets sit ON the 132-bit line,
 * so rounding puts some up to 0.005 below it (e.g. n = 747: line 48.0635, table 48.06). Line (2)
 * therefore accepts a Gaussian sigma within this much (in log2) of its minimum; line (1), the
 * 128-bit bound, is always strict, and the optimizer never uses this slack.
 */
export const GAUSSIAN_132_ROUNDING_TOLERANCE_LOG2: number = rule.tfheRs132.roundingToleranceLog2;

const CONCRETE_SLOPE = rule.concrete128.slope;
const CONCRETE_INTERCEPT = rule.concrete128.intercept;
const TFHERS_VAR_FLOOR_LOG2 = rule.tfheRs132.varianceFloorLog2;
const TFHERS_VAR_INTERCEPT = rule.tfheRs132.varianceIntercept;
const TFHERS_VAR_SLOPE = rule.tfheRs132.varianceSlope;
const TFHERS_TU_SLOPE = rule.tfheRs132.boundSlope;
const TFHERS_TU_INTERCEPT = CIPHERTEXT_MODULUS_LOG2 + rule.tfheRs132.boundOffset;

function checkDimension(dimension: number): void {
  if (!Number.isInteger(dimension) || dimension < MIN_SECURE_DIMENSION) {
    throw new Error(`LWE dimension ${dimension} is below ${MIN_SECURE_DIMENSION}: no 128-bit security estimate exists there; refused`);
  }
}

/** Curve (1): minimum log2 of the integer standard deviation at `dimension`. */
export function concreteMinStdDevLog2(dimension: number): number {
  checkDimension(dimension);
  return Math.max(MIN_STD_DEV_LOG2, CIPHERTEXT_MODULUS_LOG2 + CONCRETE_SLOPE * dimension + CONCRETE_INTERCEPT);
}

/** Line (2) for Gaussian noise: minimum log2 of the integer standard deviation. */
export function tfheRsMinGaussianStdDevLog2(dimension: number): number {
  checkDimension(dimension);
  const variance = 2 ** TFHERS_VAR_FLOOR_LOG2 + 2 ** (TFHERS_VAR_INTERCEPT + TFHERS_VAR_SLOPE * dimension);
  return Math.log2(variance) / 2 + CIPHERTEXT_MODULUS_LOG2;
}

/** Line (2) for TUniform noise: minimum bound b (0 once the line goes negative; curve (1)'s sigma >= 4 floor then rules). */
export function tfheRsMinTUniformBoundLog2(dimension: number): number {
  checkDimension(dimension);
  return Math.max(0, Math.ceil(TFHERS_TU_SLOPE * dimension + TFHERS_TU_INTERCEPT));
}

/** The smallest Gaussian log2 sigma passing both lines at `dimension` (no rounding slack). */
export function minSecureGaussianStdDevLog2(dimension: number): number {
  return Math.max(concreteMinStdDevLog2(dimension), tfheRsMinGaussianStdDevLog2(dimension));
}

/** The smallest integer TUniform bound b passing both lines at `dimension`. */
export function minSecureTUniformBoundLog2(dimension: number): number {
  const concrete = concreteMinStdDevLog2(dimension);
  let b = tfheRsMinTUniformBoundLog2(dimension);
  while (Math.log2(tuniformIntegerVariance(b)) / 2 < concrete) b++;
  return b;
}

export interface KeySecurityVerdict {
  readonly key: 'LWE' | 'GLWE';
  /** n for the LWE key, k*N for the GLWE key. */
  readonly dimension: number;
  readonly noise: NoiseDistribution;
  /** log2 of the key noise's integer standard deviation (TUniform: of its uniform law). */
  readonly stdDevLog2: number;
  /** Curve (1): the minimum log2 sigma and whether stdDevLog2 reaches it. */
  readonly concrete128: { readonly minStdDevLog2: number; readonly ok: boolean };
  /** Line (2): the minimum in the noise's own unit (TUniform bound b, or Gaussian log2 sigma). */
  readonly tfheRs132: { readonly unit: 'boundLog2' | 'stdDevLog2'; readonly minimum: number; readonly actual: number; readonly ok: boolean };
  readonly secure: boolean;
  /** Why the key fails, naming the key, its dimension, its noise and the minimum required. */
  readonly problem?: string;
}

/** What the security rule reads from a set. */
export type SecurityParams = Pick<TfheParameterSet, 'name' | 'lweDimension' | 'glweDimension' | 'polynomialSize' | 'lweNoise' | 'glweNoise'>;

export interface SecurityReport {
  readonly secure: boolean;
  readonly lwe: KeySecurityVerdict;
  readonly glwe: KeySecurityVerdict;
}

/** Verdict for one key. Dimensions below 450 get secure = false with the refusal as problem. */
export function keySecurity(key: 'LWE' | 'GLWE', dimension: number, noise: NoiseDistribution): KeySecurityVerdict {
  const stdDevLog2 = noiseStdDevLog2(noise);
  const label = `${key} key (dimension ${dimension}, noise ${describeNoise(noise)}, sigma = 2^${stdDevLog2.toFixed(4)})`;
  if (!Number.isInteger(dimension) || dimension < MIN_SECURE_DIMENSION) {
    const nan = Number.NaN;
    return {
      key,
      dimension,
      noise,
      stdDevLog2,
      concrete128: { minStdDevLog2: nan, ok: false },
      tfheRs132: { unit: noise.kind === 'tuniform' ? 'boundLog2' : 'stdDevLog2', minimum: nan, actual: nan, ok: false },
      secure: false,
      problem: `${label}: dimension below ${MIN_SECURE_DIMENSION}, refused outright (no security estimate there)`,
    };
  }
  const concreteMin = concreteMinStdDevLog2(dimension);
  const concrete128 = { minStdDevLog2: concreteMin, ok: stdDevLog2 >= concreteMin };
  const tfheRs132 =
    noise.kind === 'tuniform'
      ? {
          unit: 'boundLog2' as const,
          minimum: tfheRsMinTUniformBoundLog2(dimension),
          actual: noise.boundLog2,
          ok: noise.boundLog2 >= tfheRsMinTUniformBoundLog2(dimension),
        }
      : (() => {
          const minimum = tfheRsMinGaussianStdDevLog2(dimension);
          return { unit: 'stdDevLog2' as const, minimum, actual: noise.stdDevLog2, ok: noise.stdDevLog2 >= minimum - GAUSSIAN_132_ROUNDING_TOLERANCE_LOG2 };
        })();
  const problems: string[] = [];
  if (!concrete128.ok) problems.push(`sigma must be >= 2^${concreteMin.toFixed(4)} (128-bit Concrete curve)`);
  if (!tfheRs132.ok) {
    problems.push(
      tfheRs132.unit === 'boundLog2'
        ? `TUniform bound must be >= TU(${tfheRs132.minimum}) (tfhe-rs 132-bit line)`
        : `sigma must be >= 2^${tfheRs132.minimum.toFixed(4)} (tfhe-rs 132-bit line)`,
    );
  }
  const secure = problems.length === 0;
  return { key, dimension, noise, stdDevLog2, concrete128, tfheRs132, secure, ...(secure ? {} : { problem: `${label}: ${problems.join('; ')}` }) };
}

/** Per-key security verdicts of `set` (LWE key: n with lweNoise; GLWE key: k*N with glweNoise). */
export function securityCheck(set: SecurityParams): SecurityReport {
  const lwe = keySecurity('LWE', set.lweDimension, set.lweNoise);
  const glwe = keySecurity('GLWE', set.glweDimension * set.polynomialSize, set.glweNoise);
  return { secure: lwe.secure && glwe.secure, lwe, glwe };
}

/** Throws unless both keys of `set` meet the security rule; the message names each failing key. */
export function assertSecure(set: SecurityParams): void {
  const report = securityCheck(set);
  if (report.secure) return;
  const problems = [report.lwe, report.glwe].filter((v) => !v.secure).map((v) => v.problem);
  throw new Error(`Parameter set "${set.name}" is not 128-bit secure: ${problems.join(' | ')}`);
}
