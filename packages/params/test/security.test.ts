import { describe, expect, it } from 'vitest';
import {
  assertSecure,
  checkParameters,
  concreteMinStdDevLog2,
  minSecureGaussianStdDevLog2,
  minSecureTUniformBoundLog2,
  publishedSet,
  publishedSets,
  securityCheck,
  tfheRsMinGaussianStdDevLog2,
  type TfheParameterSet,
} from '@fhenet/params';

describe('security rule', () => {
  it('passes every published set', () => {
    for (const s of publishedSets) {
      expect(securityCheck(s).secure, s.name).toBe(true);
      expect(() => assertSecure(s)).not.toThrow();
    }
  });

  it('the published TUniform bounds are exactly the smallest secure ones', () => {
    for (const bits of [2, 4, 6, 8]) {
      const s = publishedSet(bits);
      expect(s.lweNoise).toEqual({ kind: 'tuniform', boundLog2: minSecureTUniformBoundLog2(s.lweDimension) });
      expect(s.glweNoise).toEqual({ kind: 'tuniform', boundLog2: minSecureTUniformBoundLog2(s.glweDimension * s.polynomialSize) });
    }
  });

  it('the published Gaussian sigmas sit on the 132-bit line to the table precision', () => {
    for (let bits = 1; bits <= 8; bits++) {
      const s = publishedSet(bits, 'gaussian');
      expect(s.lweNoise.kind === 'gaussian' && s.lweNoise.stdDevLog2).toBeCloseTo(tfheRsMinGaussianStdDevLog2(s.lweDimension), 2);
      // ...and clear the 128-bit curve strictly, with margin.
      expect(securityCheck(s).lwe.concrete128.ok).toBe(true);
    }
  });

  it('computes the curve values of the reference', () => {
    // n = 918: -0.025696778711484593*918 + 2.675931372549016 + 64
    expect(concreteMinStdDevLog2(918)).toBeCloseTo(43.0863, 3);
    expect(concreteMinStdDevLog2(65536)).toBe(2); // the sigma >= 4 floor
    expect(minSecureGaussianStdDevLog2(2048)).toBeCloseTo(15.68, 2);
    expect(minSecureTUniformBoundLog2(8192)).toBe(3);
  });

  const four = publishedSet(4);
  it('names the key, its dimension, noise and minimum when too little noise', () => {
    const weak: TfheParameterSet = { ...four, lweNoise: { kind: 'tuniform', boundLog2: 44 } };
    const report = securityCheck(weak);
    expect(report.secure).toBe(false);
    expect(report.glwe.secure).toBe(true);
    expect(report.lwe.concrete128.ok).toBe(true); // TU(44) clears the 128-bit curve...
    expect(report.lwe.tfheRs132).toMatchObject({ minimum: 45, actual: 44, ok: false }); // ...not the 132-bit line
    expect(() => assertSecure(weak)).toThrow(/LWE key \(dimension 918, noise TU\(44\).*TU\(45\)/);
    const weakGlwe: TfheParameterSet = { ...four, glweNoise: { kind: 'gaussian', stdDevLog2: 13 } };
    expect(() => assertSecure(weakGlwe)).toThrow(/GLWE key \(dimension 2048, noise Gaussian\(sigma=2\^13\).*2\^14\.0489.*Concrete curve.*2\^15\.6796/);
  });

  it('applies the sigma >= 4 floor to TUniform through its standard deviation', () => {
    const six = publishedSet(6); // GLWE kN = 8192: line (2) allows any b >= 0, the floor needs TU(3)
    const weak: TfheParameterSet = { ...six, glweNoise: { kind: 'tuniform', boundLog2: 2 } };
    const glwe = securityCheck(weak).glwe;
    expect(glwe.tfheRs132).toMatchObject({ minimum: 0, ok: true });
    expect(glwe.concrete128).toMatchObject({ minStdDevLog2: 2, ok: false });
    expect(glwe.stdDevLog2).toBeCloseTo(Math.log2(Math.sqrt(33 / 6)), 12);
    expect(() => assertSecure(weak)).toThrow(/GLWE key \(dimension 8192, noise TU\(2\).*sigma must be >= 2\^2\.0000 \(128-bit Concrete curve\)/);
  });

  it('refuses dimensions below 450', () => {
    const small: TfheParameterSet = { ...four, lweDimension: 449, lweNoise: { kind: 'tuniform', boundLog2: 60 } };
    expect(securityCheck(small).lwe.secure).toBe(false);
    expect(() => assertSecure(small)).toThrow(/LWE key \(dimension 449.*below 450/);
    expect(() => concreteMinStdDevLog2(300)).toThrow(/below 450/);
  });
});

describe('checkParameters: the rule on parameters as a server publishes them (tfheRs.newParameters)', () => {
  /** A set as GET /v1/circuit publishes it: noise as tfhe-rs takes it (Gaussian std dev in torus units). */
  const published = (s: TfheParameterSet) => {
    const noise = (n: TfheParameterSet['lweNoise']) => (n.kind === 'tuniform' ? n : { kind: 'gaussian', stdDev: 2 ** (n.stdDevLog2 - 64) });
    return {
      lweDimension: s.lweDimension,
      glweDimension: s.glweDimension,
      polynomialSize: s.polynomialSize,
      lweNoise: noise(s.lweNoise),
      glweNoise: noise(s.glweNoise),
    };
  };

  it('gives securityCheck’s verdict on every published set and on weakened ones', () => {
    for (const s of publishedSets) {
      expect(checkParameters(published(s)).secure, s.name).toBe(true);
      for (const weak of [
        { ...s, lweNoise: { kind: 'tuniform', boundLog2: 0 } },
        {
          ...s,
          lweNoise:
            s.lweNoise.kind === 'tuniform'
              ? { kind: 'tuniform', boundLog2: s.lweNoise.boundLog2 - 1 }
              : { kind: 'gaussian', stdDevLog2: s.lweNoise.stdDevLog2 - 0.5 },
        },
      ] as TfheParameterSet[]) {
        const c = checkParameters(published(weak));
        expect(c.secure, weak.name).toBe(securityCheck(weak).secure);
        expect(c.secure).toBe(false);
        expect(c.problems[0]).toMatch(/^LWE key \(dimension \d+, noise /);
      }
    }
  });

  it('refuses a malformed object instead of coercing it', () => {
    const good = published(publishedSet(4));
    expect(() => checkParameters(null)).toThrow(/published parameters: \(root\) must be an object/);
    expect(() => checkParameters({ ...good, lweDimension: '958' })).toThrow(/lweDimension must be a positive integer, got "958"/);
    expect(() => checkParameters({ ...good, lweNoise: { kind: 'tuniform', boundLog2: 63 } })).toThrow(/lweNoise\.boundLog2 must be an integer in \[0, 62\]/);
    expect(() => checkParameters({ ...good, glweNoise: { kind: 'gaussian', stdDev: 0 } })).toThrow(
      /glweNoise\.stdDev must be a standard deviation in torus units/,
    );
    expect(() => checkParameters({ ...good, glweNoise: { kind: 'laplace' } })).toThrow(/glweNoise\.kind must be "tuniform" or "gaussian", got "laplace"/);
  });
});
