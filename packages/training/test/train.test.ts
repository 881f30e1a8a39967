// Fast end-to-end checks on tiny MNIST subsets: reproducibility, no leaks, pruning budgets that
// provably hold on the export, and export -> import giving identical predictions.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadMnist, type ImageDataset } from '@fhenet/datasets';
import { maxActiveSynapses, quantRange, quantSpec, worstCaseAccumulator, signedBits } from '@fhenet/quantization';
import {
  buildModel,
  decodeTrainedGraph,
  encodeTrainedGraph,
  evaluate,
  graphAccumulators,
  graphToModel,
  initBackend,
  modelToGraph,
  loadTrainedGraph,
  runTraining,
  train,
  type ModelConfig,
} from '@fhenet/training';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let trainSet: ImageDataset;
let testSet: ImageDataset;

beforeAll(async () => {
  expect((await initBackend()).backend).toBe('wasm');
  trainSet = loadMnist({ split: 'train', limit: 512 });
  testSet = loadMnist({ split: 'test', limit: 256 });
});

const base = (over: Partial<ModelConfig> = {}): ModelConfig => ({
  model: 'fcnn',
  inputShape: [28, 28, 1],
  numClasses: 10,
  seed: 7,
  weightBits: 2,
  actBits: 2,
  range: 'wide',
  ...over,
});

async function weightsOf(m: tf.LayersModel): Promise<number[][]> {
  return m.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('training', () => {
  it('is reproducible for a seed, does not leak tensors, and reports progress per epoch', async () => {
    const counts: number[] = [];
    const runOnce = async () => {
      const m = buildModel(base());
      const r = await train(m, trainSet, testSet, {
        epochs: 2,
        batchSize: 64,
        learningRate: 0.01,
        seed: 3,
        pruning: { activeSynapses: 40 },
        onEpoch: () => counts.push(tf.memory().numTensors),
      });
      const w = await weightsOf(m);
      m.dispose();
      return { r, w };
    };
    const a = await runOnce();
    const b = await runOnce();
    expect(b.w).toEqual(a.w);
    expect(b.r.history.map((h) => h.loss)).toEqual(a.r.history.map((h) => h.loss));
    expect(a.r.history).toHaveLength(2);
    expect(a.r.history[1]!.activeSynapses).toEqual({ dense1: 40, dense2: 40, classifier: 40 });
    expect(counts[1]).toBe(counts[0]); // flat tensor count across epochs
    expect(a.r.history[1]!.trainAccuracy).toBeGreaterThan(0.3); // it learns something in 16 steps
  });

  it('export -> import reproduces the fake-quantized predictions exactly (conv, pooling, bn)', async () => {
    const m = buildModel(base({ model: 'lenet', range: 'narrow', perChannel: true, actScaleMode: 'minmax' }));
    await train(m, trainSet, testSet, { epochs: 1, batchSize: 64, learningRate: 0.005, seed: 1, pruning: { activeSynapses: 30 } });
    const g = modelToGraph(m, { name: 'lenet-test', inputDivisor: 255, training: {} });
    const { manifest, payload } = encodeTrainedGraph(g);
    const back = graphToModel(decodeTrainedGraph(JSON.parse(JSON.stringify(manifest)), payload, 'mem'));
    const x = tf.tensor4d(
      Float32Array.from(testSet.images.subarray(0, 64 * 784), (p) => p / 255),
      [64, 28, 28, 1],
    );
    const a = (m.predict(x) as tf.Tensor).dataSync();
    const b = (back.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(evaluate(back, testSet)).toBe(evaluate(m, testSet));
    tf.dispose([x]);
    m.dispose();
    back.dispose();
  });

  it('pruning to an accumulator budget: every exported layer provably fits', async () => {
    const budget = 8;
    const m = buildModel(base({ model: 'cnn6' }));
    await train(m, trainSet, testSet, { epochs: 1, batchSize: 64, learningRate: 0.005, seed: 2, pruning: { accumulatorBits: budget } });
    const g = modelToGraph(m, { name: 'cnn6-test', inputDivisor: 255, training: {} });
    const accs = graphAccumulators(g);
    expect(accs.map((a) => a.name)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'dense5', 'classifier']);
    const w = quantRange(quantSpec(2, true, 'wide'));
    for (const a of accs) {
      // exact bound from the integer weights, and the closed-form worst case of the active count
      expect(a.bits, a.name).toBeLessThanOrEqual(budget);
      expect(signedBits(worstCaseAccumulator(a.maxActiveSynapses, w, a.inputRange)), a.name).toBeLessThanOrEqual(budget);
      expect(a.maxActiveSynapses).toBeLessThanOrEqual(maxActiveSynapses(budget, w, a.inputRange));
    }
    m.dispose();
  });

  it('resumes from a checkpoint: the interrupted run continues where it stopped', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fhenet-resume-')), 'ckpt');
    const opts = { epochs: 2, batchSize: 64, learningRate: 0.01, seed: 3, pruning: { activeSynapses: 40 }, checkpointDir: dir };
    const straight = buildModel(base());
    const full = await train(straight, trainSet, testSet, { ...opts, checkpointDir: join(dir, '..', 'other') });
    const first = buildModel(base());
    await expect(
      train(first, trainSet, testSet, {
        ...opts,
        onEpoch: () => {
          throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    first.dispose();
    await expect(train(buildModel(base()), trainSet, testSet, { ...opts, batchSize: 32, resume: true })).rejects.toThrow(
      /training-state\.json: batchSize 64 differs from this run's 32/,
    );
    const resumed = buildModel(base());
    const epochs: number[] = [];
    const r = await train(resumed, trainSet, testSet, { ...opts, resume: true, onEpoch: (e) => epochs.push(e.epoch) });
    expect(epochs).toEqual([2]); // epoch 1 came from the checkpoint
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(r.history[0]!.loss).toBe(full.history[0]!.loss); // the checkpointed epoch of an identical run
    // Same data order, schedules and state: the resumed run ends where the straight one does (up to
    // Adam's beta powers, which tfjs restores as pow(beta, t) rather than a running product).
    expect(Math.abs(r.history[1]!.loss - full.history[1]!.loss)).toBeLessThan(1e-5);
    expect(r.history[1]!.activeSynapses).toEqual(full.history[1]!.activeSynapses);
    const [a, b] = [await weightsOf(resumed), await weightsOf(straight)];
    const maxDiff = a.reduce((m, w, i) => w.reduce((mm, v, j) => Math.max(mm, Math.abs(v - b[i]![j]!)), m), 0);
    expect(maxDiff).toBeLessThan(1e-4); // measured: 0
    resumed.dispose();
    straight.dispose();
  });

  it('runTraining exports a loadable graph and a model card recording the run', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fhenet-run-')), 'm');
    const lines: string[] = [];
    const r = await runTraining({
      model: 'fcnn',
      dataset: 'mnist',
      weightBits: 2,
      actBits: 2,
      range: 'narrow',
      activeSynapses: 20,
      epochs: 1,
      batchSize: 128,
      learningRate: 0.01,
      seed: 5,
      trainLimit: 512,
      out,
      command: 'fhenet train (test)',
      log: (l) => lines.push(l),
    });
    expect(r.name).toBe('mnist-fcnn-narrow-20');
    expect(existsSync(join(out, 'graph.bin'))).toBe(true);
    const g = loadTrainedGraph(out);
    expect(g.training.testAccuracy).toBe(r.testAccuracy);
    expect(g.training.pruneTargets).toEqual({ dense1: 20, dense2: 20, classifier: 20 });
    expect(r.accumulators.every((a) => a.maxActiveSynapses <= 20)).toBe(true);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toContain('fhenet train (test)');
    expect(card).toContain(`${(r.testAccuracy * 100).toFixed(2)}%`);
    expect(lines[0]).toMatch(/^backend: wasm/);
  });
});
