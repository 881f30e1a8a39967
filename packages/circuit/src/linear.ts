// The integer linear operations of a stage: sizes, channel of each output, and the batched kernel
// that computes sum_i w_i * x_i (no offset). Shared by the simulator and the range analysis so the
// two can never disagree about what a stage computes.

import type { Conv2dOp, LinearOp, SumPoolOp } from './types.js';

export function inputSize(op: LinearOp): number {
  return op.kind === 'dense' ? op.inputSize : op.inputShape[0] * op.inputShape[1] * op.inputShape[2];
}

export function outputSize(op: LinearOp): number {
  return op.kind === 'dense' ? op.outputSize : op.outputShape[0] * op.outputShape[1] * op.outputShape[2];
}

/** Number of lookup tables: one per neuron for dense, one per feature map otherwise. */
export function channelCount(op: LinearOp): number {
  return op.kind === 'dense' ? op.outputSize : op.outputShape[2];
}

/** Table (channel) index of every output element. */
export function channelOfOutputs(op: LinearOp): Int32Array {
  const out = new Int32Array(outputSize(op));
  const c = channelCount(op);
  for (let i = 0; i < out.length; i++) out[i] = op.kind === 'dense' ? i : i % c;
  return out;
}

/**
 * A window op resolved to flat indices: for output pixel p and kernel tap t, the input pixel read
 * (or -1 in the padding). Computed once per op, so the inner loop only gathers.
 */
interface WindowPlan {
  readonly taps: number;
  readonly gather: Int32Array;
}

const plans = new WeakMap<object, WindowPlan>();

export function windowPlan(op: Conv2dOp | SumPoolOp): WindowPlan {
  const cached = plans.get(op);
  if (cached) return cached;
  const [h, w] = op.inputShape;
  const [oh, ow] = op.outputShape;
  const [kh, kw] = op.kind === 'conv2d' ? op.kernelSize : op.poolSize;
  const [sh, sw] = op.strides;
  const [ph, pw] = op.kind === 'conv2d' ? op.padBefore : [0, 0];
  const taps = kh * kw;
  const gather = new Int32Array(oh * ow * taps);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const y = i * sh + a - ph;
          const x = j * sw + b - pw;
          gather[(i * ow + j) * taps + a * kw + b] = y >= 0 && y < h && x >= 0 && x < w ? y * w + x : -1;
        }
      }
    }
  }
  const plan = { taps, gather };
  plans.set(op, plan);
  return plan;
}

/** Non-zero conv weights grouped by filter: (tap, inChannel, weight) triples. */
interface ConvPlan {
  readonly start: Int32Array;
  readonly tap: Int32Array;
  readonly inChannel: Int32Array;
  readonly weight: Int32Array;
}

const convPlans = new WeakMap<object, ConvPlan>();

export function convPlan(op: Conv2dOp): ConvPlan {
  const cached = convPlans.get(op);
  if (cached) return cached;
  const cin = op.inputShape[2];
  const filters = op.outputShape[2];
  const taps = op.kernelSize[0] * op.kernelSize[1];
  const start = new Int32Array(filters + 1);
  const tap: number[] = [];
  const inChannel: number[] = [];
  const weight: number[] = [];
  for (let f = 0; f < filters; f++) {
    for (let t = 0; t < taps; t++) {
      for (let c = 0; c < cin; c++) {
        const wv = op.weights[(t * cin + c) * filters + f] as number;
        if (wv !== 0) {
          tap.push(t);
          inChannel.push(c);
          weight.push(wv);
        }
      }
    }
    start[f + 1] = tap.length;
  }
  const plan = { start, tap: Int32Array.from(tap), inChannel: Int32Array.from(inChannel), weight: Int32Array.from(weight) };
  convPlans.set(op, plan);
  return plan;
}

/**
 * out[n, o] = sum_i w[o, i] * input[n, i] for `count` samples laid out one after another.
 * Exact in int32 as long as every partial sum fits (checked by the range analysis: |sum| < 2^31).
 */
export function accumulate(op: LinearOp, input: Int32Array, count: number, out: Int32Array): void {
  const nIn = inputSize(op);
  const nOut = outputSize(op);
  if (input.length < count * nIn || out.length < count * nOut) {
    throw new RangeError(`accumulate: need ${count}x${nIn} inputs and ${count}x${nOut} outputs, got ${input.length} and ${out.length}`);
  }
  if (op.kind === 'dense') {
    const { rowPtr, cols, weights } = op;
    for (let n = 0; n < count; n++) {
      const xb = n * nIn;
      const ob = n * nOut;
      for (let o = 0; o < nOut; o++) {
        let s = 0;
        const end = rowPtr[o + 1] as number;
        for (let k = rowPtr[o] as number; k < end; k++) s += (weights[k] as number) * (input[xb + (cols[k] as number)] as number);
        out[ob + o] = s;
      }
    }
    return;
  }
  const { taps, gather } = windowPlan(op);
  const cin = op.inputShape[2];
  const cout = op.outputShape[2];
  const pixels = op.outputShape[0] * op.outputShape[1];
  if (op.kind === 'sumPool') {
    for (let n = 0; n < count; n++) {
      const xb = n * nIn;
      for (let p = 0; p < pixels; p++) {
        const ob = n * nOut + p * cout;
        for (let c = 0; c < cout; c++) {
          let s = 0;
          for (let t = 0; t < taps; t++) s += input[xb + (gather[p * taps + t] as number) * cin + c] as number;
          out[ob + c] = s;
        }
      }
    }
    return;
  }
  const { start, tap, inChannel, weight } = convPlan(op);
  for (let n = 0; n < count; n++) {
    const xb = n * nIn;
    for (let p = 0; p < pixels; p++) {
      const ob = n * nOut + p * cout;
      const gb = p * taps;
      for (let f = 0; f < cout; f++) {
        let s = 0;
        const end = start[f + 1] as number;
        for (let k = start[f] as number; k < end; k++) {
          const pix = gather[gb + (tap[k] as number)] as number;
          if (pix >= 0) s += (weight[k] as number) * (input[xb + pix * cin + (inChannel[k] as number)] as number);
        }
        out[ob + f] = s;
      }
    }
  }
}

/**
 * nu of the noise model for one stage: the largest 2-norm of one channel's integer weights (for a
 * conv: the whole filter; sumPool: sqrt(window)). What the compiler records as `analysis.nu` and
 * the circuit reader recomputes.
 */
export function maxChannelNorm(op: LinearOp): number {
  if (op.kind === 'sumPool') return Math.sqrt(op.poolSize[0] * op.poolSize[1]);
  const channels = channelCount(op);
  const sq = new Float64Array(channels);
  if (op.kind === 'dense') {
    for (let o = 0; o < op.outputSize; o++) for (let k = op.rowPtr[o]!; k < op.rowPtr[o + 1]!; k++) sq[o]! += op.weights[k]! ** 2;
  } else {
    op.weights.forEach((w, i) => {
      sq[i % channels]! += w * w;
    });
  }
  let max = 0;
  for (const v of sq) max = Math.max(max, v);
  return Math.sqrt(max);
}

/**
 * The exact range of sum_i w_i * x_i + offset[o] over every output o and every input vector with
 * each x_i in [lo, hi] (in float64, so a hostile circuit's overflow shows instead of wrapping).
 * Padding positions of a conv contribute nothing, as in `accumulate`.
 */
export function slotRange(op: LinearOp, offset: Int32Array, lo: number, hi: number): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  const add = (o: number, wMin: number, wMax: number) => {
    min = Math.min(min, wMin + (offset[o] as number));
    max = Math.max(max, wMax + (offset[o] as number));
  };
  const term = (w: number): [number, number] => (w >= 0 ? [w * lo, w * hi] : [w * hi, w * lo]);
  if (op.kind === 'dense') {
    for (let o = 0; o < op.outputSize; o++) {
      let a = 0;
      let b = 0;
      for (let k = op.rowPtr[o] as number; k < (op.rowPtr[o + 1] as number); k++) {
        const [x, y] = term(op.weights[k] as number);
        a += x;
        b += y;
      }
      add(o, a, b);
    }
    return { min, max };
  }
  const { taps, gather } = windowPlan(op);
  const cout = op.outputShape[2];
  const pixels = op.outputShape[0] * op.outputShape[1];
  const conv = op.kind === 'conv2d' ? convPlan(op) : null;
  for (let p = 0; p < pixels; p++) {
    const gb = p * taps;
    let present = 0;
    for (let t = 0; t < taps; t++) if ((gather[gb + t] as number) >= 0) present++;
    for (let f = 0; f < cout; f++) {
      let a = 0;
      let b = 0;
      if (!conv) {
        a = present * lo;
        b = present * hi;
      } else {
        for (let k = conv.start[f] as number; k < (conv.start[f + 1] as number); k++) {
          if ((gather[gb + (conv.tap[k] as number)] as number) < 0) continue;
          const [x, y] = term(conv.weight[k] as number);
          a += x;
          b += y;
        }
      }
      add(p * cout + f, a, b);
    }
  }
  return { min, max };
}
