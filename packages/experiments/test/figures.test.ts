import { describe, expect, it } from 'vitest';
import { accumulatorFigure, accuracyFigure, type PointResult } from '@fhenet/experiments';

function point(range: 'narrow' | 'wide', active: number, bits: number, acc: number): PointResult {
  return {
    format: 'fhenet-sweep-point',
    version: 1,
    point: { key: `k-${range}-${active}`, model: 'fcnn', dataset: 'mnist', range, weightBits: 2, actBits: 2, active },
    settings: { epochs: 1, batchSize: 64, learningRate: 0.005, seed: 1, calibrationCount: 10, pError: 1e-6 },
    maxActiveSynapses: active,
    circuitBits: bits,
    worstCaseBits: bits + 2,
    layers: [{ name: 'dense1', activeSynapses: active, calibrationBits: bits, worstCaseBits: bits + 2 }],
    fakeQuantAccuracy: acc,
    simulatedAccuracy: acc,
    simulatedImages: 10,
    pbsCount: 384,
    predictedLatency: null,
    trainSeconds: 1,
    date: '2026-11-25T00:00:00Z',
    loadAverage: [1, 1, 1],
  };
}
const pts = [point('narrow', 10, 4, 0.9), point('narrow', 100, 6, 0.95), point('wide', 10, 5, 0.91), point('wide', 100, 7, 0.96)];

describe('sweep figures', () => {
  it('accumulator figure: title, axis labels, legend and one polyline per range and sizing', () => {
    const svg = accumulatorFigure(pts, 'FCNN test subtitle');
    expect(svg).toContain('Accumulator bits vs active synapses per neuron');
    expect(svg).toContain('FCNN test subtitle');
    expect(svg).toContain('active synapses per neuron (log scale');
    expect(svg).toContain('accumulator bits (widest layer)');
    for (const label of ['narrow range: calibration-sized', 'narrow range: worst case', 'wide range: calibration-sized', 'wide range: worst case']) {
      expect(svg).toContain(`>${label}</text>`); // legend entry
      expect(svg).toContain(`data-series="${label}"`); // its line
    }
    // each series has its two points
    const line = /data-series="wide range: calibration-sized" points="([^"]+)"/.exec(svg)![1]!;
    expect(line.split(' ')).toHaveLength(2);
  });
  it('accuracy figure: both ranges, percent axis', () => {
    const svg = accuracyFigure(pts, 's');
    expect(svg).toContain('Accuracy vs circuit bit-width');
    expect(svg).toContain('circuit bit-width (calibration-sized)');
    expect(svg).toContain('test accuracy of the integer circuit (%)');
    expect(svg).toContain('data-series="narrow range (best per bit-width)"');
    expect(svg).toContain('data-series="wide range (best per bit-width)"');
  });
});
