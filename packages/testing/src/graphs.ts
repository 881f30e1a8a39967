// Hand-made trained graphs (docs/trained-graph-format.md) and an independent float32 reference
// forward of the format's documented semantics, op by op as tfjs computes it.
import { quantRange, type QuantParams } from '@fhenet/quantization';
import { quantizeValue, validateGraph, type GraphLayer, type TrainedGraph } from '@fhenet/training';
import { randInt, rng } from './circuits.js';

const qp = (bits: number, signed: boolean, range: 'narrow' | 'wide', scale: number[], zeroPoint: number[], axis?: number): QuantParams =>
  ({ bits, signed, range, scale: scale.map(Math.fround), zeroPoint, ...(axis === undefined ? {} : { axis }) }) as unknown as QuantParams;

function floats(r: () => number, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

function mask(r: () => number, n: number, density: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => (r() < density ? 1 : 0));
}

/** 4x4x1 image -> flatten -> dense 12 (relu, 2-bit) -> dense 12 (bn, relu, 3-bit) -> dense 3 (float logits). */
export function fcnnGraph(seed: number, range: 'narrow' | 'wide' = 'wide'): TrainedGraph {
  const r = rng(seed);
  const wq = (units: number) =>
    qp(
      2,
      true,
      range,
      Array.from({ length: units }, () => 0.05 + r() * 0.1),
      new Array(units).fill(0),
      1,
    );
  const dense = (name: string, nIn: number, units: number): GraphLayer => ({
    type: 'dense',
    name,
    inputShape: [nIn],
    outputShape: [units],
    units,
    weights: floats(r, nIn * units, 0.15),
    bias: floats(r, units, 0.1),
    mask: mask(r, nIn * units, 0.7),
    weightQuantizer: wq(units),
  });
  const layers: GraphLayer[] = [
    { type: 'flatten', name: 'flatten', inputShape: [4, 4, 1], outputShape: [16] },
    dense('dense1', 16, 12),
    { type: 'activation', name: 'relu1', inputShape: [12], outputShape: [12], activation: 'relu' },
    { type: 'quantizer', name: 'q1', inputShape: [12], outputShape: [12], quantizer: qp(2, false, 'wide', [0.1 + r() * 0.05], [0]) },
    dense('dense2', 12, 12),
    {
      type: 'batchNorm',
      name: 'bn2',
      inputShape: [12],
      outputShape: [12],
      epsilon: 0.001,
      gamma: Float32Array.from({ length: 12 }, () => 0.5 + r()),
      beta: floats(r, 12, 0.1),
      movingMean: floats(r, 12, 0.05),
      movingVariance: Float32Array.from({ length: 12 }, () => 0.01 + r() * 0.02),
    },
    { type: 'activation', name: 'relu2', inputShape: [12], outputShape: [12], activation: 'relu' },
    { type: 'quantizer', name: 'q2', inputShape: [12], outputShape: [12], quantizer: qp(3, false, 'wide', [0.3 + r() * 0.1], [0]) },
    dense('logits', 12, 3),
  ];
  const g: TrainedGraph = {
    name: 'test-fcnn',
    inputShape: [4, 4, 1],
    inputScaling: { divisor: 255 },
    numClasses: 3,
    inputQuantizer: qp(2, false, 'wide', [Math.fround(1 / 3)], [0]),
    layers,
    training: {},
  };
  validateGraph(g, 'fcnnGraph');
  return g;
}

/**
 * size x size x 1 -> conv 3x3 same, 4 filters -> tanh -> 3-bit quantizer (zero point 3) -> avgPool
 * 2x2 (floor(size / 2)): the head convGraph and poolConvGraph share (random draws in this order).
 */
function convTanhPool(r: () => number, size: number): GraphLayer[] {
  const p = Math.floor(size / 2);
  return [
    {
      type: 'conv2d',
      name: 'conv1',
      inputShape: [size, size, 1],
      outputShape: [size, size, 4],
      filters: 4,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      weights: floats(r, 36, 0.3),
      bias: floats(r, 4, 0.1),
      mask: mask(r, 36, 0.8),
      weightQuantizer: qp(2, true, 'narrow', [0.1], [0]),
    },
    { type: 'activation', name: 'act1', inputShape: [size, size, 4], outputShape: [size, size, 4], activation: 'tanh' },
    { type: 'quantizer', name: 'q1', inputShape: [size, size, 4], outputShape: [size, size, 4], quantizer: qp(3, false, 'wide', [0.15], [3]) },
    { type: 'avgPool2d', name: 'pool', inputShape: [size, size, 4], outputShape: [p, p, 4], poolSize: [2, 2], strides: [2, 2], padding: 'valid' },
  ];
}

/** 6x6x1 -> conv 3x3 same, 4 filters, signed 3-bit act (zero point != 0) -> avgPool 2x2 -> quantizer -> flatten -> dense 3 + quantizer. */
export function convGraph(seed: number, quantizeAfterPool = true): TrainedGraph {
  const r = rng(seed);
  const layers: GraphLayer[] = [
    ...convTanhPool(r, 6),
    ...(quantizeAfterPool
      ? [{ type: 'quantizer', name: 'q2', inputShape: [3, 3, 4], outputShape: [3, 3, 4], quantizer: qp(3, true, 'wide', [0.1], [1]) } as GraphLayer]
      : []),
    { type: 'flatten', name: 'flat', inputShape: [3, 3, 4], outputShape: [36] },
    {
      type: 'dense',
      name: 'fc',
      inputShape: [36],
      outputShape: [3],
      units: 3,
      weights: floats(r, 108, 0.3),
      bias: floats(r, 3, 0.1),
      mask: mask(r, 108, 0.6),
      weightQuantizer: qp(3, true, 'wide', [0.08], [0]),
    },
    { type: 'quantizer', name: 'qout', inputShape: [3], outputShape: [3], quantizer: qp(4, true, 'wide', [0.2], [0]) },
  ];
  const g: TrainedGraph = {
    name: 'test-conv',
    inputShape: [6, 6, 1],
    inputScaling: { divisor: 255 },
    numClasses: 3,
    inputQuantizer: qp(3, true, 'wide', [Math.fround(1 / 7)], [-4]),
    layers,
    training: {},
  };
  validateGraph(g, 'convGraph');
  return g;
}

/**
 * size x size x 1 -> conv 3x3 same, 4 filters, 3-bit act with zero point 3 -> avgPool 2x2 (no
 * quantizer: an identity stage the compiler folds) -> conv 3x3 (`padding`), 3 filters, relu,
 * 2-bit -> flatten -> dense 3 (float logits). With an odd size the pool skips the last row and
 * column, which the compiler cannot fold.
 */
export function poolConvGraph(seed: number, size = 8, padding: 'same' | 'valid' = 'same'): TrainedGraph {
  const r = rng(seed);
  const p = Math.floor(size / 2);
  const o = padding === 'same' ? p : p - 2;
  const layers: GraphLayer[] = [
    ...convTanhPool(r, size),
    {
      type: 'conv2d',
      name: 'conv2',
      inputShape: [p, p, 4],
      outputShape: [o, o, 3],
      filters: 3,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding,
      weights: floats(r, 108, 0.3),
      bias: floats(r, 3, 0.1),
      mask: mask(r, 108, 0.7),
      weightQuantizer: qp(3, true, 'wide', [0.05], [0]),
    },
    { type: 'activation', name: 'relu2', inputShape: [o, o, 3], outputShape: [o, o, 3], activation: 'relu' },
    { type: 'quantizer', name: 'q2', inputShape: [o, o, 3], outputShape: [o, o, 3], quantizer: qp(2, false, 'wide', [0.2], [0]) },
    { type: 'flatten', name: 'flat', inputShape: [o, o, 3], outputShape: [o * o * 3] },
    {
      type: 'dense',
      name: 'fc',
      inputShape: [o * o * 3],
      outputShape: [3],
      units: 3,
      weights: floats(r, o * o * 9, 0.3),
      bias: floats(r, 3, 0.1),
      mask: mask(r, o * o * 9, 0.6),
      weightQuantizer: qp(3, true, 'wide', [0.08], [0]),
    },
  ];
  const g: TrainedGraph = {
    name: 'test-pool-conv',
    inputShape: [size, size, 1],
    inputScaling: { divisor: 255 },
    numClasses: 3,
    inputQuantizer: qp(3, true, 'wide', [Math.fround(1 / 7)], [-4]),
    layers,
    training: {},
  };
  validateGraph(g, 'poolConvGraph');
  return g;
}

export function randomBytes(seed: number, n: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => randInt(r, 0, 255));
}

export interface ReferenceResult {
  readonly logits: Float32Array;
  /** Per quantizer layer (in order): the integers and the pre-rounding values fround(x / s). */
  readonly quantized: { readonly name: string; readonly q: Int32Array; readonly t: Float32Array }[];
}

const f = Math.fround;
/** Fake-quantized weights per layer, computed once. */
const fakeWeights = new WeakMap<object, Float32Array>();

/** The format's forward for one sample, every op in float32, sums accumulated left to right. */
export function referenceForward(g: TrainedGraph, raw: ArrayLike<number>): ReferenceResult {
  const quantized: ReferenceResult['quantized'] = [];
  const quant = (name: string, x: Float32Array, p: QuantParams): Float32Array => {
    const s = f(p.scale[0]!);
    const z = p.zeroPoint[0]!;
    const q = Int32Array.from(x, (v) => quantizeValue(v, p));
    quantized.push({ name, q, t: Float32Array.from(x, (v) => f(v / s)) });
    return Float32Array.from(q, (v) => f(f(v - z) * s));
  };
  let x = quant(
    'input',
    Float32Array.from(raw, (v) => f(v) / f(g.inputScaling.divisor)),
    g.inputQuantizer,
  );
  for (const l of g.layers) {
    switch (l.type) {
      case 'flatten':
        break;
      case 'quantizer':
        x = quant(l.name, x, l.quantizer);
        break;
      case 'activation': {
        const act: Record<string, (v: number) => number> = { relu: (v) => Math.max(0, v), tanh: Math.tanh, linear: (v) => v };
        x = x.map((v) => f(act[l.activation]!(v)));
        break;
      }
      case 'batchNorm':
        x = x.map((v, i) => {
          const c = i % l.gamma.length;
          return f(f(f(f(v - l.movingMean[c]!) * l.gamma[c]!) / f(Math.sqrt(f(l.movingVariance[c]! + f(l.epsilon))))) + l.beta[c]!);
        });
        break;
      case 'avgPool2d': {
        const [h, w, c] = l.inputShape as [number, number, number];
        const [oh, ow] = l.outputShape as [number, number];
        const [ph, pw] = l.poolSize;
        const out = new Float32Array(oh * ow * c);
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let k = 0; k < c; k++) {
              let s = 0;
              for (let a = 0; a < ph; a++) for (let b = 0; b < pw; b++) s = f(s + x[((i * l.strides[0] + a) * w + j * l.strides[1] + b) * c + k]!);
              out[(i * ow + j) * c + k] = f(s / (ph * pw));
            }
        void h;
        x = out;
        break;
      }
      case 'dense':
      case 'conv2d': {
        const channels = l.type === 'dense' ? l.units : l.filters;
        const wq = l.weightQuantizer;
        let what = fakeWeights.get(l);
        if (!what) {
          what = Float32Array.from(l.weights, (w, i) => {
            const c = i % channels;
            return l.mask[i] ? f(f(wq.scale.length === 1 ? wq.scale[0]! : wq.scale[c]!) * quantizeValue(w, wq, c)) : 0;
          });
          fakeWeights.set(l, what);
        }
        if (l.type === 'dense') {
          const nIn = x.length;
          const y = new Float32Array(channels);
          for (let o = 0; o < channels; o++) {
            let s = 0;
            for (let i = 0; i < nIn; i++) s = f(s + f(x[i]! * what[i * channels + o]!));
            y[o] = l.bias ? f(s + l.bias[o]!) : s;
          }
          x = y;
        } else {
          const [h, w, cin] = l.inputShape as [number, number, number];
          const [oh, ow] = l.outputShape as [number, number];
          const [kh, kw] = l.kernelSize;
          const padT = l.padding === 'same' ? Math.floor(Math.max((oh - 1) * l.strides[0] + kh - h, 0) / 2) : 0;
          const padL = l.padding === 'same' ? Math.floor(Math.max((ow - 1) * l.strides[1] + kw - w, 0) / 2) : 0;
          const y = new Float32Array(oh * ow * channels);
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++)
              for (let o = 0; o < channels; o++) {
                let s = 0;
                for (let a = 0; a < kh; a++)
                  for (let b = 0; b < kw; b++)
                    for (let c = 0; c < cin; c++) {
                      const yy = i * l.strides[0] + a - padT;
                      const xx = j * l.strides[1] + b - padL;
                      if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                      s = f(s + f(x[(yy * w + xx) * cin + c]! * what[((a * kw + b) * cin + c) * channels + o]!));
                    }
                y[(i * ow + j) * channels + o] = l.bias ? f(s + l.bias[o]!) : s;
              }
          x = y;
        }
        break;
      }
    }
  }
  return { logits: x, quantized };
}

export { quantRange };
