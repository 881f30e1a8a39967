// Grouped batch evaluation (native/algorithms/lwe_programmable_bootstrap.cc): the same bits as the
// per-ciphertext reference loop for every group size and thread count, progress reporting, option
// errors.
import { afterAll, describe, expect, test } from 'vitest';
import { ClientKey, LweCiphertextBatch, ServerEngine, setThreadCount, threadCount } from '@fhenet/engine';
import { native, nativeTesting } from '../src/native.js';
import { NativeObject } from '../src/handle.js';
import { gaussianSet, glweDimension2Set, tuniformSet, type TestSet } from '@fhenet/testing';

const defaultThreads = threadCount();
afterAll(() => setThreadCount(defaultThreads));

const randomInts = (n: number, below: number) => Array.from({ length: n }, () => Math.floor(Math.random() * below));

// Gaussian 1-bit: k = 6 (7 polynomials per GLWE); Gaussian 5-bit: l = 2 levels, N = 4096;
// TUniform 4-bit: the published set with k = 1, N = 2048; narrow-150's set: k = 2 (its own
// multiply-accumulate kernel, ext_mac_k2).
const sets: [string, TestSet][] = [
  ['narrow-150 set, 4-bit messages (k=2, N=1024)', glweDimension2Set()],
  ['Gaussian 1-bit (k=6, N=256)', gaussianSet(1)],
  ['Gaussian 5-bit (l=2, N=4096)', gaussianSet(5)],
  ['TUniform 4-bit (N=2048)', tuniformSet(4)],
];

describe('grouped PBS is bit-identical to the per-ciphertext reference loop', () => {
  for (const [label, set] of sets) {
    test(label, async () => {
      const p = 2 ** set.messageBits;
      const ck = ClientKey.generate(set);
      const keys = await ck.generateEvaluationKeys();
      const eng = new ServerEngine(set, keys);
      const count = 13;
      const input = ck.encrypt(randomInts(count, p));
      const tables = [randomInts(p, p), randomInts(p, p), randomInts(p, p)];
      const tableIndex = Uint32Array.from(randomInts(count, tables.length));
      const flat = Int32Array.from(tables.flat());
      const reference = new LweCiphertextBatch(nativeTesting.pbsReference(NativeObject.handleOf(keys), NativeObject.handleOf(input), tableIndex, flat), set);
      const expected = reference.serialize();
      // The reference itself computes the right function (so equality below is not vacuous).
      const messages = ck.decrypt(input);
      expect(Array.from(ck.decrypt(reference))).toEqual(Array.from(messages, (m, i) => tables[tableIndex[i]!]![m]));

      const variants: [string, () => Promise<LweCiphertextBatch>][] = [
        ['1 thread, groups of 1', async () => (setThreadCount(1), eng.pbs(input, tableIndex, tables, { groupSize: 1 }))],
        ['1 thread, groups of 5 (uneven last group)', async () => (setThreadCount(1), eng.pbs(input, tableIndex, tables, { groupSize: 5 }))],
        ['2 threads, automatic groups', async () => (setThreadCount(2), eng.pbs(input, tableIndex, tables))],
        ['2 threads, async, groups of 13', async () => (setThreadCount(2), eng.pbsAsync(input, tableIndex, tables, { groupSize: 13 }))],
      ];
      for (const [name, run] of variants) {
        const out = await run();
        expect(out.serialize().equals(expected), `${label}: ${name}`).toBe(true);
        out.dispose();
      }
      for (const o of [reference, input, keys, ck]) o.dispose();
    }, 120_000);
  }
});

test.each([
  ['k=1', gaussianSet(5)],
  ['k=2', glweDimension2Set()],
])(
  'every kernel variant (generic, avx2, avx512): grouped = reference (%s)',
  async (_label, set) => {
    const p = 2 ** set.messageBits;
    const ck = ClientKey.generate(set);
    const keys = await ck.generateEvaluationKeys();
    const eng = new ServerEngine(set, keys);
    const input = ck.encrypt(randomInts(4, p));
    const table = randomInts(p, p);
    const before = native.kernelsName();
    let tried = 0;
    try {
      for (const variant of ['generic', 'avx2', 'avx512']) {
        if (!nativeTesting.selectKernels(variant)) continue;
        tried++;
        const reference = new LweCiphertextBatch(
          nativeTesting.pbsReference(NativeObject.handleOf(keys), NativeObject.handleOf(input), new Uint32Array(4), Int32Array.from(table)),
          set,
        );
        setThreadCount(2);
        const grouped = eng.pbs(input, new Uint32Array(4), [table], { groupSize: 2 });
        expect(grouped.serialize().equals(reference.serialize()), variant).toBe(true);
        expect(Array.from(ck.decrypt(grouped))).toEqual(Array.from(ck.decrypt(input), (m) => table[m]));
        grouped.dispose();
        reference.dispose();
      }
    } finally {
      nativeTesting.selectKernels(before);
    }
    expect(tried).toBeGreaterThanOrEqual(1);
    for (const o of [input, keys, ck]) o.dispose();
  },
  120_000,
);

describe('pbsAsync progress', () => {
  const set = tuniformSet(2);
  const p = 2 ** set.messageBits;

  test('reports increasing counts ending at (total, total), and the result is right', async () => {
    setThreadCount(2);
    const ck = ClientKey.generate(set);
    const keys = await ck.generateEvaluationKeys();
    const eng = new ServerEngine(set, keys);
    const messages = randomInts(24, p);
    const table = randomInts(p, p);
    const input = ck.encrypt(messages);
    const calls: [number, number][] = [];
    const out = await eng.pbsAsync(input, new Uint32Array(24), [table], {
      groupSize: 4,
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(Array.from(ck.decrypt(out))).toEqual(messages.map((m) => table[m]));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.at(-1)).toEqual([24, 24]);
    for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThan(calls[i - 1]![0]);
    for (const [done, total] of calls) {
      expect(total).toBe(24);
      expect(done % 4 === 0 || done === 24).toBe(true);
    }

    // A throwing callback rejects the batch once it ends (and does not crash the process).
    await expect(
      eng.pbsAsync(input, new Uint32Array(24), [table], {
        onProgress: () => {
          throw new Error('progress sink failed');
        },
      }),
    ).rejects.toThrow('progress sink failed');

    // Pool threads finish groups in any order, yet the native job delivers counts increasing and
    // every call before its Promise settles: the last call seen at resolution is (total, total).
    for (let run = 0; run < 40; run++) {
      const seen: number[] = [];
      const h = await native.pbsAsync(NativeObject.handleOf(keys), NativeObject.handleOf(input), new Uint32Array(24), Int32Array.from(table), {
        groupSize: 1,
        onProgress: (done) => seen.push(done),
      });
      native.dispose(h);
      expect(seen.at(-1), `run ${run}`).toBe(24);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!, `run ${run}`).toBeGreaterThan(seen[i - 1]!);
    }
    for (const o of [out, input, keys, ck]) o.dispose();
  }, 60_000);

  test('invalid options name the field', async () => {
    const ck = ClientKey.generate(set);
    const keys = await ck.generateEvaluationKeys();
    const eng = new ServerEngine(set, keys);
    const input = ck.encrypt([1, 2]);
    const table = Array.from({ length: p }, (_, i) => i);
    expect(() => eng.pbs(input, [0, 0], [table], { groupSize: 0 })).toThrow(/groupSize: expected an integer in 1\.\.256, got 0/);
    const h = [NativeObject.handleOf(keys), NativeObject.handleOf(input), new Uint32Array(2), Int32Array.from(table)] as const;
    expect(() => native.pbs(...h, { groupSize: 300 })).toThrow(/options\.groupSize: expected an integer in 0\.\.256, got 300/);
    expect(() => native.pbs(...h, { onProgress: () => {} } as never)).toThrow(/only pbsAsync reports progress/);
    expect(() => native.pbs(...h, { onProgress: 3 } as never)).toThrow(/options\.onProgress: expected a function/);
    for (const o of [input, keys, ck]) o.dispose();
  }, 60_000);
});
