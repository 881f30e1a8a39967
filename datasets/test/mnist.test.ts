import { describe, expect, it } from 'vitest';
import { DatasetMissingError, loadMnist } from '@fhenet/datasets';
import { idxBytes, tempDir, writeFiles } from '@fhenet/testing';

function labelCounts(labels: Uint8Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]! += 1;
  return counts;
}

describe('loadMnist on the real files', () => {
  it('train: 60,000 28x28 images with the known label counts', () => {
    const ds = loadMnist({ split: 'train' });
    expect([ds.count, ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([60000, 28, 28, 1, 10]);
    expect(ds.images.length).toBe(60000 * 784);
    expect(labelCounts(ds.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(Math.max(...ds.images.subarray(0, 784))).toBeGreaterThan(200); // real strokes, not zeros
  });

  it('test: 10,000 images with the known label counts', () => {
    const ds = loadMnist({ split: 'test' });
    expect(ds.count).toBe(10000);
    expect(labelCounts(ds.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    // The first test digit is a 7 in every copy of MNIST.
    expect(ds.labels[0]).toBe(7);
  });

  it('limit keeps the first images', () => {
    const full = loadMnist({ split: 'test' });
    const few = loadMnist({ split: 'test', limit: 5 });
    expect(few.count).toBe(5);
    expect(few.images).toEqual(full.images.slice(0, 5 * 784));
    expect(few.labels).toEqual(full.labels.slice(0, 5));
    expect(() => loadMnist({ split: 'test', limit: -1 })).toThrow('limit: expected a non-negative integer, got -1');
  });
});

describe('loadMnist on generated files', () => {
  const write = (labels: number[], imageCount = labels.length) =>
    writeFiles(tempDir('mnist'), {
      't10k-images-idx3-ubyte': idxBytes(
        [imageCount, 2, 2],
        new Uint8Array(imageCount * 4).map((_, i) => i),
      ),
      't10k-labels-idx1-ubyte': idxBytes([labels.length], labels),
    });

  it('parses a good pair exactly', () => {
    const ds = loadMnist({ split: 'test', dir: write([3, 9]) });
    expect([ds.count, ds.height, ds.width]).toEqual([2, 2, 2]);
    expect(Array.from(ds.images)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(ds.labels)).toEqual([3, 9]);
  });

  it('rejects a label out of range, naming the file and index', () => {
    expect(() => loadMnist({ split: 'test', dir: write([3, 10]) })).toThrow(/t10k-labels-idx1-ubyte: label\[1\]: expected < 10, got 10/);
  });

  it('rejects image and label counts that disagree', () => {
    expect(() => loadMnist({ split: 'test', dir: write([1, 2], 3) })).toThrow(/label count: expected 3 \(the image count of t10k-images-idx3-ubyte\), got 2/);
  });

  it('names a missing file', () => {
    const dir = write([1]);
    expect(() => loadMnist({ split: 'train', dir })).toThrow(DatasetMissingError);
    expect(() => loadMnist({ split: 'train', dir })).toThrow(/missing data file train-images-idx3-ubyte/);
  });
});
