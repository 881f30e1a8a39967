// Multi-value PBS (ServerEngine.pbsMany): F functions of one input in one blind rotation.
import { afterAll, describe, expect, test } from 'vitest';
import { ClientKey, ServerEngine, type LweCiphertextBatch } from '@fhenet/engine';
import { NativeObject } from '@fhenet/engine/testing';
import { native } from '../src/native.js';
import { tuniformSet } from '@fhenet/testing';

const bytes = (b: LweCiphertextBatch) => Buffer.from(b.serialize());

describe('multi-value PBS (pbsMany)', () => {
  const set = tuniformSet(4);
  const p = 16;
  const ck = ClientKey.generate(set);
  let engine: ServerEngine | undefined;
  const eng = async () => {
    engine ??= new ServerEngine(set, await ck.generateEvaluationKeys());
    return engine;
  };
  afterAll(() => {
    engine?.keys?.dispose();
    ck.dispose();
  });

  const fn = (seed: number, width: number) => Array.from({ length: width }, (_, x) => (seed * 7 + x * (2 * seed + 3)) % p);

  for (const functions of [1, 2, 4, 8, 16]) {
    test(`F = ${functions}: output j of an input x < p/F decrypts to f_j(x), two table sets in one batch`, async () => {
      const e = await eng();
      const width = p / functions;
      const xs = Array.from({ length: 2 * width }, (_, i) => i % width);
      const tables = [0, 1].map((t) => Array.from({ length: functions }, (_, j) => fn(10 * t + j, width)));
      const index = xs.map((_, i) => (i < width ? 0 : 1));
      const out = e.pbsMany(ck.encrypt(xs), index, tables);
      expect(out.count).toBe(xs.length * functions);
      const got = Array.from(ck.decrypt(out));
      const want = xs.flatMap((x, i) => tables[index[i]!]!.map((f) => f[x]!));
      expect(got).toEqual(want);
      out.dispose();
    }, 300_000);
  }

  test('same bits: F = 1 and pbs(); output 0 and pbs() with the packed table; groups of 1 and automatic; async and sync', async () => {
    const e = await eng();
    const xs = Array.from({ length: 12 }, (_, i) => i % 4);
    const input = ck.encrypt(xs);
    const index = new Uint32Array(xs.length);
    const tables = [[fn(1, 4), fn(2, 4), fn(3, 4), fn(4, 4)]];
    const packed = tables[0]!.flat();
    const many = e.pbsMany(input, index, tables);
    const single = e.pbs(input, index, [packed]);
    const firsts = many.gather(xs.map((_, i) => 4 * i));
    expect(bytes(firsts).equals(bytes(single))).toBe(true);
    const one = e.pbsMany(input, index, [[packed]]);
    expect(bytes(one).equals(bytes(single))).toBe(true);
    const groups1 = e.pbsMany(input, index, tables, { groupSize: 1 });
    expect(bytes(groups1).equals(bytes(many))).toBe(true);
    const seen: number[] = [];
    const async = await e.pbsManyAsync(input, index, tables, { onProgress: (done) => seen.push(done) });
    expect(bytes(async).equals(bytes(many))).toBe(true);
    expect(seen.at(-1)).toBe(xs.length);
    for (const b of [input, many, single, firsts, one, groups1, async]) b.dispose();
  }, 300_000);

  test('bad tables are refused with the reason', async () => {
    const e = await eng();
    const input = ck.encrypt([1]);
    const index = [0];
    expect(() => e.pbsMany(input, index, [[fn(0, 5), fn(1, 5), fn(2, 5)]])).toThrow(/power of two of functions in 1\.\.16 .* got 3/);
    expect(() => e.pbsMany(input, index, [[fn(0, 8), fn(1, 4)]])).toThrow(/table 0 function 1: expected 8 entries \(p\/2\), got 4/);
    expect(() => e.pbsMany(input, index, [[fn(0, 8), fn(1, 8)], [fn(0, 16)]])).toThrow(/table 1: expected 2 functions \(as table 0\), got 1/);
    // The native check, reached without the TypeScript ones.
    const args = [NativeObject.handleOf(e.keys!), NativeObject.handleOf(input), Uint32Array.of(0), Int32Array.from(fn(0, 16))] as const;
    expect(() => native.pbsMany(...args, 3)).toThrow(/functions must be a power of two in 1\.\.16 \(p of the 4-bit set\), got 3/);
    expect(() => native.pbsMany(...args, 32)).toThrow(/functions: expected an integer in 0\.\.16|functions must be/);
    input.dispose();
  }, 300_000);
});
