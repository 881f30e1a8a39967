import { describe, expect, it } from 'vitest';
import { bitWidth, quantRange, quantSpec, signedBits, unsignedBits } from '@fhenet/quantization';

describe('bitWidth', () => {
  it('accepts integers 1..16', () => {
    for (let b = 1; b <= 16; b++) expect(bitWidth(b)).toBe(b);
  });
  it.each([0, 17, 2.5, -1, NaN, Infinity])('rejects %s naming the value', (n) => {
    expect(() => bitWidth(n)).toThrow(new RegExp(`got ${String(n)}`));
  });
});

describe('quantRange', () => {
  it('matches the table for every width 1..16', () => {
    for (let b = 1; b <= 16; b++) {
      expect(quantRange(quantSpec(b, true, 'wide'))).toEqual({ min: -(2 ** (b - 1)), max: 2 ** (b - 1) - 1 });
      expect(quantRange(quantSpec(b, false, 'wide'))).toEqual({ min: 0, max: 2 ** b - 1 });
      if (b === 1) continue;
      expect(quantRange(quantSpec(b, true, 'narrow'))).toEqual({ min: -(2 ** (b - 1)) + 1, max: 2 ** (b - 1) - 1 });
      expect(quantRange(quantSpec(b, false, 'narrow'))).toEqual({ min: 0, max: 2 ** b - 2 });
    }
  });
  it('spot values', () => {
    expect(quantRange(quantSpec(4, true, 'narrow'))).toEqual({ min: -7, max: 7 });
    expect(quantRange(quantSpec(4, true, 'wide'))).toEqual({ min: -8, max: 7 });
    expect(quantRange(quantSpec(1, true, 'wide'))).toEqual({ min: -1, max: 0 });
    expect(quantRange(quantSpec(1, false, 'wide'))).toEqual({ min: 0, max: 1 });
  });
  it('rejects 1-bit narrow (the single level {0})', () => {
    expect(() => quantRange(quantSpec(1, true, 'narrow'))).toThrow(/single level/);
    expect(() => quantRange(quantSpec(1, false, 'narrow'))).toThrow(/single level/);
  });
  it('rejects an unknown range mode', () => {
    expect(() => quantRange({ ...quantSpec(4, true), range: 'medium' as 'wide' })).toThrow(/got medium/);
  });
});

describe('signedBits / unsignedBits', () => {
  it('examples', () => {
    expect(signedBits({ min: -4, max: 3 })).toBe(3);
    expect(signedBits({ min: 0, max: 3 })).toBe(3);
    expect(signedBits({ min: -5, max: 0 })).toBe(4);
    expect(signedBits({ min: 0, max: 0 })).toBe(1);
    expect(signedBits({ min: -1, max: 0 })).toBe(1);
    expect(signedBits({ min: 0, max: 1 })).toBe(2);
    expect(unsignedBits({ min: 0, max: 0 })).toBe(1);
    expect(unsignedBits({ min: 0, max: 255 })).toBe(8);
    expect(unsignedBits({ min: 3, max: 256 })).toBe(9);
  });
  it('each quantizer range needs exactly its own width', () => {
    for (let b = 2; b <= 16; b++) {
      expect(signedBits(quantRange(quantSpec(b, true, 'wide')))).toBe(b);
      expect(signedBits(quantRange(quantSpec(b, true, 'narrow')))).toBe(b);
      expect(unsignedBits(quantRange(quantSpec(b, false, 'wide')))).toBe(b);
      expect(unsignedBits(quantRange(quantSpec(b, false, 'narrow')))).toBe(b);
      // one step outside needs one more bit
      expect(signedBits({ min: -(2 ** (b - 1)) - 1, max: 0 })).toBe(b + 1);
      expect(signedBits({ min: 0, max: 2 ** (b - 1) })).toBe(b + 1);
      expect(unsignedBits({ min: 0, max: 2 ** b })).toBe(b + 1);
    }
  });
  it('rejects bad ranges', () => {
    expect(() => signedBits({ min: 2, max: 1 })).toThrow(/min <= max/);
    expect(() => signedBits({ min: 0.5, max: 1 })).toThrow(/integer range/);
    expect(() => unsignedBits({ min: -1, max: 1 })).toThrow(/non-negative, got min -1/);
  });
});
