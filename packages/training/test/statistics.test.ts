// Statistics re-estimation (train/statistics.ts): with frozen weights, the batch-norm moving
// statistics and activation ranges become plain means over the given batches, whatever they were
// before; momenta are restored; the trainer records the accuracy before and after, and a run
// resumed after its last epoch recomputes the same statistics.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadMnist, type ImageDataset } from '@fhenet/datasets';
import { buildModel, initBackend, reestimateStatistics, statisticsLayers, train, trainBatches, type ModelConfig } from '@fhenet/training';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let trainSet: ImageDataset;
let testSet: ImageDataset;
beforeAll(async () => {
  expect((await initBackend()).backend).toBe('wasm');
  trainSet = loadMnist({ split: 'train', limit: 512 });
  testSet = loadMnist({ split: 'test', limit: 256 });
});

const config: ModelConfig = { model: 'fcnn', inputShape: [28, 28, 1], numClasses: 10, seed: 5, weightBits: 2, actBits: 2, range: 'wide' };
const statisticVariables = (m: tf.LayersModel) => m.layers.flatMap((l) => l.weights.filter((w) => /moving|min|max/i.test(w.name)));
const statistics = (m: tf.LayersModel) => statisticVariables(m).map((w) => Array.from(w.read().dataSync()));
/** Equal to float rounding: the first batch's update moving - (moving - batch) leaves the old value's last bits. */
const expectClose = (a: number[][], b: number[][]) => {
  expect(a.map((v) => v.length)).toEqual(b.map((v) => v.length));
  for (const [i, v] of a.entries()) for (const [j, x] of v.entries()) expect(x).toBeCloseTo(b[i]![j]!, 4);
};

describe('statistics re-estimation', () => {
  it('gives the same statistics whatever they were before, from the batches alone, and restores the momenta', async () => {
    const model = buildModel(config);
    await train(model, trainSet, testSet, { epochs: 1, batchSize: 64, learningRate: 0.01, seed: 1 });
    const layers = statisticsLayers(model);
    expect(layers.length).toBeGreaterThanOrEqual(3); // 2 batch norms and the min/max-tracked input quantizer at least
    const momenta = layers.map((l) => l.momentum);
    const tracked = statistics(model);
    expect(tracked.length).toBeGreaterThan(0);
    expect(reestimateStatistics(model, trainBatches(trainSet, 64, 99), 5)).toBe(5);
    const once = statistics(model);
    expect(once).not.toEqual(tracked);
    // Scramble every statistic; the same 5 batches give the same values again.
    for (const w of statisticVariables(model)) w.write(tf.tidy(() => w.read().mul(3).add(1)));
    expect(statistics(model)).not.toEqual(once);
    reestimateStatistics(model, trainBatches(trainSet, 64, 99), 5);
    expectClose(statistics(model), once);
    expect(layers.map((l) => l.momentum)).toEqual(momenta);
    expect(reestimateStatistics(model, trainBatches(trainSet, 64, 99), 0)).toBe(0);
    expect(() => reestimateStatistics(model, [], 1.5)).toThrow(/statistics batches: expected an integer >= 0, got 1.5/);
  });

  it('the trainer records the accuracy before and after; resuming after the last epoch recomputes the same statistics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fhenet-stats-'));
    const opts = { epochs: 1, batchSize: 64, learningRate: 0.01, seed: 2, checkpointDir: join(dir, 'ckpt'), statisticsBatches: 4 };
    const a = buildModel(config);
    const r = await train(a, trainSet, testSet, opts);
    expect(r.statistics?.batches).toBe(4);
    expect(r.statistics?.testAccuracyBefore).toBe(r.history[0]!.testAccuracy);
    expect(r.testAccuracy).toBeGreaterThan(0.2);
    const b = buildModel(config);
    const resumed = await train(b, trainSet, testSet, { ...opts, resume: true });
    expect(resumed.history).toHaveLength(1); // no epoch ran again
    expect(resumed.testAccuracy).toBe(r.testAccuracy);
    expectClose(statistics(b), statistics(a));
    await expect(train(buildModel(config), trainSet, testSet, { ...opts, statisticsBatches: -1 })).rejects.toThrow(
      /statisticsBatches: expected an integer >= 0, got -1/,
    );
  });
});
