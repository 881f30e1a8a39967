import { describe, expect, it } from 'vitest';
import { expandGrid, validatePoint } from '@fhenet/experiments';

describe('expandGrid', () => {
  it('orders points so both ranges grow together, with stable keys', () => {
    const pts = expandGrid({ model: 'fcnn', dataset: 'mnist', active: [10, 'all'], ranges: ['narrow', 'wide'], bits: [{ weightBits: 2, actBits: 2 }] });
    expect(pts.map((p) => p.key)).toEqual(['mnist-fcnn-narrow-w2a2-10', 'mnist-fcnn-wide-w2a2-10', 'mnist-fcnn-narrow-w2a2-all', 'mnist-fcnn-wide-w2a2-all']);
  });
  it('rejects bad values and repeats, saying which', () => {
    const g = { model: 'fcnn' as const, dataset: 'mnist' as const, ranges: ['wide' as const], bits: [{ weightBits: 2, actBits: 2 }] };
    expect(() => expandGrid({ ...g, active: [0] })).toThrow(/active synapses must be integers >= 1 or 'all', got 0/);
    expect(() => expandGrid({ ...g, active: [5, 5] })).toThrow(/repeated/);
  });
});

describe('validatePoint', () => {
  it('names the file and the field that is wrong', () => {
    expect(() => validatePoint({ format: 'fhenet-sweep-point', version: 2 }, 'p.json')).toThrow(/p\.json: field version: expected 1, got 2/);
    expect(() => validatePoint({ format: 'x' }, 'p.json')).toThrow(/field format/);
  });
});
