// Float ties: accumulator values whose fused chain rounds differently in float32 (the tfjs forward's
// arithmetic) and float64 (the exact real number, nearly). There the real value sits within float32
// rounding error of a quantizer's half-way point, so the fake-quantized tfjs model — whose matmul
// sums in float32, in its own order — may round either way. Everywhere else the circuit's tables
// and the tfjs forward agree exactly. Counted over each channel's worst-case accumulator range.

import type { IntRange } from '@fhenet/quantization';
import type { LoweredGraph } from './lower/lowered.js';

export interface FloatTie {
  readonly stage: string;
  readonly channel: number;
  /** Centred accumulator value. */
  readonly acc: number;
  readonly float32: number;
  readonly float64: number;
}

/** Every tie of the quantized (PBS) stages, given both lowerings and the worst-case ranges. */
export function floatTies(f32: LoweredGraph, f64: LoweredGraph, worstCase: readonly (readonly IntRange[])[]): FloatTie[] {
  const ties: FloatTie[] = [];
  f32.stages.forEach((st, i) => {
    if (!st.outputQuantizer) return; // float logits: no rounding step
    const other = f64.stages[i]!;
    worstCase[i]!.forEach((r, c) => {
      for (let acc = r.min; acc <= r.max; acc++) {
        const a = st.chain(c, acc);
        const b = other.chain(c, acc);
        if (a !== b) ties.push({ stage: st.name, channel: c, acc, float32: a, float64: b });
      }
    });
  });
  return ties;
}
