import { describe, expect, it } from 'vitest';
import {
  ENGINE_KEYSWITCH_MODULUS_LOG2,
  erfc,
  log2Erfc,
  log2PFail,
  log2PFailFromVariance,
  log2PFailPerPbsFor,
  pFailPerInference,
  publishedSet,
  varBeforeDecision,
  varFreshEncryption,
  varKeyswitch,
  varModulusSwitch,
  varPbs,
} from '@fhenet/params';

describe('log2Erfc', () => {
  it('matches erfc values on both sides of the series / fraction switch', () => {
    const known: [number, number][] = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [0.1, 0.8875370839817152],
      [1, 0.15729920705028513],
      [1.5, 0.033894853524689274],
      [1.999, 0.004698443348629488],
      [2, 0.004677734981047266],
      [2.5, 0.0004069520174449589],
      [4, 1.541725790028002e-8],
      [6, 2.1519736712498916e-17],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
      [-1, 1.8427007929497148],
    ];
    for (const [x, v] of known) expect(erfc(x) / v, `erfc(${x})`).toBeCloseTo(1, 11);
  });

  it('stays finite far past double underflow (asymptotic ln erfc ~ -x^2 - ln(x sqrt(pi)))', () => {
    const x = 100;
    const expected = (-x * x - Math.log(x * Math.sqrt(Math.PI)) + Math.log(1 - 1 / (2 * x * x) + 3 / (4 * x ** 4))) / Math.LN2;
    expect(log2Erfc(x)).toBeCloseTo(expected, 8);
    expect(erfc(100)).toBe(0);
    expect(() => log2Erfc(Number.NaN)).toThrow(/NaN/);
  });
});

describe('noise model', () => {
  it('reproduces the published log2 p_fail of every TUniform set at its max nu within 0.1', () => {
    for (const [bits, published] of [
      [2, -144.3],
      [4, -129.6],
      [6, -129.0],
      [8, -141.6],
    ] as const) {
      expect(Math.abs(log2PFail(publishedSet(bits)) - published), `${bits} bits`).toBeLessThan(0.1);
    }
  });

  it('gives the reference check values: -129.6 (4-bit 2^-128) and -72.2 (4-bit 2^-64, plain switch)', () => {
    expect(log2PFail(publishedSet(4))).toBeCloseTo(-129.6, 1);
    expect(log2PFail(publishedSet(4, 'tuniform', '2^-64'))).toBeCloseTo(-72.2, 1);
  });

  it('the plain modulus switch reaches only ~2^-68..2^-78 on the 2^-128 sets up to 6 bits', () => {
    // The model gives -78.5, -72.8, -67.6 for 2, 4, 6 bits; 8 bits (N = 65536, tiny switch noise) gives -112.0.
    for (const bits of [2, 4, 6]) {
      const plain = log2PFail(publishedSet(bits), { modulusSwitch: 'plain' });
      expect(plain, `${bits} bits`).toBeGreaterThan(-80);
      expect(plain).toBeLessThan(-65);
    }
    expect(log2PFail(publishedSet(8), { modulusSwitch: 'plain' })).toBeGreaterThan(-128);
  });

  it('every Gaussian set is <= 2^-128 at its max nu', () => {
    for (let bits = 1; bits <= 8; bits++) {
      const s = publishedSet(bits, 'gaussian');
      expect(log2PFail(s), s.name).toBeLessThanOrEqual(-128);
      expect(s.log2PFail).toBe(log2PFail(s));
    }
  });

  it('terms: fresh TU variance, centered < plain switch, total = nu^2 Var_PBS + Var_KS + Var_MS', () => {
    expect(varFreshEncryption({ kind: 'tuniform', boundLog2: 0 })).toBe(0.5 * 2 ** -128); // TU(0): {-1,0,1} w.p. 1/4,1/2,1/4
    expect(varFreshEncryption({ kind: 'gaussian', stdDevLog2: 10 })).toBe(2 ** -108);
    const s = publishedSet(4);
    expect(varModulusSwitch(s, 'centered')).toBeLessThan(varModulusSwitch(s, 'plain'));
    const total = 25 * varPbs(s) + varKeyswitch(s) + varModulusSwitch(s, 'centered');
    expect(varBeforeDecision(s)).toBe(total);
    expect(log2PFail(s)).toBe(log2PFailFromVariance(4, total));
    // A fresh input instead of a PBS output, and a smaller nu, both lower p_fail.
    expect(log2PFail(s, { nu: 1 })).toBeLessThan(log2PFail(s));
    expect(log2PFail(s, { messageBits: 3 })).toBeLessThan(log2PFail(s));
    expect(() => varBeforeDecision(s, { nu: -1 })).toThrow(/nu must be/);
  });
});

describe('failure per inference', () => {
  it('is c*p for tiny p and stable where 1-p rounds to 1', () => {
    expect(pFailPerInference(-128, 1e6) / (1e6 * 2 ** -128)).toBeCloseTo(1, 12);
    expect(pFailPerInference(-1, 2)).toBeCloseTo(0.75, 15);
    expect(pFailPerInference(-40, 0)).toBe(0);
  });
  it('inverts: the per-PBS budget that gives the inference budget', () => {
    const log2p = log2PFailPerPbsFor(1e-5, 10_000);
    expect(pFailPerInference(log2p, 10_000)).toBeCloseTo(1e-5, 15);
    expect(() => log2PFailPerPbsFor(0, 10)).toThrow(/pErrorPerInference/);
    expect(() => pFailPerInference(-10, 1.5)).toThrow(/pbsCount/);
  });
});

describe('keyswitch modulo 2^32 (the engine keeps the key words top 32 bits)', () => {
  it('adds the rounded key words and the 2^32 output rounding to the 64-bit formula, nothing else', () => {
    for (const bits of [2, 4, 6, 8] as const) {
      const s = publishedSet(bits);
      const kN = s.glweDimension * s.polynomialSize;
      const B = 2 ** s.keyswitch.baseLog;
      const extra = s.keyswitch.levelCount * kN * ((B * B) / 12 + 1 / 6) * (1 / (12 * 2 ** 64)) + 1 / (12 * 2 ** 64) - 1 / (12 * 2 ** 128);
      // (The difference of two variances ~2^20 times larger keeps ~6 significant digits.)
      expect((varKeyswitch(s) - varKeyswitch(s, 64)) / extra).toBeCloseTo(1, 5);
      expect(varKeyswitch(s)).toBe(varKeyswitch(s, ENGINE_KEYSWITCH_MODULUS_LOG2));
      // Negligible next to the keyswitch noise itself: below 2^-18 of it on every published set
      // (2^-30 at 2 bits, 2^-18.3 at 8 bits, whose key noise is the smallest).
      expect(extra / varKeyswitch(s, 64)).toBeLessThan(2 ** -18);
    }
    expect(() => varKeyswitch(publishedSet(4), 65)).toThrow(/outputModulusLog2 must be an integer in 1\.\.64, got 65/);
  });
});
