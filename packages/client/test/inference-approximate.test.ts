// Encrypted approximate rounding, checked statistically: a 6-bit stage rounding k = 3 bits with
// one PBS per neuron, on a parameter set chosen for a high one-bucket-off rate (so that the check
// has teeth), run on ~1,300 lookups whose slots cover every offset of their buckets. The decrypted
// outputs differ from the exactly rounded circuit's (= the noise-free simulation) only by one
// bucket, and as often as the noise model predicts for these very slots (within 5 standard
// deviations of the sum of their Bernoulli probabilities).
import { describe, expect, it } from 'vitest';
import { chooseParameters } from '@fhenet/compiler';
import { approximateStageNoise, expandRoundedTable, simulate, type Circuit, type Stage } from '@fhenet/circuit';
import { bucketShift } from '@fhenet/params';
import { InferenceClient } from '@fhenet/client';
import { InferenceServer } from '@fhenet/executor';
import { denseFromRows } from '@fhenet/testing';

const bits = 6;
const p = 2 ** bits;
const k = 3;
const W = 2 ** k;
/** Outputs o = 0..55 read slot x + o (x in [0, 8)): every slot in [0, 63), every offset of every bucket. */
const outputs = 56;

function approximateCircuit(rounding: 'exact' | 'approximate'): Circuit {
  const linear = denseFromRows(
    Array.from({ length: outputs }, () => [1]),
    1,
  );
  const tables = new Int32Array(outputs * p);
  // Bucket t reads t - 3: distinct values, so every move shows; negative ones too.
  for (let o = 0; o < outputs; o++)
    tables.set(
      expandRoundedTable((t) => t - 3, k, p),
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
    inputShape: [1],
    inputScaling: { divisor: 1 },
    inputQuantizer: { bits: 3 as never, signed: false, range: 'wide', scale: [1], zeroPoint: [0] },
    stages: [stage],
    output: { kind: 'dequantize', scale: 1, zeroPoint: 0 },
  };
  // A noisy set on purpose: ~15% of uniformly placed slots off bucket (the default rule gives ~6%).
  return { ...bare, parameters: chooseParameters(bare, 1e-6, { approximateOffRate: 0.15 }).parameters };
}

describe('encrypted approximate rounding (6 bits, k = 3, one PBS per neuron)', () => {
  it('decrypted outputs agree with the exact circuit as often as the noise model predicts, and are off by one bucket at most', async () => {
    const circuit = approximateCircuit('approximate');
    const set = circuit.parameters!.set;
    const count = 24;
    const inputs = Int32Array.from({ length: count }, (_, i) => i % 8);
    // Without noise the approximate circuit is the exactly rounded one.
    const exact = simulate(approximateCircuit('exact'), inputs, count).outputs;
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
        const slot = inputs[s]! + o;
        const shift = bucketShift(slot % W, { roundBits: k, sigma: noise.sigma[o]!, boxEdge: noise.boxEdge });
        const q = shift.down + shift.up;
        mean += q;
        variance += q * (1 - q);
        const d = decrypted[s * outputs + o]! - exact[s * outputs + o]!;
        if (d !== 0) differ++;
        // One bucket off moves the value by one (past the ends, -T'(7) = -4 below bucket 0 and -T'(0) = 3 above bucket 7: also one).
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
  }, 180_000);
});
