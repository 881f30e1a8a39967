// A small 5-bit circuit for the banded executor's tests: a padded ("same") 3x3 conv2d 4x4x1 ->
// 4x4x2 rounded on 3 bits with per-channel extractFrom (bit 1 on channel 0 only, bit 2 on both:
// both the picked and the all-outputs extraction paths), a 2x2 sum pool, and a dense stage
// decoded in the clear. Output rows are 8 ciphertexts (4 x 2 channels), so bands of 1, 3 or 7
// cut rows, channels and samples anywhere. Small on purpose: ~180 PBS per run of 2 samples.
import { chooseParameters } from '@fhenet/compiler';
import type { Circuit, Conv2dOp, DenseOp, Stage, SumPoolOp } from '@fhenet/circuit';
import { clearTableImageCircuit, runTables, stageAnalysis } from './stage-fixtures.js';

const bits = 5;
const p = 2 ** bits;

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
    { name: 'conv', linear: conv, offset: new Int32Array(32).fill(8), tables: runTables(2, 3, p), roundBits: 3, analysis: stageAnalysis(32, 2.5, p) },
    { name: 'pool', linear: pool, offset: new Int32Array(8), tables: runTables(2, 0, p), roundBits: 0, analysis: stageAnalysis(8, 2, p) },
    { name: 'out', linear: dense, offset: new Int32Array(3), tables: null, roundBits: 0, analysis: stageAnalysis(3, 3.9, p) },
  ];
  const bare = clearTableImageCircuit('banded-5bit', bits, stages, 3);
  // Parameters of the circuit extracting every bit, then channel 1 skips bit 1 (v3 extractFrom).
  const parameters = chooseParameters(bare).parameters;
  return { ...bare, stages: [{ ...stages[0]!, extractFrom: Int32Array.from([1, 2]) }, stages[1]!, stages[2]!], parameters };
}

/** `count` samples of quantized inputs in [0, 4). */
export function bandedInputs(count: number): Int32Array {
  return Int32Array.from({ length: 16 * count }, (_, i) => (i * 7 + (i >> 3)) % 4);
}
