// Hand-made circuit pieces shared by the encrypted-vs-simulated inference tests.
import type { DenseOp } from '@fhenet/compiler';

/** Deterministic test randomness (a seeded integer hash; same sequence for the same seed). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

/** A dense op from its weight rows (output-major), kept as CSR without the zero weights. */
export function dense(rows: number[][], inputSize: number): DenseOp {
  const rowPtr = [0];
  const cols: number[] = [];
  const weights: number[] = [];
  for (const row of rows) {
    row.forEach((w, i) => w !== 0 && (cols.push(i), weights.push(w)));
    rowPtr.push(cols.length);
  }
  return { kind: 'dense', inputSize, outputSize: rows.length, rowPtr: Int32Array.from(rowPtr), cols: Int32Array.from(cols), weights: Int32Array.from(weights) };
}
