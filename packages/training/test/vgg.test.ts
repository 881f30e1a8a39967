// VGG-9 for CIFAR (issue #8): the width multiplier keeps the paper's full-width defaults and
// scales every conv and hidden dense layer; `runTraining` trains a VGG-9 on CIFAR-100 files in
// their real format (3074-byte records: coarse label, fine label, 3072 CHW pixels) and exports
// the graph after every epoch.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR100_DIR_ENV } from '@fhenet/datasets';
import { buildModel, initBackend, loadTrainedGraph, QuantLinear, runTraining, scaledWidth } from '@fhenet/training';

beforeAll(async () => {
  expect((await initBackend()).backend).toBe('wasm');
});

function linearWidths(width?: number): { name: string; units: number }[] {
  const m = buildModel({
    model: 'vgg9',
    inputShape: [32, 32, 3],
    numClasses: 100,
    seed: 1,
    weightBits: 2,
    actBits: 2,
    range: 'narrow',
    ...(width !== undefined ? { width } : {}),
  });
  const out = m.layers.filter((l) => l instanceof QuantLinear).map((l) => ({ name: l.name, units: (l as QuantLinear).outChannels }));
  m.dispose();
  return out;
}

describe('vgg9 width multiplier', () => {
  it('defaults to the paper widths and scales conv and hidden dense layers, not the classifier', () => {
    expect(linearWidths().map((l) => l.units)).toEqual([64, 64, 128, 128, 256, 256, 512, 512, 100]);
    expect(linearWidths(0.25).map((l) => l.units)).toEqual([16, 16, 32, 32, 64, 64, 128, 128, 100]);
    expect(linearWidths(0.25).map((l) => l.name)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'conv6', 'dense7', 'dense8', 'classifier']);
    expect(scaledWidth(64, 0.01)).toBe(1);
  });

  it('rejects a width that is not a positive number', () => {
    expect(() => linearWidths(0)).toThrow(/model vgg9: width multiplier: expected a number in \(0, 16\], got 0/);
    expect(() => linearWidths(Number.NaN)).toThrow(/got NaN/);
  });
});

/** A CIFAR-100 binary file of `n` records with seeded pixels and labels fine = i mod 100, coarse = i mod 20. */
function cifar100File(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n * 3074);
  let s = seed;
  for (let i = 0; i < n; i++) {
    out[i * 3074] = i % 20;
    out[i * 3074 + 1] = (i * 7) % 100;
    for (let p = 0; p < 3072; p++) {
      s = (s * 1103515245 + 12345) >>> 0;
      out[i * 3074 + 2 + p] = s >>> 24;
    }
  }
  return out;
}

describe('fhenet train --dataset cifar100 (generated files, real format)', () => {
  afterEach(() => {
    delete process.env[CIFAR100_DIR_ENV];
  });

  it('trains one batch (2 epochs) of a narrow VGG-9, exports after epoch 1 and at the end a 100-class graph that records its width', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fhenet-cifar100-train-'));
    writeFileSync(join(dir, 'train.bin'), cifar100File(32, 1));
    writeFileSync(join(dir, 'test.bin'), cifar100File(8, 2));
    writeFileSync(join(dir, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `c${i}`).join('\n'));
    process.env[CIFAR100_DIR_ENV] = dir;
    const out = mkdtempSync(join(tmpdir(), 'fhenet-vgg9-out-'));
    const epochs: number[] = [];
    const statusAfter: unknown[] = [];
    const r = await runTraining({
      model: 'vgg9',
      dataset: 'cifar100',
      width: 0.0625,
      weightBits: 2,
      actBits: 2,
      inputBits: 8,
      range: 'narrow',
      epochs: 2,
      batchSize: 32,
      learningRate: 0.001,
      seed: 1,
      out,
      onEpoch: (e) => epochs.push(e.epoch),
      log: (line) => {
        // After the partial export of epoch 1, the folder already holds a loadable graph.
        if (line.startsWith('epoch 1: exported')) statusAfter.push(loadTrainedGraph(out).training.status);
      },
    });
    expect(epochs).toEqual([1, 2]);
    expect(statusAfter).toEqual(['partial: epoch 1 of 2']);
    expect(r.name).toBe('cifar100-vgg9-w0.0625-narrow-all');
    expect(r.history[0]!.samplesPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(r.history[0]!.loss)).toBe(true);
    const g = loadTrainedGraph(out);
    expect(g.inputShape).toEqual([32, 32, 3]);
    expect(g.training).toMatchObject({ dataset: 'cifar100', width: 0.0625, inputBits: 8, trainImages: 32, testImages: 8, status: null });
    // conv1 of width 64 x 0.0625 = 4 filters; the classifier has 100 outputs.
    const units = Object.fromEntries(g.layers.map((l) => [l.name, l.type === 'conv2d' ? l.filters : l.type === 'dense' ? l.units : undefined]));
    expect([units.conv1, units.dense7, units.classifier]).toEqual([4, 32, 100]);
    expect(r.accumulators.map((a) => a.name)).toContain('classifier');
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/vgg9 \(width x0\.0625\) on cifar100/);
  }, 120_000);
});
