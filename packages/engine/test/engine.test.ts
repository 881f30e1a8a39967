import { describe, expect, test } from 'vitest';
import { ClientKey, ServerEngine, LweCiphertextBatch, kernelVariant } from '@fhenet/engine';
import { native, nativeTesting } from '../src/native.js';
import { gaussianSet, tuniformSet } from '@fhenet/testing';

describe('primitives', () => {
  test('kernel variant is selected at run time', () => {
    expect(['avx512', 'avx2', 'generic']).toContain(kernelVariant());
  });

  test('negacyclic FFT product matches the exact product for every kernel variant', () => {
    const before = native.kernelsName();
    for (const variant of ['generic', 'avx2', 'avx512']) {
      if (!nativeTesting.selectKernels(variant)) continue;
      for (const N of [256, 2048]) {
        const a = new BigInt64Array(N),
          b = new Int32Array(N);
        for (let i = 0; i < N; i++) {
          a[i] = BigInt(Math.floor(Math.random() * 2 ** 30) - 2 ** 29);
          b[i] = Math.floor(Math.random() * 1024) - 512;
        }
        const got = nativeTesting.fftNegacyclicProduct(a, b);
        const exact = new BigInt64Array(N);
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < N; j++) {
            const v = a[i]! * BigInt(b[j]!);
            if (i + j < N) exact[i + j] = exact[i + j]! + v;
            else exact[i + j - N] = exact[i + j - N]! - v;
          }
        }
        // |coefficients| < 2^29 * 2^9 * N < 2^50: the f64 FFT must round back exactly.
        expect(Array.from(got)).toEqual(Array.from(exact));
      }
    }
    nativeTesting.selectKernels(before);
  });

  test('the AVX-512 register FFT kernels give the bits of the loops they replace (the AVX2 variant runs those)', () => {
    // Full-range operands, so every rounding of the transforms shows in the wrapped result. The
    // AVX-512 variant runs the last (first) four stages in registers (kernels_impl.h dif_tail16,
    // dit_head16): same operations in the same order as the compiled loops, so the same bits.
    const before = native.kernelsName();
    if (!nativeTesting.selectKernels('avx512') || !nativeTesting.selectKernels('avx2')) return;
    for (const N of [16, 32, 512, 2048, 8192]) {
      const a = new BigInt64Array(N),
        b = new Int32Array(N);
      for (let i = 0; i < N; i++) {
        a[i] = BigInt.asIntN(64, (BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32)));
        b[i] = Math.floor(Math.random() * 2 ** 32) - 2 ** 31;
      }
      nativeTesting.selectKernels('avx2');
      const loops = nativeTesting.fftNegacyclicProduct(a, b);
      nativeTesting.selectKernels('avx512');
      const registers = nativeTesting.fftNegacyclicProduct(a, b);
      expect(Buffer.from(registers.buffer).equals(Buffer.from(loops.buffer)), `N = ${N}`).toBe(true);
    }
    nativeTesting.selectKernels(before);
  });
});

describe('encryption and linear operations', () => {
  const set = tuniformSet(4);
  const ck = ClientKey.generate(set);
  const eng = new ServerEngine(set);
  const p = 16;

  test('encrypt/decrypt round-trips every message mod 2p', () => {
    const msgs = Array.from({ length: 2 * p }, (_, i) => i);
    expect(Array.from(ck.decrypt(ck.encrypt(msgs)))).toEqual(msgs);
    expect(Array.from(ck.decrypt(ck.encrypt([-1, 33])))).toEqual([31, 1]);
  });

  test('add, sub, addClear, mulClear, gather, scatter, concat', () => {
    const a = ck.encrypt([1, 2, 3, 4]);
    const b = ck.encrypt([5, 6, 7, 8]);
    expect(Array.from(ck.decrypt(eng.add(a, b)))).toEqual([6, 8, 10, 12]);
    expect(Array.from(ck.decrypt(eng.sub(b, a)))).toEqual([4, 4, 4, 4]);
    expect(Array.from(ck.decrypt(eng.addClear(a, [10, 0, -3, 1])))).toEqual([11, 2, 0, 5]);
    expect(Array.from(ck.decrypt(eng.mulClear(a, [3])))).toEqual([3, 6, 9, 12]);
    expect(Array.from(ck.decrypt(a.gather([3, 0, 0])))).toEqual([4, 1, 1]);
    expect(Array.from(ck.decrypt(LweCiphertextBatch.concat([a, b])))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(ck.decrypt(a.scatter([3, 1], b.gather([0, 2]))))).toEqual([1, 7, 3, 5]);
    expect(Array.from(ck.decrypt(a))).toEqual([1, 2, 3, 4]); // a copy: the base is unchanged
  });

  test('dense and CSR dot products with bias match the clear computation mod 2p', () => {
    const cols = 40,
      rows = 7;
    const x = Array.from({ length: cols }, (_, i) => (i * 7) % 4);
    const w = new Int32Array(rows * cols);
    for (let i = 0; i < w.length; i++) w[i] = i % 5 === 0 ? 0 : ((i * 13) % 7) - 3;
    const bias = Array.from({ length: rows }, (_, r) => r - 3);
    const expected = Array.from({ length: rows }, (_, r) => {
      let s = bias[r]!;
      for (let c = 0; c < cols; c++) s += w[r * cols + c]! * x[c]!;
      return ((s % (2 * p)) + 2 * p) % (2 * p);
    });
    const ct = ck.encrypt(x);
    expect(Array.from(ck.decrypt(eng.dot(ct, { rows, cols, values: w }, bias)))).toEqual(expected);
    const indptr = [0],
      indices: number[] = [],
      values: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++)
        if (w[r * cols + c] !== 0) {
          indices.push(c);
          values.push(w[r * cols + c]!);
        }
      indptr.push(indices.length);
    }
    const csr = { rows, cols, indptr: Uint32Array.from(indptr), indices: Uint32Array.from(indices), values: Int32Array.from(values) };
    expect(Array.from(ck.decrypt(eng.dotSparse(ct, csr, bias)))).toEqual(expected);
  });

  test('bad shapes give clear errors', () => {
    const ct = ck.encrypt([1, 2, 3]);
    expect(() => eng.dot(ct, { rows: 2, cols: 3, values: new Int32Array(5) })).toThrow(/expected rows\*cols = 6 values, got 5/);
    expect(() => eng.dot(ct, { rows: 1, cols: 4, values: new Int32Array(4) })).toThrow(/4 columns but the input batch has 3/);
    expect(() => eng.addClear(ct, [1, 2])).toThrow(/expected 3 clear values/);
    expect(() => ct.gather([5])).toThrow(/gather index 5/);
    expect(() => ct.scatter([0, 3], ct.gather([0, 1]))).toThrow(/scatter index 3 at position 1 out of range \(batch has 3 ciphertexts\)/);
    expect(() => ct.scatter([0], ct.gather([0, 1]))).toThrow(/scatter: 1 indices for 2 ciphertexts/);
    expect(() =>
      eng.dotSparse(ct, { rows: 1, cols: 3, indptr: Uint32Array.from([0, 1]), indices: Uint32Array.from([9]), values: Int32Array.from([1]) }),
    ).toThrow(/column index 9/);
  });

  test('disposed objects give clear errors', () => {
    const ct = ck.encrypt([1]);
    ct.dispose();
    expect(() => ck.decrypt(ct)).toThrow(/disposed/);
    ct.dispose(); // idempotent
  });
});

describe('security', () => {
  test('insecure parameter sets are refused (by @fhenet/params, and again natively)', () => {
    const s = gaussianSet(4);
    const small = { ...s, lweDimension: 400 };
    const quiet = { ...s, lweNoise: { kind: 'gaussian' as const, stdDevLog2: 30 } };
    const t = tuniformSet(4);
    const tu = { ...t, glweNoise: { kind: 'tuniform' as const, boundLog2: 10 } };
    for (const bad of [small, quiet, tu]) expect(() => ClientKey.generate(bad)).toThrow(/not 128-bit secure/);
    // The native layer refuses on its own, whatever the caller checked.
    expect(() => native.clientKeyGenerate(small)).toThrow(/< 450/);
    expect(() => native.clientKeyGenerate(quiet)).toThrow(/insecure parameters: LWE/);
    expect(() => native.clientKeyGenerate(tu)).toThrow(/TU\(17\)/);
  });

  test('the client key never shows its bits when inspected or serialized to JSON', () => {
    const ck = ClientKey.generate(gaussianSet(1));
    expect(JSON.stringify(ck)).toBe('{"type":"ClientKey","params":"GAUSSIAN_1BIT_2M128"}');
  });
});
