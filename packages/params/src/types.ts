// TFHE parameters, every one named (after tfhe-rs core_crypto), so two swapped integers are
// visible at a glance in every call and every file.

/** Noise distribution of a key's encryptions. */
export type NoiseDistribution =
  /** TUniform TU(b): integers in [-2^b, 2^b] (torus scale 2^64). */
  | { readonly kind: 'tuniform'; readonly boundLog2: number }
  /** Centered Gaussian with integer standard deviation 2^stdDevLog2 (torus scale 2^64). */
  | { readonly kind: 'gaussian'; readonly stdDevLog2: number };

export interface DecompositionParams {
  /** log2 of the decomposition base B. */
  readonly baseLog: number;
  /** Number of levels l. */
  readonly levelCount: number;
}

/**
 * How the keyswitched ciphertext is rounded from q = 2^64 to 2N before blind rotation.
 * 'centered' subtracts the expected rounding drift and is what the published 2^-128 sets need;
 * 'plain' is ordinary rounding (the 2^-64 example is rated with it).
 */
export type ModulusSwitch = 'centered' | 'plain';

/** One complete keyswitch-then-PBS parameter set (binary secret keys, q = 2^64). */
export interface TfheParameterSet {
  /** Stable human name, e.g. "TUNIFORM_4BIT_2M128". */
  readonly name: string;
  /** Message bits carried by a ciphertext (without the padding bit): p = 2^messageBits. */
  readonly messageBits: number;
  /** Small LWE dimension n (keyswitch output, blind-rotation input). */
  readonly lweDimension: number;
  /** GLWE dimension k. */
  readonly glweDimension: number;
  /** Polynomial size N (a power of two). */
  readonly polynomialSize: number;
  readonly lweNoise: NoiseDistribution;
  readonly glweNoise: NoiseDistribution;
  readonly pbs: DecompositionParams;
  readonly keyswitch: DecompositionParams;
  /** Largest 2-norm of a dot product feeding a PBS that the set is rated for. */
  readonly maxNu: number;
  /** log2 of the predicted failure probability of one PBS at maxNu (noise model). */
  readonly log2PFail: number;
  /** The modulus switch log2PFail assumes; the runtime must use it for the rating to hold. */
  readonly modulusSwitch: ModulusSwitch;
}

/**
 * A parameter set for WoP-PBS lookups of CRT residues (docs/crt.md sections 3-5): the keyswitch
 * and PBS of `TfheParameterSet` (the PBS evaluates residue functions and the circuit-bootstrapping
 * levels), plus the two decompositions only the WoP-PBS uses. messageBits = ceil(log2 p_max) + 1
 * for the largest residue modulus p_max (so N >= 2 p_max: the residue test polynomial has room).
 * maxNu and log2PFail rate one residue decision (wop-noise.ts, log2PFailResidue) at maxNu, the
 * largest modulus and inputs coming from vertical packings of the optimizer's maxSelectorBits
 * (wop-optimizer.ts reports both with the set).
 */
export interface WopParameterSet extends TfheParameterSet {
  /**
   * GGSW gadget of the circuit bootstrapping: l_cbs level PBS per selector bit, producing the
   * GGSW rows of mu q / B_cbs^j; also the decomposition of every CMux of the vertical packing.
   */
  readonly circuitBootstrap: DecompositionParams;
  /** Decomposition of the private functional packing keyswitch (PFKS) keys (LWE kN -> GLWE). */
  readonly packingKeyswitch: DecompositionParams;
}
