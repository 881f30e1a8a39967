// Structural checks of a parameter set (integers, powers of two, ranges). Sets arrive from
// files (circuit, key and ciphertext headers), so every reader starts here; the error names the
// field and the value so a corrupt or hand-edited file is easy to find.
import { MAX_GAUSSIAN_STD_DEV_LOG2, MAX_TUNIFORM_BOUND_LOG2 } from './distribution.js';
import type { DecompositionParams, NoiseDistribution, TfheParameterSet } from './types.js';

/**
 * Largest message width the engine handles (tables of 2^16 boxes). A plain lookup beyond 8 bits
 * needs N > 2^16 and is out of the optimizer's space; rounded lookups (decisions.ts) make 9+ bits
 * affordable.
 */
export const MAX_MESSAGE_BITS = 16;

function fail(field: string, expected: string, got: unknown): never {
  throw new Error(`Invalid TFHE parameter set: ${field} must be ${expected}, got ${JSON.stringify(got)}`);
}

function int(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, 'a finite number', value);
  return value;
}

function noise(value: unknown, field: string): NoiseDistribution {
  const v = (value ?? {}) as Record<string, unknown>;
  // Upper bounds: what the engine's samplers draw exactly (distribution.ts); security is a lower bound.
  if (v.kind === 'tuniform') return { kind: 'tuniform', boundLog2: int(v.boundLog2, `${field}.boundLog2`, 0, MAX_TUNIFORM_BOUND_LOG2) };
  if (v.kind === 'gaussian') {
    const s = finite(v.stdDevLog2, `${field}.stdDevLog2`);
    if (s < 0 || s > MAX_GAUSSIAN_STD_DEV_LOG2) fail(`${field}.stdDevLog2`, `in [0, ${MAX_GAUSSIAN_STD_DEV_LOG2}]`, s);
    return { kind: 'gaussian', stdDevLog2: s };
  }
  return fail(`${field}.kind`, '"tuniform" or "gaussian"', v.kind);
}

/** A decomposition (baseLog, levelCount, baseLog * levelCount <= 64); the error names `field`. */
export function assertDecompositionParams(value: unknown, field: string): DecompositionParams {
  const v = (value ?? {}) as Record<string, unknown>;
  const baseLog = int(v.baseLog, `${field}.baseLog`, 1, 63);
  const levelCount = int(v.levelCount, `${field}.levelCount`, 1, 64);
  // Digits beyond 64 bits would decompose bits that do not exist in a u64 torus element.
  if (baseLog * levelCount > 64) fail(`${field}`, 'baseLog * levelCount <= 64', { baseLog, levelCount });
  return { baseLog, levelCount };
}

/** The fields that shape keys and ciphertexts (what the fingerprint covers). */
export type KeyParameters = Pick<
  TfheParameterSet,
  'messageBits' | 'lweDimension' | 'glweDimension' | 'polynomialSize' | 'lweNoise' | 'glweNoise' | 'pbs' | 'keyswitch'
>;

function record(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) fail('the set', 'an object', value);
  return value as Record<string, unknown>;
}

/** Checks only the key-shaping fields (a fresh object holding them); throws naming the first bad one. */
export function assertKeyParameters(value: unknown): KeyParameters {
  const v = record(value);
  const polynomialSize = int(v.polynomialSize, 'polynomialSize', 2, 2 ** 20);
  if ((polynomialSize & (polynomialSize - 1)) !== 0) fail('polynomialSize', 'a power of two', polynomialSize);
  const messageBits = int(v.messageBits, 'messageBits', 1, MAX_MESSAGE_BITS);
  if (polynomialSize < 2 ** messageBits) fail('polynomialSize', `>= 2^messageBits = ${2 ** messageBits} (one box per message slot)`, polynomialSize);
  return {
    messageBits,
    lweDimension: int(v.lweDimension, 'lweDimension', 1, 1 << 16),
    glweDimension: int(v.glweDimension, 'glweDimension', 1, 64),
    polynomialSize,
    lweNoise: noise(v.lweNoise, 'lweNoise'),
    glweNoise: noise(v.glweNoise, 'glweNoise'),
    pbs: assertDecompositionParams(v.pbs, 'pbs'),
    keyswitch: assertDecompositionParams(v.keyswitch, 'keyswitch'),
  };
}

/**
 * Checks the shape of `value` and returns it as a TfheParameterSet (a fresh object holding only
 * the known fields). Throws naming the first bad field. Security is checked separately
 * (assertSecure), so a structurally valid but insecure set passes here.
 */
export function assertParameterSet(value: unknown): TfheParameterSet {
  const v = record(value);
  if (typeof v.name !== 'string' || v.name.length === 0) fail('name', 'a non-empty string', v.name);
  const keyParameters = assertKeyParameters(v);
  const maxNu = finite(v.maxNu, 'maxNu');
  if (maxNu <= 0) fail('maxNu', '> 0', maxNu);
  const log2PFail = finite(v.log2PFail, 'log2PFail');
  if (log2PFail > 0) fail('log2PFail', '<= 0 (log2 of a probability)', log2PFail);
  if (v.modulusSwitch !== 'centered' && v.modulusSwitch !== 'plain') {
    fail('modulusSwitch', '"centered" or "plain"', v.modulusSwitch);
  }
  return { name: v.name, ...keyParameters, maxNu, log2PFail, modulusSwitch: v.modulusSwitch };
}
