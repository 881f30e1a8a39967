// Accumulator-aware quantization (A2Q): the layer's fused and composed paths agree, its integer
// weights keep the L1 budget whatever the float values, trained models keep it through export and
// the compiler's worst-case sizing, and the trained-graph format records and checks it (v3).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadData, subset, type DataDescription, type ImageDataset } from '@fhenet/datasets';
import { compile } from '@fhenet/compiler';
import {
  A2Q_MARGIN,
  a2qBudgetAt,
  buildModel,
  decodeTrainedGraph,
  encodeTrainedGraph,
  graphAccumulators,
  graphToModel,
  initBackend,
  modelToGraph,
  QuantConv2D,
  QuantDense,
  type QuantLinear,
  setFusedKernels,
  train,
  type ModelConfig,
  type TrainedGraph,
} from '@fhenet/training';

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * scale;
  });
}

/** Sets a built layer's kernel, mask, raw scale and norm g. */
function setState(l: QuantLinear, kernel: Float32Array, mask: Float32Array, scale: number[], g: number[]): void {
  tf.tidy(() => {
    l.kernel!.write(tf.tensor(kernel, l.kShape));
    l.setMask(mask);
    l.weightScale!.write(tf.tensor1d(scale));
    l.a2qNorm!.write(tf.tensor1d(g));
  });
}

/** The layer's integer weights (kernel layout) and the L1 norm of each output channel. */
function integers(l: QuantLinear): { q: Int32Array; l1: number[] } {
  const [w, s] = tf.tidy(() => [l.quantizedKernel(), l.currentWeightScale()]);
  const wv = w!.dataSync();
  const sv = s!.dataSync();
  tf.dispose([w!, s!]);
  const outC = l.outChannels;
  const q = Int32Array.from(wv, (x, i) => Math.round(x / (sv.length === 1 ? sv[0]! : sv[i % outC]!)));
  const l1 = new Array<number>(outC).fill(0);
  q.forEach((v, i) => {
    l1[i % outC]! += Math.abs(v);
  });
  return { q, l1 };
}

/** Frees a layer built outside a model (Layer.dispose refuses a layer never called). */
function drop(l: QuantLinear): void {
  for (const w of l.weights) w.dispose();
}

let trainSet: ImageDataset;
let testSet: ImageDataset;
let data: DataDescription;

beforeAll(async () => {
  expect((await initBackend()).backend).toBe('wasm');
  const loaded = loadData({ format: 'dataset', name: 'mnist' }, undefined, { limit: 384 });
  trainSet = loaded.train;
  testSet = subset(
    loaded.test,
    Array.from({ length: 128 }, (_, i) => i),
  );
  data = loaded.description;
});

const layerCases = [
  { name: 'dense, per-tensor scale', kind: 'dense', fanIn: 40, outC: 7, perChannel: false },
  { name: 'dense, per-channel scale', kind: 'dense', fanIn: 40, outC: 7, perChannel: true },
  { name: 'conv 3x3, per-channel scale', kind: 'conv', fanIn: 36, outC: 5, perChannel: true },
  { name: 'conv 3x3, per-tensor scale', kind: 'conv', fanIn: 36, outC: 5, perChannel: false },
  { name: 'dense 784 inputs (summation order matters)', kind: 'dense', fanIn: 784, outC: 13, perChannel: true },
] as const;

function makeLayer(c: (typeof layerCases)[number], bits: number, span: number, range: 'wide' | 'narrow' = 'wide'): QuantLinear {
  const common = { weightBits: 2, weightRange: range, perChannel: c.perChannel, a2q: { accumulatorBits: bits, inputSpan: span }, seed: 1 };
  const l =
    c.kind === 'dense'
      ? new QuantDense({ name: 'd', units: c.outC, ...common })
      : new QuantConv2D({ name: 'c', filters: c.outC, kernelSize: 3, padding: 'same', ...common });
  l.build(c.kind === 'dense' ? [null, c.fanIn] : [null, 6, 6, c.fanIn / 9]);
  return l;
}

describe('A2Q layer', () => {
  it.each(layerCases)('$name: fused and composed paths give the same integers and gradients', (c) => {
    for (const binding of [true, false]) {
      const bits = c.fanIn > 100 ? 11 : 7;
      const l = makeLayer(c, bits, 3);
      const n = c.fanIn * c.outC;
      const kernel = rand(n, 4, 0.2);
      const mask = Float32Array.from(rand(n, 5), (r) => (r > -0.6 ? 1 : 0));
      const scale = c.perChannel ? Array.from(rand(c.outC, 6, 0.02), (v) => 0.05 + v) : [0.04];
      const sOf = (o: number) => scale[scale.length === 1 ? 0 : o]!;
      // |g| far above the cap B' s: the budget binds; below it: it does not.
      const g = Array.from(rand(c.outC, 7, 0.1), (v, o) => (binding ? 10 : 0.6 + v) * l.l1Budget * sOf(o));
      setState(l, kernel, mask, scale, g);
      const dyv = rand(n, 8);
      const run = (fused: boolean) => {
        setFusedKernels(fused);
        try {
          return tf.tidy(() => {
            const dy = tf.tensor(dyv, l.kShape);
            const vars = [l.kernel!.read(), l.weightScale!.read(), l.a2qNorm!.read()] as tf.Variable[];
            const { grads } = tf.variableGrads(() => tf.sum(tf.mul(l.quantizedKernel(), dy)) as tf.Scalar, vars);
            return { y: l.quantizedKernel().dataSync(), grads: vars.map((v) => grads[v.name]!.dataSync()) };
          });
        } finally {
          setFusedKernels(true);
        }
      };
      const a = run(true);
      const b = run(false);
      // The two paths sum each channel's norm in different orders (f32 partial sums flushed to
      // f64, against tf.sum): the integers can differ only where x/s lands within float rounding of
      // an integer, trunc's edge. Everywhere else they are equal bit for bit.
      const norms = new Float64Array(c.outC);
      kernel.forEach((k, i) => {
        norms[i % c.outC]! += Math.abs(k * mask[i]!);
      });
      const budget = l.l1Budget * (1 - A2Q_MARGIN);
      let differ = 0;
      a.y.forEach((v, i) => {
        if (v === b.y[i]) return;
        differ++;
        const o = i % c.outC;
        const x = (kernel[i]! * mask[i]! * Math.min(Math.abs(g[o]!), budget * sOf(o))) / norms[o]! / sOf(o);
        expect(Math.abs(x - Math.round(x)), `element ${i}: ${v} vs ${b.y[i]} at x/s = ${x}`).toBeLessThan(1e-4);
      });
      expect(differ).toBeLessThanOrEqual(Math.ceil(n / 1000));
      expect(a.y.filter((v) => v !== 0).length).toBeGreaterThan(n / 20);
      a.grads.forEach((ga, k) => {
        const gb = b.grads[k]!;
        const m = Math.max(1e-30, ...Array.from(gb, Math.abs));
        expect(Math.max(...Array.from(ga, (v, i) => Math.abs(v - gb[i]!))) / m).toBeLessThan(1e-5);
      });
      // The norm g gets a gradient only where it is below the cap.
      expect(a.grads[2]!.some((v) => v !== 0)).toBe(!binding);
      drop(l);
    }
  });

  it('keeps every channel within its L1 budget, for random and adversarial float weights', () => {
    let checked = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const c = layerCases[seed % layerCases.length]!;
      const bits = 4 + (seed % 7);
      const span = [1, 2, 3, 12, 255][seed % 5]!;
      if (Math.floor((2 ** bits - 1) / span) < 1) continue;
      const l = makeLayer(c, bits, span, seed % 3 === 0 ? 'narrow' : 'wide');
      const n = c.fanIn * c.outC;
      // Adversarial seeds: equal magnitudes, so budget / k lands on integers (trunc's edges).
      const kernel = seed % 4 === 0 ? Float32Array.from(rand(n, seed), (v) => (v >= 0 ? 0.3 : -0.3)) : rand(n, seed, 0.5);
      const mask = Float32Array.from(rand(n, seed + 100), (r) => (r > -0.8 ? 1 : 0));
      const scale = c.perChannel ? Array.from(rand(c.outC, seed + 200, 0.01), (v) => 0.02 + v) : [0.02];
      setState(l, kernel, mask, scale, new Array(c.outC).fill(1e6)); // the cap binds everywhere
      const { q, l1 } = integers(l);
      for (const v of l1) expect(v).toBeLessThanOrEqual(l.l1Budget);
      expect(q.every((v) => v >= l.qmin && v <= l.qmax)).toBe(true);
      checked++;
      drop(l);
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('ramps the budget cubically from the largest L1 to the final one', () => {
    const l = makeLayer(layerCases[0], 7, 3);
    expect(a2qBudgetAt(l, 0, 100)).toBe(40 * 2); // fan-in x max |q| (wide: -2)
    expect(a2qBudgetAt(l, 100, 100)).toBe(l.l1Budget);
    expect(a2qBudgetAt(l, 500, 100)).toBe(l.l1Budget);
    let prev = Infinity;
    for (let s = 0; s <= 100; s += 10) {
      const b = a2qBudgetAt(l, s, 100);
      expect(b).toBeLessThanOrEqual(prev);
      prev = b;
    }
    expect(() => l.setL1Budget(l.l1Budget - 1)).toThrow(/expected >= 42/);
    drop(l);
  });

  it('refuses budgets that hold no synapse, scale modes it cannot learn, and unknown layer names', () => {
    expect(() => makeLayer(layerCases[0], 7, 255)).toThrow(
      /7 bits cannot hold even one synapse of inputs spanning 255: raise a2q.accumulatorBits to at least 8/,
    );
    expect(
      () => new QuantDense({ name: 'd', units: 3, weightBits: 2, weightRange: 'wide', weightScaleMode: 'maxabs', a2q: { accumulatorBits: 8, inputSpan: 3 } }),
    ).toThrow(/layer d: a2q needs a learned weight scale/);
    expect(() => buildModel({ ...cfg('lenet'), a2q: { accumulatorBits: 9, layers: { dense9: 10 } } })).toThrow(
      /a2q.layers: model lenet has no dense\/conv layer named dense9 \(its layers: conv1, conv2, dense3, dense4, classifier\)/,
    );
  });
});

const cfg = (model: ModelConfig['model'], over: Partial<ModelConfig> = {}): ModelConfig => ({
  model,
  inputShape: [28, 28, 1],
  numClasses: 10,
  seed: 3,
  weightBits: 2,
  actBits: 2,
  range: 'wide',
  ...over,
});

describe('A2Q models', () => {
  it('the zoo gives each layer the span of the integers feeding it (pooling included)', () => {
    const m = buildModel(cfg('lenet', { a2q: { accumulatorBits: 9, layers: { classifier: 10, conv1: null } } }));
    const spans = m.layers.filter((l): l is QuantLinear => l instanceof QuantDense || l instanceof QuantConv2D).map((l) => [l.name, l.a2q]);
    expect(spans).toEqual([
      ['conv1', undefined],
      ['conv2', { accumulatorBits: 9, inputSpan: 12 }],
      ['dense3', { accumulatorBits: 9, inputSpan: 12 }],
      ['dense4', { accumulatorBits: 9, inputSpan: 3 }],
      ['classifier', { accumulatorBits: 10, inputSpan: 3 }],
    ]);
    m.dispose();
    const pq = buildModel(cfg('lenet', { poolQuantizer: true, a2q: { accumulatorBits: 8 } }));
    expect(pq.layers.filter((l): l is QuantLinear => l instanceof QuantDense || l instanceof QuantConv2D).map((l) => l.a2q!.inputSpan)).toEqual([
      3, 3, 3, 3, 3,
    ]);
    expect(pq.layers.map((l) => l.name).filter((n) => n.startsWith('pool'))).toEqual(['pool1', 'pool_quant1', 'pool2', 'pool_quant2']);
    pq.dispose();
    const narrow = buildModel(cfg('fcnn', { range: 'narrow', inputBits: 8, a2q: { accumulatorBits: 12 } }));
    expect(narrow.layers.filter((l): l is QuantLinear => l instanceof QuantDense).map((l) => l.a2q!.inputSpan)).toEqual([254, 2, 2]);
    narrow.dispose();
  });

  // Trained for a few steps (the budget ramps over the first half), exported, compiled.
  const trained = [
    { model: 'fcnn', bits: 10, layers: { classifier: 9 }, range: 'wide', active: undefined, pq: false },
    { model: 'fcnn', bits: 7, layers: {}, range: 'narrow', active: 40, pq: false },
    { model: 'lenet', bits: 11, layers: { conv1: 8 }, range: 'wide', active: undefined, pq: false },
    { model: 'cnn6', bits: 9, layers: { conv1: 7 }, range: 'wide', active: 40, pq: true },
  ] as const;

  it.each(trained)(
    '$model A2Q $bits bits ($range, pruned to $active, requantized pools $pq): the export keeps the budget, the compiler sizes it within it, and the graph reproduces the model',
    async (t) => {
      const m = buildModel(cfg(t.model, { range: t.range, poolQuantizer: t.pq, a2q: { accumulatorBits: t.bits, layers: t.layers } }));
      await train(m, trainSet, testSet, {
        epochs: 1,
        batchSize: 64,
        learningRate: 0.01,
        seed: 5,
        ...(t.active ? { pruning: { activeSynapses: t.active } } : {}),
      });
      const graph: TrainedGraph = { ...modelToGraph(m, { name: `a2q-${t.model}`, inputDivisor: 255, training: {} }), data };
      const budgets: Record<string, number> = {};
      for (const l of graph.layers) if (l.type === 'dense' || l.type === 'conv2d') budgets[l.name] = l.accumulatorBits!;
      for (const [name, bits] of Object.entries(budgets)) expect(bits).toBe((t.layers as Record<string, number>)[name] ?? t.bits);
      for (const a of graphAccumulators(graph)) {
        expect(a.spanBits).toBeLessThanOrEqual(budgets[a.name]!);
        expect([a.name, a.maxL1 > 0]).toEqual([a.name, true]); // not trivially: the layer computes something
      }
      // The compiler's exact worst case, per stage: a linear layer's stage takes its name.
      const { report } = compile(graph, { sizing: 'worstCase' });
      for (const st of report.stages) {
        const p = budgets[st.name];
        if (p === undefined) continue; // a sum-pool stage
        // A last stage decoded in the clear counts one bit less (docs/compiler.md).
        expect(st.worstCase.bits).toBeLessThanOrEqual(p);
      }
      expect(report.stages.filter((s) => budgets[s.name] !== undefined).length).toBe(Object.keys(budgets).length);
      // The graph's weights give the trained model's forward exactly (q * s, not the raw kernel).
      const x = tf.tensor(
        Float32Array.from(testSet.images.subarray(0, 32 * 784), (b) => b / 255),
        [32, 28, 28, 1],
      );
      const rebuilt = graphToModel(graph);
      const [a, b] = [m, rebuilt].map((mm) => tf.tidy(() => (mm.apply(x, { training: false }) as tf.Tensor).dataSync()));
      expect(Array.from(a!)).toEqual(Array.from(b!));
      tf.dispose(x);
      rebuilt.dispose();
      m.dispose();
    },
  );
});

describe('trained graph format v3: accumulatorBits', () => {
  let graph: TrainedGraph;
  beforeAll(async () => {
    const m = buildModel(cfg('fcnn', { a2q: { accumulatorBits: 8 } }));
    await train(m, trainSet, testSet, { epochs: 1, batchSize: 128, learningRate: 0.01, seed: 1 });
    graph = { ...modelToGraph(m, { name: 'a2q-format', inputDivisor: 255, training: {} }), data };
    m.dispose();
  });

  it('is written as v3, reads back, and is refused in a v2 manifest', () => {
    const { manifest, payload } = encodeTrainedGraph(graph);
    expect(manifest.version).toBe(3);
    const back = decodeTrainedGraph(JSON.parse(JSON.stringify(manifest)), payload, 'x/graph.json');
    expect(back.layers.map((l) => (l.type === 'dense' ? l.accumulatorBits : undefined)).filter((b) => b !== undefined)).toEqual([8, 8, 8]);
    expect(() => decodeTrainedGraph({ ...manifest, version: 2 }, payload, 'x/graph.json')).toThrow(
      /x\/graph.json: layers\[1\] \(dense1\)\.accumulatorBits: expected absent in a version 2 graph \(it needs version 3\)/,
    );
    const { data: _, ...noData } = graph;
    expect(() => encodeTrainedGraph(noData)).toThrow(/data: expected the training data description \(accumulatorBits needs format version 3/);
  });

  it('rejects a budget the integer weights do not keep, naming the layer, channel and bits', () => {
    const layers = graph.layers.map((l) => (l.type === 'dense' && l.name === 'dense2' ? { ...l, accumulatorBits: 4 } : l));
    const { manifest, payload } = encodeTrainedGraph(graph);
    const json = JSON.parse(JSON.stringify(manifest));
    const i = graph.layers.findIndex((l) => l.name === 'dense2');
    json.layers[i].accumulatorBits = 4;
    expect(() => decodeTrainedGraph(json, payload, 'x/graph.json')).toThrow(
      /x\/graph.json: layers\[5\] \(dense2\)\.accumulatorBits: expected a budget its integer weights keep \(on inputs spanning 3, at most 5 per channel\), got 4, but channel \d+ has L1 norm \d+: a worst-case accumulator of \d+ values, \d+ bits/,
    );
    expect(() => encodeTrainedGraph({ ...graph, layers })).toThrow(/dense2\)\.accumulatorBits/);
    json.layers[i].accumulatorBits = 2.5;
    expect(() => decodeTrainedGraph(json, payload, 'x/graph.json')).toThrow(/accumulatorBits: expected an integer 2..30, got 2.5/);
  });
});
