import { describe, expect, test } from 'vitest';
import { ClientKey, ServerEngine, freshVariance, keyswitchVariance, pbsOutputVariance } from '@fhenet/engine';
import {
  assertParameterSet,
  MAX_GAUSSIAN_STD_DEV_LOG2,
  MAX_TUNIFORM_BOUND_LOG2,
  minSecureTUniformBoundLog2,
  multiValueCovariance,
  multiValuePbs,
  tuniformIntegerVariance,
} from '@fhenet/params';
import { nativeTesting } from '../src/native.js';
import { gaussianSet, tuniformSet, type TestSet } from '@fhenet/testing';

/** Signed phase errors (integer torus units) of ciphertexts that should hold messages*delta. */
function phaseErrors(_ck: ClientKey, phases: BigUint64Array, messages: number[], bits: number): bigint[] {
  const delta = 1n << BigInt(63 - bits);
  return Array.from(phases, (ph, i) => BigInt.asIntN(64, ph - BigInt(messages[i]!) * delta));
}

function variance(errs: bigint[]): number {
  // Torus units: (e / 2^64)^2, mean not subtracted (noise is centered by construction).
  return errs.reduce((s, e) => s + (Number(e) / 2 ** 64) ** 2, 0) / errs.length;
}

describe('fresh encryption noise', () => {
  test('TUniform: non-zero, within [-2^b, 2^b], variance (2^(2b+1)+1)/6 within 5%', () => {
    const set = tuniformSet(4);
    const ck = ClientKey.generate(set);
    const msgs = Array.from({ length: 20000 }, (_, i) => i % 16);
    const errs = phaseErrors(ck, ck.decryptPhase(ck.encrypt(msgs)), msgs, 4);
    const b = 17n;
    expect(errs.every((e) => e >= -(1n << b) && e <= 1n << b)).toBe(true);
    expect(errs.filter((e) => e !== 0n).length).toBeGreaterThan(19000);
    const ratio = variance(errs) / freshVariance(set);
    expect(ratio).toBeGreaterThan(0.95);
    expect(ratio).toBeLessThan(1.05);
  });

  test('Gaussian: variance sigma^2 within 5%, mean near 0', () => {
    const set = gaussianSet(4);
    const ck = ClientKey.generate(set);
    const msgs = Array.from({ length: 20000 }, (_, i) => i % 16);
    const errs = phaseErrors(ck, ck.decryptPhase(ck.encrypt(msgs)), msgs, 4);
    const ratio = variance(errs) / freshVariance(set);
    expect(ratio).toBeGreaterThan(0.95);
    expect(ratio).toBeLessThan(1.05);
    const mean = errs.reduce((s, e) => s + Number(e), 0) / errs.length;
    expect(Math.abs(mean)).toBeLessThan((5 * 2 ** 15.68) / Math.sqrt(errs.length));
  });

  test('TUniform sampler hits both ends with probability 2^-(b+2) each (small b)', () => {
    // TU(3) on the GLWE side of the 6-bit set: 9 values, ends 1/32 each, inner 1/16 each.
    const s = nativeTesting.sampleNoise(tuniformSet(6), true, 200000);
    const counts = new Map<bigint, number>();
    for (const v of s) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => Number(a - b))).toEqual([-8n, -7n, -6n, -5n, -4n, -3n, -2n, -1n, 0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    for (const [v, c] of counts) {
      const expected = (v === -8n || v === 8n ? 1 / 32 : 1 / 16) * 200000;
      expect(Math.abs(c - expected)).toBeLessThan(6 * Math.sqrt(expected));
    }
  });
});

describe('noise samplers at every bound the rule allows (issue 16, finding 2)', () => {
  // A GLWE key of dimension k*N = 16 * 8192, where the security rule's minimum is its floor TU(3) /
  // sigma 2^2: the sampler is exercised at every bound that any dimension allows.
  const wide = { glweDimension: 16, polynomialSize: 8192 };
  test('TU(b), b = 3..MAX_TUNIFORM_BOUND_LOG2: within [-2^b, 2^b], centered, variance (2^(2b+1)+1)/6 within 5%, ends reached', () => {
    const n = 20000;
    expect(minSecureTUniformBoundLog2(16 * 8192)).toBe(3);
    for (let b = 3; b <= MAX_TUNIFORM_BOUND_LOG2; b++) {
      const set = { ...tuniformSet(4), ...wide, glweNoise: { kind: 'tuniform' as const, boundLog2: b } };
      const s = nativeTesting.sampleNoise(set, true, n);
      const bound = 1n << BigInt(b);
      let min = bound,
        max = -bound,
        sum = 0,
        sq = 0;
      for (const v of s) {
        if (v < -bound || v > bound) expect.fail(`TU(${b}) sample ${v} outside [-2^${b}, 2^${b}]`);
        if (v < min) min = v;
        if (v > max) max = v;
        const x = Number(v) / 2 ** b; // scaled to [-1, 1] so that b = 62 loses nothing to doubles
        sum += x;
        sq += x * x;
      }
      // The b = 62 bug drew -2^62 every time: a spread over the whole range is what matters.
      const expectedVar = tuniformIntegerVariance(b) / 4 ** b;
      expect(Math.abs(sq / n / expectedVar - 1), `TU(${b}) variance ratio`).toBeLessThan(0.05);
      expect(Math.abs(sum / n), `TU(${b}) mean / 2^b`).toBeLessThan(6 * Math.sqrt(expectedVar / n));
      if (b >= 4) {
        expect(Number(max) / 2 ** b, `TU(${b}) max`).toBeGreaterThan(0.99);
        expect(Number(min) / 2 ** b, `TU(${b}) min`).toBeLessThan(-0.99);
      }
    }
  });

  test('Gaussian up to 2^MAX_GAUSSIAN_STD_DEV_LOG2: variance within 5%, no overflow', () => {
    for (const l of [2, 30, 55, MAX_GAUSSIAN_STD_DEV_LOG2]) {
      const set = { ...gaussianSet(4), ...wide, glweNoise: { kind: 'gaussian' as const, stdDevLog2: l } };
      const s = nativeTesting.sampleNoise(set, true, 20000);
      let sq = 0;
      for (const v of s) sq += (Number(v) / 2 ** l) ** 2;
      expect(Math.abs(sq / s.length - 1), `Gaussian 2^${l}`).toBeLessThan(0.05);
    }
  });

  test('bounds beyond what the samplers draw are refused by the TypeScript reader and by the engine', () => {
    const tu = { ...tuniformSet(4), glweNoise: { kind: 'tuniform' as const, boundLog2: MAX_TUNIFORM_BOUND_LOG2 + 1 } };
    expect(() => assertParameterSet(tu)).toThrow(/glweNoise\.boundLog2 must be an integer in \[0, 62\], got 63/);
    expect(() => nativeTesting.sampleNoise(tu, true, 1)).toThrow(/boundLog2: expected an integer in 0\.\.62/);
    const g = { ...gaussianSet(4), glweNoise: { kind: 'gaussian' as const, stdDevLog2: MAX_GAUSSIAN_STD_DEV_LOG2 + 0.5 } };
    expect(() => assertParameterSet(g)).toThrow(/glweNoise\.stdDevLog2 must be in \[0, 59\]/);
    expect(() => nativeTesting.sampleNoise(g, true, 1)).toThrow(/stdDevLog2: expected a number in \(-10, 59\]/);
  });
});

export async function measurePbsVariance(set: TestSet, samples: number): Promise<number> {
  const p = 2 ** set.messageBits;
  const ck = ClientKey.generate(set);
  const keys = await ck.generateEvaluationKeys();
  const eng = new ServerEngine(set, keys);
  const msgs = Array.from({ length: samples }, (_, i) => i % p);
  const table = Array.from({ length: p }, (_, i) => (5 * i + 1) % p);
  const out = eng.pbs(ck.encrypt(msgs), new Uint32Array(samples), [table]);
  const errs = phaseErrors(
    ck,
    ck.decryptPhase(out),
    msgs.map((m) => table[m]!),
    set.messageBits,
  );
  keys.dispose();
  return variance(errs) / pbsOutputVariance(set);
}

describe('PBS output noise vs the model (>= 1000 samples)', () => {
  for (const set of [tuniformSet(2), tuniformSet(4)]) {
    test(`${set.name}: measured / predicted variance within 1.5x`, async () => {
      const ratio = await measurePbsVariance(set, 1000);
      console.log(`${set.name}: measured/model PBS variance = ${ratio.toFixed(3)}`);
      expect(ratio).toBeGreaterThan(1 / 1.5);
      expect(ratio).toBeLessThan(1.5);
    }, 600_000);
  }
});

describe('multi-value PBS output noise vs the model (pbsMany, 2000 inputs, F = 4)', () => {
  for (const set of [tuniformSet(2), tuniformSet(4)]) {
    test(`${set.name}: each output's variance within 1.5x of Var_PBS; correlations of outputs of one input as multiValueCovariance`, async () => {
      const functions = 4,
        p = 2 ** set.messageBits,
        width = p / functions,
        samples = 2000;
      const ck = ClientKey.generate(set);
      const keys = await ck.generateEvaluationKeys();
      const eng = new ServerEngine(set, keys);
      const xs = Array.from({ length: samples }, (_, i) => i % width);
      const fns = Array.from({ length: functions }, (_, j) => Array.from({ length: width }, (_, x) => (3 * x + 5 * j + 1) % p));
      // pbsManyAsync (same bits as pbsMany): 8,000 outputs keep a synchronous call ~13 s on the
      // worker's event loop, near vitest's RPC limit under load (scripts/vitest-event-loop.ts).
      const out = await eng.pbsManyAsync(ck.encrypt(xs), new Uint32Array(samples), [fns]);
      const errs = phaseErrors(
        ck,
        ck.decryptPhase(out),
        xs.flatMap((x) => fns.map((f) => f[x]!)),
        set.messageBits,
      );
      const model = multiValuePbs(set, functions);
      const output = (j: number) => errs.filter((_, i) => i % functions === j);
      // Every output position j (coefficient j N/F of the accumulator) against the model.
      const perOutput = fns.map((_, j) => variance(output(j)) / model.outputVariance);
      console.log(`${set.name} F=${functions}: measured/model variance per output ${perOutput.map((r) => r.toFixed(3)).join(' ')}`);
      for (const r of perOutput) {
        expect(r).toBeGreaterThan(1 / 1.5);
        expect(r).toBeLessThan(1.5);
      }
      // Outputs of one input share the noise that reaches the phase through the binary GLWE key
      // (params multiValueCovariance, an upper estimate): correlation (1 - 2 Delta/N)/2 of that
      // part at lag Delta, so positive at N/4, none at N/2, negative at 3N/4. Sampling standard
      // deviation of a correlation over 2000 pairs: ~0.022.
      const corr = (a: bigint[], b: bigint[]) => {
        const x = a.map(Number),
          y = b.map(Number);
        const dot = x.reduce((s, v, i) => s + v * y[i]!, 0);
        return dot / Math.sqrt(x.reduce((s, v) => s + v * v, 0) * y.reduce((s, v) => s + v * v, 0));
      };
      const measured = [1, 2, 3].map((j) => corr(output(0), output(j)));
      const predicted = [1, 2, 3].map((j) => multiValueCovariance(set, functions, 0, j) / model.outputVariance);
      console.log(
        `${set.name} F=${functions}: correlation of output 0 with 1, 2, 3: measured ${measured.map((c) => c.toFixed(3)).join(' ')}, model ${predicted.map((c) => c.toFixed(3)).join(' ')}`,
      );
      expect(predicted[0]!).toBeGreaterThan(0.1);
      expect(measured[0]!).toBeGreaterThan(0.5 * predicted[0]!);
      expect(measured[0]!).toBeLessThan(predicted[0]! + 0.07);
      expect(Math.abs(measured[1]!)).toBeLessThan(0.08);
      expect(measured[2]!).toBeLessThan(0.5 * predicted[2]!);
      expect(measured[2]!).toBeGreaterThan(predicted[2]! - 0.07);
      out.dispose();
      keys.dispose();
    }, 600_000);
  }
});

describe('noise model', () => {
  test('runtime noise-model.ts agrees with @fhenet/params', async () => {
    const params = await import('@fhenet/params');
    for (const set of params.publishedSets) {
      expect(pbsOutputVariance(set) / params.varPbs(set)).toBeCloseTo(1, 9);
      expect(freshVariance(set) / params.varFreshEncryption(set.glweNoise)).toBeCloseTo(1, 9);
      expect(keyswitchVariance(set) / params.varKeyswitch(set)).toBeCloseTo(1, 12);
    }
  });
});
