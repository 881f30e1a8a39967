/**
 * Round to the nearest integer, ties to the even neighbour (banker's rounding).
 *
 * This is what `tf.round` does in TensorFlow.js, so it is THE rounding of fhenet: the training-time
 * fake quantizer, the quantizer here and the compiler's simulator must agree bit for bit, and that is
 * only possible if every stage rounds with this one function. (`Math.round` rounds ties up: 2.5 -> 3.)
 * Non-finite inputs pass through unchanged (NaN stays NaN, ±Infinity stays ±Infinity).
 */
export function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  // Exactly halfway: floor is even or odd; pick the even one. `% 2` is -1 for odd negatives.
  return floor % 2 === 0 ? floor : floor + 1;
}
