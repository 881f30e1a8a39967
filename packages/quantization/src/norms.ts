import { checkMatrix } from './accumulator.js';

/**
 * The 2-norm ν = sqrt(Σ w_i²) of one neuron's weights. It bounds how much Gaussian noise on the
 * inputs grows through the linear map (the noise standard deviation is multiplied by ν), so the
 * parameter search sizes the bootstrapping noise budget from it.
 */
export function weightNorm2(weights: ArrayLike<number>): number {
  return norm(weights, 0, weights.length, 'weightNorm2');
}

/** weightNorm2 per neuron of a row-major [outputs][inputs] matrix (neuron o: weights[o*inputs + i]). */
export function weightNorms2(weights: ArrayLike<number>, shape: readonly [outputs: number, inputs: number]): number[] {
  const [outputs, inputs] = checkMatrix(weights, shape, 'weightNorms2');
  return Array.from({ length: outputs }, (_, o) => norm(weights, o * inputs, (o + 1) * inputs, 'weightNorms2'));
}

function norm(weights: ArrayLike<number>, start: number, end: number, fn: string): number {
  let sum = 0;
  for (let i = start; i < end; i++) {
    const w = weights[i]!;
    if (!Number.isFinite(w)) throw new RangeError(`${fn}: weights[${i}] must be finite, got ${String(w)}`);
    sum += w * w;
  }
  return Math.sqrt(sum);
}
