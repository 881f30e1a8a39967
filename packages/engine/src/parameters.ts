// Bridges @fhenet/params' TfheParameterSet to the engine: security refusal and the 32-byte
// parameter fingerprint written into every serialized key and ciphertext header.
import {
  assertSecure,
  assertWopParameterSet,
  assertWopSecure,
  parameterFingerprint,
  wopParameterFingerprint,
  type NoiseDistribution,
  type TfheParameterSet,
  type WopParameterSet,
} from '@fhenet/params';
import { native, type NativeParams, type NativeWopParams } from './native.js';

export type { TfheParameterSet, WopParameterSet };
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

/** assertEngineParams for a WoP-PBS set: structure (circuitBootstrap, packingKeyswitch) and every key incl. the PFKS keys secure. */
export function assertWopEngineParams(set: WopParameterSet): NativeWopParams {
  const checked = assertWopParameterSet(set);
  assertWopSecure(checked);
  assertEngineParams(set);
  return set;
}

/** 32-byte WoP fingerprint (base fields + circuitBootstrap + packingKeyswitch): the PFKS key headers carry it. */
export function wopEngineFingerprint(set: WopParameterSet): Buffer {
  return Buffer.from(wopParameterFingerprint(set), 'hex');
}
