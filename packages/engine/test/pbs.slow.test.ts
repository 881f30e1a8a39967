// Slow: 7- and 8-bit sets (N = 16384 and 65536; the 8-bit Fourier BSK is 6.5 GiB, keygen takes minutes).
import { describe, test } from 'vitest';
import { checkEveryValue } from './pbs-helpers.js';
import { gaussianSet, tuniformSet } from '@fhenet/testing';

describe('PBS at 7 and 8 bits', () => {
  test('Gaussian 7-bit set', () => checkEveryValue(gaussianSet(7)), 3_600_000);
  test('TUniform 8-bit set', () => checkEveryValue(tuniformSet(8)), 7_200_000);
  test('Gaussian 8-bit set', () => checkEveryValue(gaussianSet(8)), 7_200_000);
});
