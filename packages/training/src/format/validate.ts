// Semantic validation of a decoded trained graph: quantizers, shapes flowing layer to layer, array
// lengths, and the FHE rule that every linear layer sees quantized inputs. Run on write and on read.

import type { IntRange } from '@fhenet/quantization';
import type { QuantParams } from './vocab.js';
import { TrainedGraphError, show } from './errors.js';
import { intRangeOf } from './quantizer-range.js';
import { a2qL1Budget, bitsForValues, channelL1Norms, inputSpanOf } from './accumulators.js';
import { ACTIVATIONS, type Conv2dLayer, type DenseLayer, type GraphLayer, type Shape, type TrainedGraph } from './types.js';

const isPosInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const product = (s: Shape): number => s.reduce((a, b) => a * b, 1);
const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
const fmt = (s: Shape): string => `[${s.join(',')}]`;

/**
 * Checks a quantizer: bits 1..16, range, positive finite scales, integer zero points within
 * [qmin, qmax]; `channels` says how many per-channel entries are allowed along `axis`.
 */
export function validateQuantizer(
  q: QuantParams,
  source: string,
  field: string,
  opts: { channelAxis?: number; channels?: number; zeroPointZero?: boolean },
): void {
  const bits = q.bits as number;
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) {
    throw new TrainedGraphError(source, `${field}.bits`, 'an integer 1..16', show(bits));
  }
  if (typeof q.signed !== 'boolean') throw new TrainedGraphError(source, `${field}.signed`, 'a boolean', show(q.signed));
  if (q.range !== 'narrow' && q.range !== 'wide') {
    throw new TrainedGraphError(source, `${field}.range`, '"narrow" or "wide"', show(q.range));
  }
  let range: IntRange;
  try {
    range = intRangeOf(q);
  } catch {
    throw new TrainedGraphError(source, field, 'at least two integer levels', `a single level (${bits}-bit ${q.signed ? 'signed' : 'unsigned'} ${q.range})`);
  }
  const { min, max } = range;
  if (!Array.isArray(q.scale) || q.scale.length === 0) {
    throw new TrainedGraphError(source, `${field}.scale`, 'a non-empty array of numbers', show(q.scale));
  }
  if (!Array.isArray(q.zeroPoint) || q.zeroPoint.length !== q.scale.length) {
    throw new TrainedGraphError(source, `${field}.zeroPoint`, `an array of ${q.scale.length} integers (one per scale)`, show(q.zeroPoint));
  }
  if (q.scale.length === 1) {
    if (q.axis !== undefined) throw new TrainedGraphError(source, `${field}.axis`, 'absent for a per-tensor quantizer (one scale)', show(q.axis));
  } else {
    if (opts.channelAxis === undefined) {
      throw new TrainedGraphError(source, `${field}.scale`, 'one scale (this quantizer is per-tensor only)', `${q.scale.length} scales`);
    }
    if (q.axis !== opts.channelAxis) throw new TrainedGraphError(source, `${field}.axis`, `${opts.channelAxis} (the output-channel axis)`, show(q.axis));
    if (q.scale.length !== opts.channels) {
      throw new TrainedGraphError(source, `${field}.scale`, `1 or ${opts.channels} scales (one per output channel)`, `${q.scale.length}`);
    }
  }
  q.scale.forEach((s, i) => {
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) {
      throw new TrainedGraphError(source, `${field}.scale[${i}]`, 'a positive finite number', show(s));
    }
  });
  q.zeroPoint.forEach((z, i) => {
    if (!Number.isInteger(z)) throw new TrainedGraphError(source, `${field}.zeroPoint[${i}]`, 'an integer', show(z));
    if (opts.zeroPointZero && z !== 0) {
      throw new TrainedGraphError(source, `${field}.zeroPoint[${i}]`, '0 (weight quantizers are symmetric so a pruned weight is exactly 0)', show(z));
    }
    if (z < min || z > max) throw new TrainedGraphError(source, `${field}.zeroPoint[${i}]`, `within [${min}, ${max}]`, show(z));
  });
}

/** Most values one layer may take in or produce (a graph names shapes that need no data, e.g. a pool's). */
export const MAX_GRAPH_VALUES = 2 ** 26;

function checkShape(s: unknown, source: string, field: string): asserts s is Shape {
  if (!Array.isArray(s) || s.length === 0 || s.length > 8 || !s.every(isPosInt)) {
    throw new TrainedGraphError(source, field, 'an array of 1 to 8 positive integers', show(s));
  }
  if (product(s) > MAX_GRAPH_VALUES) throw new TrainedGraphError(source, field, `at most ${MAX_GRAPH_VALUES} values (2^26)`, `${fmt(s)} = ${product(s)}`);
}

function checkLength(a: { length: number } | null, n: number, source: string, field: string, what: string): void {
  if (a === null || a.length !== n) {
    throw new TrainedGraphError(source, field, `${n} values (${what})`, a === null ? 'none' : `${a.length}`);
  }
}

function checkPair(p: unknown, source: string, field: string): asserts p is readonly [number, number] {
  if (!Array.isArray(p) || p.length !== 2 || !p.every(isPosInt)) {
    throw new TrainedGraphError(source, field, 'two positive integers [rows, cols]', show(p));
  }
}

/** The output shape a layer must have, given its input shape and config. */
function expectedOutputShape(layer: GraphLayer, source: string, f: string): Shape {
  const inp = layer.inputShape;
  switch (layer.type) {
    case 'dense': {
      if (inp.length !== 1) throw new TrainedGraphError(source, `${f}.inputShape`, 'rank 1 (flatten before dense)', fmt(inp));
      if (!isPosInt(layer.units)) throw new TrainedGraphError(source, `${f}.units`, 'a positive integer', show(layer.units));
      return [layer.units];
    }
    case 'conv2d': {
      if (inp.length !== 3) throw new TrainedGraphError(source, `${f}.inputShape`, 'rank 3 [h,w,c]', fmt(inp));
      if (!isPosInt(layer.filters)) throw new TrainedGraphError(source, `${f}.filters`, 'a positive integer', show(layer.filters));
      checkPair(layer.kernelSize, source, `${f}.kernelSize`);
      checkPair(layer.strides, source, `${f}.strides`);
      if (layer.padding !== 'same' && layer.padding !== 'valid') {
        throw new TrainedGraphError(source, `${f}.padding`, '"same" or "valid"', show(layer.padding));
      }
      const out = [0, 1].map((a) => {
        const n = inp[a] as number,
          k = layer.kernelSize[a] as number,
          s = layer.strides[a] as number;
        return layer.padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
      });
      if (out.some((v) => v < 1)) throw new TrainedGraphError(source, `${f}.kernelSize`, `at most the input size ${fmt(inp)}`, show(layer.kernelSize));
      return [out[0] as number, out[1] as number, layer.filters];
    }
    case 'avgPool2d': {
      if (inp.length !== 3) throw new TrainedGraphError(source, `${f}.inputShape`, 'rank 3 [h,w,c]', fmt(inp));
      checkPair(layer.poolSize, source, `${f}.poolSize`);
      checkPair(layer.strides, source, `${f}.strides`);
      if ((layer.padding as string) !== 'valid') throw new TrainedGraphError(source, `${f}.padding`, '"valid"', show(layer.padding));
      const out = [0, 1].map((a) => Math.floor(((inp[a] as number) - (layer.poolSize[a] as number)) / (layer.strides[a] as number)) + 1);
      if (out.some((v) => v < 1)) throw new TrainedGraphError(source, `${f}.poolSize`, `at most the input size ${fmt(inp)}`, show(layer.poolSize));
      return [out[0] as number, out[1] as number, inp[2] as number];
    }
    case 'flatten':
      return [product(inp)];
    case 'batchNorm':
    case 'activation':
    case 'quantizer':
      return inp;
  }
}

/**
 * A v3 `accumulatorBits` P: an integer 2..30 that every output channel keeps, span * ||q_c||_1 + 1
 * <= 2^P (docs/trained-graph-format.md, "Accumulator budget").
 */
function checkAccumulatorBudget(layer: DenseLayer | Conv2dLayer, span: number, source: string, fl: string): void {
  const p = layer.accumulatorBits;
  if (!Number.isInteger(p) || (p as number) < 2 || (p as number) > 30) {
    throw new TrainedGraphError(source, `${fl}.accumulatorBits`, 'an integer 2..30', show(p));
  }
  const budget = a2qL1Budget(p as number, span);
  const norms = channelL1Norms(layer);
  const c = norms.findIndex((n) => n > budget);
  if (c >= 0) {
    const values = span * (norms[c] as number) + 1;
    throw new TrainedGraphError(
      source,
      `${fl}.accumulatorBits`,
      `a budget its integer weights keep (on inputs spanning ${span}, at most ${budget} per channel)`,
      `${p}, but channel ${c} has L1 norm ${norms[c]}: a worst-case accumulator of ${values} values, ${bitsForValues(values)} bits`,
    );
  }
}

/** What the values flowing out of a layer are, for the "linear layers see quantized inputs" rule. */
type Domain = 'quantized' | 'pooled' | 'float';

/** Throws a TrainedGraphError naming the first bad field; returns normally if the graph is valid. */
export function validateGraph(g: TrainedGraph, source: string): void {
  if (typeof g.name !== 'string' || g.name.length === 0) throw new TrainedGraphError(source, 'name', 'a non-empty string', show(g.name));
  checkShape(g.inputShape, source, 'inputShape');
  if (!isPosInt(g.numClasses)) throw new TrainedGraphError(source, 'numClasses', 'a positive integer', show(g.numClasses));
  const divisor = g.inputScaling?.divisor;
  if (typeof divisor !== 'number' || !Number.isFinite(divisor) || divisor <= 0) {
    throw new TrainedGraphError(source, 'inputScaling.divisor', 'a positive finite number', show(divisor));
  }
  validateQuantizer(g.inputQuantizer, source, 'inputQuantizer', {});
  if (g.data) {
    // The data must be what the model reads: its samples' shape and one class per logit.
    const d = g.data.domain;
    if (!sameShape(d.sampleShape, g.inputShape))
      throw new TrainedGraphError(source, 'data.domain.sampleShape', `${fmt(g.inputShape)} (inputShape)`, fmt(d.sampleShape));
    if (d.classNames.length !== g.numClasses)
      throw new TrainedGraphError(source, 'data.domain.classNames', `${g.numClasses} names (numClasses)`, `${d.classNames.length}`);
  }
  if (!Array.isArray(g.layers) || g.layers.length === 0) throw new TrainedGraphError(source, 'layers', 'a non-empty array', show(g.layers));

  let shape: Shape = g.inputShape;
  let domain: Domain = 'quantized';
  // The quantizer whose integers the next linear layer reads, and the pooling area in between.
  let feeding: QuantParams = g.inputQuantizer;
  let pool = 1;
  const names = new Set<string>();
  g.layers.forEach((layer, i) => {
    const f = `layers[${i}]`;
    if (typeof layer.name !== 'string' || layer.name.length === 0) throw new TrainedGraphError(source, `${f}.name`, 'a non-empty string', show(layer.name));
    if (names.has(layer.name)) throw new TrainedGraphError(source, `${f}.name`, 'a name unique in the graph', show(layer.name));
    names.add(layer.name);
    const fl = `${f} (${layer.name})`;
    checkShape(layer.inputShape, source, `${fl}.inputShape`);
    checkShape(layer.outputShape, source, `${fl}.outputShape`);
    if (!sameShape(layer.inputShape, shape)) {
      throw new TrainedGraphError(source, `${fl}.inputShape`, `${fmt(shape)} (the previous layer's output)`, fmt(layer.inputShape));
    }
    const out = expectedOutputShape(layer, source, fl);
    if (!sameShape(layer.outputShape, out)) throw new TrainedGraphError(source, `${fl}.outputShape`, fmt(out), fmt(layer.outputShape));

    switch (layer.type) {
      case 'dense':
      case 'conv2d': {
        if (domain === 'float') {
          throw new TrainedGraphError(source, `${fl}`, 'a quantized input (put a quantizer layer before every dense/conv2d)', 'a float input');
        }
        const inC = layer.inputShape[layer.inputShape.length - 1] as number;
        const outC = layer.type === 'dense' ? layer.units : layer.filters;
        const wShape = layer.type === 'dense' ? [inC, outC] : [layer.kernelSize[0], layer.kernelSize[1], inC, outC];
        const n = product(wShape);
        checkLength(layer.weights, n, source, `${fl}.weights`, `${wShape.join('x')} floats`);
        checkLength(layer.mask, n, source, `${fl}.mask`, `${wShape.join('x')} synapses`);
        const badMask = layer.mask.findIndex((m: number) => m !== 0 && m !== 1);
        if (badMask >= 0) throw new TrainedGraphError(source, `${fl}.mask[${badMask}]`, '0 or 1', show(layer.mask[badMask]));
        if (layer.bias !== null) checkLength(layer.bias, outC, source, `${fl}.bias`, `one per output channel`);
        const badW = layer.weights.findIndex((w: number) => !Number.isFinite(w));
        if (badW >= 0) throw new TrainedGraphError(source, `${fl}.weights[${badW}]`, 'a finite number', show(layer.weights[badW]));
        validateQuantizer(layer.weightQuantizer, source, `${fl}.weightQuantizer`, {
          channelAxis: wShape.length - 1,
          channels: outC,
          zeroPointZero: true,
        });
        if (!layer.weightQuantizer.signed) {
          throw new TrainedGraphError(source, `${fl}.weightQuantizer.signed`, 'true (weights are signed)', 'false');
        }
        if (layer.accumulatorBits !== undefined) checkAccumulatorBudget(layer, inputSpanOf(feeding, pool), source, fl);
        domain = 'float';
        break;
      }
      case 'batchNorm': {
        const c = layer.inputShape[layer.inputShape.length - 1] as number;
        for (const k of ['gamma', 'beta', 'movingMean', 'movingVariance'] as const) {
          checkLength(layer[k], c, source, `${fl}.${k}`, 'one per channel (last axis)');
        }
        const badVar = layer.movingVariance.findIndex((v: number) => !(v >= 0));
        if (badVar >= 0) throw new TrainedGraphError(source, `${fl}.movingVariance[${badVar}]`, '>= 0', show(layer.movingVariance[badVar]));
        if (typeof layer.epsilon !== 'number' || !(layer.epsilon > 0)) {
          throw new TrainedGraphError(source, `${fl}.epsilon`, 'a positive number', show(layer.epsilon));
        }
        domain = 'float';
        break;
      }
      case 'activation':
        if (!(ACTIVATIONS as readonly string[]).includes(layer.activation)) {
          throw new TrainedGraphError(source, `${fl}.activation`, `one of ${ACTIVATIONS.join(', ')}`, show(layer.activation));
        }
        if (layer.activation === 'leakyRelu' ? typeof layer.alpha !== 'number' || !Number.isFinite(layer.alpha) : layer.alpha !== undefined) {
          throw new TrainedGraphError(
            source,
            `${fl}.alpha`,
            layer.activation === 'leakyRelu' ? 'a finite number' : 'absent (only leakyRelu has alpha)',
            show(layer.alpha),
          );
        }
        domain = 'float';
        break;
      case 'quantizer':
        validateQuantizer(layer.quantizer, source, `${fl}.quantizer`, {});
        domain = 'quantized';
        feeding = layer.quantizer;
        pool = 1;
        break;
      case 'avgPool2d':
        if (domain === 'float') {
          throw new TrainedGraphError(
            source,
            `${fl}`,
            'a quantized input (average pooling must follow a quantizer so it stays a linear integer op)',
            'a float input',
          );
        }
        domain = 'pooled';
        pool *= layer.poolSize[0] * layer.poolSize[1];
        break;
      case 'flatten':
        break;
      default:
        throw new TrainedGraphError(source, `${f}.type`, 'a known layer type', show((layer as { type: unknown }).type));
    }
    shape = layer.outputShape;
  });
  if (!sameShape(shape, [g.numClasses])) {
    throw new TrainedGraphError(source, `layers[${g.layers.length - 1}].outputShape`, `[${g.numClasses}] (numClasses logits)`, fmt(shape));
  }
}
