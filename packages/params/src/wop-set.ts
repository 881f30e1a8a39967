// WoP parameter sets read from files (structure) and their 128-bit security (docs/crt.md section 4:
// the PFKS keys are GLWE encryptions of dimension kN with the GLWE noise, so they take the GLWE
// key's bound).
import { keySecurity, securityCheck, type KeySecurityVerdict } from './security.js';
import type { WopParameterSet } from './types.js';
import { assertDecompositionParams, assertParameterSet } from './validate.js';

/**
 * Checks the shape of `value` as a WopParameterSet (everything assertParameterSet checks, plus
 * circuitBootstrap and packingKeyswitch, and messageBits >= 3: the smallest odd residue modulus
 * 3 needs ceil(log2 3) + 1 bits). Returns a fresh object with only the known fields; throws naming
 * the field, what was expected and what was found. Security is separate (assertWopSecure).
 */
export function assertWopParameterSet(value: unknown): WopParameterSet {
  const base = assertParameterSet(value);
  const v = value as Record<string, unknown>;
  if (base.messageBits < 3) {
    throw new Error(`Invalid WoP parameter set: messageBits must be >= 3 (ceil(log2 p_max) + 1 for an odd modulus p_max >= 3), got ${base.messageBits}`);
  }
  return {
    ...base,
    circuitBootstrap: assertDecompositionParams(v.circuitBootstrap, 'circuitBootstrap'),
    packingKeyswitch: assertDecompositionParams(v.packingKeyswitch, 'packingKeyswitch'),
  };
}

export interface WopSecurityReport {
  readonly secure: boolean;
  readonly lwe: KeySecurityVerdict;
  readonly glwe: KeySecurityVerdict;
  /** The PFKS keys: GLWE encryptions, dimension kN, GLWE noise (same rule as the GLWE key). */
  readonly packingKeyswitch: KeySecurityVerdict;
}

/** Per-key verdicts: LWE (KSK), GLWE (BSK) and the PFKS keys. */
export function wopSecurityCheck(set: WopParameterSet): WopSecurityReport {
  const base = securityCheck(set);
  const packingKeyswitch = keySecurity('GLWE', set.glweDimension * set.polynomialSize, set.glweNoise);
  return { secure: base.secure && packingKeyswitch.secure, lwe: base.lwe, glwe: base.glwe, packingKeyswitch };
}

/** Throws unless every key of the WoP set meets the security rule; the message names each failing key. */
export function assertWopSecure(set: WopParameterSet): void {
  const r = wopSecurityCheck(set);
  if (r.secure) return;
  const problems = [
    ...[r.lwe, r.glwe].filter((v) => !v.secure).map((v) => v.problem),
    ...(r.packingKeyswitch.secure ? [] : [`packing keyswitch keys: ${r.packingKeyswitch.problem}`]),
  ];
  throw new Error(`WoP parameter set "${set.name}" is not 128-bit secure: ${problems.join(' | ')}`);
}
