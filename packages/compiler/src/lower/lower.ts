// Lowering a trained graph (docs/trained-graph-format.md) to unsized integer stages: each linear
// layer becomes clear integer weights plus a per-output zero-point fold, and the univariate tail
// up to the next quantizer becomes one chain function per output channel (eq. 1-3). Sizing (the
// shift into [0, 2^bits) and the tables) happens later, in size.ts, once the ranges are known.

import { quantRange, type IntRange, type QuantParams } from '@fhenet/quantization';
import { quantizeWeights, type GraphLayer, type TrainedGraph } from '@fhenet/training/format';
import { windowPlan } from '@fhenet/circuit';
import type { Conv2dOp, DenseOp, SumPoolOp } from '@fhenet/circuit';
import { LoweringError } from '../errors.js';
import { buildChain, type ChainPrecision, type ChainSpec } from './chain.js';
import { foldSumPool } from './fold-pools.js';
import type { LoweredGraph, LoweredStage } from './lowered.js';

/** The quantizer that produced a stage's input integers. */
interface InputQuant {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly range: IntRange;
}

const perTensor = (q: QuantParams) => ({ scale: q.scale[0] as number, zeroPoint: q.zeroPoint[0] as number, range: quantRange(q) });

export interface LowerOptions {
  /**
   * Fold every sum pool that feeds a linear layer directly into that layer (fold-pools.ts): the
   * same accumulators without the pool's identity lookups. Default true.
   */
  readonly foldPools?: boolean;
}

export function lowerGraph(graph: TrainedGraph, precision: ChainPrecision = 'float32', options: LowerOptions = {}): LoweredGraph {
  const stages: LoweredStage[] = [];
  const folded: { readonly pool: string; readonly into: string }[] = [];
  // An identity pool stage waiting for the next linear stage, which may absorb it.
  let pendingPool: LoweredStage | null = null;
  const layers = graph.layers;
  let input: InputQuant = perTensor(graph.inputQuantizer);
  let i = 0;
  while (i < layers.length) {
    const layer = layers[i]!;
    if (layer.type === 'flatten') {
      i++;
      continue; // row-major NHWC flatten is the identity on flat indices
    }
    if (layer.type !== 'dense' && layer.type !== 'conv2d' && layer.type !== 'avgPool2d') {
      throw new LoweringError(layer.name, `a ${layer.type} layer must follow a dense, conv2d or avgPool2d layer (its input is not an integer accumulator)`);
    }
    const z = input.zeroPoint;
    const inputRange = { min: input.range.min - z, max: input.range.max - z };
    const { linear, fold, unit, bias, weightRange } = lowerLinear(layer, input);
    // Collect the univariate tail up to the next quantizer, a linear layer, or the end.
    const spec = {
      batchNorms: [] as Extract<GraphLayer, { type: 'batchNorm' }>[],
      activations: [] as Extract<GraphLayer, { type: 'activation' }>[],
      order: [] as ('batchNorm' | 'activation')[],
    };
    let j = i + 1;
    let quantizer: QuantParams | null = null;
    for (; j < layers.length; j++) {
      const t = layers[j]!;
      if (t.type === 'flatten') continue;
      if (t.type === 'batchNorm') spec.batchNorms.push(t), spec.order.push('batchNorm');
      else if (t.type === 'activation') spec.activations.push(t), spec.order.push('activation');
      else if (t.type === 'quantizer') {
        quantizer = t.quantizer;
        j++;
        break;
      } else break;
    }
    const end = j >= layers.length;
    let outputQuantizer: InputQuant | null;
    if (quantizer) {
      if (quantizer.scale.length !== 1)
        throw new LoweringError(layers[j - 1]!.name, `activation quantizers must be per-tensor, got ${quantizer.scale.length} scales`);
      outputQuantizer = perTensor(quantizer);
    } else if (end) {
      outputQuantizer = null; // float logits: the client evaluates the tail
    } else if (layer.type === 'avgPool2d' && spec.order.length === 0) {
      // A pool feeding a linear layer: the pooled sum itself is the next integer, scale s_x / k.
      const k = layer.poolSize[0] * layer.poolSize[1];
      outputQuantizer = { scale: input.scale / k, zeroPoint: 0, range: { min: inputRange.min * k, max: inputRange.max * k } };
    } else {
      throw new LoweringError(layers[j]!.name, `its input is not quantized: put a quantizer after layer "${layer.name}"'s univariate tail`);
    }
    const chainSpec: ChainSpec = { unit, bias, ...spec, quantizer: outputQuantizer };
    const identity = layer.type === 'avgPool2d' && !quantizer && !end;
    const stage: LoweredStage = {
      name: layer.name,
      linear,
      fold,
      inputRange,
      weightRange,
      chain: identity ? (_c, acc) => acc : buildChain(chainSpec, precision),
      outputQuantizer,
    };
    const merged = pendingPool ? foldSumPool(pendingPool, stage) : null;
    if (pendingPool && merged) folded.push({ pool: pendingPool.name, into: stage.name });
    else if (pendingPool) stages.push(pendingPool);
    pendingPool = null;
    if (identity && options.foldPools !== false) pendingPool = stage;
    else stages.push(merged ?? stage);
    if (outputQuantizer) input = outputQuantizer;
    i = j;
  }
  if (stages.length === 0) throw new LoweringError(graph.name, 'the graph has no dense, conv2d or avgPool2d layer');
  return {
    name: graph.name,
    inputShape: graph.inputShape,
    inputScaling: graph.inputScaling,
    inputQuantizer: graph.inputQuantizer,
    stages,
    ...(folded.length > 0 ? { foldedPools: folded } : {}),
    ...(graph.data ? { data: graph.data.domain } : {}),
  };
}

function lowerLinear(layer: Extract<GraphLayer, { type: 'dense' | 'conv2d' | 'avgPool2d' }>, input: InputQuant) {
  const z = input.zeroPoint;
  const sx = input.scale;
  if (layer.type === 'avgPool2d') {
    const [h, w, c] = layer.inputShape as [number, number, number];
    const [oh, ow] = layer.outputShape as [number, number, number];
    const k = layer.poolSize[0] * layer.poolSize[1];
    const linear: SumPoolOp = { kind: 'sumPool', inputShape: [h, w, c], outputShape: [oh, ow, c], poolSize: layer.poolSize, strides: layer.strides };
    const fold = new Int32Array(oh * ow * c).fill(-z * k);
    // tfjs avgPool: the window mean of the dequantized values.
    return { linear, fold, unit: () => sx / k, bias: null, weightRange: { min: 1, max: 1 } };
  }
  const wq = layer.weightQuantizer;
  const channels = layer.type === 'dense' ? layer.units : layer.filters;
  const qw = quantizeWeights(layer.weights, layer.mask, wq, channels);
  const weightRange = quantRange(wq);
  const sw = (c: number) => (wq.scale.length === 1 ? wq.scale[0] : wq.scale[c]) as number;
  const unit = (c: number) => Math.fround(sx) * Math.fround(sw(c));
  if (layer.type === 'dense') {
    const nIn = qw.length / channels;
    const rowPtr = new Int32Array(channels + 1);
    const cols: number[] = [];
    const weights: number[] = [];
    const fold = new Int32Array(channels);
    for (let o = 0; o < channels; o++) {
      let sum = 0;
      for (let k = 0; k < nIn; k++) {
        const v = qw[k * channels + o] as number;
        if (v === 0) continue;
        cols.push(k);
        weights.push(v);
        sum += v;
      }
      rowPtr[o + 1] = cols.length;
      fold[o] = -z * sum;
    }
    const linear: DenseOp = { kind: 'dense', inputSize: nIn, outputSize: channels, rowPtr, cols: Int32Array.from(cols), weights: Int32Array.from(weights) };
    return { linear, fold, unit, bias: layer.bias, weightRange };
  }
  const [h, w, cin] = layer.inputShape as [number, number, number];
  const [oh, ow] = layer.outputShape as [number, number, number];
  const [kh, kw] = layer.kernelSize;
  const [sh, sw2] = layer.strides;
  const pad = (size: number, out: number, k: number, s: number) => (layer.padding === 'valid' ? 0 : Math.floor(Math.max((out - 1) * s + k - size, 0) / 2));
  const linear: Conv2dOp = {
    kind: 'conv2d',
    inputShape: [h, w, cin],
    outputShape: [oh, ow, channels],
    kernelSize: [kh, kw],
    strides: [sh, sw2],
    padBefore: [pad(h, oh, kh, sh), pad(w, ow, kw, sw2)],
    weights: qw,
  };
  // Fold: -z times the weights of the taps that land inside the input (padding is real 0).
  const taps = kh * kw;
  const tapSum = new Int32Array(taps * channels);
  for (let t = 0; t < taps; t++)
    for (let c = 0; c < cin; c++) for (let f = 0; f < channels; f++) tapSum[t * channels + f]! += qw[(t * cin + c) * channels + f] as number;
  const { gather } = windowPlan(linear);
  const fold = new Int32Array(oh * ow * channels);
  for (let p = 0; p < oh * ow; p++) {
    for (let f = 0; f < channels; f++) {
      let s = 0;
      for (let t = 0; t < taps; t++) if ((gather[p * taps + t] as number) >= 0) s += tapSum[t * channels + f] as number;
      fold[p * channels + f] = -z * s;
    }
  }
  return { linear, fold, unit, bias: layer.bias, weightRange };
}
