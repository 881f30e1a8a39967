// Bridges @fhenet/params' TfheParameterSet to the engine: security refusal and the 32-byte
// parameter fingerprint written into every serialized key and ciphertext header.
import { createHash } from 'node:crypto';
import { native, type NativeParams } from './native.js';

/** Noise of a key's encryptions (torus scale 2^64); same shape as @fhenet/params' NoiseDistribution. */
export type NoiseSpec =
  | { readonly kind: 'tuniform'; readonly boundLog2: number }
  | { readonly kind: 'gaussian'; readonly stdDevLog2: number };

/**
 * The fields of @fhenet/params' TfheParameterSet that the engine reads, declared structurally so
 * a TfheParameterSet from that package is accepted as is.
 */
export interface TfheParameterSet extends NativeParams {
  readonly name: string;
  readonly lweNoise: NoiseSpec;
  readonly glweNoise: NoiseSpec;
}

/** Message slots p = 2^messageBits (without the padding bit). */
export function messageModulus(set: TfheParameterSet): number {
  return 2 ** set.messageBits;
}

/**
 * Throws (naming the bound) if the set is malformed or below the 128-bit security floor. The
 * native layer repeats the check before any key is made, so an insecure set never gets keys.
 */
export function assertEngineParams(set: TfheParameterSet): NativeParams {
  native.validateParams(set);
  return set;
}

/**
 * SHA-256 of the canonical encoding of every field the engine depends on. Two sets with equal
 * fingerprints produce interchangeable keys and ciphertexts; any difference is refused on load.
 */
export function engineFingerprint(set: TfheParameterSet): Buffer {
  const noise = (d: TfheParameterSet['lweNoise']) =>
    d.kind === 'tuniform' ? `tu:${d.boundLog2}` : `g:${d.stdDevLog2}`;
  const canonical = [
    'fhenet-tfhe-v1',
    `bits=${set.messageBits}`,
    `n=${set.lweDimension}`,
    `k=${set.glweDimension}`,
    `N=${set.polynomialSize}`,
    `lwe=${noise(set.lweNoise)}`,
    `glwe=${noise(set.glweNoise)}`,
    `pbs=${set.pbs.baseLog}/${set.pbs.levelCount}`,
    `ks=${set.keyswitch.baseLog}/${set.keyswitch.levelCount}`,
  ].join(';');
  return createHash('sha256').update(canonical).digest();
}
