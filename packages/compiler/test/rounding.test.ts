// Exact rounding of low slot bits (circuit/rounding.ts): the simulated bit extractions on every
// residue, wraps included; the noise tolerance each PBS of a rounded stage is credited with; the
// table shape; format v2; and compile's rounding choice.
import { describe, expect, it } from 'vitest';
import {
  bucketOfBox,
  circuitFromJson,
  circuitToJson,
  clearRoundedBits,
  expandRoundedTable,
  extractionSteps,
  quantizeInputs,
  roundedTableViolation,
  simulate,
  type Stage,
  accumulate,
  channelCount,
  channelOfOutputs,
  inputSize,
  outputSize,
} from '@fhenet/circuit';
import { compile, pbsCount } from '@fhenet/compiler';
import type { SumPoolOp } from '@fhenet/circuit';
import { circuitOf, denseFromRows, randInt, randomConv, randomDense, rng, fcnnGraph, randomBytes } from '@fhenet/testing';
import { roundChannel } from '../src/round-tables.js';
import { maxChannelNorm, scaleLinear } from '../src/scale.js';

/** The runtime's PBS on residue a in [0, 2p): T[a], or -T[a - p] in the negacyclic half. */
const lookup = (t: ArrayLike<number>, a: number, p: number) => {
  const r = ((a % (2 * p)) + 2 * p) % (2 * p);
  return r < p ? (t[r] as number) : -(t[r - p] as number);
};

function roundedStage(bits: number, roundBits: number, table: Int32Array): Stage {
  const p = 2 ** bits;
  return {
    name: 'r',
    linear: denseFromRows([[1]], 1),
    offset: Int32Array.of(0),
    tables: table,
    roundBits,
    analysis: { shift: Int32Array.of(0), worstCase: { min: 0, max: p - 1 }, nu: 1 },
  };
}

describe('bit extraction (simulated exactly as the runtime runs it)', () => {
  for (const bits of [3, 4, 5, 7]) {
    const p = 2 ** bits;
    for (let k = 2; k < bits; k++) {
      it(`${bits} bits, k = ${k}: every slot value in [-2p, 2p) ends as the negacyclic lookup of u - (u & (2^k - 2))`, () => {
        const r = rng(bits * 10 + k);
        const table = expandRoundedTable(() => randInt(r, -p, p - 1), k, p);
        const circuit = circuitOf([roundedStage(bits, k, table)], bits, [1]);
        const xs = Int32Array.from({ length: 4 * p }, (_, i) => i - 2 * p); // two full wraps around the residues
        const { outputs, stages } = simulate(circuit, xs, xs.length, { trace: true });
        for (let i = 0; i < xs.length; i++) {
          const u = xs[i]! & (2 * p - 1);
          const v = clearRoundedBits(u, k);
          expect(stages![0]!.lookupInputs![i], `u = ${u}`).toBe(v);
          expect(v % 2 ** k).toBe(u % 2); // bits 1..k-1 cleared, bit 0 kept
          expect(v >> k).toBe(u >> k); // bits k.. untouched, the padding bit included
          const expected = lookup(table, v, p);
          expect(outputs[i], `u = ${u}`).toBe(((expected + p) & (2 * p - 1)) - p);
        }
      });

      it(`${bits} bits, k = ${k}: each extraction decides right under noise up to its tolerance, the lookup under 2^(k-1) - 1/2 slots`, () => {
        const steps = extractionSteps(bits, k);
        expect(steps.map((e) => e.bit)).toEqual(Array.from({ length: k - 1 }, (_, i) => i + 1));
        const table = expandRoundedTable((t) => t + 1, k, p); // distinct bucket values: any box slip shows
        for (let u = 0; u < 2 * p; u++) {
          let w = u;
          for (const e of steps) {
            const bit = (w >> e.bit) & 1;
            expect(w & ((2 ** e.bit - 1) & ~1)).toBe(0); // lower extracted bits already cleared
            const r = (w * e.multiplier + e.offset) & (2 * p - 1);
            // Noise below the tolerance moves the phase by at most d whole boxes (box j = [j - 1/2, j + 1/2)).
            const margin = 2 ** (bits - 1) - 2 ** (bits - 1 - e.bit) - 1; // tolerance - 1/2, in boxes
            for (const d of [-margin, 0, margin]) expect(lookup(new Int32Array(p).fill(e.value), r + d, p)).toBe(bit ? -e.value : e.value);
            // One box further up and an odd slot's decision flips: the tolerance is tight.
            if (u % 2 === 1) expect(lookup(new Int32Array(p).fill(e.value), r + margin + 1, p)).toBe(bit ? e.value : -e.value);
            w = (w + (bit ? -e.value : e.value) - e.value) & (2 * p - 1);
          }
          expect(w).toBe(clearRoundedBits(u, k));
          const half = 2 ** (k - 1) - 1; // (2^(k-1) - 1/2) - 1/2 whole boxes either side
          for (let d = -half; d <= half; d++) expect(lookup(table, w + d, p), `u = ${u}, d = ${d}`).toBe(lookup(table, w, p));
        }
      });
    }
  }

  it('extraction constants are integers in units of delta', () => {
    for (const e of extractionSteps(9, 5)) {
      expect(Number.isInteger(e.multiplier) && Number.isInteger(e.offset) && Number.isInteger(e.value)).toBe(true);
      expect(e.offset).toBe(2 ** 8 - 2 ** (8 - e.bit));
    }
  });
});

describe('rounded tables', () => {
  it('are runs of 2^k boxes centred on {t 2^k, t 2^k + 1}, the top boxes continuing bucket 0 negacyclically', () => {
    const t = expandRoundedTable((b) => 10 * b + 3, 3, 32);
    expect(Array.from(t)).toEqual([3, 3, 3, 3, 3, 13, 13, 13, 13, 13, 13, 13, 13, 23, 23, 23, 23, 23, 23, 23, 23, 33, 33, 33, 33, 33, 33, 33, 33, -3, -3, -3]);
    expect(bucketOfBox(4, 3)).toBe(0);
    expect(bucketOfBox(5, 3)).toBe(1);
    expect(roundedTableViolation(t, 3, 32)).toBe(-1);
    const bad = Int32Array.from(t);
    bad[7] = 0;
    expect(roundedTableViolation(bad, 3, 32)).toBe(7);
  });
});

describe('circuit format v2', () => {
  const bits = 4;
  const p = 16;
  const circuit = circuitOf(
    [
      roundedStage(
        bits,
        2,
        expandRoundedTable((t) => t - 2, 2, p),
      ),
    ],
    bits,
    [1],
  );
  const json = () => JSON.parse(JSON.stringify(circuitToJson(circuit))) as Record<string, any>;

  it('round-trips roundBits', () => {
    expect(json().version).toBe(3); // the writer writes the current version; v2's fields are unchanged in v3
    const back = circuitFromJson(json());
    expect(back).toEqual(circuit);
    expect(back.stages[0]!.roundBits).toBe(2);
  });

  it('reads version 1 files as unrounded', () => {
    const plain = circuitOf(
      [
        {
          ...roundedStage(
            bits,
            0,
            Int32Array.from({ length: p }, (_, i) => i - 8),
          ),
        },
      ],
      bits,
      [1],
    );
    const j = JSON.parse(JSON.stringify(circuitToJson(plain)));
    j.version = 1;
    delete j.stages[0].roundBits;
    expect(circuitFromJson(j).stages[0]!.roundBits).toBe(0);
  });

  it('names the field on bad roundBits or tables that are not rounded', () => {
    const cases: [(j: Record<string, any>) => void, RegExp][] = [
      [(j) => delete j.stages[0].roundBits, /c\.json: stages\[0\]\.roundBits: expected an integer in \[0, 3\], got nothing/],
      [(j) => (j.stages[0].roundBits = 1), /stages\[0\]\.roundBits: expected 0 or an integer in \[2, 3\] \(bit 0 is never extracted\), got 1/],
      [(j) => (j.stages[0].roundBits = 4), /stages\[0\]\.roundBits: expected an integer in \[0, 3\], got 4/],
      [(j) => (j.stages[0].roundBits = 3), /stages\[0\]\.tables\[\d+\]: expected table 0 constant on runs of 2\^3 boxes/],
    ];
    for (const [mutate, message] of cases) {
      const j = json();
      mutate(j);
      expect(() => circuitFromJson(j, 'c.json')).toThrow(message);
    }
  });
});

describe('compile with rounding', () => {
  const graph = fcnnGraph(21);
  const count = 300;
  const raw = randomBytes(3, count * 16);

  it('rounds every lookup stage, counts the extractions, and stays close to the unrounded circuit', () => {
    const plain = compile(graph, { calibration: { raw, count } });
    const rounded = compile(graph, { calibration: { raw, count }, roundBits: 2 });
    const c = rounded.circuit;
    expect(c.bits).toBe(plain.circuit.bits);
    expect(c.stages.map((s) => s.roundBits)).toEqual(c.stages.map((s) => (s.tables ? 2 : 0)));
    expect(rounded.report.stages.map((s) => s.pbsPerNeuron)).toEqual(c.stages.map((s) => (s.tables ? 2 : 0)));
    // One lookup per neuron, plus bit 1's extraction wherever its channel does not make it zero
    // (a channel scaled by 4 has weights and shift multiples of 4: extractFrom 2, no extraction).
    const extracting = c.stages.reduce(
      (n, s) => n + (s.tables ? Array.from(channelOfOutputs(s.linear), (ch) => (s.extractFrom![ch] === 1 ? 1 : 0)).reduce((a: number, b) => a + b, 0) : 0),
      0,
    );
    expect(rounded.report.pbsCount).toBe(plain.report.pbsCount + extracting);
    c.stages.forEach((s) => {
      s.analysis.scale?.forEach((m, ch) => {
        m === 4 && expect(s.extractFrom![ch]).toBe(2);
      });
    });
    expect(pbsCount(c)).toBe(rounded.report.pbsCount);
    c.stages.forEach((s) => {
      s.tables && expect(roundedTableViolation(s.tables.subarray(0, 2 ** c.bits), 2, 2 ** c.bits)).toBe(-1);
    });
    // The rounded circuit survives its own format and predicts mostly like the unrounded one.
    const back = circuitFromJson(JSON.parse(JSON.stringify(circuitToJson(c))));
    const q = quantizeInputs(c, raw, count);
    expect(simulate(back, q, count).outputs).toEqual(simulate(c, q, count).outputs);
    if (!('error' in plain.report.parameters) && !('error' in rounded.report.parameters)) {
      expect(rounded.report.parameters.parameters.pErrorPerInference).toBeLessThanOrEqual(1e-6);
    }
  });

  it("'auto' prices k = 0 and every k in [2, bits-1] and takes the cheapest (smallest k within 20%)", () => {
    const { report, circuit } = compile(graph, { calibration: { raw, count }, roundBits: 'auto' });
    expect(report.roundingCandidates.map((r) => Math.max(...r.roundBits))).toEqual([0, ...Array.from({ length: circuit.bits - 2 }, (_, i) => i + 2)]);
    const costs = report.roundingCandidates.map((r) => r.inferenceMs ?? Infinity);
    const best = Math.min(...costs);
    const chosen = report.roundingCandidates.findIndex((r) => (r.inferenceMs ?? Infinity) <= best * 1.2);
    expect(circuit.stages.map((s) => s.roundBits)).toEqual(report.roundingCandidates[chosen]!.roundBits);
    expect(report.predictedInferenceMs).toBeCloseTo(costs[chosen]!, 6);
  });

  it('refuses impossible round bits naming the stage', () => {
    expect(() => compile(graph, { calibration: { raw, count }, roundBits: 1 })).toThrow(/round bits must be 0 or an integer in \[2, \d+\]/);
    expect(() => compile(graph, { calibration: { raw, count }, roundBits: [2, 2, 2] })).toThrow(/decoded in the clear .* cannot round 2 bits/);
  });
});

describe('roundChannel (bucket values and alignment)', () => {
  // A 2-bit ReLU-like step: thresholds at 10, 26 and 42.
  const f = (acc: number) => (acc < 10 ? 0 : acc < 26 ? 1 : acc < 42 ? 2 : 3);
  const range = { min: 0, max: 60 };

  it('without data: the chain at each bucket middle, centred shift', () => {
    const r = roundChannel({ f, roundBits: 3, p: 128, range, shift: 33 });
    expect(r.shift).toBe(33);
    expect(roundedTableViolation(r.table, 3, 128)).toBe(-1);
    // Bucket of slots [40, 48) = acc [7, 15): middle 10.5 -> 1.
    expect(r.table[40]).toBe(1);
  });

  it('with data: moves the shift by less than half a bucket to the alignment with the fewest disagreements', () => {
    const histogram = new Int32Array(61).fill(1);
    const r = roundChannel({ f, roundBits: 4, p: 128, range, shift: 33, histogram, histogramMin: 0 });
    expect(Math.abs(r.shift - 33)).toBeLessThan(8);
    const count = (shift: number, table: Int32Array) => {
      let bad = 0;
      for (let acc = 0; acc <= 60; acc++) if (table[Math.floor((acc + shift) / 16) * 16] !== f(acc)) bad++;
      return bad;
    };
    expect(count(r.shift, r.table)).toBe(r.mismatches);
    const centred = roundChannel({ f, roundBits: 4, p: 128, range, shift: 33 });
    expect(r.mismatches).toBeLessThanOrEqual(count(33, centred.table));
    // Thresholds 16 apart, buckets of 16: one alignment puts every threshold on a bucket edge.
    expect(r.mismatches).toBe(0);
  });
});

describe('per-channel scaling of rounded stages (scale.ts)', () => {
  it('scaled ops compute scale[c] times the original accumulator, for dense, conv and sum pooling', () => {
    const r = rng(4);
    const pool: SumPoolOp = { kind: 'sumPool', inputShape: [6, 6, 3], outputShape: [3, 3, 3], poolSize: [2, 2], strides: [2, 2] };
    for (const op of [randomDense(r, 12, 5), randomConv(r, 6, 6, 2, 3, 3, 1, 1), pool]) {
      const channels = channelCount(op);
      const scale = Int32Array.from({ length: channels }, (_, c) => 2 ** (c % 3));
      const x = Int32Array.from({ length: inputSize(op) * 2 }, () => randInt(r, -3, 3));
      const plain = new Int32Array(outputSize(op) * 2);
      const scaled = new Int32Array(outputSize(op) * 2);
      accumulate(op, x, 2, plain);
      accumulate(scaleLinear(op, scale), x, 2, scaled);
      const channel = channelOfOutputs(op);
      expect(Array.from(scaled)).toEqual(Array.from(plain, (v, i) => v * scale[channel[i % outputSize(op)]!]!));
    }
  });

  it('narrow channels get 2^s, s = min(k, bits - their bits); the circuit records scale and the scaled nu', () => {
    const graph = fcnnGraph(21);
    const count = 300;
    const raw = randomBytes(3, count * 16);
    const { circuit } = compile(graph, { calibration: { raw, count }, roundBits: 2 });
    const rounded = circuit.stages.filter((s) => s.roundBits >= 2);
    expect(rounded.some((s) => s.analysis.scale !== undefined)).toBe(true);
    for (const s of rounded) {
      const scale = s.analysis.scale ?? new Int32Array(channelCount(s.linear)).fill(1);
      for (const m of scale) expect([1, 2, 4]).toContain(m);
      expect(s.analysis.nu).toBeCloseTo(maxChannelNorm(s.linear), 12);
      // The calibration slots stay inside [0, p) after scaling.
      expect(s.analysis.calibration!.min).toBeGreaterThanOrEqual(0);
      expect(s.analysis.calibration!.max).toBeLessThan(2 ** circuit.bits);
    }
    expect(circuitFromJson(JSON.parse(JSON.stringify(circuitToJson(circuit))))).toEqual(circuit);
  });
});
