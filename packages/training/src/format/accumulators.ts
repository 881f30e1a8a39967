// Exact accumulator bounds of every linear layer of a trained graph, from its integer (masked)
// weights and the integer range of its quantized input: what pruning or the accumulator-aware
// constraint (A2Q) must guarantee.

import { accumulatorRanges, signedBits, type IntRange } from '@fhenet/quantization';
import { intRangeOf, quantizeWeights } from './quantizer-range.js';
import type { LinearLayer, TrainedGraph } from './types.js';
import type { QuantParams } from './vocab.js';

export interface LayerAccumulator {
  readonly name: string;
  /** Largest number of active synapses of any output neuron. */
  readonly maxActiveSynapses: number;
  /** Range of the zero-point-centred integer inputs, sum-pooling included. */
  readonly inputRange: IntRange;
  /** Exact union over neurons of [min, max] of Σ (q_x - z_x) q_w over active synapses. */
  readonly range: IntRange;
  /** Signed bits that hold `range`. */
  readonly bits: number;
  /**
   * Bits of the widest channel's own worst-case range (max - min + 1 values): what the compiler's
   * worst-case sizing needs, since it shifts every channel separately. At most `bits`.
   */
  readonly spanBits: number;
  /** Largest L1 norm of one output channel's integer weights. */
  readonly maxL1: number;
  /** The budget the graph records (format v3, A2Q), if any. */
  readonly accumulatorBits?: number;
}

/**
 * The largest L1 norm of a channel's integer weights whose worst-case accumulator, over inputs in
 * an interval of width `inputSpan`, takes at most 2^accumulatorBits values: span * L1 + 1 <= 2^P.
 */
export function a2qL1Budget(accumulatorBits: number, inputSpan: number): number {
  return Math.floor((2 ** accumulatorBits - 1) / inputSpan);
}

/** Bits that index `values` distinct values (at least 1). */
export function bitsForValues(values: number): number {
  return Math.max(1, Math.ceil(Math.log2(values)));
}

/** L1 norm of each output channel's masked integer weights (kernel layout [fanIn, outC] flattened). */
export function channelL1Norms(l: LinearLayer): Float64Array {
  const outC = l.type === 'dense' ? l.units : l.filters;
  const qw = quantizeWeights(l.weights, l.mask, l.weightQuantizer, outC);
  const out = new Float64Array(outC);
  for (let i = 0; i < qw.length; i++) out[i % outC]! += Math.abs(qw[i] as number);
  return out;
}

/**
 * Width (max - min) of the zero-point-centred integer inputs of a linear layer fed by quantizer
 * `q` through average pooling of total window area `pool` (1 if none).
 */
export function inputSpanOf(q: QuantParams, pool: number): number {
  const r = intRangeOf(q);
  return (r.max - r.min) * pool;
}

/** Accumulator bounds of each dense/conv2d layer, in graph order. */
export function graphAccumulators(graph: TrainedGraph): LayerAccumulator[] {
  const out: LayerAccumulator[] = [];
  let q: QuantParams = graph.inputQuantizer;
  let pool = 1;
  for (const l of graph.layers) {
    if (l.type === 'quantizer') {
      q = l.quantizer;
      pool = 1;
    } else if (l.type === 'avgPool2d') {
      pool *= l.poolSize[0] * l.poolSize[1];
    } else if (l.type === 'dense' || l.type === 'conv2d') {
      out.push(layerAccumulator(l, q, pool));
    }
  }
  return out;
}

function layerAccumulator(l: LinearLayer, q: QuantParams, pool: number): LayerAccumulator {
  const r = intRangeOf(q);
  const z = q.zeroPoint[0] as number;
  const inputRange = { min: (r.min - z) * pool + 0, max: (r.max - z) * pool + 0 };
  const outC = l.type === 'dense' ? l.units : l.filters;
  const fanIn = l.weights.length / outC;
  const qw = quantizeWeights(l.weights, l.mask, l.weightQuantizer, outC);
  // Kernel layout is [fanIn, outC]; accumulatorRanges wants rows per output neuron.
  const rows = new Int32Array(qw.length);
  let maxActive = 0;
  let maxL1 = 0;
  for (let o = 0; o < outC; o++) {
    let active = 0;
    let l1 = 0;
    for (let i = 0; i < fanIn; i++) {
      const w = qw[i * outC + o] as number;
      rows[o * fanIn + i] = w;
      l1 += Math.abs(w);
      active += l.mask[i * outC + o] as number;
    }
    maxActive = Math.max(maxActive, active);
    maxL1 = Math.max(maxL1, l1);
  }
  const ranges = accumulatorRanges(rows, [outC, fanIn], inputRange);
  const range = ranges.reduce((a, b) => ({ min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) }), { min: 0, max: 0 });
  const widest = ranges.reduce((a, b) => Math.max(a, b.max - b.min + 1), 1);
  return {
    name: l.name,
    maxActiveSynapses: maxActive,
    inputRange,
    range,
    bits: signedBits(range),
    spanBits: bitsForValues(widest),
    maxL1,
    ...(l.accumulatorBits === undefined ? {} : { accumulatorBits: l.accumulatorBits }),
  };
}
