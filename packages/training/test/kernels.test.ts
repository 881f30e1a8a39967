// Each gradient fix registered for wasm is checked against the cpu backend's native gradients.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, registerGradientFixes } from '@fhenet/training';

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Runs f on a backend and returns the values of the tensors it produced. */
async function on(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  expect(tf.getBackend()).toBe(backend);
  const ts = f();
  const out = ts.map((t) => t.dataSync() as Float32Array);
  tf.dispose(ts);
  return out;
}

function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0,
    m = 1e-30;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
    m = Math.max(m, Math.abs(b[i] as number));
  }
  return d / m;
}

async function compare(f: () => tf.Tensor[], bound = 1e-5): Promise<void> {
  const ref = await on('cpu', f);
  const got = await on('wasm', f);
  ref.forEach((r, i) => {
    expect(relErr(got[i]!, r)).toBeLessThan(bound);
  });
}

beforeAll(async () => {
  const info = await initBackend({ backend: 'wasm' });
  expect(info.backend).toBe('wasm');
});

describe('wasm gradient fixes vs cpu', () => {
  const convCases: [number[], number[], number, 'same' | 'valid'][] = [
    [[2, 8, 8, 3], [3, 3, 3, 4], 1, 'same'],
    [[2, 9, 9, 2], [3, 3, 2, 5], 2, 'same'],
    [[2, 8, 8, 2], [3, 3, 2, 3], 2, 'valid'], // negative far-side pad
    [[1, 14, 14, 3], [5, 5, 3, 4], 1, 'valid'],
    [[2, 10, 7, 2], [1, 1, 2, 3], 3, 'same'],
    [[2, 11, 11, 2], [4, 4, 2, 2], 3, 'valid'],
  ];
  for (const [xs, ws, s, pad] of convCases) {
    it(`conv2d grads x${xs.join('x')} w${ws.join('x')} s${s} ${pad}`, async () => {
      const xv = rand(
          xs.reduce((a, b) => a * b),
          1,
        ),
        wv = rand(
          ws.reduce((a, b) => a * b),
          2,
        );
      await compare(() => {
        const x = tf.tensor4d(xv, xs as [number, number, number, number]);
        const w = tf.tensor4d(wv, ws as [number, number, number, number]);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf
            .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad)
            .square()
            .sum(),
        );
        const out = g([x, w]);
        tf.dispose([x, w]);
        return out;
      });
    });
  }

  it('Conv2DBackpropFilter called directly keeps its inputs alive (refcount)', () => {
    const x = tf.tensor4d(rand(2 * 6 * 6 * 2, 3), [2, 6, 6, 2]);
    const dy = tf.tensor4d(rand(2 * 6 * 6 * 3, 4), [2, 6, 6, 3]);
    const before = tf.memory().numTensors;
    const dw = tf
      .engine()
      .runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] }) as tf.Tensor;
    expect(dw.shape).toEqual([3, 3, 2, 3]);
    expect(x.sum().dataSync()[0]).toBeTypeOf('number'); // still usable
    dw.dispose();
    expect(tf.memory().numTensors).toBe(before + 1); // only the sum scalar leaked into scope
    tf.dispose([x, dy]);
  });

  it('matMul gradients and explicit transposes (incl. broadcast batch)', async () => {
    const av = rand(3 * 5 * 4, 5),
      bv = rand(4 * 6, 6),
      cv = rand(3 * 6 * 4, 7);
    await compare(() => {
      const a = tf.tensor3d(av, [3, 5, 4]);
      const b = tf.tensor3d(bv, [1, 4, 6]);
      const c = tf.tensor3d(cv, [3, 6, 4]);
      const g = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf
          .matMul(p as tf.Tensor3D, q as tf.Tensor3D)
          .square()
          .sum(),
      );
      const out = [
        ...g([a, tf.tile(b, [3, 1, 1])]), // tfjs itself has no broadcast-batch matMul gradient
        tf.matMul(a, c, false, true),
        tf.matMul(a, b),
        tf.matMul(a, a, true, false),
        tf.matMul(b, c, true, true),
        tf.matMul(tf.tensor2d(rand(8 * 3, 8), [8, 3]), tf.tensor2d(rand(100 * 3, 9), [100, 3]), false, true),
      ];
      tf.dispose([a, b, c]);
      return out;
    });
  });

  it('maxPool gradient on signed values (the wasm bug) matches cpu exactly', async () => {
    const xv = rand(2 * 6 * 6 * 2, 10).map((v) => v - 0.7);
    await compare(() => {
      const x = tf.tensor4d(xv, [2, 6, 6, 2]);
      const g1 = tf.grad((a: tf.Tensor) =>
        tf
          .maxPool(a as tf.Tensor4D, 2, 2, 'valid')
          .mul(tf.range(1, 19).reshape([1, 3, 3, 2]))
          .sum(),
      )(x);
      const g2 = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 3, 2, 'same').sum())(x);
      x.dispose();
      return [g1, g2];
    }, 1e-7);
  });

  it('gather gradient (UnsortedSegmentSum)', async () => {
    const tv = rand(7 * 3, 11);
    await compare(() => {
      const t = tf.tensor2d(tv, [7, 3]);
      const idx = tf.tensor1d([0, 3, 3, 6, 1], 'int32');
      const g = tf.grad((a: tf.Tensor) => tf.gather(a, idx).square().sum())(t);
      tf.dispose([t, idx]);
      return [g];
    });
  });

  it('cpu fallback: the dW composition matches the native cpu kernel', async () => {
    const xv = rand(2 * 9 * 9 * 2, 12),
      wv = rand(3 * 3 * 2 * 4, 13);
    const f = () => {
      const x = tf.tensor4d(xv, [2, 9, 9, 2]);
      const w = tf.tensor4d(wv, [3, 3, 2, 4]);
      const out = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf
          .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')
          .square()
          .sum(),
      )([x, w]);
      tf.dispose([x, w]);
      return out;
    };
    const native = await on('cpu', f);
    registerGradientFixes('cpu');
    const composed = await on('cpu', f);
    native.forEach((r, i) => {
      expect(relErr(composed[i]!, r)).toBeLessThan(1e-5);
    });
    await tf.setBackend('wasm');
  });
});
