// Key sizes and cost of the WoP-PBS of CRT residues (docs/crt.md sections 3-4), in the units and
// named terms of cost.ts (one FFT butterfly-equivalent; COST_WEIGHTS):
//  - a blind rotation step and a CMux are the same work (one external product plus the linear
//    accumulator update), so a CMux costs one iteration of cost.ts's PBS (its fft, product and
//    rotation terms with n = 1, the CBS decomposition in place of the PBS one);
//  - turning a GGSW into Fourier form is (k+1) l_cbs rows of (k+1) forward FFTs: fft term only;
//  - a PFKS is kN(+1) x l scalar-times-key-row multiply-adds streaming a key from memory, the
//    same kind of work as the LWE keyswitch, so each of its (k+1)N-word row updates is priced with
//    the keyswitch weight per word (COST_WEIGHTS.keyswitch). No PFKS has been measured on the
//    engine yet: that weight is the assumption to check first when one is.
import { COST_WEIGHTS, costTerms, fftCost, pbsCost, type CostParams } from './cost.js';
import { keySizes, type KeySizes } from './sizes.js';
import type { DecompositionParams, WopParameterSet } from './types.js';

const WORD_BYTES = 8;

export type WopShapeParams = CostParams & Pick<WopParameterSet, 'circuitBootstrap' | 'packingKeyswitch'>;

export interface WopKeySizes extends KeySizes {
  /**
   * The k+1 PFKS keys: keys c < k have kN+1 entries (the body goes through the key), key k has kN;
   * each entry is l_pfks GLWE ciphertexts of (k+1)N words: (k(kN+1) + kN) l_pfks (k+1) N words.
   */
  readonly packingKeyswitchKeyBytes: number;
  /** Seeded (bodies only): (k(kN+1) + kN) l_pfks N words. */
  readonly seededPackingKeyswitchKeyBytes: number;
}

function pfksEntries(k: number, N: number): number {
  return k * (k * N + 1) + k * N;
}

export function wopKeySizes(set: WopShapeParams): WopKeySizes {
  const { glweDimension: k, polynomialSize: N } = set;
  const lPfks = set.packingKeyswitch.levelCount;
  return {
    ...keySizes(set),
    packingKeyswitchKeyBytes: pfksEntries(k, N) * lPfks * (k + 1) * N * WORD_BYTES,
    seededPackingKeyswitchKeyBytes: pfksEntries(k, N) * lPfks * N * WORD_BYTES,
  };
}

/** Cost of one CMux (= one blind-rotation iteration) with `decomposition`. */
export function cmuxCost(shape: Pick<CostParams, 'glweDimension' | 'polynomialSize'>, decomposition: DecompositionParams): number {
  return pbsCost({ ...shape, lweDimension: 1, pbs: decomposition, keyswitch: { baseLog: 1, levelCount: 1 } }).pbs;
}

/** Cost of the k+1 PFKS of one circuit-bootstrapping level: (k(kN+1) + kN) l_pfks multiply-adds of (k+1)N words, keyswitch weight. */
export function packingKeyswitchCost(set: Pick<WopShapeParams, 'glweDimension' | 'polynomialSize' | 'packingKeyswitch'>): number {
  const { glweDimension: k, polynomialSize: N } = set;
  return COST_WEIGHTS.keyswitch * pfksEntries(k, N) * set.packingKeyswitch.levelCount * (k + 1) * N;
}

/** Forward FFTs of one GGSW into Fourier form: (k+1)^2 l_cbs size-N FFTs. */
export function ggswFourierCost(set: Pick<WopShapeParams, 'glweDimension' | 'polynomialSize' | 'circuitBootstrap'>): number {
  const k = set.glweDimension;
  return COST_WEIGHTS.fft * (k + 1) ** 2 * set.circuitBootstrap.levelCount * fftCost(set.polynomialSize);
}

export interface CircuitBootstrapBitCost {
  /** l_cbs blind rotations (the residue's one keyswitch is counted per residue, not per bit). */
  readonly blindRotations: number;
  /** l_cbs (k+1) PFKS. */
  readonly packingKeyswitches: number;
  readonly ggswFourier: number;
  readonly total: number;
}

/** One selector bit: l_cbs PBS (blind rotation only) + l_cbs (k+1) PFKS + the GGSW's FFTs. */
export function circuitBootstrapBitCost(set: WopShapeParams): CircuitBootstrapBitCost {
  const l = set.circuitBootstrap.levelCount;
  const blindRotations = l * pbsCost(set).pbs;
  const packingKeyswitches = l * packingKeyswitchCost(set);
  const ggswFourier = ggswFourierCost(set);
  return { blindRotations, packingKeyswitches, ggswFourier, total: blindRotations + packingKeyswitches + ggswFourier };
}

/** CMuxes of one vertical packing over t selector bits: a tree of 2^(t - log2 N) - 1 (if t > log2 N), then min(t, log2 N) rotation steps. */
export function verticalPackingCmuxCount(selectorBits: number, polynomialSize: number): number {
  if (!Number.isInteger(selectorBits) || selectorBits < 1 || selectorBits > 40)
    throw new Error(`selectorBits must be an integer in [1, 40], got ${selectorBits}`);
  const logN = Math.log2(polynomialSize);
  return Math.max(0, 2 ** (selectorBits - logN) - 1) + Math.min(selectorBits, logN);
}

/** Cost of one vertical packing of t selector bits (the GGSWs are made once per neuron, circuitBootstrapBitCost). */
export function verticalPackingCost(set: Pick<WopShapeParams, 'glweDimension' | 'polynomialSize' | 'circuitBootstrap'>, selectorBits: number): number {
  return verticalPackingCmuxCount(selectorBits, set.polynomialSize) * cmuxCost(set, set.circuitBootstrap);
}

/** The shape of one CRT neuron lookup. */
export interface CrtLookupShape {
  /** m residues (one keyswitch each). */
  readonly residues: number;
  /** t = sum ceil(log2 p_i). */
  readonly selectorBits: number;
  /** Vertical packings per neuron: m' for a next CRT stage, 1 for a dequantized output. */
  readonly outputs: number;
}

/** The shape of a lookup with `moduli` and `outputs` output encodings. */
export function crtLookupShape(moduli: readonly number[], outputs: number): CrtLookupShape {
  if (moduli.length === 0) throw new Error('moduli must hold at least one modulus, got []');
  for (const p of moduli) {
    if (!Number.isInteger(p) || p < 3 || p % 2 === 0) throw new Error(`every modulus must be an odd integer >= 3, got ${p} in ${JSON.stringify(moduli)}`);
  }
  return { residues: moduli.length, selectorBits: moduli.reduce((t, p) => t + Math.ceil(Math.log2(p)), 0), outputs };
}

export interface CrtLookupCost {
  /** m keyswitches kN -> n (one per residue, shared by its bits and levels). */
  readonly keyswitch: number;
  /** t l_cbs blind rotations. */
  readonly blindRotations: number;
  /** t l_cbs (k+1) PFKS. */
  readonly packingKeyswitches: number;
  /** t GGSWs to Fourier form. */
  readonly ggswFourier: number;
  /** outputs vertical packings. */
  readonly verticalPacking: number;
  readonly total: number;
}

/** Cost of one CRT neuron lookup (docs/crt.md section 3), cost.ts units. */
export function crtLookupCost(set: WopShapeParams, shape: CrtLookupShape): CrtLookupCost {
  const { residues, selectorBits: t, outputs } = shape;
  if (!Number.isInteger(residues) || residues < 1) throw new Error(`residues must be an integer >= 1, got ${residues}`);
  if (!Number.isInteger(outputs) || outputs < 1) throw new Error(`outputs must be an integer >= 1, got ${outputs}`);
  const bit = circuitBootstrapBitCost(set);
  const keyswitch = residues * COST_WEIGHTS.keyswitch * costTerms(set).keyswitchProducts;
  const blindRotations = t * bit.blindRotations;
  const packingKeyswitches = t * bit.packingKeyswitches;
  const ggswFourier = t * bit.ggswFourier;
  const verticalPacking = outputs * verticalPackingCost(set, t);
  return {
    keyswitch,
    blindRotations,
    packingKeyswitches,
    ggswFourier,
    verticalPacking,
    total: keyswitch + blindRotations + packingKeyswitches + ggswFourier + verticalPacking,
  };
}
