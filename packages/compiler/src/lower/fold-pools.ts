// Folding a sum pool into the linear layer after it. An average pool that feeds a dense or conv
// layer directly (no quantizer between them) lowers to a stage whose table is the identity: its
// lookup only copies the pooled sum into a fresh ciphertext, one PBS per pooled value. The next
// layer is linear, so it can read the pool's inputs itself with the composed weights
// W' = W_next * P (every weight repeated over its pooling window): the same integer accumulators,
// bit for bit, without the pool's bootstraps. The noise model sees the composed weights (nu grows
// by sqrt(window) where windows do not overlap), the range analysis the same worst case.

import { accumulate, outputSize, type Conv2dOp, type DenseOp, type LinearOp, type SumPoolOp } from '@fhenet/circuit';
import type { LoweredStage } from './lowered.js';

/**
 * The stage `next` reading `pool`'s inputs directly, or null when the pool cannot be folded (its
 * windows overlap or skip input rows / columns: the composed op could not express it). `pool` must
 * be an identity stage (lowerGraph knows: a pool with no quantizer or univariate tail after it).
 */
export function foldSumPool(pool: LoweredStage, next: LoweredStage): LoweredStage | null {
  const op = pool.linear;
  if (op.kind !== 'sumPool') return null;
  const [h, w] = op.inputShape;
  const [oh, ow] = op.outputShape;
  const [ph, pw] = op.poolSize;
  const [sh, sw] = op.strides;
  if (sh !== ph || sw !== pw || oh * ph !== h || ow * pw !== w) return null;
  const linear = composeLinear(op, next.linear);
  if (!linear) return null;
  // fold' = fold_next + W_next * fold_pool: the pool's zero-point fold pushed through the next map.
  const pushed = new Int32Array(outputSize(next.linear));
  accumulate(next.linear, pool.fold, 1, pushed);
  const fold = Int32Array.from(next.fold, (f, i) => f + (pushed[i] as number));
  return { ...next, linear, fold, inputRange: pool.inputRange };
}

function composeLinear(pool: SumPoolOp, next: LinearOp): LinearOp | null {
  if (next.kind === 'dense') return composeDense(pool, next);
  if (next.kind === 'conv2d') return composeConv(pool, next);
  return null; // two pools in a row: left as they are
}

/** A dense layer over the flattened (NHWC) pooled map reads each window's inputs with its weight. */
function composeDense(pool: SumPoolOp, dense: DenseOp): DenseOp {
  const [, w, c] = pool.inputShape;
  const [, ow] = pool.outputShape;
  const [ph, pw] = pool.poolSize;
  const rowPtr = new Int32Array(dense.outputSize + 1);
  const cols: number[] = [];
  const weights: number[] = [];
  for (let o = 0; o < dense.outputSize; o++) {
    const row: [number, number][] = [];
    for (let k = dense.rowPtr[o] as number; k < (dense.rowPtr[o + 1] as number); k++) {
      const col = dense.cols[k] as number;
      const ch = col % c;
      const pixel = (col - ch) / c;
      const y = Math.floor(pixel / ow);
      const x = pixel % ow;
      for (let dy = 0; dy < ph; dy++) for (let dx = 0; dx < pw; dx++) row.push([((y * ph + dy) * w + (x * pw + dx)) * c + ch, dense.weights[k] as number]);
    }
    row.sort((a, b) => a[0] - b[0]);
    for (const [col, v] of row) cols.push(col), weights.push(v);
    rowPtr[o + 1] = cols.length;
  }
  return {
    kind: 'dense',
    inputSize: pool.inputShape[0] * w * c,
    outputSize: dense.outputSize,
    rowPtr,
    cols: Int32Array.from(cols),
    weights: Int32Array.from(weights),
  };
}

/**
 * conv(K, stride s, pad P) over the pooled map = conv(K * p, stride s * p, pad P * p) over the
 * pool's input, tap (a * p + d) carrying weight w[a]: pooled row r = i*s - P + a reads input rows
 * r*p + d, d < p, and r is padding exactly when those rows are (the windows tile the input).
 */
function composeConv(pool: SumPoolOp, conv: Conv2dOp): Conv2dOp {
  const [ph, pw] = pool.poolSize;
  const [kh, kw] = conv.kernelSize;
  const cin = conv.inputShape[2];
  const filters = conv.outputShape[2];
  const kh2 = kh * ph;
  const kw2 = kw * pw;
  const weights = new Int32Array(kh2 * kw2 * cin * filters);
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++)
      for (let dy = 0; dy < ph; dy++)
        for (let dx = 0; dx < pw; dx++) {
          const from = (a * kw + b) * cin * filters;
          const to = ((a * ph + dy) * kw2 + (b * pw + dx)) * cin * filters;
          weights.set(conv.weights.subarray(from, from + cin * filters), to);
        }
  return {
    kind: 'conv2d',
    inputShape: pool.inputShape,
    outputShape: conv.outputShape,
    kernelSize: [kh2, kw2],
    strides: [conv.strides[0] * ph, conv.strides[1] * pw],
    padBefore: [conv.padBefore[0] * ph, conv.padBefore[1] * pw],
    weights,
  };
}
