// The noise model of tfhe-parameters.md ("Noise model"), term for term. Variances are in torus
// units ((x/q)^2, q = 2^64). It predicts the failure probability of one keyswitch + PBS; tfhe-rs
// reproduces its published p_fail with it, and so do we (test/noise.test.ts).
import { CIPHERTEXT_MODULUS_LOG2, noiseVariance } from './distribution.js';
import { log2Erfc } from './erfc.js';
import type { DecompositionParams, ModulusSwitch, NoiseDistribution, TfheParameterSet } from './types.js';

const q2 = 2 ** (2 * CIPHERTEXT_MODULUS_LOG2);
/** f64 mantissa bits: the FFT's rounding error grows with 2^(64 - 53). */
export const FFT_MANTISSA_BITS = 53;
/** Fitted constants of the FFT noise term (tfhe-rs, for the f64 negacyclic FFT). */
export const FFT_NOISE = { scale: 0.00705, levels: 1.01827, glweDim: 1.22003, polySize: 2.22003, glweSize: 1.01827 };

export type PbsNoiseParams = Pick<TfheParameterSet, 'lweDimension' | 'glweDimension' | 'polynomialSize' | 'pbs' | 'glweNoise'>;
export type KeyswitchNoiseParams = Pick<TfheParameterSet, 'glweDimension' | 'polynomialSize' | 'keyswitch' | 'lweNoise'>;
export type ModulusSwitchNoiseParams = Pick<TfheParameterSet, 'lweDimension' | 'polynomialSize'>;

/** What one external product's noise depends on besides the GGSW: the GLWE shape. */
export type GlweShape = Pick<TfheParameterSet, 'glweDimension' | 'polynomialSize'>;

/**
 * Variance one external product (one CMux) adds, with a GGSW whose rows' coefficients have mean
 * variance `s2Ggsw` (torus units), decomposed with `decomposition`:
 *   l(k+1)N s2_g (B^2/12 + 1/6) + (kN/2)(1/(48q^2) + 1/(24B^(2l))) + 1/(24B^(2l)) - 1/(24q^2)
 *   + 0.00705 * 2^(2 max(0, 64-53)) (B^2/q^2) l^1.01827 k^1.22003 N^2.22003 (k+1)^1.01827,
 * i.e. the bracket of the reference's Var_PBS (varPbs is n of these with the BSK noise: one formula,
 * one place).
 */
export function varExternalProduct(shape: GlweShape, s2Ggsw: number, decomposition: DecompositionParams): number {
  const t = externalProductNoiseTerms(shape, s2Ggsw, decomposition);
  return t.key + t.maskRounding + t.bodyRounding + t.fft;
}

/** The terms of varExternalProduct, apart (the multi-value PBS's covariance needs some of them). */
export interface ExternalProductNoiseTerms {
  /** l(k+1)N s2_g (B^2/12 + 1/6): the GGSW noise times the digits. */
  readonly key: number;
  /** (kN/2)(1/(48q^2) + 1/(24B^(2l))): the mask's decomposition rounding, through the binary GLWE key. */
  readonly maskRounding: number;
  /** 1/(24B^(2l)) - 1/(24q^2): the body's decomposition rounding. */
  readonly bodyRounding: number;
  /** The fitted f64 FFT term. */
  readonly fft: number;
}

export function externalProductNoiseTerms(shape: GlweShape, s2Ggsw: number, decomposition: DecompositionParams): ExternalProductNoiseTerms {
  if (!(s2Ggsw >= 0) || !Number.isFinite(s2Ggsw)) throw new Error(`s2Ggsw must be a finite variance >= 0 (torus units), got ${s2Ggsw}`);
  const { glweDimension: k, polynomialSize: N } = shape;
  const l = decomposition.levelCount;
  const B = 2 ** decomposition.baseLog;
  const precision = 1 / (24 * B ** (2 * l));
  return {
    key: l * (k + 1) * N * s2Ggsw * ((B * B) / 12 + 1 / 6),
    maskRounding: ((k * N) / 2) * (1 / (48 * q2) + precision),
    bodyRounding: precision - 1 / (24 * q2),
    fft:
      FFT_NOISE.scale *
      2 ** (2 * Math.max(0, CIPHERTEXT_MODULUS_LOG2 - FFT_MANTISSA_BITS)) *
      ((B * B) / q2) *
      l ** FFT_NOISE.levels *
      k ** FFT_NOISE.glweDim *
      N ** FFT_NOISE.polySize *
      (k + 1) ** FFT_NOISE.glweSize,
  };
}

/** Variance of a PBS output (blind rotation with BSK noise glweNoise, then sample extraction): n external products. */
export function varPbs(p: PbsNoiseParams): number {
  return p.lweDimension * varExternalProduct(p, noiseVariance(p.glweNoise), p.pbs);
}

/**
 * log2 of the modulus the engine's keyswitch computes in (packages/engine, docs/engine.md
 * "Keyswitch modulo 2^32"): it keeps each keyswitching-key word's top 32 bits and works mod 2^32.
 */
export const ENGINE_KEYSWITCH_MODULUS_LOG2 = 32;

/**
 * Variance added by the keyswitch from the big key (dimension kN) to the small key (n), whose
 * output is modulo q_out = 2^outputModulusLog2 (the engine's: 2^32; a 64-bit keyswitch such as
 * the packing keyswitch of the WoP-PBS: 64):
 *   l kN (s2_ksk + r) (B^2/12 + 1/6) + kN (1/(48q^2) + 1/(24B^(2l))) - 1/(12q^2) + 1/(12 q_out^2)
 * with r = 1/(12 q_out^2) when q_out < q: the key's words rounded to q_out (uniform error of
 * half a step) add to its noise. The reference's formula is the one with q_out = q, r = 0.
 */
export function varKeyswitch(p: KeyswitchNoiseParams, outputModulusLog2: number = ENGINE_KEYSWITCH_MODULUS_LOG2): number {
  if (!Number.isInteger(outputModulusLog2) || outputModulusLog2 < 1 || outputModulusLog2 > CIPHERTEXT_MODULUS_LOG2) {
    throw new Error(`outputModulusLog2 must be an integer in 1..${CIPHERTEXT_MODULUS_LOG2}, got ${outputModulusLog2}`);
  }
  const kN = p.glweDimension * p.polynomialSize;
  const l = p.keyswitch.levelCount;
  const B = 2 ** p.keyswitch.baseLog;
  const qOut2 = 2 ** (2 * outputModulusLog2);
  const ksk = noiseVariance(p.lweNoise) + (outputModulusLog2 < CIPHERTEXT_MODULUS_LOG2 ? 1 / (12 * qOut2) : 0);
  return l * kN * ksk * ((B * B) / 12 + 1 / 6) + kN * (1 / (48 * q2) + 1 / (24 * B ** (2 * l))) - 1 / (12 * q2) + 1 / (12 * qOut2);
}

/** Variance added by the modulus switch from q to 2N (rounding of the n mask elements and the body). */
export function varModulusSwitch(p: ModulusSwitchNoiseParams, kind: ModulusSwitch = 'centered'): number {
  const n = p.lweDimension;
  const twoN2 = (2 * p.polynomialSize) ** 2;
  return kind === 'centered' ? n * (1 / (24 * q2) + 1 / (48 * twoN2)) : n * (1 / (48 * q2) + 1 / (24 * twoN2)) - 1 / (12 * q2) + 1 / (12 * twoN2);
}

/**
 * Variance of a fresh encryption with `noise`. Client inputs are encrypted under the big key
 * (dimension kN) with the set's glweNoise, so their variance is varFreshEncryption(set.glweNoise).
 */
export function varFreshEncryption(noise: NoiseDistribution): number {
  return noiseVariance(noise);
}

export interface DecisionNoiseOptions {
  /** 2-norm of the integer weights feeding the PBS; default the set's maxNu. */
  readonly nu?: number;
  /** Default the set's own modulusSwitch. */
  readonly modulusSwitch?: ModulusSwitch;
  /** Variance of each dot-product input; default varPbs(set) (inputs are PBS outputs). */
  readonly inputVariance?: number;
}

/** Variance at the PBS decision: s2 = nu^2 * Var_in + Var_KS + Var_MS. */
export function varBeforeDecision(set: TfheParameterSet, options: DecisionNoiseOptions = {}): number {
  const nu = options.nu ?? set.maxNu;
  if (!(nu >= 0) || !Number.isFinite(nu)) throw new Error(`nu must be a finite number >= 0, got ${nu}`);
  const input = options.inputVariance ?? varPbs(set);
  return nu * nu * input + varKeyswitch(set) + varModulusSwitch(set, options.modulusSwitch ?? set.modulusSwitch);
}

export interface PFailOptions extends DecisionNoiseOptions {
  /** Message bits of the encoding; default the set's messageBits. */
  readonly messageBits?: number;
}

/** log2 of the failure probability of one PBS: erfc((1/(4p)) / (sqrt(2) * sqrt(s2))). */
export function log2PFail(set: TfheParameterSet, options: PFailOptions = {}): number {
  const bits = options.messageBits ?? set.messageBits;
  return log2PFailFromVariance(bits, varBeforeDecision(set, options));
}

/** Half a message slot, delta/2 = 1/(4p) in torus units: the tolerance of a plain p-bit lookup. */
export function halfSlot(messageBits: number): number {
  return 1 / (4 * 2 ** messageBits);
}

/** log2 p_fail of one PBS decision with `variance` (torus units) for a 2^messageBits encoding. */
export function log2PFailFromVariance(messageBits: number, variance: number): number {
  return log2PFailWithin(halfSlot(messageBits), variance);
}

/**
 * log2 p_fail of a decision that is right while its centred Gaussian noise (variance `variance`)
 * stays within +-`tolerance` (both torus units): erfc(tolerance / (sqrt 2 * sqrt s2)). A plain
 * lookup's tolerance is halfSlot(bits); a rounded lookup and the bit extractions before it have
 * wider ones (decisions.ts).
 */
export function log2PFailWithin(tolerance: number, variance: number): number {
  if (!(variance > 0)) throw new Error(`variance must be > 0, got ${variance}`);
  if (!(tolerance > 0 && tolerance <= 0.5)) throw new Error(`tolerance must be in (0, 1/2] (torus units), got ${tolerance}`);
  return log2Erfc(tolerance / (Math.SQRT2 * Math.sqrt(variance)));
}
