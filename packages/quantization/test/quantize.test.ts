import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrateMinMax, dequantize, fakeQuantize, quantize, quantRange, quantSpec, roundHalfToEven, type QuantParams } from '@fhenet/quantization';

describe('roundHalfToEven', () => {
  it('ties go to the even neighbour', () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [3.5, 4],
      [-0.5, 0],
      [-1.5, -2],
      [-2.5, -2],
      [2.4, 2],
      [2.6, 3],
      [-2.6, -3],
      [7, 7],
    ];
    for (const [x, r] of cases) expect(roundHalfToEven(x)).toBe(r);
  });
  it('is within 1/2 and exact on integers', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (x) => {
        const r = roundHalfToEven(x);
        return Number.isInteger(r) && Math.abs(r - x) <= 0.5 && (Math.abs(r - x) < 0.5 || r % 2 === 0);
      }),
    );
  });
});

const specArb = fc
  .record({ bits: fc.integer({ min: 1, max: 16 }), signed: fc.boolean(), range: fc.constantFrom('narrow' as const, 'wide' as const) })
  .filter((s) => !(s.bits === 1 && s.range === 'narrow'))
  .map((s) => quantSpec(s.bits, s.signed, s.range));

const paramsArb = fc
  .record({ spec: specArb, scale: fc.double({ min: 1e-3, max: 1e3, noNaN: true }), zpFrac: fc.double({ min: 0, max: 1, noNaN: true }) })
  .map(({ spec, scale, zpFrac }): QuantParams => {
    const q = quantRange(spec);
    const zeroPoint = spec.signed ? 0 : Math.round(q.min + zpFrac * (q.max - q.min));
    return { ...spec, scale: [Math.fround(scale)], zeroPoint: [zeroPoint] };
  });

describe('quantize / dequantize', () => {
  it('stays in [qmin, qmax] and round-trips within scale/2 of the clamped value', () => {
    fc.assert(
      fc.property(paramsArb, fc.array(fc.double({ min: -1e7, max: 1e7, noNaN: true }), { maxLength: 20 }), (p, xs) => {
        const q = quantize(xs, p);
        const r = dequantize(q, p);
        const { min, max } = quantRange(p);
        const s = p.scale[0]!;
        const z = p.zeroPoint[0]!;
        const lo = s * (min - z);
        const hi = s * (max - z);
        return xs.every((x, i) => {
          const clamped = Math.min(hi, Math.max(lo, x));
          // float32 arithmetic adds a few ulps on top of the scale/2 bound
          return q[i]! >= min && q[i]! <= max && Math.abs(r[i]! - clamped) <= s / 2 + 1e-6 * Math.max(1, Math.abs(x));
        });
      }),
    );
  });
  it('quantizes grid points exactly and 0 to the zero point', () => {
    fc.assert(
      fc.property(paramsArb, fc.double({ min: 0, max: 1, noNaN: true }), (p, t) => {
        const { min, max } = quantRange(p);
        const k = Math.round(min + t * (max - min));
        const x = dequantize([k], p);
        return quantize(x, p)[0] === k && quantize([0], p)[0] === p.zeroPoint[0];
      }),
    );
  });
  it('uses half-to-even on ties and clamps infinities', () => {
    const p: QuantParams = { ...quantSpec(4, true, 'narrow'), scale: [0.5], zeroPoint: [0] };
    expect(Array.from(quantize([0.25, 0.75, -0.25, -0.75, 1.25, 100, -100, Infinity, -Infinity], p))).toEqual([0, 2, 0, -2, 2, 7, -7, 7, -7]);
  });
  it('fakeQuantize is dequantize of quantize', () => {
    const p = calibrateMinMax(quantSpec(3, false, 'wide'), -1, 2);
    const xs = [-2, -0.4, 0, 0.3, 1.9, 5];
    expect(fakeQuantize(xs, p)).toEqual(dequantize(quantize(xs, p), p));
  });
  it('per-channel agrees with per-tensor on each channel (axis 0, 1 and -1)', () => {
    const spec = quantSpec(5, true, 'wide');
    const a = calibrateMinMax(spec, -1, 1);
    const b = calibrateMinMax(spec, -3, 0.5);
    const perChannel: QuantParams = { ...spec, scale: [a.scale[0]!, b.scale[0]!], zeroPoint: [0, 0], axis: 1 };
    fc.assert(
      fc.property(fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 6, maxLength: 6 }), (xs) => {
        // shape [3, 2]: channel = column
        const q = quantize(xs, perChannel, [3, 2]);
        const qLast = quantize(xs, { ...perChannel, axis: -1 }, [3, 2]);
        const qa = quantize(xs, a);
        const qb = quantize(xs, b);
        const qT = quantize([xs[0]!, xs[2]!, xs[4]!, xs[1]!, xs[3]!, xs[5]!], { ...perChannel, axis: 0 }, [2, 3]);
        return xs.every((_, i) => q[i] === (i % 2 === 0 ? qa[i] : qb[i]) && qLast[i] === q[i]) && [0, 2, 4, 1, 3, 5].every((i, j) => qT[j] === q[i]);
      }),
    );
  });
  it('per-channel on a conv kernel [h, w, in, out] with the channel on the last axis', () => {
    const spec = quantSpec(8, true);
    const shape = [2, 2, 3, 4];
    const scale = [0.5, 1, 2, 4];
    const p: QuantParams = { ...spec, scale, zeroPoint: [0, 0, 0, 0], axis: 3 };
    const xs = Array.from({ length: 48 }, (_, i) => i - 20);
    const q = quantize(xs, p, shape);
    xs.forEach((x, i) => {
      expect(q[i]).toBe(quantize([x], { ...spec, scale: [scale[i % 4]!], zeroPoint: [0] })[0]);
    });
    // axis 2 (input channels): element i is in channel floor(i / 4) % 3
    const p2: QuantParams = { ...p, scale: [1, 2, 4], zeroPoint: [0, 0, 0], axis: 2 };
    const q2 = quantize(xs, p2, shape);
    xs.forEach((x, i) => {
      expect(q2[i]).toBe(quantize([x], { ...spec, scale: [[1, 2, 4][Math.floor(i / 4) % 3]!], zeroPoint: [0] })[0]);
    });
  });
  it('errors name the problem', () => {
    expect(() => quantize([1, 2], { ...quantSpec(4, true), scale: [1], zeroPoint: [0] }, [3])).toThrow(/shape \[3\] has 3 elements but the data has 2/);
    const spec = quantSpec(4, true);
    const pc: QuantParams = { ...spec, scale: [1, 1], zeroPoint: [0, 0], axis: 0 };
    expect(() => quantize([1, 2, 3], pc)).toThrow(/need the tensor shape/);
    expect(() => quantize([1, 2, 3], pc, [3])).toThrow(/has 3 channels but params.scale has 2/);
    expect(() => quantize([1, 2, 3], pc, [2, 2])).toThrow(/has 4 elements but the data has 3/);
    expect(() => quantize([1, 2], { ...pc, axis: 2 }, [2, 1])).toThrow(/axis must be an integer in \[-2, 1\]/);
    expect(() => quantize([1], { ...spec, scale: [0], zeroPoint: [0] })).toThrow(/scale\[0\] must be a finite float32 > 0, got 0/);
    expect(() => quantize([1], { ...spec, scale: [1], zeroPoint: [9] })).toThrow(/zeroPoint\[0\] must be an integer in \[-8, 7\], got 9/);
    expect(() => quantize([1], { ...spec, scale: [1, 2], zeroPoint: [0, 0] })).toThrow(/need exactly 1 scale, got 2/);
    expect(() => quantize([1, NaN], { ...spec, scale: [1], zeroPoint: [0] })).toThrow(/x\[1\] is NaN/);
    expect(() => dequantize([1.5], { ...spec, scale: [1], zeroPoint: [0] })).toThrow(/q\[0\] must be an integer, got 1.5/);
  });
});
