import { describe, expect, it } from 'vitest';
import { keySizes, pbsCost, publishedSet } from '@fhenet/params';

const MiB = 2 ** 20;

describe('key sizes', () => {
  it('match the reference examples', () => {
    const four = keySizes(publishedSet(4));
    expect(four.bootstrapKeyBytes / MiB).toBeCloseTo(57.4, 1);
    expect(four.keyswitchKeyBytes / MiB).toBeCloseTo(57.4, 1);
    const six = keySizes(publishedSet(6));
    expect(six.bootstrapKeyBytes / MiB).toBeCloseTo(538.5, 1); // "539 MiB"; measured BSK 538.5 MiB
    expect(Math.round(six.keyswitchKeyBytes / MiB)).toBe(337);
    expect(keySizes(publishedSet(8)).bootstrapKeyBytes / 2 ** 30).toBeCloseTo(6.5, 1);
    expect(keySizes(publishedSet(2)).bootstrapKeyBytes / MiB).toBeCloseTo(85.8, 1); // measured M1C1 BSK
  });

  it('seeded forms hold only the bodies; ciphertexts are one dimension plus the body', () => {
    const s = publishedSet(6);
    const z = keySizes(s);
    expect(z.seededBootstrapKeyBytes).toBe(z.bootstrapKeyBytes / (s.glweDimension + 1));
    expect(z.seededKeyswitchKeyBytes).toBe(z.keyswitchKeyBytes / (s.lweDimension + 1));
    // node-tfhe's compressed server key for this set serializes to 282.7 MB: both seeded keys.
    expect((z.seededBootstrapKeyBytes + z.seededKeyswitchKeyBytes) / 1e6).toBeCloseTo(282.7, 1);
    expect(z.bigCiphertextBytes).toBe(8193 * 8);
    expect(z.smallCiphertextBytes).toBe(1078 * 8);
  });
});

describe('cost model', () => {
  // Measured KS+PBS medians on this machine kind (tfhe-parameters.md).
  const measuredMs: [number, number][] = [[2, 12.4], [4, 16.9], [6, 128.9], [8, 1765]];
  it('tracks measured latency within a factor 1.5 of a common throughput', () => {
    const rates = measuredMs.map(([bits, ms]) => pbsCost(publishedSet(bits)).total / ms);
    const mean = rates.reduce((a, b) => a + b) / rates.length;
    for (const r of rates) {
      expect(r / mean).toBeGreaterThan(1 / 1.5);
      expect(r / mean).toBeLessThan(1.5);
    }
  });
  it('adds the keyswitch to the blind rotation', () => {
    const c = pbsCost(publishedSet(4));
    expect(c.keyswitch).toBe(2048 * 4 * 919);
    expect(c.pbs).toBe(918 * (4 * 2048 * 11 + 4 * 2048));
    expect(c.total).toBe(c.pbs + c.keyswitch);
  });
});
