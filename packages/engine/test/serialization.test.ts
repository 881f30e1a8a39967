import { beforeAll, describe, expect, test } from 'vitest';
import { ClientKey, EvaluationKeys, LweCiphertextBatch, SeededEvaluationKeys, ServerEngine } from '@fhenet/engine';
import { assertPlainKeysSerializable, plainEvaluationKeyBytes } from '../src/server-engine.js';
import { gaussianSet, tuniformSet } from '@fhenet/testing';

const set = gaussianSet(1);
const other = tuniformSet(2);
let ck: ClientKey;
let keys: EvaluationKeys;
let seeded: SeededEvaluationKeys;

beforeAll(async () => {
  ck = ClientKey.generate(set);
  ({ keys, seeded } = await ck.generateBothEvaluationKeys());
});

/** Deterministic xorshift so a failing fuzz case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Random truncation or byte mutations, biased toward the header where lengths live. */
function mutate(buf: Buffer, r: () => number): Buffer {
  const mode = r();
  if (mode < 0.3) return buf.subarray(0, Math.floor(r() * buf.length));
  const out = Buffer.from(buf);
  const flips = 1 + Math.floor(r() * 4);
  for (let i = 0; i < flips; i++) {
    const pos = r() < 0.7 ? Math.floor(r() * Math.min(160, out.length)) : Math.floor(r() * out.length);
    out[pos] = r() < 0.5 ? out[pos]! ^ (1 << Math.floor(r() * 8)) : Math.floor(r() * 256);
  }
  if (mode > 0.9) return Buffer.concat([out, Buffer.alloc(1 + Math.floor(r() * 16))]);
  return out;
}

function fuzz(name: string, good: Buffer, load: (b: Buffer) => { dispose(): void }, cases: number): void {
  const r = rng(cases * 7919 + good.length);
  let rejected = 0;
  for (let i = 0; i < cases; i++) {
    const bad = mutate(good, r);
    try {
      load(bad).dispose();
      // Accepted only if identical to the original bytes.
      expect(bad.equals(good), `${name} case ${i}: corrupted input accepted`).toBe(true);
    } catch (e) {
      expect(e, `${name} case ${i}`).toBeInstanceOf(Error);
      expect((e as Error).message.length).toBeGreaterThan(10);
      rejected++;
    }
  }
  expect(rejected).toBeGreaterThan(cases * 0.9);
}

describe('round trips', () => {
  test('client key', () => {
    const ct = ck.encrypt([0, 1, 2, 3]);
    const ck2 = ClientKey.deserialize(ck.serialize(), set);
    expect(Array.from(ck2.decrypt(ct))).toEqual([0, 1, 2, 3]);
  });

  test('ciphertext batch', () => {
    const ct = ck.encrypt([3, 2, 1, 0, 1]);
    const back = LweCiphertextBatch.deserialize(ct.serialize(), set);
    expect(back.count).toBe(5);
    expect(Array.from(ck.decrypt(back))).toEqual([3, 2, 1, 0, 1]);
    const empty = LweCiphertextBatch.deserialize(ck.encrypt([]).serialize(), set);
    expect(empty.count).toBe(0);
  });

  test('seeded keys decompress to bit-identical Fourier keys; plain keys round-trip and bootstrap', async () => {
    const seededBytes = seeded.serialize();
    const plainBytes = keys.serialize();
    // Seeded form holds bodies only: about 1/(k+1) of the standard-domain key.
    expect(seededBytes.length).toBeLessThan(plainBytes.length / 3);
    let progressCalls = 0;
    const expanded = await SeededEvaluationKeys.deserialize(seededBytes, set).decompress(() => progressCalls++);
    expect(progressCalls).toBeGreaterThan(1);
    expect(expanded.serialize().equals(plainBytes)).toBe(true);
    const eng = new ServerEngine(set, EvaluationKeys.deserialize(plainBytes, set));
    expect(Array.from(ck.decrypt(eng.pbs(ck.encrypt([0, 1, 0, 1]), [0, 0, 0, 0], [[1, 0]])))).toEqual([1, 0, 1, 0]);
  });
});

describe('plain evaluation keys above the Buffer limit', () => {
  test('the size formula is exact, and the 8-bit plain form is refused with the way out', async () => {
    expect(keys.serialize().length).toBe(plainEvaluationKeyBytes(set));
    const eight = tuniformSet(8);
    // Fourier BSK 6.5 GiB + KSK 3.8 GiB: no single Buffer can hold it on Node 20 (4 GiB).
    expect(plainEvaluationKeyBytes(eight)).toBeGreaterThan(2 ** 33);
    expect(() => assertPlainKeysSerializable(eight, 2 ** 32)).toThrow(
      /plain evaluation keys of TUNIFORM_8BIT_2M128 are 10\.\d\d GiB, above Node's Buffer limit of 4\.00 GiB: serialize the seeded form/,
    );
    expect(() => assertPlainKeysSerializable(tuniformSet(6), 2 ** 32)).not.toThrow();
  });
});

describe('clear errors', () => {
  test('mismatched parameters', () => {
    expect(() => ClientKey.deserialize(ck.serialize(), other)).toThrow(/made for other parameters: expected 2-bit .*, got 1-bit/);
    expect(() => LweCiphertextBatch.deserialize(ck.encrypt([1]).serialize(), other)).toThrow(/other parameters/);
    expect(() => EvaluationKeys.deserialize(keys.serialize(), other)).toThrow(/other parameters/);
    const otherCk = ClientKey.generate(other);
    expect(() => otherCk.decrypt(ck.encrypt([1]))).toThrow(/Mismatched LweDimension. Key \(k\*N\): 2048, ciphertexts: 1536/);
    expect(() => new ServerEngine(other, keys)).toThrow(/evaluation keys are for parameter set GAUSSIAN_1BIT/);
    expect(() => new ServerEngine(set, keys).pbs(otherCk.encrypt([1]), [0], [[0, 1]])).toThrow(/ciphertexts are for parameter set/);
  });

  test('wrong magic, version, kind, truncation, checksum', () => {
    const good = ck.encrypt([1, 2]).serialize();
    const bad = Buffer.from(good);
    bad[0] = 0x58;
    expect(() => LweCiphertextBatch.deserialize(bad, set)).toThrow(/wrong magic/);
    const v = Buffer.from(good);
    v.writeUInt16LE(9, 8);
    expect(() => LweCiphertextBatch.deserialize(v, set)).toThrow(/format version: expected 1, got 9/);
    expect(() => ClientKey.deserialize(good, set)).toThrow(/expected client key \(1\), got ciphertext batch \(4\)/);
    expect(() => LweCiphertextBatch.deserialize(good.subarray(0, 50), set)).toThrow(/truncated/);
    const c = Buffer.from(good);
    c[200] = c[200]! ^ 1;
    expect(() => LweCiphertextBatch.deserialize(c, set)).toThrow(/checksum mismatch/);
    expect(() => EvaluationKeys.deserialize(seeded.serialize(), set)).toThrow(/wrong object kind/);
  });

  test('the secret key is not echoed in error messages', () => {
    const bytes = ck.serialize();
    const bad = Buffer.from(bytes);
    bad[200] = 7;
    try {
      ClientKey.deserialize(bad, set);
    } catch (e) {
      expect((e as Error).message).not.toMatch(/[01]{16}/);
    }
  });
});

describe('fuzz: every deserializer survives random mutations and truncations', () => {
  test('ciphertext batch (3000 cases)', () => {
    fuzz('ciphertexts', ck.encrypt([1, 0, 1]).serialize(), (b) => LweCiphertextBatch.deserialize(b, set), 3000);
  });
  test('client key (3000 cases)', () => {
    fuzz('client key', ck.serialize(), (b) => ClientKey.deserialize(b, set), 3000);
  });
  test('seeded evaluation keys (300 cases)', () => {
    fuzz('seeded keys', seeded.serialize(), (b) => SeededEvaluationKeys.deserialize(b, set), 300);
  });
  test('evaluation keys (20 cases)', () => {
    fuzz('evaluation keys', keys.serialize(), (b) => EvaluationKeys.deserialize(b, set), 20);
  });
  test('non-buffer inputs', () => {
    expect(() => LweCiphertextBatch.deserialize('abc' as unknown as Uint8Array, set)).toThrow(/expected a Uint8Array/);
    expect(() => LweCiphertextBatch.deserialize(new Uint8Array(0), set)).toThrow(/truncated/);
  });
});

describe('padding bit', () => {
  test('a message with the padding bit set comes out of the PBS negated (negacyclic LUT)', () => {
    const eng = new ServerEngine(set, keys);
    // p = 2: m = 2 is 0 + p, m = 3 is 1 + p: outputs -f(m - p) mod 2p.
    expect(Array.from(ck.decrypt(eng.pbs(ck.encrypt([2, 3]), [0, 0], [[1, 0]])))).toEqual([3, 0]);
  });
});
