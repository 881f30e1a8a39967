import { TINY_MNIST_CIRCUIT, convGraph, fcnnGraph, randomBytes } from '@fhenet/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { accumulate, argmax, decodeOutputs, inputSize, loadCircuit, outputSize, quantizeInputs, simulate, type Circuit, type LinearOp } from '@fhenet/circuit';
import { compile } from '@fhenet/compiler';
import { loadMnist } from '@fhenet/datasets';
import { InferenceClient } from '@fhenet/client';
import { InferenceServer, linearToCsr, repeatCsr, type StageProgress } from '@fhenet/executor';

const FIXTURE = TINY_MNIST_CIRCUIT;

function csrTimes(m: ReturnType<typeof linearToCsr>, x: Int32Array): Int32Array {
  const out = new Int32Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let k = m.indptr[r]!; k < m.indptr[r + 1]!; k++) s += m.values[k]! * x[m.indices[k]!]!;
    out[r] = s;
  }
  return out;
}

describe('linearToCsr', () => {
  const ops: LinearOp[] = [...compile(convGraph(3)).circuit.stages.map((s) => s.linear), ...compile(fcnnGraph(4)).circuit.stages.map((s) => s.linear)];
  it('covers dense, conv2d and sumPool', () => {
    expect(new Set(ops.map((o) => o.kind))).toEqual(new Set(['dense', 'conv2d', 'sumPool']));
  });
  for (const [i, op] of ops.entries()) {
    it(`op ${i} (${op.kind}) equals the compiler's accumulate on random inputs, also block-repeated`, () => {
      const count = 3;
      const x = Int32Array.from(randomBytes(i + 10, count * inputSize(op)), (v) => (v % 15) - 7);
      const expected = new Int32Array(count * outputSize(op));
      accumulate(op, x, count, expected);
      expect(csrTimes(repeatCsr(linearToCsr(op), count), x)).toEqual(expected);
    });
  }
});

describe('encrypted inference on MNIST (6-bit circuit, N=4096)', () => {
  let circuit: Circuit;
  let client: InferenceClient;
  let server: InferenceServer;
  beforeAll(async () => {
    circuit = loadCircuit(FIXTURE);
    client = InferenceClient.generate(circuit);
    const seeded = await client.generateSeededEvaluationKeys();
    // The server side gets the transfer form only, through bytes, as over a network.
    const { SeededEvaluationKeys } = await import('@fhenet/engine');
    server = await InferenceServer.fromSeeded(circuit, SeededEvaluationKeys.deserialize(seeded.serialize(), circuit.parameters!.set));
  });

  it('decrypted outputs equal simulate() on real test images; progress per stage', async () => {
    const count = 1; // 384 PBS; two cores shared in CI
    const test = loadMnist({ split: 'test', limit: count });
    const q = quantizeInputs(circuit, test.images, count);
    const sim = simulate(circuit, q, count).outputs;
    const expectedClasses = argmax(decodeOutputs(circuit, sim, count), count);

    const wire = client.encryptRaw(test.images, count).serialize();
    const events: StageProgress[] = [];
    const result = await server.infer(server.readInputs(wire), (p) => events.push(p));
    const decoded = client.decode(result.outputs);

    expect(result.count).toBe(count);
    expect(Array.from(decoded.values)).toEqual(Array.from(sim));
    expect(Array.from(decoded.classes)).toEqual(Array.from(expectedClasses));
    expect(events.filter((e) => e.phase === 'done').map((e) => e.name)).toEqual(circuit.stages.map((s) => s.name));
    expect(result.stages.map((s) => s.pbsCount)).toEqual(circuit.stages.map((s) => (s.tables ? outputSize(s.linear) * count : 0)));
    console.log(`encrypted inference of ${count} image(s): ${(result.totalMs / 1000).toFixed(1)} s, stages ${JSON.stringify(result.stages)}`);
  }, 900_000);

  it('refuses inputs that are not whole samples, and keys of another circuit size', () => {
    const one = client.encryptQuantized(new Int32Array(784));
    const partial = one.gather(Array.from({ length: 100 }, (_, i) => i));
    expect(() => server.readInputs(partial.serialize())).toThrow(/multiple of 784/);
    expect(() => client.encryptQuantized(new Int32Array(10))).toThrow(/multiple of 784/);
    expect(() => server.readInputs(Buffer.from('not a ciphertext'))).toThrow();
  });

  it('client key survives serialization; a circuit without parameters is refused with a clear error', () => {
    const again = InferenceClient.fromKeyBytes(circuit, client.serializeKey());
    const ct = client.encryptQuantized(Int32Array.from({ length: 784 }, (_, i) => i % 4));
    expect(Array.from(again.key.decrypt(ct))).toEqual(Array.from({ length: 784 }, (_, i) => i % 4));
    const { parameters: _, ...bare } = circuit;
    expect(() => InferenceClient.generate(bare)).toThrow(/has no TFHE parameters/);
  });
});

describe('encrypted conv2d + sumPool circuit with a dequantize decoder (synthetic 6x6 graph)', () => {
  it('decrypted outputs equal simulate() (signed inputs, negacyclic PBS outputs)', async () => {
    const count = 1; // 183 PBS at 6 bits
    const calib = randomBytes(9, 36 * 200);
    const { circuit } = compile(convGraph(2), { calibration: { raw: calib, count: 200 } });
    expect(circuit.output.kind).toBe('dequantize');
    expect(circuit.stages.map((s) => s.linear.kind)).toEqual(['conv2d', 'sumPool', 'dense']);
    const client = InferenceClient.generate(circuit);
    const { keys } = await client.generateBothEvaluationKeys();
    const server = new InferenceServer(circuit, keys);
    const raw = randomBytes(77, 36 * count);
    const sim = simulate(circuit, quantizeInputs(circuit, raw, count), count).outputs;
    const result = await server.infer(client.encryptRaw(raw, count));
    expect(Array.from(client.decode(result.outputs).values)).toEqual(Array.from(sim));
    server.dispose();
  }, 900_000);
});
