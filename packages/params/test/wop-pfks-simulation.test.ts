// Monte Carlo check of the packing-keyswitch noise derivation (wop-noise.ts, varPackingKeyswitch)
// on a toy ring (q = 2^32, N = 64, k = 1, B = 2^4, l = 3): a private functional PFKS is run on
// random LWE inputs and the output error is measured per coefficient. It decides the point where
// this package departs from docs/crt.md section 5: the scalar rounding error reaches a mask row's
// coefficient i as s_{c,i} x (so a key bit, not ||S_c||^2 ~ N/2, multiplies it). Fixed seed: a test.
import { describe, expect, it } from 'vitest';
import { varPackingKeyswitch } from '@fhenet/params';

const Q = 2 ** 32;
const N = 64;
const K = 1;
const KN = K * N;
const BASE_LOG = 4;
const LEVELS = 3;
const KEY_SIGMA_LOG2 = 14; // integer std dev of the PFKS keys' noise (torus 2^-18)
const INPUT_SIGMA_LOG2 = 18; // integer std dev of the input LWE noise (torus 2^-14)

/** mulberry32: deterministic test randomness. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20261203);
const mod = (x: number) => ((x % Q) + Q) % Q;
const uniform = () => Math.floor(rand() * Q);
const gaussian = (sigma: number) => Math.round(sigma * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
const centered = (x: number) => (x >= Q / 2 ? x - Q : x);

/** a * s mod (X^N + 1), s binary. */
function mulBinary(a: readonly number[], s: readonly number[]): number[] {
  const out = new Array<number>(N).fill(0);
  for (let u = 0; u < N; u++) {
    if (s[u] === 0) continue;
    for (let v = 0; v < N; v++) {
      const t = u + v;
      if (t < N) out[t]! += a[v]!;
      else out[t - N]! -= a[v]!;
    }
  }
  return out.map(mod);
}

type Glwe = { mask: number[][]; body: number[] };
function encrypt(S: readonly number[][], message: readonly number[], sigma: number): Glwe {
  const mask = S.map(() => Array.from({ length: N }, uniform));
  const body = message.map((m) => m + gaussian(sigma));
  mask.forEach((a, c) => mulBinary(a, S[c]!).forEach((x, t) => (body[t]! += x)));
  return { mask, body: body.map(mod) };
}
function phase(S: readonly number[][], g: Glwe): number[] {
  const p = [...g.body];
  g.mask.forEach((a, c) => mulBinary(a, S[c]!).forEach((x, t) => (p[t]! -= x)));
  return p.map(mod);
}

/** Balanced base-B digits of a (levels 1..l: weights q/B^j) after rounding to the closest multiple of q/B^l. */
function decompose(a: number): number[] {
  const shift = 32 - BASE_LOG * LEVELS;
  let r = Math.floor((a + 2 ** (shift - 1)) / 2 ** shift) % 2 ** (BASE_LOG * LEVELS);
  const B = 2 ** BASE_LOG;
  const digits = new Array<number>(LEVELS);
  for (let j = LEVELS - 1; j >= 0; j--) {
    let d = r % B;
    r = Math.floor(r / B);
    if (d >= B / 2) {
      d -= B;
      r += 1;
    }
    digits[j] = d;
  }
  return digits;
}

describe('private functional packing keyswitch, simulated', () => {
  const S = [Array.from({ length: N }, () => (rand() < 0.5 ? 0 : 1))];
  const s = S.flat(); // the big LWE key: the GLWE key's coefficients
  const keyNoise = { kind: 'gaussian' as const, stdDevLog2: KEY_SIGMA_LOG2 + 32 }; // same torus variance at q = 2^64
  const dec = { baseLog: BASE_LOG, levelCount: LEVELS };
  const inputVar = 2 ** (2 * (INPUT_SIGMA_LOG2 - 32));

  /** Runs the PFKS for f(x) = factor * x (factor: a polynomial) with kN + 1 entries (body through the key) or kN (body copied). */
  function measure(factor: readonly number[], bodyThroughKey: boolean, trials: number): number[] {
    const scaled = (x: number) => factor.map((f) => mod(f * x)); // f(x) as a polynomial, x a torus scalar
    const keyCoeffs = bodyThroughKey ? [...s, -1] : s; // the input's "key" (a, b) -> (s, -1)
    const keys = keyCoeffs.map((si) => Array.from({ length: LEVELS }, (_, j) => encrypt(S, scaled(mod(si * Q / 2 ** (BASE_LOG * (j + 1)))), 2 ** KEY_SIGMA_LOG2)));
    const sumSq = new Array<number>(N).fill(0);
    for (let trial = 0; trial < trials; trial++) {
      const mu = uniform();
      const a = Array.from({ length: KN }, uniform);
      let b = mu + gaussian(2 ** INPUT_SIGMA_LOG2);
      a.forEach((ai, i) => (b += ai * s[i]!));
      b = mod(b);
      const input = bodyThroughKey ? [...a, b] : a;
      const out: Glwe = { mask: [new Array<number>(N).fill(0)], body: bodyThroughKey ? new Array<number>(N).fill(0) : scaled(b) };
      input.forEach((ai, i) => decompose(ai).forEach((d, j) => {
        if (d === 0) return;
        const key = keys[i]![j]!;
        key.mask[0]!.forEach((x, t) => (out.mask[0]![t] = mod(out.mask[0]![t]! - d * x)));
        key.body.forEach((x, t) => (out.body[t] = mod(out.body[t]! - d * x)));
      }));
      const expected = scaled(mu);
      phase(S, out).forEach((p, t) => (sumSq[t]! += (centered(mod(p - expected[t]!)) / Q) ** 2));
    }
    return sumSq.map((x) => x / trials);
  }

  it('mask row (f = -S_0 x, body through the key): coefficient i carries s_{0,i} (input + rounding), every coefficient the key noise', () => {
    const minusS = S[0]!.map((x) => -x);
    const v = measure(minusS, true, 400);
    const predicted = varPackingKeyswitch({ glweDimension: K, polynomialSize: N, glweNoise: keyNoise }, dec, 'mask');
    const ones = S[0]!.map((b, i) => [b, v[i]!] as const);
    const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    const withBit = mean(ones.filter(([b]) => b === 1).map(([, x]) => x));
    const withoutBit = mean(ones.filter(([b]) => b === 0).map(([, x]) => x));
    console.log(`PFKS mask row, measured / predicted: key bit 1 ${(withBit / (predicted.keyNoise + inputVar + predicted.rounding)).toFixed(3)}, key bit 0 ${(withoutBit / predicted.keyNoise).toFixed(3)}; rounding ${Math.log2(predicted.rounding).toFixed(2)}, key noise ${Math.log2(predicted.keyNoise).toFixed(2)}, input ${Math.log2(inputVar).toFixed(2)} (log2 torus)`);
    // Key bit 1: key noise + input noise + the full scalar rounding; key bit 0: key noise only.
    expect(withBit / (predicted.keyNoise + inputVar + predicted.rounding)).toBeGreaterThan(0.9);
    expect(withBit / (predicted.keyNoise + inputVar + predicted.rounding)).toBeLessThan(1.1);
    expect(withoutBit / predicted.keyNoise).toBeGreaterThan(0.9);
    expect(withoutBit / predicted.keyNoise).toBeLessThan(1.1);
    // The mean over coefficients, with this key's share of ones in place of E[s^2] = 1/2.
    const share = S[0]!.filter((b) => b === 1).length / N;
    expect(mean(v) / (predicted.keyNoise + (inputVar + predicted.rounding) * share)).toBeCloseTo(1, 1);
    // crt.md's ||S_c||^2 ~ N/2 factor on the rounding would predict this much more: refuted by far.
    expect(predicted.keyNoise + (N / 2) * predicted.rounding).toBeGreaterThan(10 * Math.max(...v));
  });

  it('body row (identity, body copied): input and rounding in coefficient 0 only', () => {
    const one = [1, ...new Array<number>(N - 1).fill(0)];
    const v = measure(one, false, 400);
    const predicted = varPackingKeyswitch({ glweDimension: K, polynomialSize: N, glweNoise: keyNoise }, dec, 'body');
    expect(v[0]! / (predicted.keyNoise + inputVar + predicted.rounding)).toBeGreaterThan(0.9);
    expect(v[0]! / (predicted.keyNoise + inputVar + predicted.rounding)).toBeLessThan(1.1);
    const rest = v.slice(1).reduce((x, y) => x + y, 0) / (N - 1);
    console.log(`PFKS body row, measured / predicted: coefficient 0 ${(v[0]! / (predicted.keyNoise + inputVar + predicted.rounding)).toFixed(3)}, others ${(rest / predicted.keyNoise).toFixed(3)}`);
    expect(rest / predicted.keyNoise).toBeGreaterThan(0.9);
    expect(rest / predicted.keyNoise).toBeLessThan(1.1);
  });
});
