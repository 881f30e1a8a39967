// The clear prefix of a circuit (format v3, optional `clearStages`): stages the CLIENT evaluates
// in the clear before encrypting, the paper's "first layer in the clear" with 8-bit inputs. The
// client computes the exact integer accumulator and the exact lookup of each clear stage and
// encrypts the last one's outputs; the encrypted `stages` start after them. A clear stage is
// sized on the exact worst case with its own table width (`bits`), so it never wraps and its
// accumulator no longer bounds the encrypted circuit's bit-width.

import { accumulate, channelCount, channelOfOutputs, outputSize } from './linear.js';
import type { ClearStage } from './types.js';

/** Thrown when a clear stage sees a slot outside its table (a corrupt or hand-edited circuit). */
export class ClearStageRangeError extends RangeError {
  constructor(stage: string, output: number, slot: number, bits: number) {
    super(
      `clear stage "${stage}": output ${output} has slot ${slot}, outside its table [0, 2^${bits}) (the compiler sizes clear stages on the exact worst case; the circuit does not match its inputs)`,
    );
    this.name = 'ClearStageRangeError';
  }
}

/**
 * Run `count` samples through the clear stages (inputs: count x inputSize of the first, the input
 * quantizer's integers): exact integers, no modulus, one table read per output.
 */
export function runClearStages(stages: readonly ClearStage[], inputs: Int32Array, count: number): Int32Array {
  let x = inputs;
  for (const st of stages) {
    const n = outputSize(st.linear);
    const p = 2 ** st.bits;
    const acc = new Int32Array(count * n);
    accumulate(st.linear, x, count, acc);
    const channel = channelOfOutputs(st.linear);
    const out = new Int32Array(count * n);
    for (let s = 0; s < count; s++) {
      for (let o = 0; o < n; o++) {
        const slot = (acc[s * n + o] as number) + (st.offset[o] as number);
        if (slot < 0 || slot >= p) throw new ClearStageRangeError(st.name, o, slot, st.bits);
        out[s * n + o] = st.tables[(channel[o] as number) * p + slot] as number;
      }
    }
    x = out;
  }
  return x;
}

/** Table entries of a clear stage: channels * 2^bits. */
export function clearTableLength(st: Pick<ClearStage, 'linear' | 'bits'>): number {
  return channelCount(st.linear) * 2 ** st.bits;
}
