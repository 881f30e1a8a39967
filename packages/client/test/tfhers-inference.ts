// Shared body of the node-tfhe inference tests: keys and ciphertexts come only from node-tfhe
// (TfheRsClient over node-tfhe's Shortint: what a user of Zama's package alone runs), the fhenet
// server runs the compiled circuit on bytes, node-tfhe decrypts; the decrypted integers must
// equal the clear simulation on real MNIST images.
import { argmax, decodeOutputs, quantizeInputs, simulate, type Circuit, circuitParameters } from '@fhenet/circuit';
import { loadMnist } from '@fhenet/datasets';
import { expect } from 'vitest';
import { InferenceServer } from '@fhenet/executor';
import { expandTfheRsServerKeyAsync, readTfheRsCiphertextStream, writeTfheRsCiphertextStream } from '@fhenet/engine';
import { loadNodeTfhe, nodeTfheServerKeyInWorker, TfheRsClient } from '@fhenet/client';

export async function nodeTfheInference(circuit: Circuit, count: number, log: (line: string) => void): Promise<void> {
  const set = circuitParameters(circuit);

  // Client: node-tfhe only.
  let t = performance.now();
  const client = TfheRsClient.generate(loadNodeTfhe(), circuit);
  const serverKeyBytes = await nodeTfheServerKeyInWorker(client.serializeKey());
  log(
    `node-tfhe: client key + compressed server key (${(serverKeyBytes.length / 2 ** 20).toFixed(1)} MiB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const images = loadMnist({ split: 'test', limit: count });
  const wire = client.encryptRaw(images.images, count); // compressed: 124 bytes per input
  expect(wire.length).toBe(count * client.sampleSize * 124);

  // Server: bytes in, bytes out.
  t = performance.now();
  const server = new InferenceServer(circuit, await expandTfheRsServerKeyAsync(serverKeyBytes, set));
  log(`fhenet server: node-tfhe key expanded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const inputs = readTfheRsCiphertextStream(wire, set, { compressed: true });
  const result = await server.infer(inputs);
  log(`fhenet server: ${count} image(s) in ${(result.totalMs / 1000).toFixed(1)} s`);
  const answer = writeTfheRsCiphertextStream(result.outputs, set);
  result.outputs.dispose();
  inputs.dispose();
  server.dispose();

  // Client: node-tfhe decrypts.
  const decoded = client.decode(answer);
  const q = quantizeInputs(circuit, images.images, count);
  const sim = simulate(circuit, q, count).outputs;
  expect(Array.from(decoded.values)).toEqual(Array.from(sim));
  expect(Array.from(decoded.classes)).toEqual(Array.from(argmax(decodeOutputs(circuit, sim, count), count)));
  log(`predictions (node-tfhe decrypted): ${Array.from(decoded.classes).join(' ')}; labels: ${Array.from(images.labels).join(' ')}`);
}
