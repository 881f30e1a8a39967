import { TINY_MNIST_CIRCUIT } from '@fhenet/testing';
// A node-tfhe client end to end on the small MNIST FCNN fixture (6-bit circuit, N = 4096).
// The real 7-bit model on 10 images is tfhers-inference.slow.test.ts.
import { fileURLToPath } from 'node:url';
import { loadCircuit } from '@fhenet/circuit';
import { test } from 'vitest';
import { nodeTfheInference } from './tfhers-inference.js';

const FIXTURE = TINY_MNIST_CIRCUIT;

test('node-tfhe keys and ciphertexts, fhenet server, node-tfhe decrypts = clear simulation (1 MNIST image)', async () => {
  await nodeTfheInference(loadCircuit(FIXTURE), 1, (l) => console.log(l));
}, 900_000);
