// Encrypted approximate rounding, checked statistically: a stage rounding k bits with one PBS per
// neuron, on a parameter set chosen for a high one-bucket-off rate (so that the check has teeth),
// run on lookups whose slots cover every offset of their buckets. The decrypted outputs differ from
// the exactly rounded circuit's (= the noise-free simulation) only by one bucket, and as often as
// the noise model predicts for these very slots (within 5 standard deviations of the sum of their
// Bernoulli probabilities). Each lookup reads its own input ciphertext: outputs computed from one
// ciphertext plus a clear offset share its mask, hence one keyswitch and modulus-switch error, and
// would move together (not the independent trials the Bernoulli sum assumes). Two shapes: 6 bits, k = 3 (boxes of 8 positions per slot), and 10 bits,
// k = 5 on N = 2^10 (one position per slot, as the published 10-bit approximate circuits run).
import { describe, expect, it } from 'vitest';
import { chooseParameters } from '@fhenet/compiler';
import { approximateStageNoise, expandRoundedTable, simulate, type Circuit, type Stage } from '@fhenet/circuit';
import { bucketShift } from '@fhenet/params';
import { InferenceClient } from '@fhenet/client';
import { InferenceServer } from '@fhenet/executor';
import { denseFromRows } from '@fhenet/testing';

interface Shape {
  readonly bits: number;
  readonly k: number;
  /** One-bucket-off rate the set is held to. */
  readonly offRate: number;
  /** Encrypted samples; output o of sample i reads slot (i mod 2^k) + o. */
  readonly count: number;
}

/** Output o = 0..p-2^k-1 reads input o plus o, a slot x + o (x in [0, 2^k)): every slot in [0, p - 1), every offset of every bucket. */
function approximateCircuit({ bits, k, offRate }: Shape, rounding: 'exact' | 'approximate'): Circuit {
  const p = 2 ** bits;
  const W = 2 ** k;
  const outputs = p - W;
  const linear = denseFromRows(
    Array.from({ length: outputs }, (_, o) => Array.from({ length: outputs }, (_, i) => (i === o ? 1 : 0))),
    outputs,
  );
  const tables = new Int32Array(outputs * p);
  // Bucket t of B reads t - (B/2 - 1): distinct values, so every move shows; negative ones too;
  // and a move past either end (negacyclic: minus the other end's value) is one step as well.
  const half = p / W / 2 - 1;
  for (let o = 0; o < outputs; o++)
    tables.set(
      expandRoundedTable((t) => t - half, k, p),
      o * p,
    );
  const stage: Stage = {
    name: 'a',
    linear,
    offset: Int32Array.from({ length: outputs }, (_, o) => o),
    tables,
    roundBits: k,
    ...(rounding === 'approximate' ? { rounding } : {}),
    analysis: { shift: new Int32Array(outputs), worstCase: { min: 0, max: p - 2 }, nu: 1 },
  };
  const bare: Circuit = {
    name: `approximate-${bits}bit`,
    bits,
    inputShape: [outputs],
    inputScaling: { divisor: 1 },
    inputQuantizer: { bits: k as never, signed: false, range: 'wide', scale: [1], zeroPoint: [0] },
    stages: [stage],
    output: { kind: 'dequantize', scale: 1, zeroPoint: 0 },
  };
  // A noisy set on purpose (the default rule gives ~6% off at uniformly placed slots).
  return { ...bare, parameters: chooseParameters(bare, 1e-6, { approximateOffRate: offRate }).parameters };
}

describe('encrypted approximate rounding (one PBS per neuron)', () => {
  const shapes: readonly (Shape & { readonly polynomialSize?: number })[] = [
    { bits: 6, k: 3, offRate: 0.15, count: 24 }, // ~15% off at uniform offsets
    { bits: 10, k: 5, offRate: 0.12, count: 2, polynomialSize: 1024 }, // the published 10-bit circuits' rate: N = 2^bits
  ];
  for (const shape of shapes)
    it(`${shape.bits} bits, k = ${shape.k}: decrypted outputs agree with the exact circuit as often as the noise model predicts, and are off by one bucket at most`, async () => {
      const { bits, k, count } = shape;
      const W = 2 ** k;
      const outputs = 2 ** bits - W;
      const circuit = approximateCircuit(shape, 'approximate');
      const set = circuit.parameters!.set;
      if (shape.polynomialSize) expect(set.polynomialSize).toBe(shape.polynomialSize);
      const inputs = Int32Array.from({ length: count * outputs }, (_, i) => Math.floor(i / outputs) % W);
      // Without noise the approximate circuit is the exactly rounded one.
      const exact = simulate(approximateCircuit(shape, 'exact'), inputs, count).outputs;
      expect(simulate(circuit, inputs, count).outputs).toEqual(exact);

      const client = InferenceClient.generate(circuit);
      const { keys } = await client.generateBothEvaluationKeys();
      const server = new InferenceServer(circuit, keys);
      const result = await server.infer(client.encryptQuantized(inputs));
      const decrypted = client.decode(result.outputs).values;
      expect(result.stages[0]!.pbsCount).toBe(outputs * count); // no extraction

      // The model's expectation for these slots.
      const noise = approximateStageNoise(circuit, 0);
      let mean = 0;
      let variance = 0;
      let differ = 0;
      let beyond = 0;
      for (let s = 0; s < count; s++) {
        for (let o = 0; o < outputs; o++) {
          const slot = inputs[s * outputs]! + o;
          const shift = bucketShift(slot % W, { roundBits: k, sigma: noise.sigma[o]!, boxEdge: noise.boxEdge });
          const q = shift.down + shift.up;
          mean += q;
          variance += q * (1 - q);
          const d = decrypted[s * outputs + o]! - exact[s * outputs + o]!;
          if (d !== 0) differ++;
          // One bucket off moves the value by one (past the ends too: the tables above).
          if (Math.abs(d) > 1) beyond++;
        }
      }
      const lookups = outputs * count;
      console.log(
        `set ${set.name}: n=${set.lweDimension} k=${set.glweDimension} N=${set.polynomialSize}, sigma ${noise.sigma[0]!.toFixed(2)} slots; ` +
          `${lookups} lookups in ${(result.totalMs / 1000).toFixed(1)} s: ${differ} differ from exact (${((100 * differ) / lookups).toFixed(2)}%), predicted ${mean.toFixed(1)} +- ${Math.sqrt(variance).toFixed(1)}`,
      );
      expect(mean).toBeGreaterThan(100); // enough events for the comparison to mean something
      expect(Math.abs(differ - mean)).toBeLessThan(5 * Math.sqrt(variance));
      expect(beyond).toBe(0);
      server.dispose();
    }, 300_000);
});
