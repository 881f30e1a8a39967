// The first layer in the clear, encrypted (circuit v3 clearStages): the client quantizes 8-bit
// inputs, runs the clear stage exactly (an 11-bit accumulator and table) and encrypts its 2-bit
// outputs; the server runs only the encrypted 4-bit stage (its plan has no clear stage and asks
// nothing else of the client); decrypted == simulate, and the clear stage == a direct computation.
import { describe, expect, it } from 'vitest';
import { chooseParameters } from '@fhenet/compiler';
import { quantizeInputs, simulate, type Circuit, type ClearStage, type Stage } from '@fhenet/circuit';
import { InferenceClient } from '@fhenet/client';
import { InferenceServer, planCircuit } from '@fhenet/executor';
import { denseFromRows } from '@fhenet/testing';

const clearRows = [
  [1, -1, 1],
  [-1, 0, 1],
  [1, 1, 1],
  [0, -1, -1],
];
const serverRows = [
  [1, 1, 0, 1],
  [0, 1, 1, 1],
  [1, 0, 1, 0],
];
const bits = 4;
const p = 2 ** bits;

function circuit(): Circuit {
  // Clear: slot = acc + 1024 in [259, 1789] for inputs in [0, 255]; table: slot -> floor(slot / 128) mod 4.
  const cl = denseFromRows(clearRows, 3);
  const clear: ClearStage = {
    name: 'conv1',
    linear: cl,
    bits: 11,
    offset: new Int32Array(4).fill(1024),
    tables: Int32Array.from({ length: 4 * 2048 }, (_, i) => Math.floor((i % 2048) / 128) % 4),
    analysis: { shift: new Int32Array(4).fill(1024), worstCase: { min: 259, max: 1789 }, nu: Math.sqrt(3) },
  };
  // Encrypted: slot = acc + 1 in [1, 10] < 2^4; table c: a -> (3a + c) mod 16 - 8.
  const sl = denseFromRows(serverRows, 4);
  const stage: Stage = {
    name: 'dense2',
    linear: sl,
    offset: new Int32Array(3).fill(1),
    tables: Int32Array.from({ length: 3 * p }, (_, i) => ((3 * (i % p) + Math.floor(i / p)) % p) - 8),
    roundBits: 0,
    analysis: { shift: new Int32Array(3).fill(1), worstCase: { min: 1, max: 10 }, nu: Math.sqrt(3) },
  };
  const bare: Circuit = {
    name: 'clear-prefix-4bit',
    bits,
    inputShape: [3],
    inputScaling: { divisor: 1 },
    inputQuantizer: { bits: 8 as never, signed: false, range: 'wide', scale: [1], zeroPoint: [0] },
    clearStages: [clear],
    stages: [stage],
    output: { kind: 'dequantize', scale: 1, zeroPoint: 0 },
  };
  return { ...bare, parameters: chooseParameters(bare).parameters };
}

describe('encrypted inference with the first layer in the clear (4-bit circuit, 11-bit clear stage)', () => {
  it('client runs the clear stage; decrypted outputs equal simulate(); the server plan starts at the encrypted stage', async () => {
    const c = circuit();
    expect(c.parameters!.set.messageBits).toBe(4);
    const count = 6;
    const raw = Uint8Array.from({ length: count * 3 }, (_, i) => (i * 97 + 13) % 256);
    raw.set([255, 0, 255, 0, 255, 0], 0); // the extremes of channels 0 and 1
    // The clear stage computed directly: floor((sum w x + 1024) / 128) mod 4.
    const expectedClear = Array.from({ length: count * 4 }, (_, k) => {
      const s = Math.floor(k / 4);
      const acc = clearRows[k % 4]!.reduce((a, w, i) => a + w * raw[s * 3 + i]!, 0);
      return Math.floor((acc + 1024) / 128) % 4;
    });
    const q = quantizeInputs(c, raw, count);
    expect(Array.from(q)).toEqual(expectedClear);
    expect(new Set(expectedClear).size).toBe(4); // every table value is used
    const sim = simulate(c, q, count).outputs;

    const plan = planCircuit(c);
    expect(plan.stages.map((s) => s.name)).toEqual(['dense2']);
    expect(plan.inputSize).toBe(4);
    expect(plan.pbsPerSample).toBe(3);

    const client = InferenceClient.generate(c);
    expect(client.sampleSize).toBe(4);
    const { keys } = await client.generateBothEvaluationKeys();
    const server = new InferenceServer(c, keys);
    const result = await server.infer(client.encryptRaw(raw, count));
    expect(Array.from(client.decode(result.outputs).values)).toEqual(Array.from(sim));
    expect(result.stages.map((s) => s.pbsCount)).toEqual([3 * count]);
  }, 300_000);
});
