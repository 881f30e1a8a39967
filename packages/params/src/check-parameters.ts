// The security rule applied to parameters as a server publishes them: GET /v1/circuit's
// `tfheRs.newParameters` (docs/http-api.md), the arguments a tfhe-rs client passes to
// `Shortint.new_parameters`, noise as tfhe-rs takes it (TUniform bound log2, or a Gaussian standard
// deviation in torus units). A client must run this (or its own copy of the rule) before it makes
// keys: the server chose these numbers, and a hostile or broken server could publish parameters
// whose keys leak the secret (issue 16, finding 3). Structure is checked first: anything that is
// not a number where one is expected is refused, not coerced.
import { CIPHERTEXT_MODULUS_LOG2 } from './distribution.js';
import { keySecurity, type KeySecurityVerdict } from './security.js';
import type { NoiseDistribution } from './types.js';

/** A noise argument as published: `Shortint.try_new_t_uniform(boundLog2)` or `new_gaussian_from_std_dev(stdDev)`. */
export type PublishedNoise = { readonly kind: 'tuniform'; readonly boundLog2: number } | { readonly kind: 'gaussian'; readonly stdDev: number };

/** The key-shaping fields of `tfheRs.newParameters` (the other fields do not change the keys' security). */
export interface PublishedKeyParameters {
  readonly lweDimension: number;
  readonly glweDimension: number;
  readonly polynomialSize: number;
  readonly lweNoise: PublishedNoise;
  readonly glweNoise: PublishedNoise;
}

export interface ParameterCheck {
  /** Both keys meet the 128-bit rule (security.ts). */
  readonly secure: boolean;
  readonly lwe: KeySecurityVerdict;
  readonly glwe: KeySecurityVerdict;
  /** One sentence per failing key, naming its dimension, noise and the minimum (empty when secure). */
  readonly problems: readonly string[];
}

function fail(field: string, expected: string, got: unknown): never {
  throw new Error(`published parameters: ${field} must be ${expected}, got ${JSON.stringify(got) ?? String(got)}`);
}

function dimension(v: unknown, field: string): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : fail(field, 'a positive integer', v);
}

/** A published noise argument as the rule's NoiseDistribution (integer units, log2). */
export function publishedNoise(v: unknown, field: string): NoiseDistribution {
  const n = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  if (n.kind === 'tuniform') {
    const b = n.boundLog2;
    // tfhe-rs: bound_log2 + 2 must fit the 64-bit torus.
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 62) fail(`${field}.boundLog2`, 'an integer in [0, 62]', b);
    return { kind: 'tuniform', boundLog2: b as number };
  }
  if (n.kind === 'gaussian') {
    const s = n.stdDev;
    if (typeof s !== 'number' || !(s > 0 && s < 0.5)) fail(`${field}.stdDev`, 'a standard deviation in torus units, in (0, 0.5)', s);
    return { kind: 'gaussian', stdDevLog2: Math.log2(s as number) + CIPHERTEXT_MODULUS_LOG2 };
  }
  return fail(`${field}.kind`, '"tuniform" or "gaussian"', n.kind);
}

/**
 * The 128-bit verdict on parameters as published (GET /v1/circuit `tfheRs.newParameters`): the
 * LWE key of dimension n with lweNoise, the GLWE key of dimension k*N with glweNoise. Throws on a
 * malformed object; returns `secure: false` with the reasons for weak but well-formed parameters.
 */
export function checkParameters(published: unknown): ParameterCheck {
  const p = (typeof published === 'object' && published !== null ? published : fail('(root)', 'an object', published)) as Record<string, unknown>;
  const n = dimension(p.lweDimension, 'lweDimension');
  const k = dimension(p.glweDimension, 'glweDimension');
  const N = dimension(p.polynomialSize, 'polynomialSize');
  const lwe = keySecurity('LWE', n, publishedNoise(p.lweNoise, 'lweNoise'));
  const glwe = keySecurity('GLWE', k * N, publishedNoise(p.glweNoise, 'glweNoise'));
  const problems = [lwe, glwe].filter((v) => !v.secure).map((v) => v.problem!);
  return { secure: problems.length === 0, lwe, glwe, problems };
}
