import { describe, expect, it } from 'vitest';
import { argmax, decodeOutputs, quantizeInputs, simulate, stagePbs, type Circuit } from '@fhenet/circuit';
import { compile } from '@fhenet/compiler';
import { convGraph, poolConvGraph, randomBytes, referenceForward } from '@fhenet/testing';
import type { TrainedGraph } from '@fhenet/training/format';

const pbs = (c: Circuit) => c.stages.reduce((a, s) => a + stagePbs(s), 0);

/** Both circuits on the same inputs: every stage the folded one kept computes the same slots. */
function sameAccumulators(graph: TrainedGraph, count: number, seed: number) {
  const size = graph.inputShape.reduce((a, b) => a * b, 1);
  const raw = randomBytes(seed, count * size);
  const folded = compile(graph, { sizing: 'worstCase' });
  const kept = compile(graph, { sizing: 'worstCase', foldPools: false });
  const run = (c: Circuit) => simulate(c, quantizeInputs(c, raw, count), count, { trace: true });
  const a = run(folded.circuit);
  const b = run(kept.circuit);
  for (const [i, s] of folded.circuit.stages.entries()) {
    const j = kept.circuit.stages.findIndex((t) => t.name === s.name);
    // Same worst case, so the same shift and slot: the accumulators are equal integer for integer.
    expect(Array.from(a.stages![i]!.slots)).toEqual(Array.from(b.stages![j]!.slots));
  }
  expect(Array.from(a.outputs)).toEqual(Array.from(b.outputs));
  return { folded, kept, raw, size };
}

describe('sum pools folded into the next linear layer', () => {
  it('pool -> dense: the dense reads the pooled inputs, same accumulators, one PBS per pooled value saved', () => {
    const graph = convGraph(14, false); // the pool's input quantizer has zero point 3: the fold moves
    const { folded, kept } = sameAccumulators(graph, 300, 8);
    expect(kept.circuit.stages.map((s) => s.linear.kind)).toEqual(['conv2d', 'sumPool', 'dense']);
    expect(folded.circuit.stages.map((s) => `${s.name}:${s.linear.kind}`)).toEqual(['conv1:conv2d', 'fc:dense']);
    expect(folded.report.foldedPools).toEqual([{ pool: 'pool', into: 'fc' }]);
    expect(kept.report.foldedPools).toBeUndefined();
    expect(pbs(folded.circuit)).toBe(pbs(kept.circuit) - 36); // 3 x 3 x 4 pooled values
    // Four times the synapses, each weight once per window position: nu doubles at most.
    const fc = (r: typeof folded.report) => r.stages.find((s) => s.name === 'fc')!;
    expect(fc(folded.report).activeSynapses).toBe(4 * fc(kept.report).activeSynapses);
    expect(fc(folded.report).nu).toBeLessThanOrEqual(2 * fc(kept.report).nu + 1e-9);
    expect(fc(folded.report).worstCase).toEqual(fc(kept.report).worstCase);
  });

  for (const padding of ['same', 'valid'] as const) {
    it(`pool -> conv (${padding}): a conv with a 6x6 kernel at stride 2, same accumulators and predictions as the reference`, () => {
      const graph = poolConvGraph(31, 8, padding);
      const count = 300;
      const { folded, kept, raw, size } = sameAccumulators(graph, count, 9);
      expect(folded.circuit.stages.map((s) => s.name)).toEqual(['conv1', 'conv2', 'fc']);
      expect(kept.circuit.stages.map((s) => s.name)).toEqual(['conv1', 'pool', 'conv2', 'fc']);
      const conv2 = folded.circuit.stages[1]!.linear;
      expect(conv2.kind === 'conv2d' && [conv2.kernelSize, conv2.strides, conv2.padBefore, conv2.inputShape]).toEqual([
        [6, 6],
        [2, 2],
        padding === 'same' ? [2, 2] : [0, 0],
        [8, 8, 4],
      ]);
      expect(pbs(folded.circuit)).toBe(pbs(kept.circuit) - 4 * 4 * 4);
      // And against the independent float32 forward of the graph (the pool as tfjs computes it).
      const { outputs } = simulate(folded.circuit, quantizeInputs(folded.circuit, raw, count), count);
      const predicted = argmax(decodeOutputs(folded.circuit, outputs, count), count);
      let agree = 0;
      for (let n = 0; n < count; n++) {
        const ref = referenceForward(graph, raw.subarray(n * size, (n + 1) * size));
        if (argmax(ref.logits, 1)[0] === predicted[n]) agree++;
      }
      expect(agree).toBeGreaterThanOrEqual(count - 3); // only float32 near-ties may differ
    });
  }

  it("a pool that skips its input's last row and column (odd size) stays a stage of its own", () => {
    const graph = poolConvGraph(32, 7, 'same');
    const { circuit, report } = compile(graph, { sizing: 'worstCase' });
    expect(circuit.stages.map((s) => s.name)).toEqual(['conv1', 'pool', 'conv2', 'fc']);
    expect(report.foldedPools).toBeUndefined();
  });

  it('a pool followed by a quantizer has a table of its own and is not folded', () => {
    const { circuit } = compile(convGraph(13), { sizing: 'worstCase' });
    expect(circuit.stages.map((s) => s.linear.kind)).toEqual(['conv2d', 'sumPool', 'dense']);
  });
});
