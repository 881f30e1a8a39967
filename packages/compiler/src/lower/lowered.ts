// What lowering produces (lower.ts) and the later passes read (fold-pools.ts, ranges, sizing):
// unsized integer stages. A module of its own so that fold-pools.ts, which lower.ts calls, need
// not import lower.ts back for the type.
import type { IntRange, QuantParams } from '@fhenet/quantization';
import type { LinearOp } from '@fhenet/circuit';
import type { DataDomain } from '@fhenet/datasets/domain';
import type { ChainFn } from './chain.js';

export interface LoweredStage {
  readonly name: string;
  readonly linear: LinearOp;
  /** Per output: -z_x * (sum of the weights it reads), so accumulate(x) + fold = sum w (q - z). */
  readonly fold: Int32Array;
  /** Range of every centred input q - z_x. */
  readonly inputRange: IntRange;
  /** Range of the integer weights (the weight quantizer's; [1, 1] for sum pooling). */
  readonly weightRange: IntRange;
  /** f(channel, acc): next quantized integer, or a float logit on a float tail. */
  readonly chain: ChainFn;
  /** The next quantizer (integer outputs), or null: float logits decoded by the client. */
  readonly outputQuantizer: { readonly scale: number; readonly zeroPoint: number; readonly range: IntRange } | null;
}

export interface LoweredGraph {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly inputScaling: { readonly divisor: number };
  readonly inputQuantizer: QuantParams;
  readonly stages: readonly LoweredStage[];
  /** Sum pools folded into the linear stage after them (LowerOptions.foldPools), in graph order. */
  readonly foldedPools?: readonly { readonly pool: string; readonly into: string }[];
  /** The graph's data domain, passed through to the circuit (v5 `data`). */
  readonly data?: DataDomain;
}
