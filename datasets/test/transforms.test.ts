import { describe, expect, it } from 'vitest';
import { batches, oneHot, shuffledIndices, subset, toFloat32, type ImageDataset } from '@fhenet/datasets';

/** 5 images of 1x2 pixels with 2 channels; image i holds bytes 4i..4i+3, label i % 3. */
const tiny: ImageDataset = {
  name: 'tiny',
  split: 'train',
  count: 5,
  height: 1,
  width: 2,
  channels: 2,
  numClasses: 3,
  images: Uint8Array.from({ length: 20 }, (_, i) => i * 10),
  labels: Uint8Array.from([0, 1, 2, 0, 1]),
};

describe('toFloat32', () => {
  it('unit scale divides by 255', () => {
    const x = toFloat32(tiny, { scale: 'unit' });
    expect(x.length).toBe(20);
    expect(x[3]).toBeCloseTo(30 / 255, 6);
  });

  it('mean/std apply per channel in unit scale', () => {
    const x = toFloat32(tiny, { mean: [0.1, 0.5], std: [0.5, 0.25] });
    expect(x[2]).toBeCloseTo((20 / 255 - 0.1) / 0.5, 6); // channel 0
    expect(x[3]).toBeCloseTo((30 / 255 - 0.5) / 0.25, 6); // channel 1
  });

  it('rejects a mean/std that does not match the channels, or std <= 0', () => {
    expect(() => toFloat32(tiny, { mean: [0.5], std: [1] })).toThrow('expected mean and std of length 2 (one per channel), got 1 and 1');
    expect(() => toFloat32(tiny, { mean: [0, 0], std: [1, 0] })).toThrow('channel 1: expected finite mean and std > 0');
  });
});

describe('shuffledIndices', () => {
  it('is a permutation, the same for the same seed, different for another seed', () => {
    const a = shuffledIndices(1000, 42);
    expect(Array.from(a).sort((p, q) => p - q)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(shuffledIndices(1000, 42)).toEqual(a);
    expect(shuffledIndices(1000, 43)).not.toEqual(a);
    expect(Array.from(a.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('handles tiny sizes and rejects bad arguments', () => {
    expect(Array.from(shuffledIndices(0, 1))).toEqual([]);
    expect(Array.from(shuffledIndices(1, 1))).toEqual([0]);
    expect(() => shuffledIndices(-1, 0)).toThrow('n: expected an integer');
    expect(() => shuffledIndices(3, 0.5)).toThrow('seed: expected an integer, got 0.5');
  });

  it('puts each value in each position about equally often', () => {
    const hits = new Array<number>(4).fill(0);
    for (let seed = 0; seed < 4000; seed++) hits[shuffledIndices(4, seed)[0]!]! += 1;
    for (const h of hits) expect(Math.abs(h - 1000)).toBeLessThan(120);
  });
});

describe('batches', () => {
  it('covers every image once, with matching x and y, last batch short', () => {
    const all = [...batches(tiny, 2, { seed: 7 })];
    expect(all.map((b) => b.size)).toEqual([2, 2, 1]);
    expect(all.flatMap((b) => Array.from(b.indices)).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(all.flatMap((b) => Array.from(b.indices))).toEqual(Array.from(shuffledIndices(5, 7)));
    for (const b of all) {
      b.indices.forEach((i, k) => {
        expect(b.y[k]).toBe(tiny.labels[i]);
        expect(b.x[k * 4]).toBeCloseTo(tiny.images[i * 4]! / 255, 6);
      });
      expect(b.x.length).toBe(b.size * 4);
    }
    expect(all[0]!.x).not.toBe(all[1]!.x); // fresh buffers per batch
  });

  it('dropLast, no shuffle, custom normalization', () => {
    const all = [...batches(tiny, 2, { shuffle: false, dropLast: true, normalize: { mean: [0, 0], std: [1, 1] } })];
    expect(all.map((b) => Array.from(b.indices))).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(all[1]!.x[0]).toBeCloseTo(80 / 255, 6);
    expect(() => [...batches(tiny, 0)]).toThrow('batchSize: expected a positive integer, got 0');
  });
});

describe('oneHot and subset', () => {
  it('oneHot sets exactly one 1 per row', () => {
    expect(Array.from(oneHot([2, 0], 3))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHot([3], 3)).toThrow('oneHot: labels[0]: expected an integer in [0, 3), got 3');
  });

  it('subset copies the chosen images in order', () => {
    const s = subset(tiny, [4, 1]);
    expect([s.count, s.name, s.numClasses]).toEqual([2, 'tiny', 3]);
    expect(Array.from(s.images)).toEqual([160, 170, 180, 190, 40, 50, 60, 70]);
    expect(Array.from(s.labels)).toEqual([1, 1]);
    expect(() => subset(tiny, [5])).toThrow('subset: indices[0]: expected an integer in [0, 5), got 5');
  });
});
