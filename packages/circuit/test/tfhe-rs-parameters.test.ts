import { publishedSet } from '@fhenet/params';
import { describe, expect, test } from 'vitest';
import {
  compressedServerKeyBytes,
  newParameters,
  newParametersCall,
  tfheRsParameters,
  tfheRsParametersDocument,
  TfheRsParameterError,
  type TfheRsShortintApi,
} from '@fhenet/circuit';

describe('Shortint.new_parameters arguments of a parameter set', () => {
  test('6-bit TUniform set: the reference facts (n 1077, k 1, N 8192, TU(41)/TU(3), PBS 15/2, KS 4/5, 64 / 1)', () => {
    const set = publishedSet(6, 'tuniform');
    const p = tfheRsParameters(set);
    expect(p).toMatchObject({
      lweDimension: 1077,
      glweDimension: 1,
      polynomialSize: 8192,
      lweNoise: { kind: 'tuniform', boundLog2: 41 },
      glweNoise: { kind: 'tuniform', boundLog2: 3 },
      pbsBaseLog: 15,
      pbsLevel: 2,
      ksBaseLog: 4,
      ksLevel: 5,
      messageModulus: 64,
      carryModulus: 1,
      modulusPowerOf2Exponent: 64,
      encryptionKeyChoice: 'Big',
    });
    expect(p.maxNoiseLevel).toBe(Math.ceil(set.maxNu));
    expect(p.log2PFail).toBe(set.log2PFail);
    // Reference: 282.7 MB serialized for this set (bodies only).
    expect(compressedServerKeyBytes(set) / 1e6).toBeCloseTo(282.7, 0);
  });

  test('Gaussian noise becomes a torus standard deviation sigma / 2^64', () => {
    const set = publishedSet(4, 'gaussian');
    const p = tfheRsParameters(set);
    if (p.lweNoise.kind !== 'gaussian' || set.lweNoise.kind !== 'gaussian') throw new Error('expected Gaussian noise');
    expect(Math.log2(p.lweNoise.stdDev)).toBeCloseTo(set.lweNoise.stdDevLog2 - 64, 10);
  });

  test('refused with the reason: 8-bit set (compressed server key too large for wasm), TUniform bound > 62', () => {
    const set8 = publishedSet(8, 'tuniform');
    expect(() => tfheRsParameters(set8)).toThrow(TfheRsParameterError);
    expect(() => tfheRsParameters(set8)).toThrow(/compressed server key is 3\.\d+ GiB; the wasm client .* at most 2 GiB/);
    const bad = { ...publishedSet(4, 'tuniform'), lweNoise: { kind: 'tuniform' as const, boundLog2: 63 } };
    expect(() => tfheRsParameters(bad)).toThrow(/lweNoise: TUniform bound log2 must be an integer in 0\.\.62, got 63/);
  });

  test('rounded 9-bit circuits (message modulus 512, N 2048) map; a set without room for the padding bit is refused', () => {
    const base = publishedSet(4, 'tuniform');
    const set9 = { ...base, name: 'NINE', messageBits: 9, pbs: { baseLog: 15, levelCount: 2 } };
    expect(tfheRsParameters(set9).messageModulus).toBe(512);
    const set11 = { ...set9, name: 'ELEVEN', messageBits: 11 };
    expect(() => tfheRsParameters(set11)).toThrow(/ELEVEN .*polynomial size 2048 must be a power of two >= 2 \* 2\^bits = 4096 \(padding bit\)/);
  });

  test('newParameters passes the arguments in tfhe-rs order', () => {
    const calls: unknown[][] = [];
    const api: TfheRsShortintApi<string, unknown[]> = {
      try_new_t_uniform: (b) => `TU(${b})`,
      new_gaussian_from_std_dev: (s) => `G(${s})`,
      new_parameters: (...args) => (calls.push(args), args),
    };
    const set = publishedSet(4, 'tuniform');
    newParameters(api, tfheRsParameters(set));
    expect(calls[0]).toEqual([918, 1, 2048, 'TU(45)', 'TU(17)', 23, 1, 4, 4, 16n, 1n, BigInt(Math.ceil(set.maxNu)), set.log2PFail, 64, 0]);
  });

  test('the printed call (fhenet compile) evaluates to the same new_parameters arguments; a refused set gives its reason', () => {
    const record = (): [TfheRsShortintApi<string, unknown[]>, unknown[][]] => {
      const calls: unknown[][] = [];
      return [
        { try_new_t_uniform: (b) => `TU(${b})`, new_gaussian_from_std_dev: (s) => `G(${s})`, new_parameters: (...args) => (calls.push(args), args) },
        calls,
      ];
    };
    for (const set of [publishedSet(4, 'tuniform'), publishedSet(4, 'gaussian'), publishedSet(6, 'tuniform')]) {
      const [direct, expected] = record();
      newParameters(direct, tfheRsParameters(set));
      const doc = tfheRsParametersDocument(set);
      expect(doc).toMatchObject({ format: 'fhenet-tfhe-rs-parameters', version: 1, tfheRsVersion: '1.7', parameterSet: set.name });
      expect(doc.call).toBe(newParametersCall(tfheRsParameters(set)));
      const [printed, got] = record();
      new Function('Shortint', `return ${doc.call}`)(printed);
      expect(got).toEqual(expected);
    }
    const refused = tfheRsParametersDocument(publishedSet(8, 'tuniform'));
    expect(refused.newParameters).toBeUndefined();
    expect(refused.refused).toMatch(/compressed server key is 3\.\d+ GiB/);
  });
});
