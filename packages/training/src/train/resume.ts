// Resumable training: after each epoch the trainer writes, into its checkpoint folder, the model
// (checkpoint.ts), the optimizer's state and a small training-state.json (epoch, step, history and
// the settings that define the run). A later run with the same settings and `resume` continues
// from the next epoch: same data order (shuffles are seeded per epoch), learning-rate and pruning
// schedules (functions of the step). Long runs (full-width VGG-9 takes hours per few epochs on
// this machine) can so be spread over several processes.

import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { EpochReport } from './epoch-report.js';

const STATE_FILE = 'training-state.json';
const STATE_VERSION = 1;

export interface TrainingState {
  readonly version: number;
  /** Last finished epoch and the global step after it. */
  readonly epoch: number;
  readonly step: number;
  /** What must match for a resume: epochs, batch size, learning rate and schedule, seed, pruning, data size. */
  readonly settings: Record<string, unknown>;
  readonly history: EpochReport[];
}

/** Writes model, optimizer state and training state to `dir`, replacing it only once all is written. */
export async function saveTrainingCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  state: Omit<TrainingState, 'version'>,
): Promise<void> {
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await saveCheckpoint(model, tmp);
  const { data, specs } = await tf.io.encodeWeights(await optimizer.getWeights());
  writeFileSync(join(tmp, 'optimizer.bin'), new Uint8Array(data));
  writeFileSync(join(tmp, 'optimizer.json'), JSON.stringify({ className: optimizer.getClassName(), specs }));
  writeFileSync(join(tmp, STATE_FILE), JSON.stringify({ version: STATE_VERSION, ...state }));
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** True if `dir` holds a training state to resume from. */
export function hasTrainingState(dir: string): boolean {
  return existsSync(join(dir, STATE_FILE));
}

/**
 * Loads the checkpoint in `dir` into `model` and `optimizer` and returns its training state.
 * Throws, naming the file and field, if it is not a checkpoint of this run (settings, layers or
 * weight shapes differ) or is malformed.
 */
export async function loadTrainingState(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  settings: Record<string, unknown>,
): Promise<TrainingState> {
  const file = join(dir, STATE_FILE);
  let state: TrainingState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as TrainingState;
  } catch (e) {
    throw new Error(`${file}: not readable JSON (${(e as Error).message})`);
  }
  if (state.version !== STATE_VERSION) throw new Error(`${file}: version: expected ${STATE_VERSION}, got ${String(state.version)}`);
  if (!Number.isInteger(state.epoch) || state.epoch < 1 || !Number.isInteger(state.step) || state.step < 1 || !Array.isArray(state.history)) {
    throw new Error(`${file}: epoch, step and history: expected positive integers and an array, got ${String(state.epoch)}, ${String(state.step)}`);
  }
  for (const [k, v] of Object.entries(settings)) {
    if (JSON.stringify(state.settings?.[k]) !== JSON.stringify(v)) {
      throw new Error(
        `${file}: ${k} ${JSON.stringify(state.settings?.[k])} differs from this run's ${JSON.stringify(v)}; resume with the same settings or use a new checkpoint folder`,
      );
    }
  }
  const saved = await loadCheckpoint(dir);
  try {
    const want = model.weights.map((w) => `${w.originalName} [${w.shape}]`);
    const got = saved.weights.map((w) => `${w.originalName} [${w.shape}]`);
    const diff = want.findIndex((w, i) => w !== got[i]);
    if (diff >= 0 || want.length !== got.length) {
      throw new Error(
        `${join(dir, 'model.json')}: weight ${diff >= 0 ? diff : want.length}: expected ${want[diff] ?? '(none)'}, got ${got[diff >= 0 ? diff : want.length] ?? '(none)'}; the checkpoint is of another model`,
      );
    }
    model.setWeights(saved.getWeights());
  } finally {
    saved.dispose();
  }
  const opt = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8')) as { className: string; specs: tf.io.WeightsManifestEntry[] };
  if (opt.className !== optimizer.getClassName())
    throw new Error(`${join(dir, 'optimizer.json')}: className: expected ${optimizer.getClassName()}, got ${opt.className}`);
  const buf = readFileSync(join(dir, 'optimizer.bin'));
  const bytes = opt.specs.reduce((a, s) => a + 4 * s.shape.reduce((x, y) => x * y, 1), 0);
  if (buf.byteLength !== bytes)
    throw new Error(`${join(dir, 'optimizer.bin')}: expected ${bytes} bytes for its ${opt.specs.length} tensors, got ${buf.byteLength}`);
  const named = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), opt.specs);
  try {
    await optimizer.setWeights(opt.specs.map((s) => ({ name: s.name, tensor: named[s.name]! })));
  } finally {
    tf.dispose(Object.values(named)); // the optimizer's variables hold their own references
  }
  return state;
}
