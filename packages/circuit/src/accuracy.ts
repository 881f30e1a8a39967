// Simulated accuracy of a circuit on labelled raw data: what rounding costs (issue #8) is the
// difference between a rounded circuit's accuracy and its unrounded sibling's.
import { argmax, decodeOutputs, quantizeInputs } from './encoding.js';
import type { Circuit } from './types.js';
import { simulate } from './simulate.js';

export interface SimulatedAccuracy {
  readonly correct: number;
  readonly count: number;
  readonly accuracy: number;
  /** Predicted class of every sample. */
  readonly predictions: Int32Array;
}

/** Runs `count` raw samples (count x inputSize, before inputScaling) through simulate(). */
export function simulatedAccuracy(circuit: Circuit, raw: ArrayLike<number>, labels: ArrayLike<number>, count: number): SimulatedAccuracy {
  if (labels.length < count) throw new RangeError(`simulatedAccuracy: ${count} samples need ${count} labels, got ${labels.length}`);
  const q = quantizeInputs(circuit, raw, count);
  const predictions = Int32Array.from(argmax(decodeOutputs(circuit, simulate(circuit, q, count).outputs, count), count));
  let correct = 0;
  for (let i = 0; i < count; i++) if (predictions[i] === Number(labels[i])) correct++;
  return { correct, count, accuracy: count === 0 ? 0 : correct / count, predictions };
}
