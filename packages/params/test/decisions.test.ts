// PBS decisions with their own tolerance (decisions.ts) and the optimizer over all of them.
import { describe, expect, it } from 'vitest';
import {
  decisionPbsCount,
  extractionTolerance,
  halfSlot,
  log2PFail,
  log2PFailOfDecision,
  log2PFailPerPbsFor,
  optimizeParameters,
  pErrorOfDecisions,
  plainDecision,
  publishedSet,
  roundedLookupTolerance,
  securityCheck,
  stageDecisions,
} from '@fhenet/params';

describe('stage decisions', () => {
  it('k = 0 is exactly the plain lookup of log2PFail (same variance, same half-slot tolerance)', () => {
    for (const bits of [2, 4, 6, 8]) {
      const set = publishedSet(bits);
      const [d, ...rest] = stageDecisions({ name: 's', messageBits: bits, nu: set.maxNu, roundBits: 0, outputs: 10 });
      expect(rest).toEqual([]);
      expect(d!.tolerance).toBe(halfSlot(bits));
      expect(d!.tolerance).toBe(roundedLookupTolerance(bits, 0));
      expect(d!.inputFactor).toBe(set.maxNu ** 2);
      expect(log2PFailOfDecision(set, d!)).toBe(log2PFail(set));
    }
  });

  it('k >= 2: k-1 extractions (input amplified 4^(p-i), earlier outputs added) and a lookup with tolerance (2^(k-1) - 1/2) delta', () => {
    const ds = stageDecisions({ name: 'd1', messageBits: 9, nu: 3, roundBits: 4, outputs: 192 });
    expect(ds.map((d) => d.kind)).toEqual(['extract', 'extract', 'extract', 'lookup']);
    expect(ds.map((d) => d.inputFactor)).toEqual([4 ** 8 * 9, 4 ** 7 * 10, 4 ** 6 * 11, 9 + 3]);
    expect(ds[0]!.tolerance).toBe(1 / 8 - 2 ** -11); // q/4 - q/8, less the half box of the test polynomial
    expect(extractionTolerance(9, 3)).toBe(1 / 4 - 1 / 32 - 2 ** -11);
    expect(ds[3]!.tolerance).toBe(7.5 / 1024);
    expect(ds[3]!.tolerance / halfSlot(9)).toBe(15); // 15x the plain margin: ~3.9 bits less precision needed
    expect(decisionPbsCount(ds)).toBe(4 * 192);
    expect(() => stageDecisions({ name: 'd1', messageBits: 9, nu: 3, roundBits: 1, outputs: 1 })).toThrow(/d1: roundBits must be 0 or an integer in \[2, 8\]/);
    expect(() => stageDecisions({ name: 'out', messageBits: 9, nu: 3, roundBits: 2, outputs: 1, clearDecode: true })).toThrow(
      /out: a stage decoded in the clear/,
    );
  });

  it('approximate, failuresOnly: the two-bucket tolerance of an off rate, with no cap on the one-bucket rate', () => {
    const base = { name: 'c', messageBits: 10, nu: 92, roundBits: 5, outputs: 100, rounding: 'approximate' as const };
    const [free, ...none] = stageDecisions({ ...base, failuresOnly: true });
    const [capped] = stageDecisions({ ...base, offRate: 0.12 });
    const [centre] = stageDecisions(base);
    expect(none).toEqual([]);
    expect(free!.tolerance).toBe(capped!.tolerance);
    expect(free!.tolerance).toBe(32.5 * 2 ** -11);
    expect(free!.varianceCap).toBeUndefined();
    expect(capped!.varianceCap).toBeGreaterThan(0);
    expect(centre!.tolerance).toBe(roundedLookupTolerance(10, 5)); // the centre rule is stricter
    expect(centre!.tolerance).toBeLessThan(free!.tolerance);
  });
});

describe('optimizer over decisions', () => {
  it('with the plain decision given explicitly finds the same set as by default', () => {
    const a = optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: -128 });
    const b = optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: -128, decisions: [plainDecision(4, 5)] });
    expect(b.set).toEqual(a.set);
  });

  it('9 bits: rounding 2 bits allows a cheaper set than plain 9 bits, rounding 4 a much cheaper one, each meeting every decision', () => {
    const nu = 19;
    const circuit = (k: number) => [
      ...stageDecisions({ name: 'd1', messageBits: 9, nu, roundBits: k, outputs: 192 }),
      ...stageDecisions({ name: 'd2', messageBits: 9, nu, roundBits: k, outputs: 192 }),
      ...stageDecisions({ name: 'out', messageBits: 9, nu, roundBits: 0, outputs: 10, clearDecode: true }),
    ];
    const results = [0, 2, 4].map((k) => {
      const decisions = circuit(k);
      const count = decisionPbsCount(decisions);
      const r = optimizeParameters({ messageBits: 9, maxNu: nu, decisions, log2PFailPerPbs: { pErrorPerInference: 1e-6, pbsCount: count } });
      const target = log2PFailPerPbsFor(1e-6, count);
      for (const d of decisions) expect(log2PFailOfDecision(r.set, d), d.label).toBeLessThanOrEqual(target);
      expect(pErrorOfDecisions(r.set, decisions)).toBeLessThanOrEqual(1e-6);
      expect(securityCheck(r.set).secure).toBe(true);
      expect(r.set.polynomialSize).toBeGreaterThanOrEqual(512); // 2^9 boxes
      return { k, r, count };
    });
    const [plain, k2, k4] = results;
    console.log(
      results
        .map(({ k, r, count }) => `k=${k}: N=${r.set.polynomialSize} n=${r.set.lweDimension} cost ${(r.cost.total / 1e6).toFixed(0)}M x ${count} PBS`)
        .join('; '),
    );
    expect(k2!.r.cost.total).toBeLessThan(plain!.r.cost.total);
    expect(k4!.r.cost.total * k4!.count).toBeLessThan((plain!.r.cost.total * plain!.count) / 4);
    expect(k4!.r.set.name).toMatch(/_ROUNDED_/);
  });

  it('refuses decisions with a nonsense tolerance', () => {
    expect(() => optimizeParameters({ messageBits: 4, maxNu: 5, log2PFailPerPbs: -40, decisions: [{ ...plainDecision(4, 5), tolerance: 0.7 }] })).toThrow(
      /decision lookup: tolerance must be in \(0, 1\/2\]/,
    );
  });
});
