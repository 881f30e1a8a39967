// Small hand-made circuits and a seeded generator for tests.
import type { Circuit, ClearStage, Conv2dOp, DenseOp, LinearOp, Stage } from '@fhenet/circuit';
import { channelCount, maxChannelNorm, outputSize, recomputedSlotRanges } from '@fhenet/circuit';
import type { IntRange } from '@fhenet/quantization';

/** mulberry32: deterministic test randomness. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const randInt = (r: () => number, min: number, max: number): number => min + Math.floor(r() * (max - min + 1));

/** Dense op from a row-major [out][in] matrix (zeros dropped). */
export function denseFromRows(rows: number[][], inputSize: number): DenseOp {
  const rowPtr = [0];
  const cols: number[] = [];
  const weights: number[] = [];
  for (const row of rows) {
    row.forEach((w, i) => {
      if (w !== 0) {
        cols.push(i);
        weights.push(w);
      }
    });
    rowPtr.push(cols.length);
  }
  return { kind: 'dense', inputSize, outputSize: rows.length, rowPtr: Int32Array.from(rowPtr), cols: Int32Array.from(cols), weights: Int32Array.from(weights) };
}

export function randomDense(r: () => number, inputSize: number, outSize: number, density = 0.5): DenseOp {
  const rows = Array.from({ length: outSize }, () => Array.from({ length: inputSize }, () => (r() < density ? randInt(r, -2, 1) : 0)));
  return denseFromRows(rows, inputSize);
}

export function randomConv(r: () => number, h: number, w: number, cin: number, cout: number, k: number, stride: number, pad: number): Conv2dOp {
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  const weights = Int32Array.from({ length: k * k * cin * cout }, () => (r() < 0.7 ? randInt(r, -1, 1) : 0));
  return {
    kind: 'conv2d',
    inputShape: [h, w, cin],
    outputShape: [oh, ow, cout],
    kernelSize: [k, k],
    strides: [stride, stride],
    padBefore: [pad, pad],
    weights,
  };
}

/** A stage with random offsets and random tables with values in [lo, hi]. */
export function randomStage(r: () => number, name: string, linear: LinearOp, bits: number, lo: number, hi: number, withTables = true): Stage {
  const p = 2 ** bits;
  const channels = channelCount(linear);
  return {
    name,
    linear,
    offset: Int32Array.from({ length: outputSize(linear) }, () => randInt(r, 0, p - 1)),
    tables: withTables ? Int32Array.from({ length: channels * p }, () => randInt(r, lo, hi)) : null,
    roundBits: 0,
    analysis: { shift: new Int32Array(channels), worstCase: { min: 0, max: p - 1 }, nu: 1 },
  };
}

/**
 * The circuit with the derived analysis fields the circuit reader recomputes (nu, and the worst
 * case from @fhenet/circuit recomputedSlotRanges where it can bound it), as the compiler writes
 * them: hand-made stages then read back from their JSON.
 */
export function withConsistentAnalysis<C extends Circuit>(circuit: C): C {
  const r = recomputedSlotRanges(circuit);
  const fix = <S extends Stage | ClearStage>(s: S, w: IntRange | null): S => {
    const { calibration: _, ...rest } = s.analysis;
    return { ...s, analysis: { ...rest, nu: maxChannelNorm(s.linear), ...(w ? { worstCase: w } : {}) } };
  };
  const clearStages = circuit.clearStages?.map((s, i) => fix(s, r.clearStages[i]!));
  const stages = circuit.stages.map((s, i) => fix(s, r.stages[i]!));
  return { ...circuit, ...(clearStages ? { clearStages } : {}), stages };
}

export function circuitOf(stages: Stage[], bits: number, inputShape: number[], clearOutput = false): Circuit {
  const last = stages[stages.length - 1]!;
  const p = 2 ** bits;
  return withConsistentAnalysis({
    name: 'test',
    bits,
    inputShape,
    inputScaling: { divisor: 255 },
    inputQuantizer: { bits: 2 as never, signed: false, range: 'wide', scale: [1 / 3], zeroPoint: [0] },
    stages,
    output: clearOutput
      ? { kind: 'clearTable', values: Float64Array.from({ length: channelCount(last.linear) * 2 * p }, (_, i) => i * 0.25) }
      : { kind: 'dequantize', scale: 0.5, zeroPoint: 0 },
  });
}
