import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { canonicalParameterEncoding, parameterFingerprint, publishedSet, publishedSets, type TfheParameterSet } from '@fhenet/params';

describe('parameterFingerprint', () => {
  const s = publishedSet(4);
  it('hashes the documented canonical encoding', () => {
    const text =
      'fhenet-params-v1;q=2^64;secret=binary;messageBits=4;lweDimension=918;glweDimension=1;polynomialSize=2048;lweNoise=tuniform:45;glweNoise=tuniform:17;pbs=23/1;keyswitch=4/4';
    expect(canonicalParameterEncoding(s)).toBe(text);
    expect(parameterFingerprint(s)).toBe(createHash('sha256').update(text).digest('hex'));
    expect(parameterFingerprint(s)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores the name and the usage fields, changes with any key-shaping field', () => {
    const base = parameterFingerprint(s);
    // Extra fields of a full TfheParameterSet are ignored (the fingerprint reads only key-shaping ones).
    const withUsage: TfheParameterSet = { ...s, name: 'other', maxNu: 1, log2PFail: -1, modulusSwitch: 'plain' };
    expect(parameterFingerprint(withUsage)).toBe(base);
    const changed = [
      { ...s, messageBits: 3 },
      { ...s, lweDimension: 919 },
      { ...s, glweDimension: 2 },
      { ...s, polynomialSize: 4096 },
      { ...s, lweNoise: { kind: 'tuniform' as const, boundLog2: 46 } },
      { ...s, glweNoise: { kind: 'gaussian' as const, stdDevLog2: 17 } },
      { ...s, pbs: { baseLog: 22, levelCount: 1 } },
      { ...s, keyswitch: { baseLog: 4, levelCount: 5 } },
    ];
    for (const c of changed) expect(parameterFingerprint(c)).not.toBe(base);
  });

  it('needs only the key-shaping fields (a runtime header need not carry maxNu or log2PFail)', () => {
    const { name: _n, maxNu: _m, log2PFail: _l, modulusSwitch: _s, ...keyOnly } = s;
    expect(parameterFingerprint(keyOnly)).toBe(parameterFingerprint(s));
  });

  it('is distinct for every published set and refuses a malformed one', () => {
    expect(new Set(publishedSets.map(parameterFingerprint)).size).toBe(publishedSets.length);
    expect(() => parameterFingerprint({ ...s, polynomialSize: 1000 })).toThrow(/polynomialSize/);
  });
});
