import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bitWidth } from '@fhenet/quantization';
import { withFingerprint, type DataDescription } from '@fhenet/datasets';
import {
  decodeTrainedGraph,
  encodeTrainedGraph,
  loadTrainedGraph,
  quantizeValue,
  quantizeWeights,
  saveTrainedGraph,
  TrainedGraphError,
  type TrainedGraph,
} from '@fhenet/training';

const q2 = { bits: bitWidth(2), signed: false, range: 'wide' as const, scale: [0.25], zeroPoint: [0] };

function tinyGraph(): TrainedGraph {
  const w1 = Float32Array.from({ length: 12 * 3 }, (_, i) => Math.sin(i));
  const m1 = Uint8Array.from({ length: 12 * 3 }, (_, i) => (i % 3 === 0 ? 0 : 1));
  return {
    name: 'tiny',
    inputShape: [2, 2, 3],
    inputScaling: { divisor: 255 },
    numClasses: 2,
    inputQuantizer: q2,
    layers: [
      { name: 'flatten', type: 'flatten', inputShape: [2, 2, 3], outputShape: [12] },
      {
        name: 'dense1',
        type: 'dense',
        inputShape: [12],
        outputShape: [3],
        units: 3,
        weights: w1,
        bias: Float32Array.of(0.1, -0.2, 0.3),
        mask: m1,
        weightQuantizer: { bits: bitWidth(2), signed: true, range: 'narrow', scale: [0.5, 0.25, 1], zeroPoint: [0, 0, 0], axis: 1 },
      },
      {
        name: 'bn1',
        type: 'batchNorm',
        inputShape: [3],
        outputShape: [3],
        gamma: Float32Array.of(1, 2, 3),
        beta: Float32Array.of(0, 0, 1),
        movingMean: Float32Array.of(0, 1, 0),
        movingVariance: Float32Array.of(1, 1, 2),
        epsilon: 1e-3,
      },
      { name: 'act1', type: 'activation', inputShape: [3], outputShape: [3], activation: 'relu' },
      { name: 'q1', type: 'quantizer', inputShape: [3], outputShape: [3], quantizer: q2 },
      {
        name: 'dense2',
        type: 'dense',
        inputShape: [3],
        outputShape: [2],
        units: 2,
        weights: Float32Array.of(1, -1, 0.5, 0.25, -2, 3),
        bias: null,
        mask: Uint8Array.of(1, 1, 1, 0, 1, 1),
        weightQuantizer: { bits: bitWidth(3), signed: true, range: 'wide', scale: [0.5], zeroPoint: [0] },
      },
    ],
    training: { note: 'unit test' },
  };
}

function roundTrip(g: TrainedGraph): { manifest: Record<string, unknown>; payload: Uint8Array } {
  const { manifest, payload } = encodeTrainedGraph(g);
  return { manifest: JSON.parse(JSON.stringify(manifest)), payload };
}

describe('trained graph format', () => {
  it('round-trips every field through manifest + payload, and through files', () => {
    const g = tinyGraph();
    const { manifest, payload } = roundTrip(g);
    const back = decodeTrainedGraph(manifest, payload, 'mem');
    expect(back).toEqual(g);
    const dir = mkdtempSync(join(tmpdir(), 'fhenet-graph-'));
    saveTrainedGraph(dir, g);
    expect(loadTrainedGraph(dir)).toEqual(g);
  });

  it('names the layer and field when a payload slice has the wrong length', () => {
    const { manifest, payload } = roundTrip(tinyGraph());
    const layers = manifest.layers as Record<string, Record<string, unknown>>[];
    (layers[1]!.weights as Record<string, unknown>).byteLength = 140;
    expect(() => decodeTrainedGraph(manifest, payload, 'g.json')).toThrow(
      'g.json: layers[1] (dense1).weights.byteLength: expected 144 bytes (36 floats, 12x3), got 140',
    );
  });

  it('rejects a payload that does not match the manifest hash', () => {
    const { manifest, payload } = roundTrip(tinyGraph());
    payload[0]! ^= 1;
    expect(() => decodeTrainedGraph(manifest, payload, 'g.json')).toThrow(/payload.sha256/);
  });

  it('rejects a dense layer whose input is not quantized', () => {
    const g = tinyGraph();
    const layers = [...g.layers];
    layers.splice(4, 1); // drop the activation quantizer before dense2
    expect(() => encodeTrainedGraph({ ...g, layers })).toThrow(/layers\[4\] \(dense2\): expected a quantized input/);
  });

  it('rejects bad quantizers and shape mismatches with the field named', () => {
    const g = tinyGraph();
    const bad = (i: number, patch: object): TrainedGraph => ({ ...g, layers: g.layers.map((l, j) => (j === i ? ({ ...l, ...patch } as typeof l) : l)) });
    expect(() => encodeTrainedGraph(bad(4, { quantizer: { ...q2, scale: [-1] } }))).toThrow(
      /layers\[4\] \(q1\)\.quantizer\.scale\[0\]: expected a positive finite number, got -1/,
    );
    expect(() => encodeTrainedGraph(bad(1, { weightQuantizer: { bits: bitWidth(2), signed: true, range: 'narrow', scale: [1], zeroPoint: [1] } }))).toThrow(
      /zeroPoint\[0\]: expected 0/,
    );
    expect(() => encodeTrainedGraph(bad(1, { outputShape: [4] }))).toThrow(/layers\[1\] \(dense1\)\.outputShape: expected \[3\], got \[4\]/);
    expect(() => encodeTrainedGraph(bad(1, { weights: new Float32Array(35) }))).toThrow(/weights: expected 36 values \(12x3 floats\), got 35/);
    expect(() => encodeTrainedGraph(bad(3, { activation: 'softmax' }))).toThrow(TrainedGraphError);
  });

  it('quantizes values exactly as the documented formula (half to even, clamp, zero point)', () => {
    const p = { bits: bitWidth(2), signed: true, range: 'wide' as const, scale: [0.5], zeroPoint: [0] };
    expect([-2, -0.75, -0.25, 0.25, 0.26, 0.75, 5].map((x) => quantizeValue(x, p))).toEqual([-2, -2, 0, 0, 1, 1, 1]);
    const u = { bits: bitWidth(3), signed: false, range: 'narrow' as const, scale: [1], zeroPoint: [2] };
    expect([-5, -1.5, 2.5, 9].map((x) => quantizeValue(x, u))).toEqual([0, 0, 4, 6]);
    const g = tinyGraph();
    const d = g.layers[1]!;
    if (d.type !== 'dense') throw new Error('layer 1 is dense');
    const qw = quantizeWeights(d.weights, d.mask, d.weightQuantizer, 3);
    qw.forEach((v, i) => {
      if (d.mask[i] === 0) expect(v).toBe(0);
      expect(Math.abs(v)).toBeLessThanOrEqual(1);
    });
  });
});

describe('trained graph format v2: the training data', () => {
  const domain = withFingerprint({
    origin: 'csv',
    layout: 'image',
    sampleShape: [2, 2, 3],
    classNames: ['no', 'yes'],
    encoding: { kind: 'minmax', min: [0, 0, 1], max: [1, 2, 3] },
  });
  const data: DataDescription = {
    domain,
    source: { format: 'csv', path: '/data/t.csv', labelColumn: 'y' },
    test: { kind: 'split', fraction: 0.2, seed: 1 },
    trainSamples: 8,
    testSamples: 2,
    stats: { mean: [10, 20, 30], std: [1, 2, 3] },
  };

  it('is written as v2 only with data, reads back, and keeps v1 for graphs without', () => {
    const { manifest, payload } = roundTrip({ ...tinyGraph(), data });
    expect(manifest.version).toBe(2);
    expect(decodeTrainedGraph(manifest, payload, 'g.json').data).toEqual(data);
    expect(roundTrip(tinyGraph()).manifest.version).toBe(1);
  });

  it('validates the data against the graph and the version', () => {
    const { manifest, payload } = roundTrip({ ...tinyGraph(), data });
    const bad = (mutate: (m: Record<string, any>) => void) => {
      const m = JSON.parse(JSON.stringify(manifest));
      mutate(m);
      return () => decodeTrainedGraph(m, payload, 'g.json');
    };
    expect(bad((m) => (m.version = 1))).toThrow(/g\.json: data: expected absent in a version 1 graph/);
    expect(bad((m) => delete m.data)).toThrow(/g\.json: data: expected the training data description \(required from version 2\)/);
    expect(bad((m) => (m.data.test = { kind: 'split', fraction: 1.5, seed: 1 }))).toThrow(
      /g\.json: data\.test\.fraction: expected a number in \(0, 1\), got 1\.5/,
    );
    expect(bad((m) => (m.data.domain.encoding.max = [1, 2]))).toThrow(/g\.json: data\.domain\.encoding\.max: expected 3 finite numbers/);
    expect(bad((m) => (m.data.domain = withFingerprint({ ...domain, classNames: ['a', 'b', 'c'] })))).toThrow(
      /g\.json: data\.domain\.classNames: expected 2 names \(numClasses\), got 3/,
    );
  });
});
