import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accumulatorBits,
  accumulatorRange,
  accumulatorRanges,
  maxActiveSynapses,
  signedBits,
  weightNorm2,
  weightNorms2,
  worstCaseAccumulator,
  type IntRange,
} from '@fhenet/quantization';

/** Every sum Σ w_i x_i over the whole input grid. */
function bruteForce(weights: number[], input: IntRange): IntRange {
  let sums = [0];
  for (const w of weights) {
    const next: number[] = [];
    for (const s of sums) for (let x = input.min; x <= input.max; x++) next.push(s + w * x);
    sums = next;
  }
  return { min: Math.min(...sums), max: Math.max(...sums) };
}

const smallRange = fc.tuple(fc.integer({ min: -4, max: 4 }), fc.integer({ min: -4, max: 4 })).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }));

describe('accumulatorRange', () => {
  it('is exact: equals brute force over small neurons', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -7, max: 7 }), { maxLength: 4 }), smallRange, (w, input) => {
        expect(accumulatorRange(w, input)).toEqual(bruteForce(w, input));
      }),
    );
  });
  it('example and bits', () => {
    expect(accumulatorRange([1, -2, 3], { min: 0, max: 3 })).toEqual({ min: -6, max: 12 });
    expect(accumulatorBits([1, -2, 3], { min: 0, max: 3 })).toBe(5);
    expect(accumulatorRange([], { min: -1, max: 1 })).toEqual({ min: 0, max: 0 });
  });
  it('per neuron over a row-major [outputs][inputs] matrix', () => {
    const w = [1, 2, -1, 0, 3, -3];
    expect(accumulatorRanges(w, [2, 3], { min: -1, max: 2 })).toEqual([
      accumulatorRange([1, 2, -1], { min: -1, max: 2 }),
      accumulatorRange([0, 3, -3], { min: -1, max: 2 }),
    ]);
    expect(() => accumulatorRanges(w, [4, 2], { min: 0, max: 1 })).toThrow(/needs 8 weights, got 6/);
  });
  it('rejects non-integer weights and bad ranges', () => {
    expect(() => accumulatorRange([1, 0.5], { min: 0, max: 1 })).toThrow(/weights\[1\] must be an integer, got 0.5/);
    expect(() => accumulatorRange([1], { min: 2, max: 1 })).toThrow(/input must be an integer range/);
    expect(() => accumulatorRange([2 ** 30, 2 ** 30, 2 ** 30], { min: 0, max: 2 ** 23 })).toThrow(/exceeds 2\^53/);
  });
});

describe('worst case and pruning budget', () => {
  it('worst case bounds every neuron with that many active synapses in those ranges', () => {
    fc.assert(
      fc.property(smallRange, smallRange, fc.integer({ min: 0, max: 4 }), (wr, ir, n) => {
        const worst = worstCaseAccumulator(n, wr, ir);
        const corners = [wr.min, wr.max];
        // the all-corner neurons of n synapses reach the bounds
        const reach = corners.map((w) => accumulatorRange(new Array<number>(n).fill(w), ir));
        return reach.every((r) => r.min >= worst.min && r.max <= worst.max) && reach.some((r) => r.min === worst.min) && reach.some((r) => r.max === worst.max);
      }),
    );
  });
  it('maxActiveSynapses is the largest count that fits', () => {
    const ranges = fc
      .tuple(fc.integer({ min: -200, max: 200 }), fc.integer({ min: -200, max: 200 }))
      .map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), ranges, ranges, (b, wr, ir) => {
        const n = maxActiveSynapses(b, wr, ir);
        if (n === Infinity) return worstCaseAccumulator(1, wr, ir).min === 0 && worstCaseAccumulator(1, wr, ir).max === 0;
        return signedBits(worstCaseAccumulator(n, wr, ir)) <= b && signedBits(worstCaseAccumulator(n + 1, wr, ir)) > b;
      }),
    );
  });
  it('examples', () => {
    // 2-bit signed weights [-2,1], 2-bit unsigned inputs [0,3]: terms in [-6, 3]
    expect(worstCaseAccumulator(4, { min: -2, max: 1 }, { min: 0, max: 3 })).toEqual({ min: -24, max: 12 });
    expect(maxActiveSynapses(8, { min: -2, max: 1 }, { min: 0, max: 3 })).toBe(21); // -128/-6
    expect(maxActiveSynapses(2, { min: -7, max: 7 }, { min: 0, max: 3 })).toBe(0);
    expect(maxActiveSynapses(8, { min: 0, max: 0 }, { min: 0, max: 3 })).toBe(Infinity);
    expect(() => maxActiveSynapses(0, { min: 0, max: 1 }, { min: 0, max: 1 })).toThrow(/budgetBits must be an integer in 1..53, got 0/);
    expect(() => worstCaseAccumulator(-1, { min: 0, max: 1 }, { min: 0, max: 1 })).toThrow(/activeSynapses.*got -1/);
  });
});

describe('weight norms', () => {
  it('2-norm per tensor and per neuron', () => {
    expect(weightNorm2([3, -4])).toBe(5);
    expect(weightNorm2([])).toBe(0);
    expect(weightNorms2([3, 4, 0, 1, 0, 0], [3, 2])).toEqual([5, 1, 0]);
    expect(() => weightNorms2([1, 2, 3], [2, 2])).toThrow(/needs 4 weights, got 3/);
    expect(() => weightNorm2([1, NaN])).toThrow(/weights\[1\] must be finite/);
  });
});
