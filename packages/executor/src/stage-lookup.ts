// The PBS part of a padded stage on a run of its accumulators: the rounded stage's exact bit
// extractions (per bit one multiply + offset, one batched PBS of a constant table, an add; a bit
// only some outputs need runs on those gathered and is put back in place) and then the lookup
// with the per-channel tables. Shared by the whole-stage executor (execute.ts, the run = the whole
// batch) and the banded one (banded.ts, the run = one band), so both make the same ciphertexts:
// every ciphertext sees the same operations with the same clear constants and the PBS does not
// depend on the batch it runs in.
import type { LweCiphertextBatch, ServerEngine } from '@fhenet/engine';
import { bandPicks, bandValues } from './bands.js';
import type { InferenceProgress, StageProgress } from './progress.js';
import type { StagePlan } from './plan.js';

/** Where the lookup reports: the executor's callback and the fields of its events for this stage (and band). */
export interface LookupProgress {
  readonly onProgress: InferenceProgress;
  readonly at: Omit<StageProgress, 'phase'>;
}

export interface LookupResult {
  /** One ciphertext per accumulator: the stage's outputs. */
  readonly outputs: LweCiphertextBatch;
  /** Time spent in the bit extractions (and the linear steps between them). */
  readonly extractMs: number;
}

/**
 * Runs `stage`'s extractions and lookup on `acc`, the accumulators of outputs [first, first +
 * acc.count) of the sample-major batch (stage.outputSize per sample). Disposes `acc`. The stage
 * must have tables; `bits` is the circuit's message bits (extraction tables have 2^bits entries).
 */
export async function lookupOutputs(
  engine: ServerEngine,
  bits: number,
  stage: StagePlan,
  acc: LweCiphertextBatch,
  first: number,
  progress?: LookupProgress,
): Promise<LookupResult> {
  if (!stage.tables) throw new Error(`internal: stage "${stage.name}" has no tables to look up`);
  const size = stage.outputSize;
  // Every event of the lookup: the stage's (and band's) fields, the phase, and what the phase adds.
  const emit =
    progress && ((phase: 'extract' | 'pbs', extra: Pick<StageProgress, 'bit' | 'done' | 'total'>) => progress.onProgress({ ...progress.at, phase, ...extra }));
  const t0 = performance.now();
  let w = acc;
  try {
    // One constant table for all outputs; tables must have 2^bits entries.
    const p = 2 ** bits;
    for (const e of stage.extractions) {
      emit?.('extract', { bit: e.bit });
      const picked = e.outputs && bandPicks(e.outputs, size, first, w.count);
      // No output of this run needs the bit (a band of channels that all skip it): nothing to do.
      if (picked && picked.length === 0) continue;
      const sel = picked ? w.gather(picked) : w;
      const scaled = engine.mulClear(sel, [e.multiplier]);
      const shifted = engine.addClear(scaled, [e.offset]);
      scaled.dispose();
      const sign = await engine.pbsAsync(shifted, new Uint32Array(sel.count), [new Int32Array(p).fill(e.value)], {
        onProgress: emit && ((done, total) => emit('extract', { done, total, bit: e.bit })),
      });
      shifted.dispose();
      const sum = engine.add(sel, sign); // w - bit * 2^i + 2^(i-1)
      sign.dispose();
      const cleared = engine.addClear(sum, [-e.value]);
      sum.dispose();
      let next = cleared;
      if (picked) {
        sel.dispose();
        // Output j is w[j], or the cleared copy when it was picked.
        next = w.scatter(picked, cleared);
        cleared.dispose();
      }
      w.dispose();
      w = next;
    }
    const extractMs = stage.extractions.length > 0 ? performance.now() - t0 : 0;
    emit?.('pbs', {});
    const outputs = await engine.pbsAsync(w, bandValues(stage.tableIndex, first, w.count), stage.tables, {
      onProgress: emit && ((done, total) => emit('pbs', { done, total })),
    });
    return { outputs, extractMs };
  } finally {
    w.dispose();
  }
}
