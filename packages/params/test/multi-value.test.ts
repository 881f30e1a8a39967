import { describe, expect, it } from 'vitest';
import { externalProductNoiseTerms, log2PFail, multiValueCovariance, multiValuePbs, noiseVariance, pbsCost, publishedSet, varPbs } from '@fhenet/params';

describe('multi-value PBS (engine pbsMany)', () => {
  it('F outputs of one PBS: its variance each, its decision, one PBS of cost instead of F', () => {
    for (const bits of [2, 4, 6] as const) {
      const set = publishedSet(bits);
      const p = 2 ** bits;
      for (let f = 1; f <= p; f *= 2) {
        const m = multiValuePbs(set, f, { nu: 3 });
        expect(m.inputSlots).toBe(p / f);
        expect(m.outputVariance).toBe(varPbs(set));
        expect(m.log2PFail).toBe(log2PFail(set, { nu: 3 }));
        expect(m.separateCost).toBe(f * pbsCost(set).total);
        expect(m.cost).toBeGreaterThanOrEqual(pbsCost(set).total);
        // The F - 1 extractions are noise next to a blind rotation (< 0.1 % each at these sets).
        expect(m.cost - pbsCost(set).total).toBeLessThanOrEqual((f - 1) * 1e-3 * pbsCost(set).total);
      }
    }
  });

  it('refuses a function count that is not a power of two in 1..p', () => {
    const set = publishedSet(4);
    expect(() => multiValuePbs(set, 3)).toThrow(/power of two in 1\.\.16 \(p of the 4-bit set\), got 3/);
    expect(() => multiValuePbs(set, 32)).toThrow(/got 32/);
    expect(() => multiValuePbs(set, 0)).toThrow(/got 0/);
  });
});

describe('multi-value PBS: covariance of outputs of one input', () => {
  it('is the variance on the diagonal, symmetric, (1 - 2 Delta/N)/2 of the mask rounding and FFT terms', () => {
    for (const bits of [2, 4, 6] as const) {
      const set = publishedSet(bits);
      const v = varPbs(set);
      expect(multiValueCovariance(set, 4, 2, 2)).toBe(v);
      expect(multiValueCovariance(set, 4, 0, 1)).toBe(multiValueCovariance(set, 4, 1, 0));
      expect(multiValueCovariance(set, 4, 0, 1)).toBeGreaterThan(0);
      expect(multiValueCovariance(set, 4, 0, 2)).toBe(0);
      expect(multiValueCovariance(set, 4, 0, 3)).toBeCloseTo(-multiValueCovariance(set, 4, 0, 1), 30);
      // Lag N/8 is 3/4 of the largest share, lag N/4 half of it; no correlation beyond 1/2.
      if (bits > 2) expect(multiValueCovariance(set, 8, 0, 1) / multiValueCovariance(set, 4, 0, 1)).toBeCloseTo(1.5, 12);
      expect(multiValueCovariance(set, 4, 0, 1) / v).toBeLessThanOrEqual(0.25);
      const t = externalProductNoiseTerms(set, noiseVariance(set.glweNoise), set.pbs);
      expect(multiValueCovariance(set, 4, 0, 1)).toBeCloseTo(0.25 * set.lweDimension * (t.maskRounding + t.fft), 30);
    }
    expect(() => multiValueCovariance(publishedSet(4), 4, 0, 4)).toThrow(/output jj must be an integer in 0\.\.3, got 4/);
  });

  it('externalProductNoiseTerms sum to varPbs / n', () => {
    const set = publishedSet(4);
    const t = externalProductNoiseTerms(set, noiseVariance(set.glweNoise), set.pbs);
    expect((set.lweDimension * (t.key + t.maskRounding + t.bodyRounding + t.fft)) / varPbs(set)).toBeCloseTo(1, 12);
  });
});
