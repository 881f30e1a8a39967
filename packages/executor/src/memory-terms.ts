// The terms both memory models price (memory.ts for a whole stage, banded-memory.ts for a stage run
// band by band): element sizes, a ciphertext tensor, one PBS batch's transient arrays, and the
// per-stage record. Here so that neither model imports the other's module for them.
import type { TfheParameterSet } from '@fhenet/params';

/** Bytes per element of the arrays the model counts. */
export const U32 = 4;
export const I32 = 4;
export const I64 = 8;
export const U64 = 8;
export const F64 = 8;

/** Bytes of a native batch of `count` big-key ciphertexts (entities/lwe_ciphertext_batch.h). */
export function ciphertextTensorBytes(set: TfheParameterSet, count: number): number {
  return count * (set.glweDimension * set.polynomialSize + 1) * U64;
}

export function pbsBatchScratch(set: TfheParameterSet, count: number, tables: number): number {
  const p = 2 ** set.messageBits;
  return (
    count * U32 * 2 + // repeat(tableIndex) (or the extraction's zeros) + Uint32Array.from in pbsArgs
    tables * p * I32 + // flat Int32Array tables
    count * U32 + // addon: table_index vector
    tables * p * I64 + // addon: i64 tables
    tables * set.polynomialSize * U64 // LUT polynomials
  );
}

export interface StageMemory {
  readonly name: string;
  /** Ciphertexts in and out of the stage (all samples). */
  readonly inputs: number;
  readonly outputs: number;
  /** Input tensor (the previous stage's output; for stage 0 the caller's encrypted inputs). */
  readonly inputBytes: number;
  /** Dot-product output = each PBS output (one ciphertext per output). */
  readonly accumulatorBytes: number;
  /** Transient arrays of the linear step (repeated CSR, offsets, the addon's copies). */
  readonly linearScratchBytes: number;
  /** Transient arrays of one PBS batch of the stage (tables, index, LUTs); 0 for a clear decode. */
  readonly pbsScratchBytes: number;
  /** Most ciphertext bytes alive at once during the stage (the caller's inputs included). */
  readonly ciphertextPeakBytes: number;
  /** ciphertextPeakBytes plus the transient arrays alive with it. */
  readonly peakBytes: number;
  /** Phase where peakBytes occurs ('output': a banded stage writing a band to its spill file, or joining its bands into the result). */
  readonly peakPhase: 'linear' | 'extract' | 'pbs' | 'output';
  /** Banded stages: bands run; accumulatorBytes is then the largest band's. */
  readonly bands?: number;
}
