// The univariate chain after a linear op (eq. 3 and what follows it): rescale the integer
// accumulator, add the bias, batch norm, activation, and requantize to the next quantizer. It is
// evaluated op by op in the SAME order as the fake-quantized tfjs forward, every intermediate
// rounded to float32 as tfjs tensors are (precision 'float32'), or kept in float64 ('float64').
// The two differ only where a value sits within float32 rounding of a quantizer tie; the compiler
// can count those (see countPrecisionTies).

import { roundHalfToEven } from '@fhenet/quantization';
import type { IntRange } from '@fhenet/quantization';
import type { ActivationName, BatchNormLayer } from '@fhenet/training/format';

export type ChainPrecision = 'float32' | 'float64';

/** One univariate step on channel c. */
type Step = (x: number, c: number) => number;

export interface ChainSpec {
  /** Per channel: real value of one accumulator unit (s_x * s_w[c], or s_x / poolSize). */
  readonly unit: (c: number) => number;
  readonly bias: Float32Array | null;
  readonly batchNorms: readonly BatchNormLayer[];
  readonly activations: readonly { readonly activation: ActivationName; readonly alpha?: number }[];
  /** Requantization at the end, or null for the float logits of a graph without a final quantizer. */
  readonly quantizer: { readonly scale: number; readonly zeroPoint: number; readonly range: IntRange } | null;
  /** Order of the bias/batchNorm/activation steps, as they appear in the graph. */
  readonly order: readonly ('batchNorm' | 'activation')[];
}

/** f(c, acc): the fused table function of one stage. */
export type ChainFn = (c: number, acc: number) => number;

export function buildChain(spec: ChainSpec, precision: ChainPrecision): ChainFn {
  const r = precision === 'float32' ? Math.fround : (x: number) => x;
  const steps: Step[] = [];
  if (spec.bias) {
    const b = spec.bias;
    steps.push((x, c) => r(x + (b[c] as number)));
  }
  let bn = 0;
  let act = 0;
  for (const kind of spec.order) {
    if (kind === 'batchNorm') {
      const l = spec.batchNorms[bn++]!;
      // y = (x - mean) * gamma / sqrt(var + epsilon) + beta, left to right (docs/trained-graph-format.md)
      steps.push((x, c) => {
        const t = r(r(x - (l.movingMean[c] as number)) * (l.gamma[c] as number));
        return r(r(t / r(Math.sqrt(r((l.movingVariance[c] as number) + r(l.epsilon))))) + (l.beta[c] as number));
      });
    } else {
      const a = spec.activations[act++]!;
      const f = activation(a.activation, a.alpha ?? 0);
      steps.push((x) => r(f(x)));
    }
  }
  const q = spec.quantizer;
  return (c, acc) => {
    let x = r(spec.unit(c) * acc);
    for (const s of steps) x = s(x, c);
    if (q === null) return x;
    const v = roundHalfToEven(r(x / q.scale)) + q.zeroPoint;
    return v < q.range.min ? q.range.min : Math.min(v, q.range.max);
  };
}

function activation(name: ActivationName, alpha: number): (x: number) => number {
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  switch (name) {
    case 'linear':
      return (x) => x;
    case 'relu':
      return (x) => Math.max(x, 0);
    case 'relu6':
      return (x) => Math.min(Math.max(0, x), 6);
    case 'leakyRelu':
      return (x) => (x >= 0 ? x : alpha * x);
    case 'elu':
      return (x) => (x > 0 ? x : Math.expm1(x));
    case 'selu':
      return (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x));
    case 'sigmoid':
      return sigmoid;
    case 'hardSigmoid':
      return (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1);
    case 'tanh':
      return Math.tanh;
    case 'softplus':
      return (x) => Math.log1p(Math.exp(x));
    case 'softsign':
      return (x) => x / (1 + Math.abs(x));
    case 'swish':
      return (x) => x * sigmoid(x);
  }
}
