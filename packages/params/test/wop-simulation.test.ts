// Monte Carlo checks of the WoP noise derivation (wop-noise.ts) on a toy ring (q = 2^32, N = 64,
// k = 1), exact integer arithmetic, fixed seed:
//  1. a private functional PFKS run on random LWE inputs, output error measured per coefficient
//     (varPackingKeyswitch). It decides the point where this package departs from docs/crt.md
//     section 5: the scalar rounding error reaches a mask row's coefficient i as s_{c,i} x (a key
//     bit, not ||S_c||^2 ~ N/2, multiplies it);
//  2. GGSWs made by those PFKS, driving a chain of CMuxes (ggswNoiseFromCircuitBootstrap,
//     varExternalProduct: s2_g is the mean row variance).
import { describe, expect, it } from 'vitest';
import { ggswNoiseFromCircuitBootstrap, varExternalProduct, varPackingKeyswitch } from '@fhenet/params';

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
  mask.forEach((a, c) => {
    mulBinary(a, S[c]!).forEach((x, t) => {
      body[t]! += x;
    });
  });
  return { mask, body: body.map(mod) };
}
function phase(S: readonly number[][], g: Glwe): number[] {
  const p = [...g.body];
  g.mask.forEach((a, c) => {
    mulBinary(a, S[c]!).forEach((x, t) => {
      p[t]! -= x;
    });
  });
  return p.map(mod);
}

/** Balanced base-2^baseLog digits of a (levels 1..l: weights q/B^j) after rounding to the closest multiple of q/B^l. */
function decompose(a: number, baseLog = BASE_LOG, levels = LEVELS): number[] {
  const shift = 32 - baseLog * levels;
  let r = Math.floor((a + 2 ** (shift - 1)) / 2 ** shift) % 2 ** (baseLog * levels);
  const B = 2 ** baseLog;
  const digits = new Array<number>(levels);
  for (let j = levels - 1; j >= 0; j--) {
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
    const keys = keyCoeffs.map((si) =>
      Array.from({ length: LEVELS }, (_, j) => encrypt(S, scaled(mod((si * Q) / 2 ** (BASE_LOG * (j + 1)))), 2 ** KEY_SIGMA_LOG2)),
    );
    const sumSq = new Array<number>(N).fill(0);
    for (let trial = 0; trial < trials; trial++) {
      const mu = uniform();
      const a = Array.from({ length: KN }, uniform);
      let b = mu + gaussian(2 ** INPUT_SIGMA_LOG2);
      a.forEach((ai, i) => {
        b += ai * s[i]!;
      });
      b = mod(b);
      const input = bodyThroughKey ? [...a, b] : a;
      const out: Glwe = { mask: [new Array<number>(N).fill(0)], body: bodyThroughKey ? new Array<number>(N).fill(0) : scaled(b) };
      input.forEach((ai, i) => {
        decompose(ai).forEach((d, j) => {
          if (d === 0) return;
          const key = keys[i]![j]!;
          key.mask[0]!.forEach((x, t) => {
            out.mask[0]![t] = mod(out.mask[0]![t]! - d * x);
          });
          key.body.forEach((x, t) => {
            out.body[t] = mod(out.body[t]! - d * x);
          });
        });
      });
      const expected = scaled(mu);
      phase(S, out).forEach((p, t) => {
        sumSq[t]! += (centered(mod(p - expected[t]!)) / Q) ** 2;
      });
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
    console.log(
      `PFKS mask row, measured / predicted: key bit 1 ${(withBit / (predicted.keyNoise + inputVar + predicted.rounding)).toFixed(3)}, key bit 0 ${(withoutBit / predicted.keyNoise).toFixed(3)}; rounding ${Math.log2(predicted.rounding).toFixed(2)}, key noise ${Math.log2(predicted.keyNoise).toFixed(2)}, input ${Math.log2(inputVar).toFixed(2)} (log2 torus)`,
    );
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
    const v = measure(one, false, 2000); // coefficient 0 alone: many trials for a tight estimate
    const predicted = varPackingKeyswitch({ glweDimension: K, polynomialSize: N, glweNoise: keyNoise }, dec, 'body');
    expect(v[0]! / (predicted.keyNoise + inputVar + predicted.rounding)).toBeGreaterThan(0.9);
    expect(v[0]! / (predicted.keyNoise + inputVar + predicted.rounding)).toBeLessThan(1.1);
    const rest = v.slice(1).reduce((x, y) => x + y, 0) / (N - 1);
    console.log(
      `PFKS body row, measured / predicted: coefficient 0 ${(v[0]! / (predicted.keyNoise + inputVar + predicted.rounding)).toFixed(3)}, others ${(rest / predicted.keyNoise).toFixed(3)}`,
    );
    expect(rest / predicted.keyNoise).toBeGreaterThan(0.9);
    expect(rest / predicted.keyNoise).toBeLessThan(1.1);
  });
});

describe("circuit-bootstrapped GGSWs in a CMux chain (a vertical packing's blind rotation), simulated", () => {
  // Toy circuit bootstrapping without the PBS: the level outputs are fresh LWEs of mu q / B_cbs^j
  // with variance LEVEL_VAR (standing in for Var_PBS), packed by real PFKS into GGSW rows; then
  // t CMuxes acc <- CMux(g_b, acc, X^(-2^b) acc) with every bit 1. Exact integer arithmetic (no
  // FFT term; at these sizes the model's FFT term is ~2^-85, negligible).
  const PF = { baseLog: 4, levelCount: 6 };
  const CBS = { baseLog: 5, levelCount: 4 };
  const PF_KEY_SIGMA_LOG2 = 4;
  const LEVEL_SIGMA_LOG2 = 12;
  const ACC_SIGMA_LOG2 = 10;
  const T = 6;
  const TRIALS = 50;
  // Exactly N/2 ones: the model's E[s^2] = 1/2 then holds for this key too.
  const ones = Array.from({ length: N }, (_, i) => i)
    .sort(() => rand() - 0.5)
    .slice(0, N / 2);
  const S = [Array.from({ length: N }, (_, i) => (ones.includes(i) ? 1 : 0))];
  const s = S.flat();
  const negS = S[0]!.map((x) => -x);
  const unit = [1, ...new Array<number>(N - 1).fill(0)];

  /** a * b mod (X^N + 1) for a with small integer coefficients (digits), exact in doubles. */
  const mulSmall = (a: readonly number[], b: readonly number[]) => {
    const out = new Array<number>(N).fill(0);
    for (let u = 0; u < N; u++) {
      const d = a[u]!;
      if (d === 0) continue;
      for (let v = 0; v < N; v++) {
        const t = u + v;
        if (t < N) out[t]! += d * b[v]!;
        else out[t - N]! -= d * b[v]!;
      }
    }
    return out.map(mod);
  };
  const scaledBy = (factor: readonly number[], x: number) => factor.map((f) => mod(f * x));
  const pfksKeys = (factor: readonly number[], bodyThroughKey: boolean) =>
    (bodyThroughKey ? [...s, -1] : s).map((si) =>
      Array.from({ length: PF.levelCount }, (_, j) => encrypt(S, scaledBy(factor, mod((si * Q) / 2 ** (PF.baseLog * (j + 1)))), 2 ** PF_KEY_SIGMA_LOG2)),
    );
  const maskKeys = pfksKeys(negS, true);
  const bodyKeys = pfksKeys(unit, false);
  const pfks = (keys: Glwe[][], factor: readonly number[], bodyThroughKey: boolean, a: number[], b: number): Glwe => {
    const out: Glwe = { mask: [new Array<number>(N).fill(0)], body: bodyThroughKey ? new Array<number>(N).fill(0) : scaledBy(factor, b) };
    (bodyThroughKey ? [...a, b] : a).forEach((ai, i) => {
      decompose(ai, PF.baseLog, PF.levelCount).forEach((d, j) => {
        if (d === 0) return;
        const key = keys[i]![j]!;
        key.mask[0]!.forEach((x, t) => {
          out.mask[0]![t] = mod(out.mask[0]![t]! - d * x);
        });
        key.body.forEach((x, t) => {
          out.body[t] = mod(out.body[t]! - d * x);
        });
      });
    });
    return out;
  };
  /** GGSW of the bit 1: rows [mask (c = 0), body] x levels. */
  const ggswOfOne = (): Glwe[][] => {
    const rows: Glwe[][] = [[], []];
    for (let j = 0; j < CBS.levelCount; j++) {
      const m = Q / 2 ** (CBS.baseLog * (j + 1));
      const lwe = () => {
        const a = Array.from({ length: KN }, uniform);
        let b = m + gaussian(2 ** LEVEL_SIGMA_LOG2);
        a.forEach((ai, i) => {
          b += ai * s[i]!;
        });
        return { a, b: mod(b) };
      };
      const x = lwe();
      rows[0]!.push(pfks(maskKeys, negS, true, x.a, x.b));
      const y = lwe();
      rows[1]!.push(pfks(bodyKeys, unit, false, y.a, y.b));
    }
    return rows;
  };
  const decomposePoly = (p: readonly number[]) => {
    const perLevel = Array.from({ length: CBS.levelCount }, () => new Array<number>(N).fill(0));
    p.forEach((x, t) => {
      decompose(x, CBS.baseLog, CBS.levelCount).forEach((d, j) => {
        perLevel[j]![t] = d;
      });
    });
    return perLevel;
  };
  const externalProduct = (g: Glwe[][], ct: Glwe): Glwe => {
    const out: Glwe = { mask: [new Array<number>(N).fill(0)], body: new Array<number>(N).fill(0) };
    [ct.mask[0]!, ct.body].forEach((poly, r) => {
      decomposePoly(poly).forEach((digits, j) => {
        const row = g[r]![j]!;
        mulSmall(digits, row.mask[0]!).forEach((x, t) => {
          out.mask[0]![t] = mod(out.mask[0]![t]! + x);
        });
        mulSmall(digits, row.body).forEach((x, t) => {
          out.body[t] = mod(out.body[t]! + x);
        });
      });
    });
    return out;
  };
  /** X^(-e) * p, negacyclic. */
  const rotateDown = (p: readonly number[], e: number) => p.map((_, t) => (t + e < N ? p[t + e]! : mod(-p[t + e - N]!)));
  const sub = (a: readonly number[], b: readonly number[]) => a.map((x, t) => mod(x - b[t]!));
  const add = (a: readonly number[], b: readonly number[]) => a.map((x, t) => mod(x + b[t]!));

  it(`t = ${T} CMuxes add t Var_ext(s2_g), s2_g the mean row variance of ggswNoiseFromCircuitBootstrap`, () => {
    let sumSq = 0;
    let count = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const L = Array.from({ length: N }, uniform);
      let acc = encrypt(S, L, 2 ** ACC_SIGMA_LOG2);
      for (let b = 0; b < T; b++) {
        const g = ggswOfOne();
        const rotated: Glwe = { mask: [rotateDown(acc.mask[0]!, 2 ** b)], body: rotateDown(acc.body, 2 ** b) };
        const diff: Glwe = { mask: [sub(rotated.mask[0]!, acc.mask[0]!)], body: sub(rotated.body, acc.body) };
        const e = externalProduct(g, diff);
        acc = { mask: [add(acc.mask[0]!, e.mask[0]!)], body: add(acc.body, e.body) };
      }
      const expected = rotateDown(L, 2 ** T - 1);
      phase(S, acc).forEach((p, t) => {
        sumSq += (centered(mod(p - expected[t]!)) / Q) ** 2;
        count++;
      });
    }
    const measured = sumSq / count;
    const params = {
      glweDimension: K,
      polynomialSize: N,
      glweNoise: { kind: 'gaussian' as const, stdDevLog2: PF_KEY_SIGMA_LOG2 + 32 },
      packingKeyswitch: PF,
      lweDimension: 1,
      pbs: { baseLog: 1, levelCount: 1 },
    };
    const levelVar = 2 ** (2 * (LEVEL_SIGMA_LOG2 - 32));
    const g = ggswNoiseFromCircuitBootstrap(params, levelVar);
    const predicted = 2 ** (2 * (ACC_SIGMA_LOG2 - 32)) + T * varExternalProduct(params, g.mean, CBS);
    // crt.md section 5's s2_g (full level variance and N/2 rounding in every row) for contrast.
    const mask = varPackingKeyswitch(params, PF, 'mask');
    const crtDoc = 2 ** (2 * (ACC_SIGMA_LOG2 - 32)) + T * varExternalProduct(params, levelVar + mask.keyNoise + (N / 2) * mask.rounding, CBS);
    console.log(
      `CMux chain: measured / predicted ${(measured / predicted).toFixed(3)} (log2 measured ${Math.log2(measured).toFixed(2)}; crt.md's s2_g would predict ${(crtDoc / measured).toFixed(2)}x the measured)`,
    );
    expect(measured / predicted).toBeGreaterThan(0.85);
    expect(measured / predicted).toBeLessThan(1.15);
  });
});
