import { describe, expect, it } from 'vitest';
import {
  assertSecure,
  log2PFail,
  minSecureTUniformBoundLog2,
  optimizeParameters,
  pbsCost,
  publishedSet,
  securityCheck,
  type TfheParameterSet,
} from '@fhenet/params';

const describeSet = (s: TfheParameterSet) =>
  `n=${s.lweDimension} k=${s.glweDimension} N=${s.polynomialSize} pbs=${s.pbs.baseLog}/${s.pbs.levelCount} ks=${s.keyswitch.baseLog}/${s.keyswitch.levelCount}`;

describe('optimizeParameters vs the published TUniform 2^-128 sets', () => {
  for (const bits of [2, 4, 6]) {
    it(`${bits} bits: same or cheaper, same guarantees`, () => {
      const pub = publishedSet(bits);
      const started = performance.now();
      const r = optimizeParameters({ messageBits: bits, maxNu: pub.maxNu, log2PFailPerPbs: -128 });
      const ms = performance.now() - started;
      const pubCost = pbsCost(pub).total;
      console.log(
        `${bits} bits nu ${pub.maxNu}: published ${describeSet(pub)} cost ${(pubCost / 1e6).toFixed(1)}M log2 p_fail ${log2PFail(pub).toFixed(1)} | ` +
          `optimizer ${describeSet(r.set)} cost ${(r.cost.total / 1e6).toFixed(1)}M log2 p_fail ${r.log2PFail.toFixed(1)} (${ms.toFixed(0)} ms)`,
      );
      expect(r.cost.total).toBeLessThanOrEqual(pubCost);
      expect(r.log2PFail).toBeLessThanOrEqual(-128);
      expect(r.set.log2PFail).toBe(log2PFail(r.set));
      expect(r.set.maxNu).toBe(pub.maxNu);
      expect(securityCheck(r.set).secure).toBe(true);
      // Same security rule as the published sets: each key at the least noise its dimension allows.
      expect(r.set.lweNoise).toEqual({ kind: 'tuniform', boundLog2: minSecureTUniformBoundLog2(r.set.lweDimension) });
      expect(ms).toBeLessThan(3000);
    });
  }

  it('with the plain switch, recovers the 4-bit 2^-64 example at its rating (-72.2 rounded up: -72.1)', () => {
    const pub = publishedSet(4, 'tuniform', '2^-64');
    const r = optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: -72.1, modulusSwitch: 'plain' });
    expect(describeSet(r.set)).toBe(describeSet(pub));
    expect(r.set.modulusSwitch).toBe('plain');
    expect(r.set.lweNoise).toEqual(pub.lweNoise);
  });

  it('finds the published 4-bit set itself (it is optimal under this cost model)', () => {
    const r = optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: -128 });
    expect(describeSet(r.set)).toBe(describeSet(publishedSet(4)));
  });
});

describe('optimizeParameters search', () => {
  it('matches a brute-force search over a sub-space containing its answer', () => {
    const target = -128;
    let best = Infinity;
    for (const N of [1024, 2048])
      for (const k of [1, 2])
        for (let lPbs = 1; lPbs <= 2; lPbs++)
          for (let bPbs = 10; bPbs * lPbs <= 30; bPbs++)
            for (let lKs = 2; lKs <= 6; lKs++)
              for (let bKs = 1; bKs <= 8; bKs++)
                for (const n of [879, 899, 918, 958, 998]) {
                  const set: TfheParameterSet = {
                    name: 'brute',
                    messageBits: 4,
                    lweDimension: n,
                    glweDimension: k,
                    polynomialSize: N,
                    lweNoise: { kind: 'tuniform', boundLog2: minSecureTUniformBoundLog2(n) },
                    glweNoise: { kind: 'tuniform', boundLog2: minSecureTUniformBoundLog2(k * N) },
                    pbs: { baseLog: bPbs, levelCount: lPbs },
                    keyswitch: { baseLog: bKs, levelCount: lKs },
                    maxNu: 5,
                    log2PFail: 0,
                    modulusSwitch: 'centered',
                  };
                  if (securityCheck(set).secure && log2PFail(set) <= target) best = Math.min(best, pbsCost(set).total);
                }
    const r = optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: target });
    expect(r.cost.total).toBe(best);
  });

  it('gaussian: never costlier than the published Gaussian sets at their max nu', () => {
    for (const bits of [1, 3, 5]) {
      const pub = publishedSet(bits, 'gaussian');
      const r = optimizeParameters({ messageBits: bits, maxNu: pub.maxNu, log2PFailPerPbs: -128, noise: 'gaussian' });
      expect(r.cost.total).toBeLessThanOrEqual(pbsCost(pub).total);
      expect(r.log2PFail).toBeLessThanOrEqual(-128);
      assertSecure(r.set);
    }
  });

  it('turns an error budget per inference into a per-PBS target, and loosening it gets cheaper', () => {
    const strict = optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: -128 });
    const loose = optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: { pErrorPerInference: 1e-3, pbsCount: 10_000 } });
    expect(loose.targetLog2PFail).toBeCloseTo(Math.log2(1e-7), 2);
    expect(loose.log2PFail).toBeLessThanOrEqual(loose.targetLog2PFail);
    expect(loose.cost.total).toBeLessThan(strict.cost.total);
    assertSecure(loose.set);
  });

  it('every answer passes assertSecure across bits, nu and targets', () => {
    for (const bits of [1, 3, 5, 7])
      for (const nu of [1, 4, 20])
        for (const target of [-40, -64, -128]) {
          const r = optimizeParameters({ messageBits: bits, maxNu: nu, log2PFailPerPbs: target });
          expect(() => assertSecure(r.set)).not.toThrow();
          expect(r.log2PFail).toBeLessThanOrEqual(target);
        }
  });

  it('refuses impossible or malformed requests with a clear message', () => {
    expect(() => optimizeParameters({ messageBits: 17, maxNu: 1, log2PFailPerPbs: -128 })).toThrow(
      /messageBits 17 > 16 \(the engine's limit\): round low accumulator bits/,
    );
    expect(() => optimizeParameters({ messageBits: 9, maxNu: 1, log2PFailPerPbs: -128 })).toThrow(/No tuniform parameter set .* 9 message bits/);
    expect(() => optimizeParameters({ messageBits: 8, maxNu: 1e5, log2PFailPerPbs: -128 })).toThrow(
      /No tuniform parameter set .* 8 message bits at nu = 100000/,
    );
    expect(() => optimizeParameters({ messageBits: 4, maxNu: 0, log2PFailPerPbs: -128 })).toThrow(/maxNu/);
    expect(() => optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: 3 })).toThrow(/log2PFailPerPbs must be a finite number < 0/);
  });
});

describe('optimizeParameters space (one shape at a time)', () => {
  it('returns the cheapest set of the requested shape, never cheaper than the full search', () => {
    const full = optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: -40 });
    for (const [k, logN] of [
      [1, 11],
      [2, 10],
      [3, 10],
      [1, 12],
    ] as const) {
      const r = optimizeParameters({
        messageBits: 4,
        maxNu: 5,
        log2PFailPerPbs: -40,
        space: { glweDimension: { min: k, max: k }, polynomialSizeLog2: { min: logN, max: logN } },
      });
      expect([r.set.glweDimension, r.set.polynomialSize]).toEqual([k, 2 ** logN]);
      expect(r.log2PFail).toBeLessThanOrEqual(-40);
      expect(r.cost.total).toBeGreaterThanOrEqual(full.cost.total);
      assertSecure(r.set);
    }
  });
  it('refuses ranges outside the optimizer space, and says when a narrowed space holds no set', () => {
    // k = 1 at N = 1024: the GLWE key's minimum secure noise is too large for 4 bits at 2^-40.
    expect(() =>
      optimizeParameters({
        messageBits: 4,
        maxNu: 5,
        log2PFailPerPbs: -40,
        space: { glweDimension: { min: 1, max: 1 }, polynomialSizeLog2: { min: 10, max: 10 } },
      }),
    ).toThrow(/within the requested space/);
    expect(() => optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: -40, space: { glweDimension: { min: 0, max: 2 } } })).toThrow(
      /space.glweDimension must be integers within \[1, 6\]/,
    );
    expect(() => optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: -40, space: { pbsLevels: { min: 3, max: 2 } } })).toThrow(/space.pbsLevels/);
  });
});
