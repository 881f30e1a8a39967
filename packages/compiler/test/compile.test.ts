import { describe, expect, it } from 'vitest';
import { argmax, decodeOutputs, quantizeInputs, simulate } from '@fhenet/circuit';
import { compile } from '@fhenet/compiler';
import { convGraph, fcnnGraph, randomBytes, referenceForward } from '@fhenet/testing';

/** Distance of t from the nearest half-integer, relative: small = the rounding was a near tie. */
const tieDistance = (t: number) => Math.abs(Math.abs(t - Math.floor(t)) - 0.5) / Math.max(1, Math.abs(t));

describe('compile + simulate vs the float32 reference forward', () => {
  for (const [name, graph] of [
    ['fcnn', fcnnGraph(11)],
    ['fcnn narrow', fcnnGraph(12, 'narrow')],
    ['conv+pool', convGraph(13)],
  ] as const) {
    it(`${name}: every quantized activation and prediction matches, except at float32 ties`, () => {
      const count = 400;
      const size = graph.inputShape.reduce((a, b) => a * b, 1);
      const raw = randomBytes(5, count * size);
      const { circuit } = compile(graph, { sizing: 'worstCase' });
      const inputs = quantizeInputs(circuit, raw, count);
      const { outputs, stages } = simulate(circuit, inputs, count, { trace: true });
      const logits = decodeOutputs(circuit, outputs, count);
      const predicted = argmax(logits, count);
      // Stage outputs that are quantizer integers, in graph order (the conv graph's pool stage included).
      let mismatches = 0;
      let tiedSamples = 0;
      let predictionMismatches = 0;
      for (let n = 0; n < count; n++) {
        const ref = referenceForward(graph, raw.subarray(n * size, (n + 1) * size));
        let tied = false;
        ref.quantized.slice(1).forEach((rq, k) => {
          const trace = stages![k]!;
          const w = rq.q.length;
          rq.q.forEach((q, o) => {
            const got = trace.values[n * w + o]!;
            if (got !== q) {
              mismatches++;
              // Only a near tie of the reference's rounding may disagree (float32 summation order).
              expect(tieDistance(rq.t[o]!)).toBeLessThan(1e-5);
              tied = true;
            }
          });
        });
        if (tied) tiedSamples++;
        if (argmax(ref.logits, 1)[0] !== predicted[n]) {
          predictionMismatches++;
          expect(tied).toBe(true);
        }
        if (!tied && circuit.output.kind === 'clearTable') {
          const k = ref.logits.length;
          ref.logits.forEach((v, i) => {
            expect(Math.abs(logits[n * k + i]! - v)).toBeLessThan(1e-5 * Math.max(1, Math.abs(v)));
          });
        }
      }
      expect(predictionMismatches).toBeLessThanOrEqual(tiedSamples);
      expect(mismatches).toBeLessThanOrEqual(count * 0.01);
    });
  }

  it('avgPool feeding a dense layer directly: folded into the dense, outputs equal the reference', () => {
    const graph = convGraph(14, false);
    const count = 300;
    const raw = randomBytes(8, count * 36);
    const { circuit } = compile(graph, { sizing: 'worstCase' });
    expect(circuit.stages.map((s) => s.linear.kind)).toEqual(['conv2d', 'dense']); // fold-pools.test.ts
    const { outputs } = simulate(circuit, quantizeInputs(circuit, raw, count), count);
    for (let n = 0; n < count; n++) {
      const ref = referenceForward(graph, raw.subarray(n * 36, (n + 1) * 36));
      const qout = ref.quantized[ref.quantized.length - 1]!;
      expect(Array.from(outputs.subarray(n * 3, n * 3 + 3))).toEqual(Array.from(qout.q));
    }
  });

  it('worst-case sizing never overflows; every slot lies in [0, 2^bits)', () => {
    const graph = fcnnGraph(21);
    const { circuit, report } = compile(graph, { sizing: 'worstCase' });
    const raw = randomBytes(6, 300 * 16);
    const { stages } = simulate(circuit, quantizeInputs(circuit, raw, 300), 300, { trace: true });
    // PBS inputs stay in [0, p); the clear-decoded last stage may use all 2p residues.
    stages!.forEach((s, i) => {
      const limit = circuit.stages[i]!.tables ? 2 ** circuit.bits : 2 ** (circuit.bits + 1);
      for (const v of s.slots) expect(v >= 0 && v < limit).toBe(true);
    });
    expect(report.bits).toBe(Math.max(...report.stages.map((s) => s.worstCase.bits)));
  });
});
