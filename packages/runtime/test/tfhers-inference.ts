// Shared body of the node-tfhe inference tests: keys and ciphertexts come only from node-tfhe
// (what a client using Zama's package alone does), the fhenet server runs the compiled circuit,
// node-tfhe decrypts; the decrypted integers must equal the clear simulation on real MNIST images.
import { createRequire } from 'node:module';
import { argmax, decodeOutputs, inputSize, quantizeInputs, simulate, type Circuit } from '@fhenet/compiler';
import { loadMnist } from '@fhenet/datasets';
import { expect } from 'vitest';
import { circuitParameters } from '../src/inference/plan.js';
import { InferenceServer } from '../src/inference/server.js';
import { expandTfheRsServerKey, readTfheRsCiphertexts, writeTfheRsCiphertexts } from '../src/tfhers/index.js';
import { newParameters, tfheRsParameters } from '../../compiler/src/tfhers-parameters.js';

type NodeTfhe = typeof import('node-tfhe');
const tfhe = createRequire(import.meta.url)('node-tfhe') as NodeTfhe;
const S = tfhe.Shortint;

export async function nodeTfheInference(circuit: Circuit, count: number, log: (line: string) => void): Promise<void> {
  const set = circuitParameters(circuit);
  const p = 2 ** set.messageBits;

  // Client: node-tfhe only.
  let t = performance.now();
  const ck = S.new_client_key(newParameters(S, tfheRsParameters(set)));
  const serverKeyBytes = S.serialize_compressed_server_key(S.new_compressed_server_key(ck));
  log(`node-tfhe: client key + compressed server key (${(serverKeyBytes.length / 2 ** 20).toFixed(1)} MiB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const images = loadMnist({ split: 'test', limit: count });
  const q = quantizeInputs(circuit, images.images, count);
  for (const v of q) if (v < 0 || v >= p) throw new Error(`quantized input ${v} outside [0, ${p}): node-tfhe encrypts m mod p`);
  const inputBytes = Array.from(q, (v) => S.serialize_ciphertext(S.encrypt(ck, BigInt(v))));

  // Server: bytes in, bytes out.
  t = performance.now();
  const server = new InferenceServer(circuit, expandTfheRsServerKey(serverKeyBytes, set));
  log(`fhenet server: node-tfhe key expanded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const inputs = readTfheRsCiphertexts(inputBytes, set);
  expect(inputs.count).toBe(count * inputSize(circuit.stages[0]!.linear));
  const result = await server.infer(inputs);
  log(`fhenet server: ${count} image(s) in ${(result.totalMs / 1000).toFixed(1)} s`);
  const outputBytes = writeTfheRsCiphertexts(result.outputs, set);
  result.outputs.dispose();
  inputs.dispose();
  server.dispose();

  // Client: node-tfhe decrypts (residues mod 2p, the outputs declare message modulus 2p).
  const residues = outputBytes.map((b) => Number(S.decrypt(ck, S.deserialize_ciphertext(b))));
  const values = Int32Array.from(residues, (r) => (circuit.output.kind === 'clearTable' || r < p ? r : r - 2 * p));
  const sim = simulate(circuit, q, count).outputs;
  expect(Array.from(values)).toEqual(Array.from(sim));
  const classes = argmax(decodeOutputs(circuit, values, count), count);
  const simClasses = argmax(decodeOutputs(circuit, sim, count), count);
  expect(Array.from(classes)).toEqual(Array.from(simClasses));
  log(`predictions (node-tfhe decrypted): ${Array.from(classes).join(' ')}; labels: ${Array.from(images.labels).join(' ')}`);
}
