// Issue #10's acceptance test: keys and ciphertexts come only from node-tfhe, the fhenet server
// runs the MNIST FCNN circuit of models/mnist-fcnn-narrow-150 (7 bits, 384 PBS per image), and
// node-tfhe decrypts predictions equal to the clear simulation on 10 real test images. Also a
// rounded 9-bit circuit (wide-90: message modulus 512, bit extraction and rounded lookups).
import { fileURLToPath } from 'node:url';
import { loadCircuit } from '@fhenet/circuit';
import { exactSibling } from '@fhenet/testing';
import { test } from 'vitest';
import { nodeTfheInference } from './tfhers-inference.js';

// The published circuits round approximately; bit for bit is checked on their exact siblings.
const model = (name: string) => exactSibling(loadCircuit(fileURLToPath(new URL(`../../../models/${name}/circuit.json`, import.meta.url))));

test('node-tfhe client, mnist-fcnn-narrow-150, 10 test images: decrypted = simulated', async () => {
  await nodeTfheInference(model('mnist-fcnn-narrow-150'), 10, (l) => console.log(l));
}, 3_600_000);

test('node-tfhe client, mnist-fcnn-wide-90 (rounded 9-bit circuit), 2 test images: decrypted = simulated', async () => {
  await nodeTfheInference(model('mnist-fcnn-wide-90'), 2, (l) => console.log(l));
}, 3_600_000);
