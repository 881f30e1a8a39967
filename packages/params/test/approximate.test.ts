// Approximate rounding (approximate.ts): the one-bucket-off probabilities, the decisions of an
// approximate stage and the optimizer over them.
import { describe, expect, it } from 'vitest';
import {
  boxLowerEdge,
  bucketShift,
  bucketShiftTable,
  decisionPbsCount,
  decisionVariance,
  normalTail,
  offBucketRate,
  optimizeParameters,
  pbsCost,
  roundedLookupTolerance,
  sigmaForOffRate,
  stageDecisions,
  type PbsDecision,
} from '@fhenet/params';

describe('where an approximate lookup lands', () => {
  it('the box edge of the engine test polynomial: (floor(m/2) + 1/2) / m slots below the slot', () => {
    expect(boxLowerEdge(1024, 10)).toBe(0.5); // m = 1: no rotation, the phase rounds to the slot
    expect(boxLowerEdge(2048, 10)).toBe(0.75); // m = 2: rotated by one of two positions
    expect(boxLowerEdge(4096, 10)).toBe(0.625);
    expect(boxLowerEdge(2 ** 16, 4)).toBeCloseTo(0.5, 3);
    expect(() => boxLowerEdge(512, 10)).toThrow(/multiple of 2\^10/);
  });

  it('normalTail is the standard normal tail', () => {
    expect(normalTail(0)).toBeCloseTo(0.5, 15);
    expect(normalTail(1.959963984540054)).toBeCloseTo(0.025, 12);
    expect(normalTail(-1)).toBeCloseTo(1 - normalTail(1), 15);
  });

  it('a slot moves down past r + beta, up past 2^k - r - beta; symmetric when beta = 1/2', () => {
    const b = { roundBits: 3, sigma: 1.5, boxEdge: 0.5 };
    const t = bucketShiftTable(b);
    for (let r = 0; r < 8; r++) {
      expect(t.down[r]).toBeCloseTo(normalTail((r + 0.5) / 1.5), 15);
      expect(t.up[r]).toBeCloseTo(normalTail((8 - r - 0.5) / 1.5), 15);
      expect(t.down[r]).toBeCloseTo(t.up[7 - r]!, 15); // mirror image
    }
    expect(t.down[0]).toBeGreaterThan(t.down[1]!); // nearest the lower edge moves down most
    const s = bucketShift(0, b);
    expect(s.far).toBeCloseTo(normalTail(8.5 / 1.5) + normalTail(15.5 / 1.5), 15);
    expect(s.far).toBeLessThan(s.down * 1e-5);
    expect(() => bucketShift(8, b)).toThrow(/r must be an integer in \[0, 8\)/);
    expect(() => bucketShift(0, { ...b, sigma: 0 })).toThrow(/sigma/);
  });

  it('uniform offsets: off-bucket rate ~ 2 sigma / (2^k sqrt(2 pi)) when 1 << sigma << 2^k', () => {
    const k = 10;
    const sigma = 20;
    const rate = offBucketRate(new Float64Array(2 ** k).fill(1), { roundBits: k, sigma, boxEdge: 0.5 });
    expect(rate / ((2 * sigma) / (2 ** k * Math.sqrt(2 * Math.PI)))).toBeCloseTo(1, 3);
    // Slots all at a bucket's centre hardly move; all at its lower edge, half of them move.
    const centre = new Float64Array(2 ** 5);
    centre[15] = 1;
    const edge = new Float64Array(2 ** 5);
    edge[0] = 1;
    expect(offBucketRate(centre, { roundBits: 5, sigma: 2, boxEdge: 0.5 })).toBeLessThan(1e-12);
    expect(offBucketRate(edge, { roundBits: 5, sigma: 2, boxEdge: 0.5 })).toBeCloseTo(normalTail(0.25), 6);
  });

  it('sigmaForOffRate inverts the off-bucket rate of uniform offsets, or of the given dropped bits', () => {
    for (const [k, rate] of [
      [3, 0.1],
      [5, 0.06],
      [7, 0.2],
    ] as const) {
      const sigma = sigmaForOffRate(k, rate);
      expect(offBucketRate(new Float64Array(2 ** k).fill(1), { roundBits: k, sigma, boxEdge: 0.5 })).toBeCloseTo(rate, 9);
    }
    expect(() => sigmaForOffRate(5, 0)).toThrow(/offRate/);
    // Slots all mid-bucket (a channel scaled by 2^k, centred) allow far more noise for the same rate.
    const centred = new Float64Array(32);
    centred[15] = 1;
    const sigma = sigmaForOffRate(5, 0.1, centred);
    expect(sigma).toBeGreaterThan(2 * sigmaForOffRate(5, 0.1));
    expect(offBucketRate(centred, { roundBits: 5, sigma, boxEdge: 0.5 })).toBeCloseTo(0.1, 9);
    expect(() => sigmaForOffRate(5, 0.1, new Float64Array(8))).toThrow(/2\^roundBits = 32 entries/);
  });
});

describe('decisions of an approximate stage', () => {
  const base = { name: 'd1', messageBits: 10, nu: 20, roundBits: 5, outputs: 100 } as const;

  it('one lookup per neuron, no extraction, the exact rounded lookup tolerance, the dot product noise alone', () => {
    const ds = stageDecisions({ ...base, rounding: 'approximate' });
    expect(ds).toEqual([{ label: 'd1 approximate lookup', kind: 'approximate', count: 100, inputFactor: 400, tolerance: roundedLookupTolerance(10, 5) }]);
    expect(decisionPbsCount(stageDecisions({ ...base, rounding: 'exact' }))).toBe(500);
    // k = 0: nothing to approximate, a plain lookup.
    expect(stageDecisions({ ...base, roundBits: 0, rounding: 'approximate' })[0]!.kind).toBe('lookup');
  });

  it('with an off rate: only two buckets away is a failure, and the noise is capped at the rate', () => {
    const [d] = stageDecisions({ ...base, rounding: 'approximate', offRate: 0.1 });
    expect(d!.tolerance).toBe(32.5 * 2 ** -11);
    expect(d!.varianceCap).toBeCloseTo((sigmaForOffRate(5, 0.1) * 2 ** -11) ** 2, 20);
  });

  it('the optimizer: approximate stages never need a dearer set than exact ones; the cap holds; a looser rate is no dearer', () => {
    const circuit = (rounding: 'exact' | 'approximate', offRate?: number): PbsDecision[] => [
      ...stageDecisions({ ...base, rounding, ...(offRate ? { offRate } : {}) }),
      ...stageDecisions({ ...base, name: 'd2', rounding, ...(offRate ? { offRate } : {}) }),
      ...stageDecisions({ name: 'out', messageBits: 10, nu: 10, roundBits: 0, outputs: 10, clearDecode: true }),
    ];
    const solve = (ds: PbsDecision[]) =>
      optimizeParameters({ messageBits: 10, maxNu: 20, decisions: ds, log2PFailPerPbs: { pErrorPerInference: 1e-6, pbsCount: decisionPbsCount(ds) } });
    const exact = solve(circuit('exact'));
    const approximate = solve(circuit('approximate'));
    expect(approximate.cost.total).toBeLessThanOrEqual(exact.cost.total);
    expect(approximate.set.name).toMatch(/_APPROX_/);
    const costs = [0.06, 0.12, 0.25].map((rate) => {
      const ds = circuit('approximate', rate);
      const r = solve(ds);
      for (const d of ds) if (d.varianceCap !== undefined) expect(decisionVariance(r.set, d)).toBeLessThanOrEqual(d.varianceCap);
      return pbsCost(r.set).total;
    });
    expect(costs[1]).toBeLessThanOrEqual(costs[0]!);
    expect(costs[2]).toBeLessThanOrEqual(costs[1]!);
    console.log(
      `10 bits, k = 5: exact set ${exact.set.name}, approximate (centre rule) ${approximate.set.polynomialSize}; off rate 6/12/25%: cost ${costs.map((c) => c.toExponential(2)).join(' / ')}`,
    );
  });
});
