import { signedBits } from './bits.js';
import type { IntRange } from './types.js';

// The accumulator of one neuron is the paper's eq. 3, Σ_i (qx_i - Zx)(qw_i - Zw). Callers pass the
// zero-point-centred integers: weights w_i = qw_i - Zw and the range of x_i = qx_i - Zx.
// Every bound here is computed exactly in float64 integers; a result beyond 2^53 is an error.

function checkRange(range: IntRange, what: string, fn: string): void {
  if (!Number.isSafeInteger(range.min) || !Number.isSafeInteger(range.max) || range.min > range.max) {
    throw new RangeError(`${fn}: ${what} must be an integer range with min <= max, got [${String(range.min)}, ${String(range.max)}]`);
  }
}

function checkSafe(range: IntRange, fn: string): IntRange {
  if (!Number.isSafeInteger(range.min) || !Number.isSafeInteger(range.max)) {
    throw new RangeError(`${fn}: accumulator range [${range.min}, ${range.max}] exceeds 2^53 and cannot be computed exactly`);
  }
  return range;
}

/** Exact range of w * x for x in [input.min, input.max]; the extremes sit at the endpoints. */
function termRange(w: number, input: IntRange): IntRange {
  const a = w * input.min;
  const b = w * input.max;
  return a <= b ? { min: a, max: b } : { min: b, max: a };
}

function neuronRange(weights: ArrayLike<number>, start: number, end: number, input: IntRange, fn: string): IntRange {
  let min = 0;
  let max = 0;
  for (let i = start; i < end; i++) {
    const w = weights[i]!;
    if (!Number.isSafeInteger(w)) throw new RangeError(`${fn}: weights[${i}] must be an integer, got ${String(w)}`);
    const t = termRange(w, input);
    min += t.min;
    max += t.max;
  }
  return checkSafe({ min: min + 0, max: max + 0 }, fn); // + 0 turns -0 into 0
}

/**
 * EXACT [min, max] of Σ_i w_i x_i over independent x_i in [input.min, input.max], for one neuron's
 * integer weights: each term reaches its extremes at an endpoint, and the terms are independent.
 */
export function accumulatorRange(weights: ArrayLike<number>, input: IntRange): IntRange {
  checkRange(input, 'input', 'accumulatorRange');
  return neuronRange(weights, 0, weights.length, input, 'accumulatorRange');
}

/**
 * accumulatorRange for each neuron of a row-major [outputs][inputs] weight matrix: neuron o uses
 * weights[o * inputs + i]. (A TensorFlow.js Dense kernel is [inputs, outputs]: transpose it first.)
 */
export function accumulatorRanges(weights: ArrayLike<number>, shape: readonly [outputs: number, inputs: number], input: IntRange): IntRange[] {
  const fn = 'accumulatorRanges';
  checkRange(input, 'input', fn);
  const [outputs, inputs] = checkMatrix(weights, shape, fn);
  return Array.from({ length: outputs }, (_, o) => neuronRange(weights, o * inputs, (o + 1) * inputs, input, fn));
}

/** Validate a row-major [outputs, inputs] matrix shape against its data. */
export function checkMatrix(weights: ArrayLike<number>, shape: readonly number[], fn: string): [number, number] {
  const [outputs, inputs] = shape;
  if (shape.length !== 2 || !Number.isInteger(outputs) || !Number.isInteger(inputs) || outputs! < 0 || inputs! < 0) {
    throw new RangeError(`${fn}: shape must be [outputs, inputs] of non-negative integers, got [${shape.join(', ')}]`);
  }
  if (outputs! * inputs! !== weights.length) {
    throw new RangeError(`${fn}: shape [${outputs}, ${inputs}] needs ${outputs! * inputs!} weights, got ${weights.length}`);
  }
  return [outputs!, inputs!];
}

/**
 * Closed-form worst case of a neuron with `activeSynapses` nonzero weights, each anywhere in
 * weightRange, inputs anywhere in inputRange: activeSynapses times the extreme corner products.
 */
export function worstCaseAccumulator(activeSynapses: number, weightRange: IntRange, inputRange: IntRange): IntRange {
  const fn = 'worstCaseAccumulator';
  if (!Number.isSafeInteger(activeSynapses) || activeSynapses < 0) {
    throw new RangeError(`${fn}: activeSynapses must be a non-negative integer, got ${String(activeSynapses)}`);
  }
  checkRange(weightRange, 'weightRange', fn);
  checkRange(inputRange, 'inputRange', fn);
  const t = productRange(weightRange, inputRange);
  return checkSafe({ min: activeSynapses * t.min + 0, max: activeSynapses * t.max + 0 }, fn);
}

/** Range of w * x for w, x in two intervals: the extremes are among the four corner products. */
function productRange(a: IntRange, b: IntRange): IntRange {
  const corners = [a.min * b.min, a.min * b.max, a.max * b.min, a.max * b.max];
  return { min: Math.min(...corners), max: Math.max(...corners) };
}

/**
 * Largest activeSynapses whose worstCaseAccumulator fits `budgetBits` signed bits (0 if none; the
 * empty sum 0 always fits). Infinity when every product w * x is 0 (any count fits).
 */
export function maxActiveSynapses(budgetBits: number, weightRange: IntRange, inputRange: IntRange): number {
  const fn = 'maxActiveSynapses';
  if (!Number.isInteger(budgetBits) || budgetBits < 1 || budgetBits > 53) {
    throw new RangeError(`${fn}: budgetBits must be an integer in 1..53, got ${String(budgetBits)}`);
  }
  checkRange(weightRange, 'weightRange', fn);
  checkRange(inputRange, 'inputRange', fn);
  const t = productRange(weightRange, inputRange);
  const hi = 2 ** (budgetBits - 1) - 1;
  const lo = -(2 ** (budgetBits - 1));
  let n = Infinity;
  if (t.max > 0) n = Math.min(n, Math.floor(hi / t.max));
  if (t.min < 0) n = Math.min(n, Math.floor(lo / t.min));
  return n;
}

/** signedBits of accumulatorRange: the register width one neuron needs. */
export function accumulatorBits(weights: ArrayLike<number>, input: IntRange): number {
  return signedBits(accumulatorRange(weights, input));
}
