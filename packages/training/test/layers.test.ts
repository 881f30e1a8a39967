import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ActQuantizer, BatchNorm, QuantConv2D, QuantDense, initBackend, lsqFakeQuant, saveCheckpoint, loadCheckpoint } from '@fhenet/training';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

beforeAll(async () => {
  expect((await initBackend()).backend).toBe('wasm');
});

describe('fake quantization', () => {
  it('tf.round is round-half-to-even on wasm (the format contract relies on it)', () => {
    const r = tf.round(tf.tensor1d([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997]));
    expect(Array.from(r.dataSync())).toEqual([0, 2, 2, -0, -2, -2, 0]);
    r.dispose();
  });

  it('LSQ: straight-through input gradient inside the range, LSQ scale gradient', () => {
    const x = tf.tensor1d([-3, -0.7, 0.2, 0.6, 5]);
    const s = tf.tensor1d([1]);
    const y = lsqFakeQuant(x, s, -2, 1, 1);
    expect(Array.from(y.dataSync())).toEqual([-2, -1, 0, 1, 1]);
    const [dx, ds] = tf.grads((a: tf.Tensor, b: tf.Tensor) => lsqFakeQuant(a, b, -2, 1, 1).sum())([x, s]);
    expect(Array.from(dx!.dataSync())).toEqual([0, 1, 1, 1, 0]);
    // ds = sum of: qmin (x<qmin), round(v)-v inside, qmax (x>qmax)
    expect(ds!.dataSync()[0]).toBeCloseTo(-2 + (-1 + 0.7) + (0 - 0.2) + (1 - 0.6) + 1, 5);
    tf.dispose([x, s, y, dx!, ds!]);
  });
});

describe('quantized layers', () => {
  it('the pruning mask zeroes synapses forward and backward', () => {
    const d = new QuantDense({ units: 3, weightBits: 4, weightRange: 'wide', seed: 1 });
    const x = tf.randomUniform([5, 4], 0, 1, 'float32', 2);
    d.apply(x);
    const mask = Float32Array.from({ length: 12 }, (_, i) => i % 2);
    d.setMask(mask);
    const wq = d.quantizedKernel().dataSync();
    mask.forEach((m, i) => {
      if (m === 0) expect(Math.abs(wq[i]!)).toBe(0);
    });
    const g = tf.variableGrads(() => (d.apply(x) as tf.Tensor).square().sum() as tf.Scalar, [d.kernel!.read() as tf.Variable]);
    const gk = Object.values(g.grads)[0]!.dataSync();
    mask.forEach((m, i) => {
      if (m === 0) expect(Math.abs(gk[i]!)).toBe(0);
      else expect(gk[i]).not.toBe(0);
    });
    tf.dispose([x, ...Object.values(g.grads), g.value]);
  });

  it('quantized weights take only integer multiples of the scale within the range', () => {
    const c = new QuantConv2D({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      weightBits: 2,
      weightRange: 'narrow',
      perChannel: true,
      weightScaleMode: 'maxabs',
      seed: 3,
    });
    c.apply(tf.zeros([1, 5, 5, 2]));
    const w = c.quantizedKernel().dataSync();
    const s = c.currentWeightScale().dataSync();
    w.forEach((v, i) => {
      expect([-1, 0, 1]).toContain(Math.round(v / s[i % 4]!));
    });
    w.forEach((v, i) => {
      expect(v / s[i % 4]!).toBe(Math.round(v / s[i % 4]!));
    });
  });

  it('rejects configs with a single quantization level, naming the layer', () => {
    expect(() => new QuantDense({ name: 'd7', units: 2, weightBits: 1, weightRange: 'narrow' })).toThrow(
      /layer d7: weightBits: 1-bit signed narrow has a single level/,
    );
    expect(() => new ActQuantizer({ name: 'q3', bits: 0, signed: false, range: 'wide', mode: 'lsq' })).toThrow(/layer q3: bits/);
  });

  it('model save/load round-trips the fhenet layers (getConfig + registerClass)', async () => {
    const m = tf.sequential();
    m.add(tf.layers.inputLayer({ inputShape: [6, 6, 1] }));
    m.add(new ActQuantizer({ bits: 3, signed: false, range: 'wide', mode: 'minmax' }));
    m.add(new QuantConv2D({ filters: 2, kernelSize: 3, weightBits: 3, weightRange: 'wide', seed: 4 }));
    m.add(new BatchNorm({ momentum: 0.5 }));
    m.add(tf.layers.flatten());
    m.add(new ActQuantizer({ bits: 4, signed: true, range: 'narrow', mode: 'lsq' }));
    m.add(new QuantDense({ units: 3, weightBits: 2, weightRange: 'wide', perChannel: true, seed: 5 }));
    const x = tf.randomUniform([4, 6, 6, 1], 0, 1, 'float32', 6);
    m.apply(x, { training: true }); // initialise quantizer statistics
    const dir = mkdtempSync(join(tmpdir(), 'fhenet-ckpt-'));
    await saveCheckpoint(m, dir);
    const back = await loadCheckpoint(dir);
    expect(back.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
    const a = (m.predict(x) as tf.Tensor).dataSync();
    const b = (back.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
