// One security rule on both sides: @fhenet/params' keySecurity / securityCheck (TypeScript) and the
// engine's own check (native/commons/security.cc, run by every native entry point that takes a
// parameter set) read the same constants (@fhenet/params/security-rule.json) and must give the
// same verdict for every key: here on a grid of dimensions (n, and k*N for k = 1..6, N = 256..65536)
// crossed with every TUniform bound and a fine grid of Gaussian sigmas, plus the exact boundaries of
// both lines, and end to end on whole parameter sets.
import { describe, expect, test } from 'vitest';
import {
  GAUSSIAN_132_ROUNDING_TOLERANCE_LOG2,
  MAX_GAUSSIAN_STD_DEV_LOG2,
  MAX_TUNIFORM_BOUND_LOG2,
  publishedSets,
  concreteMinStdDevLog2,
  keySecurity,
  minSecureTUniformBoundLog2,
  securityCheck,
  tfheRsMinGaussianStdDevLog2,
  type NoiseDistribution,
} from '@fhenet/params';
import { native, nativeTesting } from '../src/native.js';

const dimensions = [
  400,
  449,
  450,
  451,
  500,
  512,
  600,
  630,
  700,
  742,
  747,
  750,
  800,
  837,
  879,
  885,
  900,
  904,
  918,
  930,
  1000,
  1011,
  1024,
  1060,
  1077,
  1104,
  1117,
  1200,
  1500,
  1536,
  2000,
  2048,
  2500,
  2560,
  ...[1, 2, 3, 4, 6].flatMap((k) => [256, 512, 1024, 2048, 4096, 8192, 16384, 65536].map((N) => k * N)),
].filter((d, i, a) => a.indexOf(d) === i);

/** The next double above / below x (the finest step either side of a boundary). */
function ulpStep(x: number, up: boolean): number {
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  b[0] = b[0]! + (x > 0 === up ? 1n : -1n);
  return f[0]!;
}

function verdicts(dimension: number, noise: NoiseDistribution): { ts: boolean; engine: boolean; problem: string } {
  const problem = nativeTesting.noiseSecurityProblem(dimension, noise);
  return { ts: keySecurity('LWE', dimension, noise).secure, engine: problem === '', problem };
}

describe('the engine applies the same security rule as @fhenet/params', () => {
  test('every TUniform bound 0..62 at every dimension of the grid', () => {
    let checked = 0,
      secure = 0;
    for (const d of dimensions) {
      for (let b = 0; b <= MAX_TUNIFORM_BOUND_LOG2; b++) {
        const v = verdicts(d, { kind: 'tuniform', boundLog2: b });
        expect(v.engine, `n = ${d}, TU(${b}): TS ${v.ts}, engine "${v.problem}"`).toBe(v.ts);
        checked++;
        if (v.ts) secure++;
      }
      if (d >= 450) {
        // The first secure bound is the same on both sides, and the engine names it when refusing.
        const min = minSecureTUniformBoundLog2(d);
        if (min <= MAX_TUNIFORM_BOUND_LOG2 && min > 0) {
          expect(nativeTesting.noiseSecurityProblem(d, { kind: 'tuniform', boundLog2: min - 1 })).toMatch(/must be >=/);
        }
      }
    }
    expect(secure).toBeGreaterThan(100);
    expect(checked - secure).toBeGreaterThan(100);
  });

  test('Gaussian sigmas from 2^-9.99 to 2^59 (steps of 2^0.01) at every dimension of the grid', () => {
    let checked = 0,
      secure = 0;
    for (const d of dimensions) {
      for (let i = -999; i <= MAX_GAUSSIAN_STD_DEV_LOG2 * 100; i++) {
        const v = verdicts(d, { kind: 'gaussian', stdDevLog2: i / 100 });
        if (v.engine !== v.ts) expect.fail(`n = ${d}, sigma 2^${i / 100}: TS ${v.ts}, engine "${v.problem}"`);
        checked++;
        if (v.ts) secure++;
      }
    }
    expect(checked).toBeGreaterThan(300_000);
    expect(secure).toBeGreaterThan(10_000);
  });

  test('exactly on, and one double either side of, each line of the Gaussian rule', () => {
    for (const d of dimensions.filter((x) => x >= 450)) {
      const edges = [concreteMinStdDevLog2(d), tfheRsMinGaussianStdDevLog2(d) - GAUSSIAN_132_ROUNDING_TOLERANCE_LOG2];
      for (const edge of edges) {
        for (const s of [edge, ulpStep(edge, true), ulpStep(edge, false), edge + 1e-9, edge - 1e-9]) {
          if (!(s > -10 && s <= MAX_GAUSSIAN_STD_DEV_LOG2)) continue;
          const v = verdicts(d, { kind: 'gaussian', stdDevLog2: s });
          expect(v.engine, `n = ${d}, sigma 2^${s}: TS ${v.ts}, engine "${v.problem}"`).toBe(v.ts);
        }
      }
    }
  });

  test('the findings of issue 16: TU(53) at n = 600 and Gaussian sets 0.3-0.7 bits below the minimum are refused natively', () => {
    expect(nativeTesting.noiseSecurityProblem(600, { kind: 'tuniform', boundLog2: 53 })).toMatch(/TU\(54\) \(tfhe-rs 132-bit line\)/);
    expect(nativeTesting.noiseSecurityProblem(600, { kind: 'tuniform', boundLog2: 54 })).toBe('');
    for (const d of [747, 837, 904, 1011, 1104]) {
      const min = Math.max(concreteMinStdDevLog2(d), tfheRsMinGaussianStdDevLog2(d) - GAUSSIAN_132_ROUNDING_TOLERANCE_LOG2);
      for (const below of [0.3, 0.5, 0.7]) {
        expect(nativeTesting.noiseSecurityProblem(d, { kind: 'gaussian', stdDevLog2: min - below })).toMatch(/insecure|must be >=/);
      }
      expect(nativeTesting.noiseSecurityProblem(d, { kind: 'gaussian', stdDevLog2: min })).toBe('');
    }
  });

  test('whole sets: validateParams refuses exactly the sets securityCheck refuses, naming the key', () => {
    const published = publishedSets;
    expect(published.length).toBeGreaterThan(8);
    let refused = 0;
    for (const set of published) {
      const variants = [
        set,
        { ...set, lweDimension: set.lweDimension - 20 },
        { ...set, lweDimension: 449 },
        set.lweNoise.kind === 'tuniform'
          ? { ...set, lweNoise: { kind: 'tuniform' as const, boundLog2: set.lweNoise.boundLog2 - 1 } }
          : { ...set, lweNoise: { kind: 'gaussian' as const, stdDevLog2: set.lweNoise.stdDevLog2 - 0.3 } },
        set.glweNoise.kind === 'tuniform'
          ? { ...set, glweNoise: { kind: 'tuniform' as const, boundLog2: Math.max(0, set.glweNoise.boundLog2 - 1) } }
          : { ...set, glweNoise: { kind: 'gaussian' as const, stdDevLog2: set.glweNoise.stdDevLog2 - 0.3 } },
      ];
      for (const v of variants) {
        const report = securityCheck(v);
        let error = '';
        try {
          native.validateParams(v);
        } catch (e) {
          error = (e as Error).message;
        }
        expect(error === '', `${v.name} n=${v.lweDimension}: TS ${report.secure}, engine "${error}"`).toBe(report.secure);
        if (!report.secure) {
          refused++;
          expect(error).toMatch(report.lwe.secure ? /insecure parameters: GLWE key/ : /insecure parameters: LWE key/);
        }
      }
    }
    expect(refused).toBeGreaterThan(published.length);
  });
});
