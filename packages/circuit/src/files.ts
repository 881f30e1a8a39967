// Circuit files on disk (Node only; the browser page gets the JSON over HTTP and calls
// circuitFromJson). Written atomically: a crash mid-write never leaves half a circuit behind.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { CircuitFormatError } from './errors.js';
import { circuitFromText, circuitToJson, MAX_CIRCUIT_FILE_BYTES } from './format.js';
import type { Circuit } from './types.js';

export function saveCircuit(path: string, circuit: Circuit): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(circuitToJson(circuit))}\n`);
  renameSync(tmp, path);
}

/** Reads a circuit file: its size bounded before it is read, then circuitFromText (nesting, every field). */
export function loadCircuit(path: string): Circuit {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_CIRCUIT_FILE_BYTES) throw new Error(`${size} bytes, more than the ${MAX_CIRCUIT_FILE_BYTES} a circuit file may have`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CircuitFormatError(path, '(file)', 'a readable JSON circuit file', (e as Error).message);
  }
  return circuitFromText(text, path);
}
