import { describe, expect, it } from 'vitest';
import {
  assertWopParameterSet,
  canonicalParameterEncoding,
  gcd,
  canonicalWopParameterEncoding,
  chooseCrtModuli,
  crtDrift,
  crtLookupCost,
  crtLookupShape,
  ggswNoiseFromCircuitBootstrap,
  log2PFailOutputDecode,
  log2PFailResidue,
  minSecureTUniformBoundLog2,
  noiseVariance,
  optimizeCrtStage,
  optimizeWopParameters,
  parameterFingerprint,
  pbsCost,
  pFailPerInference,
  publishedSet,
  publishedSets,
  residueBits,
  securityCheck,
  varExternalProduct,
  varFreshEncryption,
  varGgswFromCircuitBootstrap,
  varKeyswitch,
  varModulusSwitch,
  varPackingKeyswitch,
  varPbs,
  varVerticalPacking,
  verticalPackingCmuxCount,
  wopKeySizes,
  wopParameterFingerprint,
  wopSecurityCheck,
  type WopParameterSet,
} from '@fhenet/params';

const tu = (boundLog2: number) => ({ kind: 'tuniform' as const, boundLog2 });

/** A secure WoP set used as a fixture (k = 1, N = 2048: GLWE TU(17) is the secure minimum). */
const SET: WopParameterSet = {
  name: 'TEST_WOP',
  messageBits: 6,
  lweDimension: 839,
  glweDimension: 1,
  polynomialSize: 2048,
  lweNoise: tu(minSecureTUniformBoundLog2(839)),
  glweNoise: tu(17),
  pbs: { baseLog: 9, levelCount: 4 },
  keyswitch: { baseLog: 1, levelCount: 15 },
  maxNu: 8,
  log2PFail: -36,
  modulusSwitch: 'centered',
  circuitBootstrap: { baseLog: 9, levelCount: 2 },
  packingKeyswitch: { baseLog: 12, levelCount: 3 },
};

describe('external product', () => {
  it('n external products with the BSK noise reproduce varPbs exactly (every published set)', () => {
    for (const s of publishedSets) {
      const one = varExternalProduct(s, noiseVariance(s.glweNoise), s.pbs);
      expect(s.lweDimension * one, s.name).toBe(varPbs(s));
    }
  });

  it('more levels at the same base: less rounding noise (s2_g = 0), more key noise (s2_g > 0)', () => {
    // Up to B^l = 2^30 the rounding term (kN/2 + 1)/(24 B^(2l)) dominates; past it the FFT term,
    // which grows with l, takes over (at B^l ~ 2^40 for this N), so more levels stop helping.
    for (let l = 1; l < 6; l++) {
      const a = { baseLog: 5, levelCount: l };
      const b = { baseLog: 5, levelCount: l + 1 };
      expect(varExternalProduct(SET, 0, b)).toBeLessThan(varExternalProduct(SET, 0, a));
      expect(varExternalProduct(SET, 1e-20, b) - varExternalProduct(SET, 0, b)).toBeGreaterThan(
        varExternalProduct(SET, 1e-20, a) - varExternalProduct(SET, 0, a),
      );
    }
  });

  it('grows linearly with the GGSW noise: l(k+1)N (B^2/12 + 1/6) per unit', () => {
    const dec = { baseLog: 9, levelCount: 2 };
    const slope = varExternalProduct(SET, 1e-20, dec) - varExternalProduct(SET, 0, dec);
    const expected = 2 * 2 * 2048 * 1e-20 * (2 ** 18 / 12 + 1 / 6);
    expect(slope / expected).toBeCloseTo(1, 6);
    expect(() => varExternalProduct(SET, -1, dec)).toThrow(/s2Ggsw must be a finite variance >= 0/);
  });
});

describe('packing keyswitch and GGSW noise', () => {
  it('body row = the keyswitch formula with the GLWE noise (rounding in coefficient 0 only)', () => {
    const dec = { baseLog: 12, levelCount: 3 };
    const body = varPackingKeyswitch(SET, dec, 'body');
    // varKeyswitch with lweNoise -> glweNoise is exactly keyNoise + rounding (its -1/(12q^2) + 1/(12q_out^2) cancels).
    const ks = varKeyswitch({ glweDimension: 1, polynomialSize: 2048, keyswitch: dec, lweNoise: SET.glweNoise }, 64);
    expect((body.keyNoise + body.rounding) / ks).toBeCloseTo(1, 12);
    expect(body.entries).toBe(2048);
    expect(body.meanCoefficient).toBeCloseTo(body.keyNoise + body.rounding / 2048, 30);
  });

  it('mask row: one more entry (the body goes through the key), rounding spread by one key bit (1/2)', () => {
    const dec = { baseLog: 12, levelCount: 3 };
    const mask = varPackingKeyswitch(SET, dec, 'mask');
    const body = varPackingKeyswitch(SET, dec, 'body');
    expect(mask.entries).toBe(2049);
    expect(mask.keyNoise / body.keyNoise).toBeCloseTo(2049 / 2048, 12);
    expect(mask.rounding / body.rounding).toBeCloseTo(2050 / 2048, 12);
    expect(mask.meanCoefficient).toBeLessThan(mask.worstCoefficient);
    expect(() => varPackingKeyswitch(SET, dec, 'other' as 'mask')).toThrow(/row must be "mask" or "body"/);
  });

  it('more PFKS levels at the same base: less rounding noise', () => {
    for (let l = 1; l < 5; l++) {
      expect(varPackingKeyswitch(SET, { baseLog: 8, levelCount: l + 1 }, 'mask').rounding).toBeLessThan(
        varPackingKeyswitch(SET, { baseLog: 8, levelCount: l }, 'mask').rounding,
      );
    }
  });

  it('GGSW noise: rows from the level PBS plus the PFKS; grows with n (Var_PBS), mean of k mask rows and the body row', () => {
    const g = ggswNoiseFromCircuitBootstrap(SET);
    expect(g.pbs).toBe(varPbs(SET));
    const mask = varPackingKeyswitch(SET, SET.packingKeyswitch, 'mask');
    expect(g.maskRow).toBeCloseTo((g.pbs + mask.rounding) / 2 + mask.keyNoise, 30);
    expect(g.mean).toBe(varGgswFromCircuitBootstrap(SET));
    expect(g.mean).toBe((1 * g.maskRow + g.bodyRow) / 2);
    expect(g.bodyRow).toBeLessThan(g.maskRow);
    expect(varGgswFromCircuitBootstrap({ ...SET, lweDimension: 900 })).toBeGreaterThan(g.mean);
  });

  it('vertical packing: t external products, linear in t', () => {
    const one = varVerticalPacking(SET, 1);
    expect(one).toBe(varExternalProduct(SET, varGgswFromCircuitBootstrap(SET), SET.circuitBootstrap));
    expect(varVerticalPacking(SET, 13) / one).toBeCloseTo(13, 12);
    expect(() => varVerticalPacking(SET, 0)).toThrow(/selectorBits must be an integer in \[1, 64\], got 0/);
  });
});

describe('residue decision', () => {
  const input = varVerticalPacking(SET, 13);
  it('is erfc((1/(4p) - drift)/(sqrt 2 sigma)) with s2 = nu^2 Var_in + Var_KS + Var_MS', () => {
    const s2 = 64 * input + varKeyswitch(SET) + varModulusSwitch(SET, 'centered');
    const x = 1 / (4 * 23) / Math.SQRT2 / Math.sqrt(s2);
    // Far tail: ln erfc(x) ~ -x^2 - ln(x sqrt(pi)).
    expect(log2PFailResidue(SET, 23, 8, input, 0)).toBeCloseTo((-x * x - Math.log(x * Math.sqrt(Math.PI))) / Math.LN2, 1);
  });

  it('worsens with nu, with the modulus, with the drift and with the input variance', () => {
    const base = log2PFailResidue(SET, 23, 8, input, 0);
    expect(log2PFailResidue(SET, 23, 9, input, 0)).toBeGreaterThan(base);
    expect(log2PFailResidue(SET, 31, 8, input, 0)).toBeGreaterThan(base);
    expect(log2PFailResidue(SET, 23, 8, input, 1e-4)).toBeGreaterThan(base);
    expect(log2PFailResidue(SET, 23, 8, input * 2, 0)).toBeGreaterThan(base);
    expect(log2PFailResidue(SET, 23, 8, varFreshEncryption(SET.glweNoise), 0)).toBeLessThan(base);
  });

  it('drift: (L1 (p-1) + p)/2 integer units; tiny against the margin for our layers', () => {
    expect(crtDrift(23, 100) * 2 ** 64).toBe((100 * 22 + 23) / 2);
    expect(crtDrift(127, 128 * 128 + 1)).toBeLessThan(2 ** -43);
  });

  it('refuses even moduli, moduli the set cannot hold, and a drift eating the margin', () => {
    expect(() => log2PFailResidue(SET, 24, 8, input, 0)).toThrow(/odd integer/);
    expect(() => log2PFailResidue(SET, 33, 8, input, 0)).toThrow(/residue modulus 33 needs messageBits >= 7/);
    expect(() => log2PFailResidue(SET, 23, 8, input, 0.5)).toThrow(/leaves no margin/);
  });
});

describe('sizes and cost', () => {
  it('PFKS keys: (k(kN+1) + kN) l (k+1) N words, seeded (k(kN+1) + kN) l N', () => {
    const s = wopKeySizes(SET);
    expect(s.packingKeyswitchKeyBytes).toBe((2049 + 2048) * 3 * 2 * 2048 * 8);
    expect(s.seededPackingKeyswitchKeyBytes).toBe((2049 + 2048) * 3 * 2048 * 8);
    expect(s.bootstrapKeyBytes).toBe(839 * 4 * 4 * 2048 * 8);
  });

  it('CMux count: tree 2^(t - log2 N) - 1, then min(t, log2 N) rotation steps', () => {
    expect(verticalPackingCmuxCount(13, 2048)).toBe(3 + 11);
    expect(verticalPackingCmuxCount(8, 2048)).toBe(8);
    expect(verticalPackingCmuxCount(17, 4096)).toBe(31 + 12);
  });

  it('a lookup: m keyswitches + t l_cbs blind rotations + t l_cbs (k+1) PFKS + FFTs + outputs vertical packings', () => {
    const shape = crtLookupShape([13, 15, 23], 2);
    expect(shape).toEqual({ residues: 3, selectorBits: 13, outputs: 2 });
    const c = crtLookupCost(SET, shape);
    expect(c.keyswitch).toBeCloseTo(3 * pbsCost(SET).keyswitch, 3);
    expect(c.blindRotations).toBeCloseTo(13 * 2 * pbsCost(SET).pbs, 3);
    expect(c.total).toBeCloseTo(c.keyswitch + c.blindRotations + c.packingKeyswitches + c.ggswFourier + c.verticalPacking, 3);
    // One more output encoding adds exactly one vertical packing.
    const c3 = crtLookupCost(SET, { ...shape, outputs: 3 });
    expect(c3.total - c.total).toBeCloseTo(c.verticalPacking / 2, 3);
    expect(() => crtLookupShape([13, 14], 1)).toThrow(/odd integer >= 3, got 14/);
  });
});

describe('WoP sets from files, security, fingerprint', () => {
  it('validator: returns the known fields, names the bad one', () => {
    expect(assertWopParameterSet({ ...SET, extra: 1 })).toEqual(SET);
    const { circuitBootstrap: _c, ...noCbs } = SET;
    expect(() => assertWopParameterSet(noCbs)).toThrow(/circuitBootstrap.baseLog must be an integer in \[1, 63\], got undefined/);
    expect(() => assertWopParameterSet({ ...SET, packingKeyswitch: { baseLog: 20, levelCount: 4 } })).toThrow(
      /packingKeyswitch must be baseLog \* levelCount <= 64/,
    );
    expect(() => assertWopParameterSet({ ...SET, messageBits: 2, polynomialSize: 2048 })).toThrow(/messageBits must be >= 3/);
  });

  it('security covers the PFKS keys with the GLWE bound', () => {
    expect(wopSecurityCheck(SET).secure).toBe(true);
    const weak = wopSecurityCheck({ ...SET, glweNoise: tu(16) });
    expect(weak.secure).toBe(false);
    expect(weak.packingKeyswitch.secure).toBe(false);
  });

  it('extends the canonical encoding; base fingerprints are unchanged', () => {
    expect(parameterFingerprint(publishedSet(4))).toBe('c2cca9de50d19ae8e3aad9b7c1a2b3c592a698406f2a08c104f216b727a54482');
    expect(canonicalWopParameterEncoding(SET)).toBe(`${canonicalParameterEncoding(SET)};circuitBootstrap=9/2;packingKeyswitch=12/3`);
    expect(wopParameterFingerprint(SET)).not.toBe(parameterFingerprint(SET));
    expect(wopParameterFingerprint({ ...SET, circuitBootstrap: { baseLog: 9, levelCount: 3 } })).not.toBe(wopParameterFingerprint(SET));
    const renamed: WopParameterSet = { ...SET, name: 'x', log2PFail: -1 };
    expect(wopParameterFingerprint(renamed)).toBe(wopParameterFingerprint(SET));
  });
});

describe('chooseCrtModuli', () => {
  /** Brute force over all sets of odd moduli <= maxModulus (small cases): minimum t, then fewer moduli, then smaller max. */
  const bruteKey = (span: number, maxModulus: number): [number, number, number] => {
    const odd: number[] = [];
    for (let p = 3; p <= maxModulus; p += 2) odd.push(p);
    let best: [number, number, number] = [Infinity, Infinity, Infinity];
    const rec = (i: number, chosen: number[], prod: number) => {
      if (prod >= span) {
        const key: [number, number, number] = [chosen.reduce((t, p) => t + residueBits(p), 0), chosen.length, Math.max(...chosen)];
        if (key[0] < best[0] || (key[0] === best[0] && (key[1] < best[1] || (key[1] === best[1] && key[2] < best[2])))) best = key;
        return;
      }
      for (let j = i; j < odd.length; j++) if (chosen.every((c) => gcd(c, odd[j]!) === 1)) rec(j + 1, [...chosen, odd[j]!], prod * odd[j]!);
    };
    rec(0, [], 1);
    return best;
  };

  for (const span of [1024, 4096, 65536])
    for (const maxModulus of [31, 63, 127]) {
      it(`span ${span}, maxModulus ${maxModulus}: odd, pairwise coprime, covers the span, t = ceil(log2 span) + 1`, () => {
        const c = chooseCrtModuli(span, { maxModulus });
        expect(c.product).toBe(c.moduli.reduce((a, b) => a * b, 1));
        expect(c.product).toBeGreaterThanOrEqual(span);
        for (const p of c.moduli) {
          expect(p % 2).toBe(1);
          expect(p).toBeLessThanOrEqual(maxModulus);
        }
        for (let i = 0; i < c.moduli.length; i++) for (let j = i + 1; j < c.moduli.length; j++) expect(gcd(c.moduli[i]!, c.moduli[j]!)).toBe(1);
        expect(c.selectorBits).toBe(c.moduli.reduce((t, p) => t + residueBits(p), 0));
        // Odd moduli never reach a power of two exactly: one bit above log2(span) is the floor.
        expect(c.selectorBits).toBeGreaterThanOrEqual(Math.log2(span) + 1);
      });
    }

  it('matches a brute force (t, then count, then max) on small cases', () => {
    for (const [span, maxModulus] of [
      [1024, 31],
      [1024, 63],
      [4096, 31],
      [300, 15],
      [100, 9],
      [5000, 21],
    ] as const) {
      const c = chooseCrtModuli(span, { maxModulus });
      expect([c.selectorBits, c.moduli.length, Math.max(...c.moduli)], `${span}/${maxModulus}`).toEqual(bruteKey(span, maxModulus));
    }
  });

  it('known answers and refusals', () => {
    expect(chooseCrtModuli(1024, { maxModulus: 63 }).moduli).toEqual([31, 35]);
    expect(chooseCrtModuli(9, { maxModulus: 15 }).moduli).toEqual([9]);
    expect(() => chooseCrtModuli(65536, { maxModulus: 15 })).toThrow(/no pairwise coprime odd moduli <= 15 reach a product >= span 65536/);
    expect(() => chooseCrtModuli(1.5, { maxModulus: 15 })).toThrow(/span must be an integer/);
    expect(() => chooseCrtModuli(100, { maxModulus: 2 })).toThrow(/maxModulus must be an integer in \[3, 4096\]/);
  });
});

describe('optimizeWopParameters', () => {
  const lenet = { outputs: 1, pErrorPerInference: 1e-6, lookupsPerInference: 24_000 } as const;

  it('every answer is secure, meets the per-residue target and the budget, and is rated through the public functions', () => {
    for (const maxNu of [8, 32, 128])
      for (const span of [2 ** 10, 2 ** 12, 2 ** 16]) {
        const { moduli } = chooseCrtModuli(span, { maxModulus: 31 });
        const r = optimizeWopParameters({ ...lenet, moduli, maxNu });
        const label = `nu ${maxNu} span ${span}`;
        expect(securityCheck(r.set).secure, label).toBe(true);
        expect(wopSecurityCheck(r.set).secure, label).toBe(true);
        expect(r.log2PFailPerResidue, label).toBeLessThanOrEqual(r.targetLog2PFailPerResidue);
        expect(r.residuesPerInference).toBe(24_000 * moduli.length);
        expect(r.pErrorPerInference, label).toBeLessThanOrEqual(1e-6);
        expect(r.pErrorPerInference).toBe(pFailPerInference(r.log2PFailPerResidue, r.residuesPerInference));
        const input = varVerticalPacking(r.set, r.maxSelectorBits);
        for (const p of moduli) {
          expect(log2PFailResidue(r.set, p, maxNu, input, crtDrift(p, maxNu * maxNu + 1)), `${label} p ${p}`).toBeLessThanOrEqual(r.targetLog2PFailPerResidue);
        }
        expect(r.set.messageBits).toBe(residueBits(Math.max(...moduli)) + 1);
        expect(r.cost.perLookup.total).toBe(crtLookupCost(r.set, crtLookupShape(moduli, 1)).total);
        expect(assertWopParameterSet(r.set)).toEqual(r.set);
      }
  });

  it('a last stage decrypted by the client: the output decryption (2^-(o+2) against Var_VP) is a constraint too', () => {
    const moduli = [3, 5, 7, 11];
    const plain = optimizeWopParameters({ ...lenet, moduli, maxNu: 8 });
    // At nu = 8 the residue decision tolerates a large Var_VP, too large for a 10-bit output.
    expect(log2PFailOutputDecode(plain.set, 10, plain.maxSelectorBits)).toBeGreaterThan(plain.targetLog2PFailPerResidue);
    const r = optimizeWopParameters({ ...lenet, moduli, maxNu: 8, outputDecodeBits: 10, decodesPerInference: 10 });
    expect(r.outputDecode!.log2PFail).toBeLessThanOrEqual(r.targetLog2PFailPerResidue);
    expect(r.outputDecode!.log2PFail).toBe(log2PFailOutputDecode(r.set, 10, r.maxSelectorBits));
    expect(r.targetLog2PFailPerResidue).toBeCloseTo(Math.log2(1e-6 / (4 * 24_000 + 10)), 3);
    expect(r.pErrorPerInference).toBeLessThanOrEqual(1e-6);
    expect(r.cost.perInference).toBeGreaterThanOrEqual(plain.cost.perInference);
    expect(() => optimizeWopParameters({ ...lenet, moduli, maxNu: 8, decodesPerInference: 10 })).toThrow(/decodesPerInference \(10\) needs outputDecodeBits/);
  });

  it('gaussian noise: secure (sigma on the stricter line) and within budget', () => {
    const r = optimizeWopParameters({ ...lenet, moduli: [5, 7, 11, 13], maxNu: 32, noise: 'gaussian' });
    expect(r.set.lweNoise.kind).toBe('gaussian');
    expect(wopSecurityCheck(r.set).secure).toBe(true);
    expect(r.pErrorPerInference).toBeLessThanOrEqual(1e-6);
  });

  it('a looser budget or a smaller nu never costs more; more outputs never cost less', () => {
    const moduli = [13, 15, 23];
    const base = optimizeWopParameters({ ...lenet, moduli, maxNu: 32 });
    expect(optimizeWopParameters({ ...lenet, moduli, maxNu: 32, pErrorPerInference: 1e-3 }).cost.perInference).toBeLessThanOrEqual(base.cost.perInference);
    expect(optimizeWopParameters({ ...lenet, moduli, maxNu: 8 }).cost.perInference).toBeLessThanOrEqual(base.cost.perInference);
    expect(optimizeWopParameters({ ...lenet, moduli, maxNu: 32, outputs: 3 }).cost.perInference).toBeGreaterThanOrEqual(base.cost.perInference);
  });

  it('is the cheapest over a brute-force sub-space around its answer', () => {
    const moduli = [13, 15, 23];
    const r = optimizeWopParameters({ ...lenet, moduli, maxNu: 8, space: { glweDimension: { min: 1, max: 1 }, polynomialSizeLog2: { min: 11, max: 11 } } });
    const target = r.targetLog2PFailPerResidue;
    const shape = crtLookupShape(moduli, 1);
    let best = Infinity;
    for (const n of [799, 819, 839, 859, 879])
      for (let lPbs = 2; lPbs <= 5; lPbs++)
        for (let bPbs = 6; bPbs * lPbs <= 40; bPbs++)
          for (let lCbs = 1; lCbs <= 3; lCbs++)
            for (let bCbs = 5; bCbs * lCbs <= 30; bCbs++)
              for (let lPf = 2; lPf <= 3; lPf++)
                for (const bPf of [10, 12, 14, 16, 20])
                  for (const [bKs, lKs] of [
                    [1, 15],
                    [2, 8],
                    [1, 16],
                    [2, 9],
                    [3, 6],
                  ] as const) {
                    const set: WopParameterSet = {
                      ...SET,
                      lweDimension: n,
                      lweNoise: tu(minSecureTUniformBoundLog2(n)),
                      pbs: { baseLog: bPbs, levelCount: lPbs },
                      keyswitch: { baseLog: bKs, levelCount: lKs },
                      circuitBootstrap: { baseLog: bCbs, levelCount: lCbs },
                      packingKeyswitch: { baseLog: bPf, levelCount: lPf },
                      messageBits: 6,
                    };
                    const cost = crtLookupCost(set, shape).total;
                    if (cost >= best) continue;
                    const input = Math.max(varVerticalPacking(set, 13), varFreshEncryption(set.glweNoise));
                    if (moduli.every((p) => log2PFailResidue(set, p, 8, input, crtDrift(p, 65)) <= target)) best = cost;
                  }
    expect(r.cost.perLookup.total).toBeLessThanOrEqual(best);
  });

  it('optimizeCrtStage: the cheapest of the moduli choices it tries, never dearer than any of them', () => {
    const r = optimizeCrtStage({ ...lenet, span: 2 ** 12, maxNu: 32, maxModulusCandidates: [13, 23, 63] });
    expect(r.moduli.product).toBeGreaterThanOrEqual(2 ** 12);
    expect(r.alternatives.map((a) => a.moduli.join(','))).toEqual(['5,7,11,13', '13,15,23']); // 63 gives 13,15,23 again
    for (const a of r.alternatives) if ('costPerInference' in a.result) expect(r.cost.perInference).toBeLessThanOrEqual(a.result.costPerInference);
    expect(r.cost.perInference).toBe(optimizeWopParameters({ ...lenet, moduli: r.moduli.moduli, maxNu: 32 }).cost.perInference);
    expect(() => optimizeCrtStage({ ...lenet, span: 2 ** 16, maxNu: 8, maxModulusCandidates: [9] })).toThrow(
      /no candidate maxModulus in \[9\] covers span 65536/,
    );
  });

  it('maxModulus + maxSelectorBits instead of moduli; refusals name the field', () => {
    const r = optimizeWopParameters({ ...lenet, maxModulus: 23, maxSelectorBits: 13, maxNu: 8 });
    expect(r.shape).toEqual({ residues: 3, selectorBits: 13, outputs: 1 });
    expect(() => optimizeWopParameters({ ...lenet, moduli: [15, 21], maxNu: 8 })).toThrow(/pairwise coprime, got 15 and 21/);
    expect(() => optimizeWopParameters({ ...lenet, maxModulus: 23, maxNu: 8 })).toThrow(/maxSelectorBits \(required without moduli\)/);
    expect(() => optimizeWopParameters({ ...lenet, moduli: [13, 15, 23], maxSelectorBits: 12, maxNu: 8 })).toThrow(
      /maxSelectorBits must be >= the moduli's selector bits 13/,
    );
    // A larger t elsewhere in the circuit (inputs from wider vertical packings) can only cost more.
    const wider = optimizeWopParameters({ ...lenet, moduli: [13, 15, 23], maxSelectorBits: 17, maxNu: 8 });
    expect(wider.cost.perInference).toBeGreaterThanOrEqual(optimizeWopParameters({ ...lenet, moduli: [13, 15, 23], maxNu: 8 }).cost.perInference);
    expect(wider.inputVariance).toBe(varVerticalPacking(wider.set, 17));
    expect(() => optimizeWopParameters({ ...lenet, moduli: [13], maxNu: 0 })).toThrow(/maxNu must be a finite number > 0/);
    expect(() => optimizeWopParameters({ ...lenet, moduli: [13], maxNu: 8, pErrorPerInference: 0 })).toThrow(/pErrorPerInference must be in \(0, 1\)/);
    expect(() => optimizeWopParameters({ ...lenet, moduli: [13], maxNu: 8, space: { circuitBootstrapLevels: { min: 0, max: 2 } } })).toThrow(
      /space.circuitBootstrapLevels/,
    );
    expect(() => optimizeWopParameters({ ...lenet, moduli: [13], maxNu: 1e6 })).toThrow(/No tuniform WoP set for residues up to 13/);
  });
});
