// Repository paths the commands default to (this file is packages/cli/{src,dist}/paths.*).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
/** Where the encrypted-inference benchmark writes its results (packages/runtime/bench/inference.ts). */
export const DEFAULT_MEASURED_RESULTS = 'packages/runtime/bench/INFERENCE-RESULTS.md';
/** Where `fhenet bench --record` results go by convention, and `fhenet report` looks (docs/experiments.md). */
export const DEFAULT_LATENCY_LOG = 'results/encrypted-latency.json';
