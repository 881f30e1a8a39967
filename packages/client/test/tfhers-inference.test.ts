import { TINY_MNIST_CIRCUIT } from '@fhenet/testing';
import { loadCircuit } from '@fhenet/circuit';
import { test } from 'vitest';
import { nodeTfheInference } from './tfhers-inference.js';

const FIXTURE = TINY_MNIST_CIRCUIT;

test('node-tfhe keys and ciphertexts, fhenet server, node-tfhe decrypts = clear simulation (1 MNIST image)', async () => {
  await nodeTfheInference(loadCircuit(FIXTURE), 1, (l) => console.log(l));
}, 900_000);
