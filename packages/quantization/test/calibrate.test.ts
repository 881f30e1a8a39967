import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrateFromData, calibrateMinMax, calibrateMinMaxPerChannel, dequantize, quantize, quantRange, quantSpec } from '@fhenet/quantization';

const specs = [1, 2, 3, 4, 8, 16].flatMap((b) =>
  [true, false].flatMap((signed) => (['narrow', 'wide'] as const).filter((r) => !(b === 1 && (r === 'narrow' || signed))).map((r) => quantSpec(b, signed, r))),
);

describe('calibrateMinMax', () => {
  it('signed is symmetric with scale = absmax / qmax', () => {
    const p = calibrateMinMax(quantSpec(8, true, 'narrow'), -2, 1);
    expect(p.zeroPoint).toEqual([0]);
    expect(p.scale).toEqual([Math.fround(2 / 127)]);
    expect(p.axis).toBeUndefined();
  });
  it('unsigned is affine with 0 exactly representable', () => {
    const p = calibrateMinMax(quantSpec(8, false, 'wide'), -1, 3);
    expect(p.scale).toEqual([Math.fround(4 / 255)]);
    expect(p.zeroPoint).toEqual([64]); // round(1 / (4/255)) = round(63.75)
    expect(dequantize(quantize([0], p), p)[0]).toBe(0);
  });
  it('covers [min, max] within scale/2 (plus clamp at the far end) for any spec and range', () => {
    fc.assert(
      fc.property(fc.constantFrom(...specs), fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.double({ min: -1e4, max: 1e4, noNaN: true }), (spec, a, b) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const p = calibrateMinMax(spec, min, max);
        const s = p.scale[0]!;
        const q = quantRange(spec);
        if (!(s > 0 && Number.isFinite(s) && Number.isInteger(p.zeroPoint[0]) && p.zeroPoint[0]! >= q.min && p.zeroPoint[0]! <= q.max)) return false;
        if (!spec.signed || q.max > 0) {
          const r = dequantize(quantize([min, max, 0], p), p);
          const tol = s / 2 + 1e-5 * Math.max(1, Math.abs(min), Math.abs(max));
          return Math.abs(r[0]! - min) <= tol && Math.abs(r[1]! - max) <= tol && r[2] === 0;
        }
        return true;
      }),
    );
  });
  it('falls back to scale 1 when the range is {0} or subnormal', () => {
    for (const spec of specs) {
      const p = calibrateMinMax(spec, 0, 0);
      expect(p.scale).toEqual([1]);
      expect(dequantize(quantize([0], p), p)[0]).toBe(0);
    }
    expect(calibrateMinMax(quantSpec(8, true), -1e-45, 1e-45).scale).toEqual([1]);
  });
  it('rejects bad input with a clear message', () => {
    expect(() => calibrateMinMax(quantSpec(8, true), 2, 1)).toThrow(/min <= max, got min 2, max 1/);
    expect(() => calibrateMinMax(quantSpec(8, true), -Infinity, 1)).toThrow(/finite/);
    expect(() => calibrateMinMax(quantSpec(1, true), -1, 1)).toThrow(/1-bit signed/);
    expect(() => calibrateMinMax(quantSpec(2, false), -1e300, 1e300)).toThrow(/overflows float32/);
  });
});

describe('per-channel and from data', () => {
  it('calibrateMinMaxPerChannel equals per-tensor calibration of each channel', () => {
    const spec = quantSpec(6, false, 'narrow');
    const p = calibrateMinMaxPerChannel(spec, [-1, 0, 2], [1, 5, 3], 1);
    expect(p.axis).toBe(1);
    [
      [-1, 1],
      [0, 5],
      [2, 3],
    ].forEach(([lo, hi], c) => {
      const t = calibrateMinMax(spec, lo!, hi!);
      expect([p.scale[c], p.zeroPoint[c]]).toEqual([t.scale[0], t.zeroPoint[0]]);
    });
    expect(() => calibrateMinMaxPerChannel(spec, [0], [1, 2], 0)).toThrow(/mins has 1 channels but maxs has 2/);
    expect(() => calibrateMinMaxPerChannel(spec, [2], [1], 0)).toThrow(/channel 0.*got min 2, max 1/);
  });
  it('minmax from data, per tensor and per channel', () => {
    const spec = quantSpec(4, true);
    const data = [1, -2, 3, -4, 0.5, 6]; // shape [3, 2]
    expect(calibrateFromData(spec, data, { method: 'minmax' })).toEqual(calibrateMinMax(spec, -4, 6));
    expect(calibrateFromData(spec, data, { method: 'minmax', axis: 1, shape: [3, 2] })).toEqual(calibrateMinMaxPerChannel(spec, [0.5, -4], [3, 6], 1));
    expect(calibrateFromData(spec, [], { method: 'minmax' })).toEqual(calibrateMinMax(spec, 0, 0));
  });
  it('percentile clips outliers with linear interpolation', () => {
    const spec = quantSpec(8, false);
    const data = Array.from({ length: 101 }, (_, i) => i); // percentiles are the values themselves
    data[100] = 1e6;
    expect(calibrateFromData(spec, data, { method: { percentile: 99 } })).toEqual(calibrateMinMax(spec, 1, 99));
    expect(calibrateFromData(spec, [0, 10], { method: { percentile: 75 } })).toEqual(calibrateMinMax(spec, 2.5, 7.5));
    expect(calibrateFromData(spec, data, { method: { percentile: 100 } })).toEqual(calibrateMinMax(spec, 0, 1e6));
  });
  it('rejects bad options and data', () => {
    const spec = quantSpec(8, true);
    expect(() => calibrateFromData(spec, [1], { method: { percentile: 40 } })).toThrow(/p in \(50, 100\], got \{"percentile":40\}/);
    expect(() => calibrateFromData(spec, [1, NaN], { method: 'minmax' })).toThrow(/values\[1\] must be finite/);
    expect(() => calibrateFromData(spec, [1, 2], { method: 'minmax', axis: 0 })).toThrow(/need the tensor shape/);
  });
});
