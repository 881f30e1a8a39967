// Known-zero slot bits (circuit format v3, stage.extractFrom): the bound the stage's integers
// prove, that skipping those extractions leaves every lookup input unchanged, that scaled channels
// get a shift on a multiple of their scale without losing any bucket grouping, and that the format
// checks the claim.
import { describe, expect, it } from 'vitest';
import {
  circuitFromJson,
  circuitToJson,
  clearRoundedBits,
  expandRoundedTable,
  extractionSteps,
  outputSize,
  provableExtractFrom,
  quantizeInputs,
  simulate,
  stagePbs,
  type Circuit,
  type LinearOp,
  type Stage,
} from '@fhenet/circuit';
import { compile, pbsCount } from '@fhenet/compiler';
import { roundChannel } from '../src/round-tables.js';
import { circuitOf, denseFromRows, randInt, randomConv, rng, convGraph, fcnnGraph, randomBytes } from '@fhenet/testing';

/** The same circuit with v2 semantics: every channel extracts from bit 1. */
const withoutExtractFrom = (c: Circuit): Circuit => ({ ...c, stages: c.stages.map(({ extractFrom: _, ...s }) => s as Stage) });

describe('provableExtractFrom', () => {
  it('is the largest f <= k with weights multiples of 2^f and offsets with bits 1..f-1 zero', () => {
    // Rows: scale 1, 2, 4, 8, 16 (k = 4 caps at 4), a row with odd offset bits above 0, an empty row.
    const op = denseFromRows(
      [
        [1, 3],
        [2, -6],
        [4, 12],
        [8, -8],
        [16, 32],
        [8, 8],
        [0, 0],
      ],
      2,
    );
    const offset = Int32Array.of(5, 6, 9, -16, 33, 6, 4);
    expect(Array.from(provableExtractFrom(op, offset, 4))).toEqual([1, 1, 2, 3, 4, 1, 2]);
    // Weights 4, 12 -> 2 (offset 9 = 0b1001 alone would allow 3); weights 8 -> 3 (offset -16 allows 4);
    // offset 6 has bit 1 set -> 1 whatever the weights; no weights, offset 4 = 0b100 -> 2.
    expect(Array.from(provableExtractFrom(op, offset, 2))).toEqual([1, 1, 2, 2, 2, 1, 2]);
    expect(Array.from(provableExtractFrom(op, offset, 0))).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('takes every weight and every output of a conv channel; a sum pool extracts everything', () => {
    const r = rng(3);
    const conv = randomConv(r, 4, 4, 1, 3, 3, 1, 1);
    const scaled = { ...conv, weights: Int32Array.from(conv.weights, (w, i) => w * [1, 4, 8][i % 3]!) };
    const offset = Int32Array.from({ length: outputSize(conv) }, (_, o) => 8 * randInt(r, -5, 5) + (o % 2));
    expect(Array.from(provableExtractFrom(scaled, offset, 5))).toEqual([1, 2, 3]);
    offset[4]! += 2; // output 4 is channel 1: its bit 1 is now set
    expect(Array.from(provableExtractFrom(scaled, offset, 5))).toEqual([1, 1, 3]);
    const pool: LinearOp = { kind: 'sumPool', inputShape: [4, 4, 2], outputShape: [2, 2, 2], poolSize: [2, 2], strides: [2, 2] };
    expect(Array.from(provableExtractFrom(pool, new Int32Array(8), 3))).toEqual([1, 1]);
  });
});

describe('skipping known-zero bits is exact', () => {
  for (const bits of [4, 5, 7]) {
    const p = 2 ** bits;
    for (let k = 2; k < bits; k++) {
      it(`${bits} bits, k = ${k}: from any f, every residue with bits 1..f-1 zero ends at u - (u & (2^k - 2))`, () => {
        for (let f = 1; f <= k; f++) {
          for (let u = 0; u < 2 * p; u++) {
            if ((u & (2 ** f - 2)) !== 0) continue;
            let w = u;
            for (const e of extractionSteps(bits, k)) {
              if (e.bit < f) continue;
              const r = (w * e.multiplier + e.offset) & (2 * p - 1);
              const out = r < p ? e.value : -e.value;
              w = (w + out - e.value) & (2 * p - 1);
            }
            expect(w, `u = ${u}, f = ${f}`).toBe(clearRoundedBits(u, k));
          }
        }
      });
    }
  }

  it('random circuits with mixed channel scales: simulate with extractFrom == without, over all inputs mod 2p', () => {
    const r = rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const bits = randInt(r, 4, 7);
      const p = 2 ** bits;
      const k = randInt(r, 2, bits - 1);
      const n = 6;
      const scales = Array.from({ length: n }, () => 2 ** randInt(r, 0, k));
      const rows = scales.map((m) => Array.from({ length: 5 }, () => m * randInt(r, -3, 3)));
      const linear = denseFromRows(rows, 5);
      // Offsets on a multiple of the scale, plus bit 0 sometimes.
      const offset = Int32Array.from(scales, (m) => m * randInt(r, -p, p) + randInt(r, 0, 1));
      const tables = new Int32Array(n * p);
      for (let c = 0; c < n; c++)
        tables.set(
          expandRoundedTable(() => randInt(r, -p / 2, p / 2 - 1), k, p),
          c * p,
        );
      const stage: Stage = {
        name: 's',
        linear,
        offset,
        tables,
        roundBits: k,
        extractFrom: provableExtractFrom(linear, offset, k),
        analysis: { shift: new Int32Array(n), worstCase: { min: 0, max: p - 1 }, nu: 1 },
      };
      expect(Math.min(...stage.extractFrom!)).toBeGreaterThanOrEqual(1);
      const circuit = circuitOf([stage], bits, [5]);
      const count = 200;
      const inputs = Int32Array.from({ length: count * 5 }, () => randInt(r, -p, p - 1));
      const a = simulate(circuit, inputs, count, { trace: true });
      const b = simulate(withoutExtractFrom(circuit), inputs, count, { trace: true });
      expect(a.stages![0]!.lookupInputs).toEqual(b.stages![0]!.lookupInputs);
      expect(a.outputs).toEqual(b.outputs);
      const saved = Array.from(stage.extractFrom!, (f) => f - 1).reduce((x, y) => x + y, 0);
      expect(stagePbs(stage)).toBe(n * k - saved);
    }
  });
});

describe('scaled channel shifts (round-tables.ts)', () => {
  const f = (acc: number) => Math.floor(acc / 5) % 7;

  it('are multiples of the step, keep the sized range in [0, p), and make every slot of the channel have bits 1..s-1 zero', () => {
    for (const [k, s] of [
      [3, 2],
      [4, 2],
      [4, 4],
      [5, 3],
      [5, 5],
    ] as const) {
      const step = 2 ** s;
      const p = 256;
      const range = { min: -20 * step, max: (Math.floor(p / step) - 22) * step };
      for (const shift of [20 * step + 1, 20 * step + step - 1, 21 * step + 3]) {
        const histogram = new Int32Array(range.max - range.min + 1);
        for (let i = 0; i < histogram.length; i += step) histogram[i] = 1 + (i % 7);
        for (const data of [undefined, { histogram, histogramMin: range.min }]) {
          const got = roundChannel({ f, roundBits: k, p, range, step, shift, ...data });
          expect(got.shift % step).toBe(0);
          expect(range.min + got.shift).toBeGreaterThanOrEqual(0);
          expect(range.max + got.shift).toBeLessThan(p);
          for (let acc = range.min; acc <= range.max; acc += step) expect((acc + got.shift) & (step - 2)).toBe(0);
        }
      }
    }
  });

  it('lose no bucket grouping: any shift groups the reachable accumulators as its multiple of 2^s does', () => {
    for (const [k, s] of [
      [3, 2],
      [4, 3],
      [5, 2],
      [5, 5],
    ] as const) {
      const step = 2 ** s;
      const accs = Array.from({ length: 40 }, (_, j) => -80 + step * j);
      const grouping = (shift: number) => accs.map((a) => Math.floor((a + shift) / 2 ** k) - Math.floor((accs[0]! + shift) / 2 ** k));
      for (let shift = 0; shift < 2 ** (k + 1); shift++) expect(grouping(shift)).toEqual(grouping(shift - (shift % step)));
    }
  });

  it('with calibration data, find the alignment an unrestricted search finds (same mismatches)', () => {
    const k = 4;
    const step = 4;
    const p = 256;
    const range = { min: 0, max: 200 };
    const g = (acc: number) => (acc < 44 ? 0 : acc < 108 ? 1 : acc < 172 ? 2 : 3); // thresholds 64 apart, at 44 mod 16 = 12
    const histogram = new Int32Array(201);
    for (let i = 0; i <= 200; i += step) histogram[i] = 1;
    const got = roundChannel({ f: g, roundBits: k, p, range, step, shift: 27, histogram, histogramMin: 0 });
    expect(got.shift % step).toBe(0);
    // Slots acc + shift with shift = 4 (mod 16) put every threshold on a bucket edge: no mismatch.
    expect(got.mismatches).toBe(0);
  });
});

describe('compiled circuits carry extractFrom', () => {
  const count = 300;
  const raw = randomBytes(5, count * 36);

  for (const [name, graph, rawData] of [
    ['fcnn', fcnnGraph(21), randomBytes(3, count * 16)],
    ['conv', convGraph(4), raw],
  ] as const) {
    it(`${name}: scaled channels skip their known bits, the PBS count says so, and simulation is unchanged on every input`, () => {
      const { circuit, report } = compile(graph, { calibration: { raw: rawData, count }, roundBits: 3 });
      const rounded = circuit.stages.filter((s) => s.roundBits >= 2);
      expect(rounded.length).toBeGreaterThan(0);
      for (const s of rounded) {
        expect(s.extractFrom).toBeDefined();
        s.analysis.scale?.forEach((m, c) => {
          expect(s.extractFrom![c]).toBeGreaterThanOrEqual(Math.max(1, Math.log2(m)));
        });
      }
      expect(report.pbsCount).toBe(pbsCount(circuit));
      expect(report.pbsCount).toBe(circuit.stages.reduce((n, s) => n + stagePbs(s), 0));
      // Calibration images and arbitrary ones (wraps included).
      const q = quantizeInputs(circuit, rawData, count);
      expect(simulate(circuit, q, count).outputs).toEqual(simulate(withoutExtractFrom(circuit), q, count).outputs);
      const r = rng(8);
      const p = 2 ** circuit.bits;
      const wild = Int32Array.from(q, () => randInt(r, -p, p - 1));
      expect(simulate(circuit, wild, count).outputs).toEqual(simulate(withoutExtractFrom(circuit), wild, count).outputs);
      // Survives the format.
      expect(circuitFromJson(JSON.parse(JSON.stringify(circuitToJson(circuit))))).toEqual(circuit);
    });
  }

  it('the conv graph saves extractions (some channel is scaled past 2^1)', () => {
    const { circuit, report, unrounded } = compile(convGraph(4), { calibration: { raw, count }, roundBits: 3 });
    const full = circuit.stages.reduce((n, s) => n + (s.tables ? (s.roundBits >= 2 ? s.roundBits : 1) * outputSize(s.linear) : 0), 0);
    const scaledPastOne = circuit.stages.some((s) => s.analysis.scale?.some((m) => m >= 4));
    expect(scaledPastOne).toBe(true);
    expect(report.pbsCount).toBeLessThan(full);
    expect(unrounded.stages.every((s) => s.extractFrom === undefined)).toBe(true);
  });
});

describe('circuit format v3: extractFrom', () => {
  const bits = 5;
  const p = 32;
  const linear = denseFromRows(
    [
      [8, -8],
      [1, 1],
    ],
    2,
  );
  const tables = new Int32Array(2 * p);
  tables.set(
    expandRoundedTable((t) => t - 2, 3, p),
    0,
  );
  tables.set(
    expandRoundedTable((t) => 2 - t, 3, p),
    p,
  );
  const stage: Stage = {
    name: 'r',
    linear,
    offset: Int32Array.of(8, 3),
    tables,
    roundBits: 3,
    extractFrom: Int32Array.of(3, 1),
    analysis: { shift: new Int32Array(2), worstCase: { min: 0, max: p - 1 }, nu: 1 },
  };
  const circuit = circuitOf([stage], bits, [2]);
  const json = () => JSON.parse(JSON.stringify(circuitToJson(circuit))) as Record<string, any>;

  it('round-trips as version 3', () => {
    expect(json().version).toBe(3);
    expect(circuitFromJson(json())).toEqual(circuit);
  });

  it('v2 files (no extractFrom) load as "every channel from bit 1" and simulate identically', () => {
    const j = json();
    j.version = 2;
    delete j.stages[0].extractFrom;
    const v2 = circuitFromJson(j);
    expect(v2.stages[0]!.extractFrom).toBeUndefined();
    expect(stagePbs(v2.stages[0]!)).toBe(2 * 3);
    expect(stagePbs(circuit.stages[0]!)).toBe(2 * 3 - 2);
    const inputs = Int32Array.from({ length: 2 * 2 * p }, (_, i) => i - 2 * p);
    expect(simulate(v2, inputs, 2 * p).outputs).toEqual(simulate(circuit, inputs, 2 * p).outputs);
  });

  it('names the field when the claim is not proved by the integers, or the field does not belong', () => {
    const cases: [(j: Record<string, any>) => void, RegExp][] = [
      [
        (j) => (j.stages[0].extractFrom = { dtype: 'int8', length: 2, base64: Buffer.from(Int8Array.of(3, 2).buffer).toString('base64') }),
        /c\.json: stages\[0\]\.extractFrom\[1\]: expected an integer in \[1, 1\] .*, got 2/,
      ],
      [
        (j) => (j.stages[0].extractFrom = { dtype: 'int8', length: 2, base64: Buffer.from(Int8Array.of(0, 1).buffer).toString('base64') }),
        /stages\[0\]\.extractFrom\[0\]: expected an integer in \[1, 3\]/,
      ],
      [
        (j) => (j.stages[0].offset = { dtype: 'int8', length: 2, base64: Buffer.from(Int8Array.of(12, 3).buffer).toString('base64') }),
        /stages\[0\]\.extractFrom\[0\]: expected an integer in \[1, 2\]/,
      ],
      [
        (j) => (j.stages[0].extractFrom = { dtype: 'int8', length: 1, base64: Buffer.from(Int8Array.of(1).buffer).toString('base64') }),
        /stages\[0\]\.extractFrom/,
      ],
      [(j) => (j.version = 2), /stages\[0\]\.extractFrom: expected absent \(a v3 field\) in a version 2 file/],
    ];
    for (const [mutate, message] of cases) {
      const j = json();
      mutate(j);
      expect(() => circuitFromJson(j, 'c.json')).toThrow(message);
    }
  });
});
