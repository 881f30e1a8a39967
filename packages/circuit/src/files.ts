// Circuit files on disk (Node only; the browser page gets the JSON over HTTP and calls
// circuitFromJson). Written atomically: a crash mid-write never leaves half a circuit behind.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CircuitFormatError } from './errors.js';
import { circuitFromJson, circuitToJson } from './format.js';
import type { Circuit } from './types.js';

export function saveCircuit(path: string, circuit: Circuit): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(circuitToJson(circuit))}\n`);
  renameSync(tmp, path);
}

export function loadCircuit(path: string): Circuit {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CircuitFormatError(path, '(file)', 'a readable JSON circuit file', (e as Error).message);
  }
  return circuitFromJson(json, path);
}
