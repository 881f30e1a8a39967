// A small 5-bit circuit for the banded executor's tests: a padded ("same") 3x3 conv2d 4x4x1 ->
// 4x4x2 rounded on 3 bits with per-channel extractFrom (bit 1 on channel 0 only, bit 2 on both:
// both the picked and the all-outputs extraction paths), a 2x2 sum pool, and a dense stage
// decoded in the clear. Output rows are 8 ciphertexts (4 x 2 channels), so bands of 1, 3 or 7
// cut rows, channels and samples anywhere. Small on purpose: ~180 PBS per run of 2 samples.
import { chooseParameters, type Circuit, type Conv2dOp, type DenseOp, type Stage, type SumPoolOp } from '@fhenet/compiler';

const bits = 5;
const p = 2 ** bits;

function analysis(outputs: number, nu: number): Stage['analysis'] {
  return { shift: new Int32Array(outputs), worstCase: { min: 0, max: p - 1 }, nu };
}

/** Per-channel tables constant on runs of 2^round slots (what a rounded stage's tables must be). */
function tables(channels: number, round: number): Int32Array {
  const t = new Int32Array(channels * p);
  for (let c = 0; c < channels; c++) {
    const base = Int32Array.from({ length: p }, (_, s) => (s * (c + 1)) % 4);
    if (round) for (let i = 0; i < p; i++) base[i] = base[i - (i % 2 ** round)]!;
    t.set(base, c * p);
  }
  return t;
}

export function bandedCircuit(): Circuit {
  const w = Int32Array.from({ length: 3 * 3 * 1 * 2 }, (_, i) => [1, 0, -1, 1, 1][i % 5]!);
  const conv: Conv2dOp = { kind: 'conv2d', inputShape: [4, 4, 1], outputShape: [4, 4, 2], kernelSize: [3, 3], strides: [1, 1], padBefore: [1, 1], weights: w };
  const pool: SumPoolOp = { kind: 'sumPool', inputShape: [4, 4, 2], outputShape: [2, 2, 2], poolSize: [2, 2], strides: [2, 2] };
  const dense: DenseOp = {
    kind: 'dense',
    inputSize: 8,
    outputSize: 3,
    rowPtr: Int32Array.from([0, 3, 6, 8]),
    cols: Int32Array.from([0, 3, 5, 1, 2, 7, 4, 6]),
    weights: Int32Array.from([1, -1, 2, 1, 1, -2, 3, 1]),
  };
  const stages: Stage[] = [
    { name: 'conv', linear: conv, offset: new Int32Array(32).fill(8), tables: tables(2, 3), roundBits: 3, analysis: analysis(32, 2.5) },
    { name: 'pool', linear: pool, offset: new Int32Array(8), tables: tables(2, 0), roundBits: 0, analysis: analysis(8, 2) },
    { name: 'out', linear: dense, offset: new Int32Array(3), tables: null, roundBits: 0, analysis: analysis(3, 3.9) },
  ];
  const bare: Circuit = {
    name: 'banded-5bit',
    bits,
    inputShape: [4, 4, 1],
    inputScaling: { divisor: 1 },
    inputQuantizer: { bits: 2 as never, signed: false, range: 'wide', scale: [1], zeroPoint: [0] },
    stages,
    output: { kind: 'clearTable', values: new Float64Array(3 * 2 * p) },
  };
  // Parameters of the circuit extracting every bit, then channel 1 skips bit 1 (v3 extractFrom).
  const parameters = chooseParameters(bare).parameters;
  return { ...bare, stages: [{ ...stages[0]!, extractFrom: Int32Array.from([1, 2]) }, stages[1]!, stages[2]!], parameters };
}

/** `count` samples of quantized inputs in [0, 4). */
export function bandedInputs(count: number): Int32Array {
  return Int32Array.from({ length: 16 * count }, (_, i) => (i * 7 + (i >> 3)) % 4);
}
