// Reading and writing a trained graph folder: graph.json (manifest) + graph.bin (payload).

import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { encodeTrainedGraph, decodeTrainedGraph } from './codec.js';
import { TrainedGraphError } from './errors.js';
import type { TrainedGraph } from './types.js';

export const MANIFEST_FILE = 'graph.json';

/**
 * Writes `dir/graph.bin` then `dir/graph.json`, each atomically (temp file + rename), so a crash
 * leaves the old graph or the new one, never half a file; returns the manifest path.
 */
export function saveTrainedGraph(dir: string, graph: TrainedGraph): string {
  const { manifest, payload } = encodeTrainedGraph(graph);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, MANIFEST_FILE);
  writeFileAtomic.sync(join(dir, manifest.payload.file), Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  writeFileAtomic.sync(path, `${JSON.stringify(manifest, null, 1)}\n`);
  return path;
}

/** Reads a trained graph from a folder holding graph.json, or from the path of a manifest file. */
export function loadTrainedGraph(path: string): TrainedGraph {
  const manifestPath = path.endsWith('.json') ? path : join(path, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new TrainedGraphError(manifestPath, 'file', 'a trained graph manifest (graph.json written by `fhenet train`)', 'no such file');
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new TrainedGraphError(manifestPath, 'JSON', 'valid JSON', (e as Error).message);
  }
  const file = (json as { payload?: { file?: unknown } })?.payload?.file;
  if (typeof file !== 'string' || file.includes('/') || file.includes('\\') || file.length === 0) {
    throw new TrainedGraphError(manifestPath, 'payload.file', 'a file name next to the manifest', JSON.stringify(file));
  }
  const binPath = join(dirname(manifestPath), file);
  if (!existsSync(binPath)) throw new TrainedGraphError(manifestPath, 'payload.file', `an existing file ${binPath}`, 'no such file');
  const buf = readFileSync(binPath);
  return decodeTrainedGraph(json, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), manifestPath);
}
