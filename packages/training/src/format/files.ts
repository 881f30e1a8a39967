// Reading and writing a trained graph folder: graph.json (manifest) + graph.bin (payload).

import { mkdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { parseBoundedJson, type JsonLimits } from '@fhenet/quantization';
import { encodeTrainedGraph, decodeTrainedGraph } from './codec.js';
import { TrainedGraphError } from './errors.js';
import type { TrainedGraph } from './types.js';

export const MANIFEST_FILE = 'graph.json';
/** Largest manifest read (layers' metadata only: the zoo's are under 20 KB). */
export const MAX_GRAPH_MANIFEST_BYTES = 16 * 2 ** 20;
/** Largest payload read: what one readFileSync can hold. */
export const MAX_GRAPH_PAYLOAD_BYTES = 2 ** 31 - 1;
/** The manifest JSON's shape (it nests 5 deep; arrays hold shapes and per-channel quantizers). */
export const GRAPH_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxValues: 2 ** 20 };

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
  // Bounded before it is parsed: a hostile manifest must not become a huge or deep object graph.
  const size = statSync(manifestPath).size;
  if (size > MAX_GRAPH_MANIFEST_BYTES) throw new TrainedGraphError(manifestPath, 'file', `at most ${MAX_GRAPH_MANIFEST_BYTES} bytes`, `${size} bytes`);
  const text = readFileSync(manifestPath, 'utf8');
  const read = parseBoundedJson(text, GRAPH_JSON_LIMITS, "a manifest's JSON");
  if (!read.ok) throw new TrainedGraphError(manifestPath, 'JSON', read.expected, read.got);
  const json = read.value;
  const file = (json as { payload?: { file?: unknown } })?.payload?.file;
  if (typeof file !== 'string' || file.includes('/') || file.includes('\\') || file.length === 0) {
    throw new TrainedGraphError(manifestPath, 'payload.file', 'a file name next to the manifest', JSON.stringify(file));
  }
  const binPath = join(dirname(manifestPath), file);
  if (!existsSync(binPath)) throw new TrainedGraphError(manifestPath, 'payload.file', `an existing file ${binPath}`, 'no such file');
  // The payload's size is checked before it is read (decodeTrainedGraph checks it against the manifest too).
  const binSize = statSync(binPath).size;
  const declared = (json as { payload?: { byteLength?: unknown } }).payload?.byteLength;
  if (binSize > MAX_GRAPH_PAYLOAD_BYTES || (typeof declared === 'number' && declared !== binSize)) {
    throw new TrainedGraphError(
      manifestPath,
      'payload.byteLength',
      `the size of ${binPath} (${binSize} bytes, at most ${MAX_GRAPH_PAYLOAD_BYTES})`,
      String(declared),
    );
  }
  const buf = readFileSync(binPath);
  return decodeTrainedGraph(json, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), manifestPath);
}
