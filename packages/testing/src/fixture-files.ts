// Committed fixture files (packages/testing/fixtures, README there says how they were made).
import { fileURLToPath } from 'node:url';

/** A small compiled MNIST FCNN circuit (7-8 bit stages) that encrypted tests run in seconds. */
export const TINY_MNIST_CIRCUIT = fileURLToPath(new URL('../fixtures/mnist-fcnn-tiny8.circuit.json', import.meta.url));
