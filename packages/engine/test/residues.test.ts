// The residue encodings of CRT circuits (src/residues.ts): exact round trips under bounded noise,
// the CRT reconstruction over all of [0, M), and the signed output encoding at its ends.
import { describe, expect, it } from 'vitest';
import { crtReconstruct, decodeResidue, decodeSigned, encodeResidue, encodeSigned, residueDelta } from '@fhenet/engine';

const Q = 1n << 64n;
const noisy = (w: bigint, e: bigint) => (((w + e) % Q) + Q) % Q;

describe('residue encodings', () => {
  it('encodeResidue / decodeResidue: every residue of p = 3..31 survives noise just under D_p / 2, for negative inputs too', () => {
    for (let p = 3; p <= 31; p += 2) {
      // D_p p = 2^64 + e with |e| <= p/2: the decision boundaries sit within p of r D_p +- D_p / 2.
      const half = residueDelta(p) / 2n - 64n;
      for (let r = -2 * p; r < 2 * p; r++) {
        const want = ((r % p) + p) % p;
        for (const e of [0n, half, -half]) expect(decodeResidue(noisy(encodeResidue(r, p), e), p), `p=${p} r=${r}`).toBe(want);
      }
      // Past half a step the nearest residue changes: the decoder really rounds.
      expect(decodeResidue(noisy(encodeResidue(1, p), residueDelta(p) / 2n + 64n), p)).toBe(2 % p);
    }
  });

  it('crtReconstruct returns every u in [0, M) from its residues (moduli 7, 9, 11 and 3, 5, 7, 11)', () => {
    for (const moduli of [[7, 9, 11], [3, 5, 7, 11], [15]]) {
      const M = moduli.reduce((a, b) => a * b, 1);
      for (let u = 0; u < M; u++)
        expect(
          crtReconstruct(
            moduli.map((p) => u % p),
            moduli,
          ),
        ).toBe(u);
    }
    expect(() => crtReconstruct([0, 0], [9, 15])).toThrow(/not coprime/);
  });

  it('encodeSigned / decodeSigned: [-2^o, 2^o) round trips under noise below half a step', () => {
    for (const o of [3, 4, 10]) {
      const half = (1n << BigInt(64 - o - 2)) - 1n;
      for (let v = -(2 ** o); v < 2 ** o; v++) {
        for (const e of [0n, half, -half]) expect(decodeSigned(noisy(encodeSigned(v, o), e), o), `o=${o} v=${v}`).toBe(v);
      }
    }
  });
});
