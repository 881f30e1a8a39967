import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CIFAR10_DIR_ENV, DatasetFormatError, DatasetMissingError, loadCifar10, loadCifar100 } from '@fhenet/datasets';
import { tempDir, writeFiles } from '@fhenet/testing';

/** A CIFAR record whose pixel at plane c, position p holds (seed + 3p + c) mod 256. */
function record(labels: number[], seed: number): Uint8Array {
  const out = new Uint8Array(labels.length + 3072);
  out.set(labels);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[labels.length + c * 1024 + p] = (seed + 3 * p + c) % 256;
  return out;
}
const cat = (parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => Array.from(p)));

function cifar10Dir(): string {
  const files: Record<string, Uint8Array | string> = { 'test_batch.bin': cat([record([4], 0), record([9], 1)]) };
  for (let b = 1; b <= 5; b++) files[`data_batch_${b}.bin`] = record([b], 10 * b);
  files['batches.meta.txt'] = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n';
  return writeFiles(tempDir('cifar10'), files);
}

describe('loadCifar10 on generated batches', () => {
  afterEach(() => {
    delete process.env[CIFAR10_DIR_ENV];
  });

  it('converts CHW records to HWC exactly and reads class names', () => {
    const ds = loadCifar10({ split: 'test', dir: cifar10Dir() });
    expect([ds.count, ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([2, 32, 32, 3, 10]);
    expect(Array.from(ds.labels)).toEqual([4, 9]);
    // HWC: byte 3p + c of image 1 is plane c, position p of record 1: (1 + 3p + c) mod 256.
    expect(Array.from(ds.images.subarray(3072, 3072 + 6))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ds.images[3072 + 3 * 1023 + 2]).toBe((1 + 3 * 1023 + 2) % 256);
    expect(ds.classNames?.[3]).toBe('cat');
  });

  it('reads the five training batches in order, honouring limit', () => {
    const dir = cifar10Dir();
    expect(Array.from(loadCifar10({ split: 'train', dir }).labels)).toEqual([1, 2, 3, 4, 5]);
    const few = loadCifar10({ split: 'train', dir, limit: 2 });
    expect(few.count).toBe(2);
    expect(few.images[0]).toBe(10);
    expect(few.images[3072]).toBe(20);
  });

  it('takes the folder from the environment variable', () => {
    process.env[CIFAR10_DIR_ENV] = cifar10Dir();
    expect(loadCifar10({ split: 'test' }).count).toBe(2);
  });

  it('rejects a file whose size is not a whole number of records', () => {
    const dir = writeFiles(cifar10Dir(), { 'test_batch.bin': cat([record([1], 0), new Uint8Array(5)]) });
    expect(() => loadCifar10({ split: 'test', dir })).toThrow(
      /test_batch\.bin: byte length: expected a non-zero multiple of 3073 .*, got 3078 \(1 records \+ 5 bytes\)/,
    );
  });

  it('rejects a label out of range and a wrong class-name list', () => {
    const bad = writeFiles(cifar10Dir(), { 'test_batch.bin': cat([record([1], 0), record([10], 0)]) });
    expect(() => loadCifar10({ split: 'test', dir: bad })).toThrow(/test_batch\.bin: record 1 label: expected < 10, got 10/);
    const names = writeFiles(cifar10Dir(), { 'batches.meta.txt': 'a\nb\n' });
    expect(() => loadCifar10({ split: 'test', dir: names })).toThrow(DatasetFormatError);
  });

  it('says which file is missing, where to put it, and what sets the folder', () => {
    const dir = tempDir('cifar10-empty');
    expect(() => loadCifar10({ split: 'train', dir })).toThrow(DatasetMissingError);
    expect(() => loadCifar10({ split: 'train', dir })).toThrow(/missing data file data_batch_1\.bin in .*FHENET_CIFAR10_DIR/);
    expect(() => loadCifar10({ split: 'test', dir: `${dir}/nope` })).toThrow(/data folder .*nope does not exist \(looking for test_batch\.bin\)/);
    expect(() => loadCifar10({ split: 'test' })).toThrow(/CIFAR-10 folder not given.*set FHENET_CIFAR10_DIR/);
  });
});

describe('loadCifar100 on generated files', () => {
  const dir = () =>
    writeFiles(tempDir('cifar100'), {
      'train.bin': cat([record([19, 99], 0), record([0, 5], 7)]),
      'fine_label_names.txt': Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n'),
    });

  it('returns fine labels by default and coarse labels on request', () => {
    const d = dir();
    const fine = loadCifar100({ split: 'train', dir: d });
    expect([fine.name, fine.numClasses, fine.count]).toEqual(['cifar100', 100, 2]);
    expect(Array.from(fine.labels)).toEqual([99, 5]);
    expect(fine.classNames?.[99]).toBe('fine99');
    expect(fine.images[3072]).toBe(7);
    const coarse = loadCifar100({ split: 'train', dir: d, labels: 'coarse' });
    expect([coarse.numClasses, coarse.classNames]).toEqual([20, undefined]);
    expect(Array.from(coarse.labels)).toEqual([19, 0]);
  });

  it('checks both label bytes and the 3074-byte record size', () => {
    const badCoarse = writeFiles(dir(), { 'train.bin': record([20, 1], 0) });
    expect(() => loadCifar100({ split: 'train', dir: badCoarse })).toThrow(/record 0 coarse label: expected < 20, got 20/);
    const badFine = writeFiles(dir(), { 'train.bin': record([1, 100], 0) });
    expect(() => loadCifar100({ split: 'train', dir: badFine, labels: 'coarse' })).toThrow(/record 0 fine label: expected < 100/);
    const cifar10Sized = writeFiles(dir(), { 'train.bin': record([1], 0) });
    expect(() => loadCifar100({ split: 'train', dir: cifar10Sized })).toThrow(/multiple of 3074/);
    expect(() => loadCifar100({ split: 'test', dir: dir() })).toThrow(/missing data file test\.bin.*FHENET_CIFAR100_DIR/);
  });
});

// The shared JPEG-derived copy lives beside the repository (see /work/shared/data/README.md).
const sharedCifar = fileURLToPath(new URL('../../../shared/data/cifar-10-batches-bin', import.meta.url));

const sharedPresent = existsSync(sharedCifar);
const sharedTitle = sharedPresent ? 'loadCifar10 on the shared JPEG-derived copy' : `loadCifar10 on the shared copy: skipped because ${sharedCifar} is absent`;

describe.skipIf(!sharedPresent)(sharedTitle, () => {
  it('test split: 10,000 images, 1,000 per class, names from batches.meta.txt', () => {
    const ds = loadCifar10({ split: 'test', dir: sharedCifar });
    expect(ds.count).toBe(10000);
    const counts = new Array<number>(10).fill(0);
    for (const l of ds.labels) counts[l]! += 1;
    expect(counts).toEqual(new Array(10).fill(1000));
    // Pixel 0 of image 0 in HWC is bytes 1, 1+1024, 1+2048 (R, G, B planes) of the raw file.
    const raw = readFileSync(`${sharedCifar}/test_batch.bin`);
    expect(Array.from(ds.images.subarray(0, 3))).toEqual([raw[1], raw[1025], raw[2049]]);
    expect(ds.labels[0]).toBe(raw[0]);
    expect(ds.classNames).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  });

  it('train split: 50,000 images from five batches', () => {
    const ds = loadCifar10({ split: 'train', dir: sharedCifar });
    expect(ds.count).toBe(50000);
    expect(ds.images.length).toBe(50000 * 3072);
  });
});
