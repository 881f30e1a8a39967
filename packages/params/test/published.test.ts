import { describe, expect, it } from 'vitest';
import { assertParameterSet, publishedSet, publishedSets } from '@fhenet/params';

describe('published sets', () => {
  it('holds the 4 TUniform, 8 Gaussian and 1 2^-64 sets with unique names', () => {
    expect(publishedSets).toHaveLength(13);
    expect(new Set(publishedSets.map((s) => s.name)).size).toBe(13);
    for (const s of publishedSets) expect(assertParameterSet(s)).toEqual(s);
  });

  it('finds sets by bits and noise, and carries the table values', () => {
    const s = publishedSet(6);
    expect([s.lweDimension, s.glweDimension, s.polynomialSize, s.maxNu]).toEqual([1077, 1, 8192, 9]);
    expect(s.lweNoise).toEqual({ kind: 'tuniform', boundLog2: 41 });
    expect(s.pbs).toEqual({ baseLog: 15, levelCount: 2 });
    expect(s.keyswitch).toEqual({ baseLog: 4, levelCount: 5 });
    const g = publishedSet(7, 'gaussian');
    expect([g.lweDimension, g.polynomialSize, g.maxNu, g.keyswitch.levelCount]).toEqual([1060, 16384, 127, 11]);
    expect(publishedSet(4, 'tuniform', '2^-64').modulusSwitch).toBe('plain');
  });

  it('refuses a set that does not exist, listing the available ones', () => {
    expect(() => publishedSet(3)).toThrow(/No published tuniform set for 3 message bits.*available: TUNIFORM_2BIT_2M128/);
    expect(() => publishedSet(9, 'gaussian')).toThrow(/9 message bits/);
  });
});

describe('assertParameterSet', () => {
  const good = publishedSet(4);
  it('names the bad field', () => {
    expect(() => assertParameterSet({ ...good, polynomialSize: 3000 })).toThrow(/polynomialSize must be a power of two, got 3000/);
    expect(() => assertParameterSet({ ...good, messageBits: 17 })).toThrow(/messageBits must be an integer in \[1, 16\], got 17/);
    expect(() => assertParameterSet({ ...good, messageBits: 12 })).toThrow(
      /polynomialSize must be >= 2\^messageBits = 4096 \(one box per message slot\), got 2048/,
    );
    expect(() => assertParameterSet({ ...good, lweNoise: { kind: 'laplace' } })).toThrow(/lweNoise.kind/);
    expect(() => assertParameterSet({ ...good, pbs: { baseLog: 23, levelCount: 3 } })).toThrow(/pbs must be baseLog \* levelCount <= 64/);
    expect(() => assertParameterSet(null)).toThrow(/must be an object/);
  });
});
