import { describe, expect, test } from 'vitest';
import { checkEveryValue } from './pbs-helpers.js';
import { gaussianSet, tuniformSet } from '@fhenet/testing';

// 7- and 8-bit sets (N = 16384 / 65536) are in pbs.slow.test.ts.
describe('PBS: every input value decrypts to the table value (fresh and after a dot product at max nu)', () => {
  for (const bits of [1, 2, 3, 4, 5, 6]) {
    test(`Gaussian ${bits}-bit set`, () => checkEveryValue(gaussianSet(bits)), 300_000);
  }
  for (const bits of [2, 4, 6] as const) {
    test(`TUniform ${bits}-bit set`, () => checkEveryValue(tuniformSet(bits)), 300_000);
  }
});

describe('plain modulus switch', () => {
  test('TUniform 4-bit 2^-64 set (rated with plain rounding)', async () => {
    const { publishedSet } = await import('@fhenet/params');
    const set = publishedSet(4, 'tuniform', '2^-64');
    expect(set.modulusSwitch).toBe('plain');
    await checkEveryValue(set);
  }, 300_000);
});
