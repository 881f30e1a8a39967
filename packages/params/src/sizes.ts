// Key and ciphertext sizes (tfhe-parameters.md, "Cost model and sizes"), in bytes of u64 words.
// Seeded forms store only bodies; masks are regenerated from a public seed.
import type { TfheParameterSet } from './types.js';

const WORD_BYTES = 8;

export interface KeySizes {
  /** Bootstrapping key, n GGSW ciphertexts: n*(k+1)^2*l*N words. */
  readonly bootstrapKeyBytes: number;
  /** Its Fourier form: n*(k+1)^2*l*(N/2) complex f64 = the same byte count. */
  readonly fourierBootstrapKeyBytes: number;
  /** Seeded bootstrapping key: n*(k+1)*l*N words. */
  readonly seededBootstrapKeyBytes: number;
  /** Keyswitching key kN -> n: kN*l_ks*(n+1) words. */
  readonly keyswitchKeyBytes: number;
  /** Seeded keyswitching key: kN*l_ks words. */
  readonly seededKeyswitchKeyBytes: number;
  /** A big-key LWE ciphertext (what clients send and linear layers use): (kN+1) words. */
  readonly bigCiphertextBytes: number;
  /** A small-key LWE ciphertext (after the keyswitch): (n+1) words. */
  readonly smallCiphertextBytes: number;
}

export function keySizes(set: Pick<TfheParameterSet, 'lweDimension' | 'glweDimension' | 'polynomialSize' | 'pbs' | 'keyswitch'>): KeySizes {
  const { lweDimension: n, glweDimension: k, polynomialSize: N } = set;
  const l = set.pbs.levelCount;
  const lKs = set.keyswitch.levelCount;
  const bsk = n * (k + 1) ** 2 * l * N * WORD_BYTES;
  return {
    bootstrapKeyBytes: bsk,
    fourierBootstrapKeyBytes: bsk,
    seededBootstrapKeyBytes: n * (k + 1) * l * N * WORD_BYTES,
    keyswitchKeyBytes: k * N * lKs * (n + 1) * WORD_BYTES,
    seededKeyswitchKeyBytes: k * N * lKs * WORD_BYTES,
    bigCiphertextBytes: (k * N + 1) * WORD_BYTES,
    smallCiphertextBytes: (n + 1) * WORD_BYTES,
  };
}
