// The first layer in the clear (compile clearFirstLayer, circuit v3 clearStages): the client
// runs stage 1 exactly (accumulator + lookup) and encrypts its outputs. With 8-bit inputs the
// first accumulator is the widest, so the encrypted circuit gets narrower; the predictions are
// those of the all-encrypted circuit (both sized on the exact worst case, nothing wraps).
import { describe, expect, it } from 'vitest';
import {
  argmax,
  circuitFromJson,
  circuitToJson,
  decodeOutputs,
  inputSize,
  quantizeInputs,
  simulate,
  type Circuit,
  runClearStages,
  ClearStageRangeError,
} from '@fhenet/circuit';
import { compile } from '@fhenet/compiler';
import type { TrainedGraph } from '@fhenet/training';
import { convGraph, randomBytes } from '@fhenet/testing';

/** convGraph with the paper's 8-bit unsigned input quantizer: conv1's accumulator dominates. */
function eightBitInputGraph(seed: number): TrainedGraph {
  const g = convGraph(seed);
  return {
    ...g,
    inputQuantizer: { bits: 8, signed: false, range: 'wide', scale: [Math.fround(1 / 255)], zeroPoint: [0] } as unknown as TrainedGraph['inputQuantizer'],
  };
}

const classesOf = (c: Circuit, raw: Uint8Array, count: number) =>
  argmax(decodeOutputs(c, simulate(c, quantizeInputs(c, raw, count), count).outputs, count), count);

describe('compile clearFirstLayer', () => {
  const graph = eightBitInputGraph(5);
  const all = compile(graph, { sizing: 'worstCase' });
  const clear = compile(graph, { sizing: 'worstCase', clearFirstLayer: true });

  it('moves stage 1 to the client with its own exact table width; the circuit bits no longer count it', () => {
    const c = clear.circuit;
    expect(c.clearStages?.map((s) => s.name)).toEqual(['conv1']);
    expect(c.stages.map((s) => s.name)).toEqual(all.circuit.stages.slice(1).map((s) => s.name));
    const conv1 = all.report.stages[0]!;
    // conv1 alone needs more bits than the rest: it set the all-encrypted width.
    expect(conv1.worstCase.bits).toBe(all.report.bits);
    expect(clear.report.clearStages).toEqual([{ name: 'conv1', kind: 'conv2d', outputs: 144, bits: conv1.worstCase.bits }]);
    expect(clear.report.bits).toBe(Math.max(...all.report.stages.slice(1).map((s) => s.worstCase.bits)));
    expect(clear.report.bits).toBeLessThan(all.report.bits);
    expect(clear.report.pbsCount).toBe(all.report.pbsCount - 144);
    // The clear stage's slots fill [0, 2^bits) without leaving it, for every input.
    const st = c.clearStages![0]!;
    expect(st.analysis.worstCase.min).toBeGreaterThanOrEqual(0);
    expect(st.analysis.worstCase.max).toBeLessThan(2 ** st.bits);
  });

  it("gives the all-encrypted circuit's classes; inputs to encrypt are the clear stage's outputs", () => {
    const count = 200;
    const raw = randomBytes(9, count * 36);
    expect(Array.from(classesOf(clear.circuit, raw, count))).toEqual(Array.from(classesOf(all.circuit, raw, count)));
    const q = quantizeInputs(clear.circuit, raw, count);
    expect(q.length).toBe(count * inputSize(clear.circuit.stages[0]!.linear));
    // Stage 1's outputs are the 3-bit activations q1 (zero point 3): integers in [0, 7].
    expect(Math.min(...q)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...q)).toBeLessThanOrEqual(7);
    expect(() => simulate(clear.circuit, new Int32Array(36), 1)).toThrow(/outputs of its 1 clear stage\(s\): pass quantizeInputs/);
  });

  it('also rounds: roundBits auto prices the encrypted stages only; a per-stage list needs 0 on the clear one', () => {
    const r = compile(graph, { sizing: 'worstCase', clearFirstLayer: true, roundBits: 'auto' });
    expect(r.circuit.clearStages).toHaveLength(1);
    expect(r.unrounded.clearStages).toBe(r.circuit.clearStages);
    expect(() => compile(graph, { clearFirstLayer: true, roundBits: [2, 0, 0] })).toThrow(/roundBits\[0\] \(stage conv1\) must be 0: it runs in the clear/);
  });

  it('round-trips through the v3 file format and validates the clear stages', () => {
    const json = circuitToJson(clear.circuit) as Record<string, unknown>;
    const back = circuitFromJson(JSON.parse(JSON.stringify(json)));
    expect(back.clearStages).toEqual(clear.circuit.clearStages);
    expect(back.stages).toHaveLength(clear.circuit.stages.length);
    const raw = randomBytes(3, 20 * 36);
    expect(Array.from(quantizeInputs(back, raw, 20))).toEqual(Array.from(quantizeInputs(clear.circuit, raw, 20)));
    const edit = (f: (j: Record<string, any>) => void) => {
      const j = JSON.parse(JSON.stringify(json));
      f(j);
      return () => circuitFromJson(j, 'c.json');
    };
    expect(edit((j) => (j.version = 2))).toThrow(/c\.json: clearStages: expected absent \(a v3 field\) in a version 2 file/);
    expect(edit((j) => (j.clearStages[0].bits = 3))).toThrow(/clearStages\[0\]\.analysis\.worstCase: expected a slot range inside \[0, 2\^3\)/);
    expect(edit((j) => (j.clearStages = []))).toThrow(/clearStages: expected a non-empty array/);
    // The encrypted stages must read the clear stage's outputs.
    expect(edit((j) => j.clearStages.push(j.clearStages[0]))).toThrow(/clearStages\[1\]\.linear: expected an input of 144 values/);
  });

  it('refuses a slot outside a clear table instead of reading past it', () => {
    const st = clear.circuit.clearStages![0]!;
    const bad = { ...st, offset: st.offset.map((o) => o + 2 ** st.bits) };
    expect(() => runClearStages([bad], new Int32Array(36), 1)).toThrow(ClearStageRangeError);
    expect(() => runClearStages([bad], new Int32Array(36), 1)).toThrow(/clear stage "conv1": output 0 has slot \d+, outside its table \[0, 2\^\d+\)/);
  });

  it('needs at least one encrypted stage after the clear prefix', () => {
    // flatten (6x6x1 = 36) -> fc -> qout: one stage only.
    const layers = [{ type: 'flatten', name: 'flat', inputShape: [6, 6, 1], outputShape: [36] }, ...graph.layers.slice(6)] as TrainedGraph['layers'];
    const one: TrainedGraph = { ...graph, layers };
    expect(compile(one, { sizing: 'worstCase' }).circuit.stages).toHaveLength(1);
    expect(() => compile(one, { sizing: 'worstCase', clearFirstLayer: true })).toThrow(
      /clear stages: expected 1 to 0 \(at least one stage must stay encrypted\), got 1/,
    );
  });
});
