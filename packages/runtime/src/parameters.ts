// Bridges @fhenet/params' TfheParameterSet to the engine: security refusal and the 32-byte
// parameter fingerprint written into every serialized key and ciphertext header.
import { assertSecure, parameterFingerprint, type NoiseDistribution, type TfheParameterSet } from '@fhenet/params';
import { native, type NativeParams } from './native.js';

export type { TfheParameterSet };
/** Noise of a key's encryptions (torus scale 2^64): @fhenet/params' NoiseDistribution. */
export type NoiseSpec = NoiseDistribution;

/** Message slots p = 2^messageBits (without the padding bit). */
export function messageModulus(set: TfheParameterSet): number {
  return 2 ** set.messageBits;
}

/**
 * Throws (naming the bound) if the set is malformed or below the 128-bit security floor
 * (@fhenet/params' assertSecure). The native layer repeats the check before any key is made, so
 * an insecure set never gets keys whoever calls it.
 */
export function assertEngineParams(set: TfheParameterSet): NativeParams {
  assertSecure(set);
  native.validateParams(set);
  return set;
}

/**
 * The 32-byte form of @fhenet/params' parameterFingerprint (SHA-256 of the canonical encoding of
 * every field that shapes keys and ciphertexts), written into every serialized header. Two sets
 * with equal fingerprints produce interchangeable keys and ciphertexts; any difference is refused.
 */
export function engineFingerprint(set: TfheParameterSet): Buffer {
  return Buffer.from(parameterFingerprint(set), 'hex');
}
