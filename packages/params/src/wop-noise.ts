// Noise of the WoP-PBS of CRT residues (docs/crt.md sections 3-5), derived only from the formulas
// of tfhe-parameters.md ("Noise model"); docs/parameters.md ("WoP-PBS sets for CRT stages") writes
// the derivation out. Variances are in torus units ((x/q)^2, q = 2^64), as in noise.ts.
//
// Three facts carry the derivation:
//  1. Var_PBS is n external products (one per blind-rotation step) with the BSK's GGSWs, so one
//     external product with a GGSW of noise s2_g, base B, l levels is Var_PBS / n with
//     s2_bsk -> s2_g and the PBS decomposition -> (B, l) (varExternalProduct; the test checks
//     n * varExternalProduct(BSK) === varPbs).
//  2. In that formula the GGSW's noise enters only through l(k+1)N s2_g (B^2/12 + 1/6): each output
//     coefficient is a sum, over rows, levels and the N coefficients of a row's noise polynomial,
//     of an independent zero-mean digit times that coefficient. So s2_g is the MEAN coefficient
//     variance over the GGSW's (k+1) rows (digits are independent of the noise, cross terms vanish).
//  3. A PFKS is the keyswitch formula with the GLWE key noise; a scalar error x that the row's
//     function places in the output lands as s_{c,i} x in coefficient i of a mask row (f = -S_c x:
//     mean coefficient variance E[s^2] Var(x) = Var(x)/2, the reference's own E[s^2] = 1/2 for a
//     binary key) and in coefficient 0 only of the body row (f = identity: mean Var(x)/N).
import { CIPHERTEXT_MODULUS_LOG2, noiseVariance } from './distribution.js';
import { log2PFailWithin, varExternalProduct, varKeyswitch, varModulusSwitch, varPbs, type GlweShape, type PbsNoiseParams } from './noise.js';
import type { DecompositionParams, TfheParameterSet, WopParameterSet } from './types.js';

const q2 = 2 ** (2 * CIPHERTEXT_MODULUS_LOG2);

// One external product lives beside varPbs (noise.ts): a PBS is n of them.
export { varExternalProduct, type GlweShape };

function checkVariance(value: number, field: string): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`${field} must be a finite variance >= 0 (torus units), got ${value}`);
}

/** Which GGSW row a PFKS produces: c < k computes -S_c x (mask rows), c = k the identity (body row). */
export type PackingRow = 'mask' | 'body';

export interface PackingKeyswitchNoise {
  /**
   * Key entries applied per level: kN + 1 for a mask row (the body b must be decomposed and go
   * through the key too, since -S_c b needs the secret), kN for the body row (b is copied).
   */
  readonly entries: number;
  /** Variance of EVERY output coefficient from the key encryptions' own noise: entries * l * s2_glwe * (B^2/12 + 1/6). */
  readonly keyNoise: number;
  /**
   * Variance of the scalar decomposition-rounding error before the row's function places it:
   * the keyswitch formula's kN (1/(48q^2) + 1/(24B^(2l))) (each input coefficient times a key bit,
   * E[s^2] = 1/2), plus, for a mask row, the body's own rounding times the constant -1:
   * 2 (1/(48q^2) + 1/(24B^(2l))). (The keyswitch's -1/(12q^2) + 1/(12q_out^2) is 0: q_out = q.)
   */
  readonly rounding: number;
  /** Mean coefficient variance the PFKS adds: keyNoise + rounding/2 (mask row) or keyNoise + rounding/N (body row). */
  readonly meanCoefficient: number;
  /** Worst coefficient (key bit 1, or coefficient 0 of the body row): keyNoise + rounding. */
  readonly worstCoefficient: number;
}

/** The PFKS's parameters: GLWE shape and key noise (PFKS keys are GLWE encryptions, docs/crt.md section 4). */
export type PackingKeyswitchNoiseParams = Pick<TfheParameterSet, 'glweDimension' | 'polynomialSize' | 'glweNoise'>;

/**
 * Noise a private functional packing keyswitch (input: LWE under the big key, dimension kN;
 * output: one GLWE row of the GGSW) adds, input noise excluded. Derived from the reference's
 * Var_KS = l kN s2_ksk (B^2/12 + 1/6) + kN (1/(48q^2) + 1/(24B^(2l))) - 1/(12q^2) + 1/(12q_out^2)
 * with s2_ksk -> s2_glwe (the PFKS keys' noise, a whole polynomial per entry).
 */
export function varPackingKeyswitch(p: PackingKeyswitchNoiseParams, decomposition: DecompositionParams, row: PackingRow): PackingKeyswitchNoise {
  if (row !== 'mask' && row !== 'body') throw new Error(`row must be "mask" or "body", got ${JSON.stringify(row)}`);
  const kN = p.glweDimension * p.polynomialSize;
  const l = decomposition.levelCount;
  const B = 2 ** decomposition.baseLog;
  const s2 = noiseVariance(p.glweNoise);
  const perCoefficient = 1 / (48 * q2) + 1 / (24 * B ** (2 * l)); // one input coefficient times a key bit
  const entries = row === 'mask' ? kN + 1 : kN;
  const keyNoise = l * entries * s2 * ((B * B) / 12 + 1 / 6);
  const rounding = row === 'mask' ? (kN + 2) * perCoefficient : kN * perCoefficient;
  const spread = row === 'mask' ? 1 / 2 : 1 / p.polynomialSize;
  return { entries, keyNoise, rounding, meanCoefficient: keyNoise + rounding * spread, worstCoefficient: keyNoise + rounding };
}

/** What the circuit bootstrapping's noise reads from a set. */
export type CircuitBootstrapNoiseParams = PbsNoiseParams & Pick<WopParameterSet, 'packingKeyswitch'>;

export interface GgswNoise {
  /** Variance of the level PBS output (the LWE the PFKS reads): varPbs(set) unless given. */
  readonly pbs: number;
  /** Mean coefficient variance of a mask row (c < k): (Var_PBS + rounding)/2 + keyNoise. */
  readonly maskRow: number;
  /** Mean coefficient variance of the body row (c = k): (Var_PBS + rounding)/N + keyNoise. */
  readonly bodyRow: number;
  /** (k maskRow + bodyRow) / (k+1): the s2_g the external product takes (fact 2 above). */
  readonly mean: number;
}

/**
 * The noise of a GGSW made by circuit bootstrapping (level PBS, then k+1 PFKS), row by row.
 * `levelOutputVariance`: the variance of the LWEs the PFKS read, by default the level PBS's
 * varPbs(set) (the parameter exists so a simulation can feed other inputs).
 */
export function ggswNoiseFromCircuitBootstrap(set: CircuitBootstrapNoiseParams, levelOutputVariance = varPbs(set)): GgswNoise {
  checkVariance(levelOutputVariance, 'levelOutputVariance');
  const k = set.glweDimension;
  const N = set.polynomialSize;
  const pbs = levelOutputVariance;
  const mask = varPackingKeyswitch(set, set.packingKeyswitch, 'mask');
  const body = varPackingKeyswitch(set, set.packingKeyswitch, 'body');
  const maskRow = (pbs + mask.rounding) / 2 + mask.keyNoise;
  const bodyRow = (pbs + body.rounding) / N + body.keyNoise;
  return { pbs, maskRow, bodyRow, mean: (k * maskRow + bodyRow) / (k + 1) };
}

/** s2_g of a circuit-bootstrapped GGSW: the mean coefficient variance of its rows (ggswNoiseFromCircuitBootstrap(set).mean). */
export function varGgswFromCircuitBootstrap(set: CircuitBootstrapNoiseParams): number {
  return ggswNoiseFromCircuitBootstrap(set).mean;
}

export type VerticalPackingNoiseParams = CircuitBootstrapNoiseParams & Pick<WopParameterSet, 'circuitBootstrap'>;

function checkSelectorBits(selectorBits: number): void {
  if (!Number.isInteger(selectorBits) || selectorBits < 1 || selectorBits > 64) {
    throw new Error(`selectorBits must be an integer in [1, 64], got ${selectorBits}`);
  }
}

/**
 * Variance of a vertical packing's output (LWE under the big key) over t selector bits: the
 * selected path crosses t CMuxes (t - log2 N in the tree, the rest in the blind rotation; a
 * monomial rotation and the sample extraction add nothing, the leaves are trivial), each adding
 * one external product with a circuit-bootstrapped GGSW: t * varExternalProduct(s2_g, B_cbs, l_cbs).
 */
export function varVerticalPacking(set: VerticalPackingNoiseParams, selectorBits: number): number {
  checkSelectorBits(selectorBits);
  return selectorBits * varExternalProduct(set, varGgswFromCircuitBootstrap(set), set.circuitBootstrap);
}

function checkModulus(modulus: number): void {
  if (!Number.isInteger(modulus) || modulus < 3 || modulus % 2 === 0 || modulus > 2 ** 31) {
    throw new Error(`residue modulus must be an odd integer in [3, 2^31], got ${modulus}`);
  }
}

/**
 * Worst-case drift of the native modular encoding (docs/crt.md section 1), in torus units:
 * |t e| <= (L1 (p-1)/p + 1) p/2 integer units, with L1 = sum |w_j| of the dot product's integer
 * weights (count the constant carrying bias and shift as one more weight of 1). Deterministic,
 * so it is taken off the margin rather than added to the variance.
 */
export function crtDrift(modulus: number, weightL1Norm: number): number {
  checkModulus(modulus);
  if (!(weightL1Norm >= 0) || !Number.isFinite(weightL1Norm)) throw new Error(`weightL1Norm must be a finite number >= 0, got ${weightL1Norm}`);
  return (weightL1Norm * (modulus - 1) + modulus) / 2 / 2 ** CIPHERTEXT_MODULUS_LOG2;
}

/**
 * L1 bound from the 2-norm alone: integer weights have |w| <= w^2, so sum |w| <= nu^2; plus 1 for
 * the constant. What the optimizer uses when it is not told the L1 norm.
 */
export function weightL1NormBound(nu: number): number {
  return nu * nu + 1;
}

/** Variance before a residue PBS decision: nu^2 Var_in + Var_KS + Var_MS (the set's modulus switch). */
export function varBeforeResidueDecision(set: TfheParameterSet, nu: number, inputVariance: number): number {
  if (!(nu >= 0) || !Number.isFinite(nu)) throw new Error(`nu must be a finite number >= 0, got ${nu}`);
  checkVariance(inputVariance, 'inputVariance');
  return nu * nu * inputVariance + varKeyswitch(set) + varModulusSwitch(set, set.modulusSwitch);
}

/**
 * log2 p_fail of one residue PBS decision (docs/crt.md section 5): erfc((1/(4p) - drift) /
 * (sqrt 2 sqrt s2)), s2 = nu^2 inputVariance + Var_KS + Var_MS. `inputVariance`: varVerticalPacking
 * of the producing stage, or varFreshEncryption(set.glweNoise) for client inputs; `drift` in torus
 * units (crtDrift). A keyswitched residue feeds b l_cbs PBS reading the same phase: one decision.
 */
export function log2PFailResidue(set: TfheParameterSet, modulus: number, nu: number, inputVariance: number, drift: number): number {
  checkModulus(modulus);
  const bits = Math.ceil(Math.log2(modulus));
  if (bits + 1 > set.messageBits) {
    throw new Error(`residue modulus ${modulus} needs messageBits >= ${bits + 1} (ceil(log2 p) + 1), set "${set.name}" has ${set.messageBits}`);
  }
  if (!(drift >= 0) || !Number.isFinite(drift)) throw new Error(`drift must be a finite number >= 0 (torus units), got ${drift}`);
  const margin = 1 / (4 * modulus) - drift;
  if (!(margin > 0)) throw new Error(`drift ${drift} (torus) leaves no margin for modulus ${modulus} (1/(4p) = ${1 / (4 * modulus)})`);
  return log2PFailWithin(margin, varBeforeResidueDecision(set, nu, inputVariance));
}

/**
 * log2 p_fail of the client's decryption of a last-stage output (docs/crt.md section 3 step 4):
 * the vertical packing writes T * D_out with D_out = 2^64 / 2^(o+1) for an o-bit output, the
 * client rounds to the nearest multiple of D_out, so it is right while the noise (Var_VP of t
 * selector bits, no keyswitch or modulus switch) stays within D_out / 2 = 2^-(o+2) torus.
 */
export function log2PFailOutputDecode(set: VerticalPackingNoiseParams, outputBits: number, selectorBits: number): number {
  if (!Number.isInteger(outputBits) || outputBits < 1 || outputBits > 60) throw new Error(`outputBits must be an integer in [1, 60], got ${outputBits}`);
  return log2PFailWithin(2 ** -(outputBits + 2), varVerticalPacking(set, selectorBits));
}
