// Issue #10's acceptance test: keys and ciphertexts come only from node-tfhe, the fhenet server
// runs the MNIST FCNN circuit of models/mnist-fcnn-narrow-150 (7 bits, 384 PBS per image), and
// node-tfhe decrypts predictions equal to the clear simulation on 10 real test images.
import { fileURLToPath } from 'node:url';
import { loadCircuit } from '@fhenet/compiler';
import { test } from 'vitest';
import { nodeTfheInference } from './tfhers-inference.js';

const CIRCUIT = fileURLToPath(new URL('../../../models/mnist-fcnn-narrow-150/circuit.json', import.meta.url));

test('node-tfhe client, mnist-fcnn-narrow-150, 10 test images: decrypted = simulated', async () => {
  await nodeTfheInference(loadCircuit(CIRCUIT), 10, (l) => console.log(l));
}, 3_600_000);
