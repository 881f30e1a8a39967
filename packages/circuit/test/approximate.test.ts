// Approximately rounded stages (format v6, rounding.ts, approximate.ts): without noise they compute
// exactly what exactly rounded stages compute, for every residue; the seeded noise model lands a
// slot in the bucket the params model predicts; the format reads and checks the field.
import { describe, expect, it } from 'vitest';
import {
  approximateLookupInput,
  approximateLookupShift,
  approximateStageNoise,
  circuitFromJson,
  circuitToJson,
  expandRoundedTable,
  gaussianSource,
  noisyBox,
  outputWeightNorms2,
  pbsPerNeuron,
  simulate,
  stagePbs,
  type Circuit,
  type Stage,
} from '@fhenet/circuit';
import { boxLowerEdge, bucketShift, publishedSet, type TfheParameterSet } from '@fhenet/params';
import { circuitOf, denseFromRows, randInt, randomConv, rng } from '@fhenet/testing';

/** The runtime's PBS on residue a in [0, 2p): T[a], or -T[a - p] in the negacyclic half. */
const lookup = (t: ArrayLike<number>, a: number, p: number) => (a < p ? (t[a] as number) : -(t[a - p] as number));

/** One rounded stage reading one input with weight 1 and offset 0: slot = the input. */
function rounded(bits: number, roundBits: number, table: Int32Array, rounding?: 'approximate'): Stage {
  const p = 2 ** bits;
  return {
    name: 'r',
    linear: denseFromRows([[1]], 1),
    offset: Int32Array.of(0),
    tables: table,
    roundBits,
    ...(rounding ? { rounding } : {}),
    analysis: { shift: Int32Array.of(0), worstCase: { min: 0, max: p - 1 }, nu: 1 },
  };
}

const withSet = (c: Circuit, set: TfheParameterSet): Circuit => ({ ...c, parameters: { set, log2PFailPerPbs: -40, pErrorPerInference: 1e-6 } });

describe('approximate rounding without noise = exact rounding', () => {
  for (const bits of [3, 4, 5, 7]) {
    const p = 2 ** bits;
    for (let k = 2; k < bits; k++) {
      it(`${bits} bits, k = ${k}: every slot in [-2p, 2p) reads the exact rounding's value (wraps and negacyclic half included)`, () => {
        const r = rng(bits * 10 + k);
        const table = expandRoundedTable(() => randInt(r, -p, p - 1), k, p);
        const exact = circuitOf([rounded(bits, k, table)], bits, [1]);
        const approximate = circuitOf([rounded(bits, k, table, 'approximate')], bits, [1]);
        const xs = Int32Array.from({ length: 4 * p }, (_, i) => i - 2 * p);
        const a = simulate(approximate, xs, xs.length, { trace: true });
        expect(Array.from(a.outputs)).toEqual(Array.from(simulate(exact, xs, xs.length).outputs));
        for (let i = 0; i < xs.length; i++) {
          const u = xs[i]! & (2 * p - 1);
          expect(a.stages![0]!.lookupInputs![i]).toBe(approximateLookupInput(u, k, p));
          expect(lookup(table, approximateLookupInput(u, k, p), p)).toBe(lookup(table, u - (u & (2 ** k - 2)), p));
        }
        expect(approximateLookupShift(k)).toBe(2 ** (k - 1) - 1);
      });
    }
  }

  it('one PBS per neuron; exact rounding k', () => {
    const table = expandRoundedTable((t) => t, 3, 32);
    expect(pbsPerNeuron(rounded(5, 3, table))).toBe(3);
    expect(pbsPerNeuron(rounded(5, 3, table, 'approximate'))).toBe(1);
    expect(stagePbs(rounded(5, 3, table, 'approximate'))).toBe(1);
  });
});

describe('the noise model of an approximate lookup', () => {
  it('noisyBox lands one bucket off as often as @fhenet/params bucketShift says (m = 1, 2, 4 positions per slot)', () => {
    const bits = 5;
    const p = 2 ** bits;
    const k = 3;
    const c = approximateLookupShift(k);
    const gauss = gaussianSource(11);
    const n = 100_000;
    for (const m of [1, 2, 4]) {
      const boxEdge = boxLowerEdge(m * p, bits);
      for (const [u, sigma] of [
        [8, 1.2],
        [11, 1.2],
        [15, 1.2],
        [12, 3],
      ] as const) {
        const r = u % 8;
        let down = 0;
        let up = 0;
        for (let i = 0; i < n; i++) {
          const j = noisyBox(u - c, sigma * gauss(), m, p);
          const bucket = Math.floor(((j + c) & (2 * p - 1)) / 8); // buckets near u = 8..15 never wrap here
          if (bucket < 1) down++;
          else if (bucket > 1) up++;
        }
        const want = bucketShift(r, { roundBits: k, sigma, boxEdge });
        const tol = (q: number) => 5 * Math.sqrt((q * (1 - q)) / n) + 1e-4;
        expect(Math.abs(down / n - want.down), `m=${m} u=${u} down`).toBeLessThan(tol(want.down));
        expect(Math.abs(up / n - want.up), `m=${m} u=${u} up`).toBeLessThan(tol(want.up));
      }
    }
  });

  it('the seeded generator: standard normal, repeatable', () => {
    const g = gaussianSource(3);
    const xs = Array.from({ length: 200_000 }, g);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
    expect(xs.filter((x) => x > 3).length / xs.length).toBeCloseTo(0.00135, 3);
    const h = gaussianSource(3);
    expect(Array.from({ length: 5 }, h)).toEqual(xs.slice(0, 5));
  });

  it('per-output sigma: from each output weights (conv borders have fewer taps), fresh inputs for the first stage, PBS outputs after', () => {
    const r = rng(4);
    const conv = randomConv(r, 5, 5, 2, 3, 3, 1, 1);
    const norms = outputWeightNorms2(conv);
    // Output (0, 0, f) sees taps (1..2, 1..2) only; an interior one all nine.
    const w = (a: number, b: number, c: number, f: number) => conv.weights[((a * 3 + b) * 2 + c) * 3 + f]!;
    let corner = 0;
    let interior = 0;
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++)
        for (let c = 0; c < 2; c++) {
          if (a >= 1 && b >= 1) corner += w(a, b, c, 1) ** 2;
          interior += w(a, b, c, 1) ** 2;
        }
    expect(norms[1]).toBe(corner);
    expect(norms[(2 * 5 + 2) * 3 + 1]).toBe(interior);
    const bits = 6;
    const p = 2 ** bits;
    const table = (ch: number) => Int32Array.from({ length: ch * p }, (_, i) => expandRoundedTable((t) => t, 3, p)[i % p]!);
    const first: Stage = {
      name: 'c',
      linear: conv,
      offset: new Int32Array(75),
      tables: table(3),
      roundBits: 3,
      rounding: 'approximate',
      analysis: { shift: new Int32Array(3), worstCase: { min: 0, max: p - 1 }, nu: 3 },
    };
    const second: Stage = { ...first, name: 'd', linear: denseFromRows([[1, -2]], 75), offset: Int32Array.of(0), tables: table(1) };
    const set = publishedSet(6);
    const circuit = withSet(circuitOf([first, second], bits, [5, 5, 2]), set);
    const a = approximateStageNoise(circuit, 0);
    const b = approximateStageNoise(circuit, 1);
    expect(a.boxPositions).toBe(set.polynomialSize / p);
    expect(a.sigma[(2 * 5 + 2) * 3 + 1]).toBeGreaterThanOrEqual(a.sigma[1]!);
    expect(b.sigma[0]).toBeGreaterThan(a.sigma[1]!); // nu^2 = 5 PBS outputs vs a few fresh encryptions
    expect(() => approximateStageNoise({ ...circuit, parameters: undefined } as Circuit, 0)).toThrow(/has no TFHE parameters/);
  });

  it('simulate with noise: repeatable per seed, counts what moved, leaves exact stages alone', () => {
    const bits = 6;
    const p = 2 ** bits;
    const k = 3;
    const table = expandRoundedTable((t) => t, k, p); // distinct bucket values: every move shows
    const set = { ...publishedSet(6), polynomialSize: 2 * p, name: 'noisy' }; // m = 2: sigma of several slots
    const circuit = withSet(circuitOf([rounded(bits, k, table, 'approximate')], bits, [1]), set);
    const xs = Int32Array.from({ length: 4000 }, (_, i) => 4 + (i % (p - 8)));
    const a = simulate(circuit, xs, xs.length, { noise: { seed: 1 }, trace: true });
    const again = simulate(circuit, xs, xs.length, { noise: { seed: 1 } });
    const other = simulate(circuit, xs, xs.length, { noise: { seed: 2 } });
    const clean = simulate(circuit, xs, xs.length);
    expect(again.outputs).toEqual(a.outputs);
    expect(other.outputs).not.toEqual(a.outputs);
    let changed = 0;
    for (let i = 0; i < xs.length; i++) if (a.outputs[i] !== clean.outputs[i]) changed++;
    const effect = a.noise![0]!;
    expect(effect.lookups).toBe(xs.length);
    expect(effect.changed).toBe(changed);
    expect(effect.offBucket).toBe(changed); // distinct values: every move changes the value
    // The model's expectation over these slots, within 5 standard deviations.
    const noise = approximateStageNoise(circuit, 0);
    let mean = 0;
    let variance = 0;
    for (const x of xs) {
      const s = bucketShift(x % 8, { roundBits: k, sigma: noise.sigma[0]!, boxEdge: noise.boxEdge });
      mean += s.down + s.up;
      variance += (s.down + s.up) * (1 - s.down - s.up);
    }
    expect(Math.abs(changed - mean)).toBeLessThan(5 * Math.sqrt(variance));
    expect(mean).toBeGreaterThan(100); // the check has teeth
    // The exactly rounded sibling is not perturbed.
    const exact = withSet(circuitOf([rounded(bits, k, table)], bits, [1]), set);
    expect(simulate(exact, xs, xs.length, { noise: { seed: 1 } }).outputs).toEqual(clean.outputs);
  });
});

describe('format v6: stage.rounding', () => {
  const bits = 5;
  const table = expandRoundedTable((t) => t, 3, 2 ** bits);
  const approximate = circuitOf([rounded(bits, 3, table, 'approximate')], bits, [1]);
  const json = () => JSON.parse(JSON.stringify(circuitToJson(approximate))) as Record<string, any>;

  it('written as version 6 only when some stage is approximate; read back unchanged', () => {
    expect(json().version).toBe(6);
    expect(json().stages[0].rounding).toBe('approximate');
    expect(circuitFromJson(json())).toEqual(approximate);
    const exact = circuitOf([rounded(bits, 3, table)], bits, [1]);
    const e = circuitToJson(exact) as Record<string, any>;
    expect(e.version).toBe(3);
    expect('rounding' in e.stages[0]).toBe(false);
    // "exact" may be written explicitly in v6; it reads as the default.
    const j = json();
    j.stages[0].rounding = 'exact';
    expect(circuitFromJson(j).stages[0]!.rounding).toBeUndefined();
  });

  it('refuses it where it does not belong, naming the field', () => {
    const cases: [(j: Record<string, any>) => void, RegExp][] = [
      [(j) => (j.version = 5), /c\.json: stages\[0\]\.rounding: expected absent \(a v6 field\) in a version 5 file/],
      [(j) => (j.stages[0].rounding = 'fast'), /stages\[0\]\.rounding: expected "exact" or "approximate", got "fast"/],
      [
        (j) => {
          j.stages[0].roundBits = 0;
          j.stages[0].tables = (circuitToJson(circuitOf([rounded(bits, 0, new Int32Array(32))], bits, [1])) as Record<string, any>).stages[0].tables;
        },
        /stages\[0\]\.rounding: expected absent on a stage that does not round/,
      ],
      [
        (j) => (j.stages[0].extractFrom = { dtype: 'int8', length: 1, base64: 'AQ==' }),
        /stages\[0\]\.extractFrom: expected absent on an approximately rounded stage/,
      ],
    ];
    for (const [edit, message] of cases) {
      const j = json();
      edit(j);
      expect(() => circuitFromJson(j, 'c.json')).toThrow(message);
    }
  });
});
