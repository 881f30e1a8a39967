// Simulated accuracy of a circuit on labelled raw data: what rounding costs (issue #8) is the
// difference between a rounded circuit's accuracy and its unrounded sibling's.
import { argmax, decodeOutputs, quantizeInputs } from './encoding.js';
import type { Circuit } from './types.js';
import { isApproximate } from './rounding.js';
import { simulate, type NoiseEffect, type SimulateOptions } from './simulate.js';

/** The seed of the simulated bootstrap noise behind reported approximate accuracies (fhenet compile --noise-seed). */
export const DEFAULT_NOISE_SEED = 1;

export interface SimulatedAccuracy {
  readonly correct: number;
  readonly count: number;
  readonly accuracy: number;
  /** Predicted class of every sample. */
  readonly predictions: Int32Array;
  /** With options.noise: per stage, what the simulated bootstrap noise did to its approximate lookups. */
  readonly noise?: readonly NoiseEffect[];
}

/**
 * Runs `count` raw samples (count x inputSize, before inputScaling) through simulate(); with
 * options.noise, approximately rounded stages get their seeded bootstrap noise (simulate.ts).
 */
export function simulatedAccuracy(
  circuit: Circuit,
  raw: ArrayLike<number>,
  labels: ArrayLike<number>,
  count: number,
  options: Pick<SimulateOptions, 'noise'> = {},
): SimulatedAccuracy {
  if (labels.length < count) throw new RangeError(`simulatedAccuracy: ${count} samples need ${count} labels, got ${labels.length}`);
  const q = quantizeInputs(circuit, raw, count);
  const sim = simulate(circuit, q, count, options);
  const predictions = Int32Array.from(argmax(decodeOutputs(circuit, sim.outputs, count), count));
  let correct = 0;
  for (let i = 0; i < count; i++) if (predictions[i] === Number(labels[i])) correct++;
  return { correct, count, accuracy: count === 0 ? 0 : correct / count, predictions, ...(sim.noise ? { noise: sim.noise } : {}) };
}

/**
 * For a circuit with approximately rounded stages: the share of the `count` raw samples whose class
 * under the seeded bootstrap noise equals the noise-free class (= the exactly rounded circuit's),
 * averaged over `seeds` noise draws (seeds 1..seeds). What an encrypted run's agreement with the
 * exact circuit is expected to be; 1 for a circuit without approximate stages.
 */
export function predictedAgreement(circuit: Circuit, raw: ArrayLike<number>, count: number, seeds = 16): number {
  if (!circuit.stages.some(isApproximate) || count === 0) return 1;
  const q = quantizeInputs(circuit, raw, count);
  const exact = argmax(decodeOutputs(circuit, simulate(circuit, q, count).outputs, count), count);
  let same = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const noisy = argmax(decodeOutputs(circuit, simulate(circuit, q, count, { noise: { seed } }).outputs, count), count);
    for (let i = 0; i < count; i++) if (noisy[i] === exact[i]) same++;
  }
  return same / (seeds * count);
}
