// Exact accumulator bounds of every linear layer of a trained graph, from its integer (masked)
// weights and the integer range of its quantized input: what the pruning must guarantee.

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
  for (let o = 0; o < outC; o++) {
    let active = 0;
    for (let i = 0; i < fanIn; i++) {
      rows[o * fanIn + i] = qw[i * outC + o] as number;
      active += l.mask[i * outC + o] as number;
    }
    maxActive = Math.max(maxActive, active);
  }
  const ranges = accumulatorRanges(rows, [outC, fanIn], inputRange);
  const range = ranges.reduce((a, b) => ({ min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) }), { min: 0, max: 0 });
  return { name: l.name, maxActiveSynapses: maxActive, inputRange, range, bits: signedBits(range) };
}
