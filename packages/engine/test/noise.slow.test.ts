import { expect, test } from 'vitest';
import { measurePbsVariance } from './noise.test.js';
import { tuniformSet } from '@fhenet/testing';

test('TUNIFORM_6BIT: measured / predicted PBS variance within 1.5x (1000 samples)', async () => {
  const ratio = await measurePbsVariance(tuniformSet(6), 1000);
  console.log(`TUNIFORM_6BIT: measured/model PBS variance = ${ratio.toFixed(3)}`);
  expect(ratio).toBeGreaterThan(1 / 1.5);
  expect(ratio).toBeLessThan(1.5);
}, 3_600_000);
