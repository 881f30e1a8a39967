// The fused wasm training kernels (backend/fused.ts) against what they replace, on the same
// backend and inputs: stock tfjs BatchNormalization (forward, moving statistics, gradients for every
// input and parameter), the tf-op fake quantizers (forward bit for bit, STE/LSQ gradients), stock
// Adam; plus the trainer's batches and step (same data as datasets' batches(), no host reads).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { batches, loadMnist, type ImageDataset } from '@fhenet/datasets';
import { BatchNorm, buildModel, FusedAdam, fusedKernels, initBackend, setFusedKernels, fixedQuantize, lsqQuantize } from '@fhenet/training';
import { KERNELS_WASM, KERNELS_WASM_SHARED } from '../src/backend/wasm/kernels-binary.js';
import { trainBatches } from '../src/train/batches.js';
import { TrainStep } from '../src/train/step.js';
import { assembleKernels } from '../scripts/assemble-kernels.js';

function rand(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * scale + offset;
  });
}

/** max |a - b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0,
    m = 1e-30;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

/** Runs f with the fused kernels on or off and returns the values it produced. */
function run(fused: boolean, f: () => tf.Tensor[]): Float32Array[] {
  setFusedKernels(fused);
  try {
    const ts = f();
    const out = ts.map((t) => t.dataSync() as Float32Array);
    tf.dispose(ts);
    return out;
  } finally {
    setFusedKernels(true);
  }
}

beforeAll(async () => {
  expect((await initBackend()).backend).toBe('wasm');
  expect(fusedKernels()).toBe(true);
});

describe('fused kernels', () => {
  it('the committed binaries are kernels.wat assembled', async () => {
    const wat = readFileSync(join(import.meta.dirname, '..', 'src', 'backend', 'wasm', 'kernels.wat'), 'utf8');
    const { plain, shared } = await assembleKernels(wat);
    expect(Buffer.from(plain).toString('base64')).toBe(KERNELS_WASM);
    expect(Buffer.from(shared).toString('base64')).toBe(KERNELS_WASM_SHARED);
  });

  // Shapes: conv activations with channels not a multiple of 4 and a scalar tail, dense ones.
  const shapes: number[][] = [
    [6, 7, 5, 6],
    [4, 3, 3, 16],
    [33, 10],
    [128, 24],
    [3, 1],
  ];

  it.each(shapes)('batch norm in training mode equals stock BatchNormalization: forward, moving stats, all gradients (%j)', (...shape) => {
    const c = shape[shape.length - 1]!;
    const n = shape.reduce((a, b) => a * b, 1);
    const xv = rand(n, 1, 3, 1.5); // non-zero mean: exercises the shifted statistics
    const wv = rand(n, 2);
    const params = [rand(c, 3, 0.5, 1), rand(c, 4, 0.5), rand(c, 5, 0.2), rand(c, 6, 0.3, 1)]; // gamma, beta, moving mean/var
    const fwdAndGrads = (layer: tf.layers.Layer) => () => {
      const x = tf.tensor(xv, shape);
      const w = tf.tensor(wv, shape);
      layer.build(x.shape);
      layer.setWeights(params.map((p) => tf.tensor1d(p)));
      const trainable = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      const loss = (xi: tf.Tensor, ...vars: tf.Tensor[]) => {
        void vars;
        return tf.sum(tf.mul(layer.apply(xi, { training: true }) as tf.Tensor, w)) as tf.Scalar;
      };
      const y = layer.apply(x, { training: true }) as tf.Tensor; // one step of moving statistics
      const moving = layer.getWeights().slice(2);
      const { grads } = tf.variableGrads(() => loss(x), trainable);
      const dx = tf.grad((xi: tf.Tensor) => loss(xi))(x);
      const out = [y, ...moving, dx, ...trainable.map((v) => grads[v.name]!)];
      tf.dispose([x, w]);
      return out;
    };
    const [fused] = [run(true, fwdAndGrads(new BatchNorm({ momentum: 0.9 })))];
    const [stock] = [run(true, fwdAndGrads(tf.layers.batchNormalization({ momentum: 0.9 })))];
    const names = ['y', 'moving mean', 'moving variance', 'dx', 'dgamma', 'dbeta'];
    names.forEach((name, i) => {
      expect(relErr(fused![i]!, stock![i]!), name).toBeLessThan(1e-5);
    });
  });

  it('batch norm gradient includes gradients arriving on the mean and variance outputs', () => {
    const shape = [5, 4, 4, 6];
    const n = 5 * 4 * 4 * 6;
    const x = tf.tensor(rand(n, 7, 2, -1), shape);
    const [gamma, beta, mm, mv, u, v] = [8, 9, 10, 11, 12, 13].map((s) => tf.tensor1d(rand(6, s, 0.5, 1)));
    const w = tf.tensor(rand(n, 14), shape);
    const fused = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const [y, mean, variance] = tf
        .engine()
        .runKernel(
          'FhenetBatchNormTrain',
          { x: xi, gamma: g, beta: b, movingMean: mm!, movingVariance: mv! },
          { epsilon: 1e-3, momentum: 0.99 },
        ) as tf.Tensor[];
      return tf.addN([tf.sum(tf.mul(y!, w)), tf.sum(tf.mul(mean!, u!)), tf.sum(tf.mul(variance!, v!))]) as tf.Scalar;
    })([x, gamma!, beta!]);
    const stock = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xi, [0, 1, 2]);
      const y = tf.batchNorm(xi, mean, variance, b, g, 1e-3);
      return tf.addN([tf.sum(tf.mul(y, w)), tf.sum(tf.mul(mean, u!)), tf.sum(tf.mul(variance, v!))]) as tf.Scalar;
    })([x, gamma!, beta!]);
    fused.forEach((g, i) => {
      expect(relErr(g.dataSync(), stock[i]!.dataSync())).toBeLessThan(1e-5);
    });
    tf.dispose([x, gamma!, beta!, mm!, mv!, u!, v!, w, ...fused, ...stock]);
  });

  // x values include exact .5 ties of x/s (round half to even) and values outside the range.
  const quantCases = [
    { name: 'LSQ per tensor', shape: [64, 30], scale: [0.25], lsq: true, masked: false },
    { name: 'LSQ per channel, masked (weights)', shape: [3, 3, 5, 6], scale: [0.3, 0.25, 0.5, 0.2, 0.125, 0.4], lsq: true, masked: true },
    { name: 'LSQ raw scale negative and tiny', shape: [17, 3], scale: [-0.2, 1e-9, 0.5], lsq: true, masked: false },
    { name: 'fixed with zero point', shape: [16, 7, 7, 1], scale: [1 / 3], zp: [2], lsq: false, masked: false },
    { name: 'fixed per channel, masked', shape: [50, 10], scale: Array.from({ length: 10 }, (_, i) => 0.1 + 0.05 * i), zp: [0], lsq: false, masked: true },
    // Rounding toward zero (accumulator-aware weights): the ties and integers are trunc's edge cases too.
    {
      name: 'LSQ toward zero per channel, masked',
      shape: [3, 3, 5, 6],
      scale: [0.3, 0.25, 0.5, 0.2, 0.125, 0.4],
      lsq: true,
      masked: true,
      rounding: 'towardZero' as const,
    },
    { name: 'LSQ toward zero per tensor', shape: [64, 30], scale: [0.25], lsq: true, masked: false, rounding: 'towardZero' as const },
    { name: 'fixed toward zero with zero point', shape: [16, 7, 7, 1], scale: [1 / 3], zp: [2], lsq: false, masked: false, rounding: 'towardZero' as const },
  ];

  it.each(quantCases)('fake quantizer $name: forward bit for bit, gradients equal the composition', (q) => {
    const n = q.shape.reduce((a, b) => a * b, 1);
    const c = q.shape[q.shape.length - 1]!;
    const xv = rand(n, 21, 2.5);
    const s0 = Math.abs(q.scale[0]!);
    for (let i = 0; i < n; i += 7) xv[i] = (Math.round(xv[i]! / s0) + 0.5) * s0; // ties
    for (let i = 3; i < n; i += 11) xv[i] = Math.round(xv[i]! / s0) * s0; // integers (trunc's edges)
    const mv = Float32Array.from(rand(n, 22), (r) => (r > -0.4 ? 1 : 0));
    const dyv = rand(n, 23);
    const f = () => {
      const x = tf.tensor(xv, q.shape);
      const s = tf.tensor1d(q.scale.length === 1 ? q.scale : q.scale.slice(0, c));
      const zp = tf.tensor1d(q.zp ?? [0]);
      const mask = q.masked ? tf.tensor(mv, q.shape) : undefined;
      const dy = tf.tensor(dyv, q.shape);
      const qmin = q.lsq ? -2 : 0,
        qmax = q.lsq ? 1 : 3;
      const r = q.rounding ?? 'halfEven';
      const quant = (xi: tf.Tensor, si: tf.Tensor) => (q.lsq ? lsqQuantize(xi, si, qmin, qmax, 0.37, mask, r) : fixedQuantize(xi, si, zp, qmin, qmax, mask, r));
      const y = quant(x, s);
      // The fixed quantizer's scale is a constant (no gradient); LSQ's is learned.
      const [dx, ds] = q.lsq
        ? tf.grads((xi: tf.Tensor, si: tf.Tensor) => tf.sum(tf.mul(quant(xi, si), dy)) as tf.Scalar)([x, s])
        : [tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(quant(xi, s), dy)) as tf.Scalar)(x), tf.zeros([1])];
      tf.dispose([x, s, zp, dy, ...(mask ? [mask] : [])]);
      return [y, dx!, ds!];
    };
    const [yF, dxF, dsF] = run(true, f);
    const [yC, dxC, dsC] = run(false, f);
    // === treats -0 and +0 alike (the composition's round can give -0 where the kernel gives +0).
    expect(Array.from(yF!).every((v, i) => v === yC![i])).toBe(true);
    expect(Array.from(dxF!).every((v, i) => v === dxC![i])).toBe(true);
    expect(relErr(dsF!, dsC!)).toBeLessThan(1e-5);
  });

  it('FusedAdam takes the same steps as tfjs Adam', () => {
    const shapes = [[7, 5], [3], [1], [130]];
    const stepsOf = (fused: boolean) =>
      run(true, () => {
        const vars = shapes.map((s, i) =>
          tf.variable(
            tf.tensor(
              rand(
                s.reduce((a, b) => a * b, 1),
                30 + i,
              ),
              s,
            ),
          ),
        );
        const opt = fused ? new FusedAdam(0.01) : tf.train.adam(0.01);
        for (let k = 0; k < 4; k++) {
          if (fused) (opt as FusedAdam).setLearningRate(0.01 / (k + 1));
          else (opt as unknown as { learningRate: number }).learningRate = 0.01 / (k + 1);
          opt.minimize(() => tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.square(v), i + 1 + k)))) as tf.Scalar);
        }
        opt.dispose();
        return vars;
      });
    const a = stepsOf(true);
    const b = stepsOf(false);
    a.forEach((v, i) => {
      expect(Array.from(v)).toEqual(Array.from(b[i]!));
    });
  });
});

describe('training loop', () => {
  let mnist: ImageDataset;
  beforeAll(() => {
    mnist = loadMnist({ split: 'train', limit: 300 });
  });

  it('trainBatches gives the same batches as datasets batches() (order and values)', () => {
    const rgb: ImageDataset = {
      ...mnist,
      name: 'rgb',
      count: 100,
      height: 4,
      width: 4,
      channels: 3,
      images: Uint8Array.from(rand(4800, 40), (r) => Math.floor((r + 1) * 127.9)),
      labels: mnist.labels.subarray(0, 100),
    };
    for (const d of [mnist, rgb]) {
      // Copy each batch as it comes: trainBatches reuses its buffers.
      const copy = (gen: Iterable<{ x: Float32Array; y: Uint8Array; size: number }>) =>
        Array.from(gen, (b) => ({ x: Float32Array.from(b.x), y: Uint8Array.from(b.y), size: b.size }));
      const ours = copy(trainBatches(d, 64, 1234));
      const theirs = copy(batches(d, 64, { seed: 1234, shuffle: true }));
      expect(ours.map((b) => b.size)).toEqual(theirs.map((b) => b.size));
      ours.forEach((b, i) => {
        expect(Buffer.from(b.x.buffer).equals(Buffer.from(theirs[i]!.x.buffer)), `${d.name} batch ${i} x`).toBe(true);
        expect(Array.from(b.y), `${d.name} batch ${i} y`).toEqual(Array.from(theirs[i]!.y));
      });
    }
  });

  it('a QAT step reads nothing back from the backend, and fused vs composed steps agree', () => {
    const be = tf.backend() as unknown as { readSync: (...a: unknown[]) => unknown };
    const readSync = be.readSync.bind(be);
    let reads = 0;
    be.readSync = (...a: unknown[]) => {
      reads++;
      return readSync(...a);
    };
    try {
      const losses = [true, false].map((fused) => {
        setFusedKernels(fused);
        const m = buildModel({ model: 'lenet', inputShape: [28, 28, 1], numClasses: 10, seed: 3, weightBits: 2, actBits: 2, range: 'wide' });
        const step = new TrainStep(m, new FusedAdam(0.002));
        const it = trainBatches(mnist, 32, 5);
        step.run(it.next().value!); // first batch initialises the quantizer scales (one read each)
        reads = 0;
        for (let k = 0; k < 3; k++) step.run(it.next().value!);
        const readsInSteps = reads;
        const totals = step.takeTotals();
        m.dispose();
        return { readsInSteps, loss: totals.loss };
      });
      setFusedKernels(true);
      expect(losses[0]!.readsInSteps).toBe(0);
      expect(losses[1]!.readsInSteps).toBe(0);
      expect(Math.abs(losses[0]!.loss - losses[1]!.loss)).toBeLessThan(1e-3 * Math.abs(losses[1]!.loss));
    } finally {
      be.readSync = readSync;
      setFusedKernels(true);
    }
  });
});
