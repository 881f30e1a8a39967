import { describe, expect, it } from 'vitest';
import { cubicActiveSynapses, maxActivePerNeuron, topKMask } from '@fhenet/training';

describe('pruning', () => {
  it('keeps the k largest |w| per output neuron, ties to the lower index, pruned stay pruned', () => {
    // kernel [fanIn=4, outC=2] row-major: neuron 0 = [0.1, -3, 2, 2], neuron 1 = [5, 0.5, -0.5, 1]
    const w = Float32Array.of(0.1, 5, -3, 0.5, 2, -0.5, 2, 1);
    const ones = new Float32Array(8).fill(1);
    const m = topKMask(w, ones, 2, 2);
    expect(Array.from(m)).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
    expect(maxActivePerNeuron(m, 2)).toBe(2);
    // a synapse pruned earlier stays pruned even if its latent weight is the largest
    const m2 = topKMask(w, Float32Array.of(1, 0, 1, 1, 1, 1, 1, 1), 2, 3);
    expect(m2[1]).toBe(0);
    expect(maxActivePerNeuron(m2, 2)).toBe(3);
  });

  it('cubic schedule goes from fan-in to target, monotonically', () => {
    const ks = Array.from({ length: 11 }, (_, s) => cubicActiveSynapses(s * 10, 784, 90, 0, 100));
    expect(ks[0]).toBe(784);
    expect(ks[10]).toBe(90);
    ks.slice(1).forEach((k, i) => {
      expect(k).toBeLessThanOrEqual(ks[i]!);
    });
    expect(cubicActiveSynapses(500, 784, 90, 0, 100)).toBe(90);
    expect(cubicActiveSynapses(50, 60, 90, 0, 100)).toBe(60); // target above fan-in: no pruning
  });
});
