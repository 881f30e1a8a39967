// Loading a published model by name (or any model folder by path): its trained graph, its
// compiled circuit when one is committed beside it, and where its model card is. Reads files
// only: no TensorFlow.js, no native addon, so the CLI's start-up and library users stay light.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCircuit, type Circuit } from '@fhenet/circuit';
import { loadTrainedGraph, MANIFEST_FILE, type TrainedGraph } from '@fhenet/training/format';
import { PUBLISHED_MODEL_NAMES, publishedModel, type PublishedModel } from './registry.js';

/** models/ at the repository root (this file is packages/models/{src,dist}/load.*). */
export const MODELS_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../models');

export const CIRCUIT_FILE = 'circuit.json';
export const MODEL_CARD_FILE = 'README.md';

/**
 * The folder of a model: a published name resolves under models/; anything else must be an
 * existing folder holding a trained graph. Throws with both places it looked.
 */
export function modelDir(nameOrPath: string): string {
  if (PUBLISHED_MODEL_NAMES.includes(nameOrPath)) return join(MODELS_DIR, nameOrPath);
  if (existsSync(join(nameOrPath, MANIFEST_FILE))) return resolve(nameOrPath);
  throw new RangeError(`model "${nameOrPath}": neither a published model (${PUBLISHED_MODEL_NAMES.join(', ')}) nor a folder holding ${MANIFEST_FILE}`);
}

export interface LoadedModel {
  readonly name: string;
  readonly dir: string;
  /** Registry entry, for published models. */
  readonly published?: PublishedModel;
  readonly graph: TrainedGraph;
  /** The committed compiled circuit (models/<name>/circuit.json), validated on read; absent if not compiled yet. */
  readonly circuit?: Circuit;
  readonly cardPath: string;
}

/** Loads a model by published name or folder path (graph validated by the trained-graph reader). */
export function loadModel(nameOrPath: string): LoadedModel {
  const dir = modelDir(nameOrPath);
  const graph = loadTrainedGraph(dir);
  const circuitPath = join(dir, CIRCUIT_FILE);
  const circuit = existsSync(circuitPath) ? loadCircuit(circuitPath) : undefined;
  const published = PUBLISHED_MODEL_NAMES.includes(nameOrPath) ? publishedModel(nameOrPath) : undefined;
  return {
    name: published?.name ?? graph.name,
    dir,
    ...(published ? { published } : {}),
    graph,
    ...(circuit ? { circuit } : {}),
    cardPath: join(dir, MODEL_CARD_FILE),
  };
}
