// Repository paths the commands default to (this file is packages/cli/{src,dist}/paths.*).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
/**
 * The measured encrypted latencies (docs/experiments.md): `fhenet bench --record` and the inference
 * benchmark append to it; `fhenet report` and `fhenet sweep` read it.
 */
export const DEFAULT_LATENCY_LOG = 'results/encrypted-latency.json';
