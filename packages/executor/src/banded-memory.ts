// Memory model of a padded stage run in bands (banded.ts): the same bands as the executor
// (bands.ts stageBands), and per band the ciphertext tensors alive in each phase, replaying what
// banded.ts and banded-tensor.ts allocate and free:
//  - linear: per input piece the band reads, its range is lent (in memory) or read back and
//    gathered (spilled: the piece, then the range), one dot product (B) per piece, summed with the
//    previous ones (sum + partial + new sum = 3B); then the input pieces no later band reads are freed;
//  - extract: 3 band accumulators, or max(B + 3P, 2B + P) when a step runs on the band's P picked
//    outputs (stage-lookup.ts, same chain as the whole stage); lookup: accumulators + outputs;
//  - output: in memory the band's outputs stay as a piece of the stage's output; spilled they are
//    serialized (a Buffer of the same size, until the GC takes it) and freed. The last stage's
//    pieces are concatenated into the result (pieces + result).
// All of it on top of the input pieces still in memory (the whole input when it is one batch: the
// caller's inputs are held until the stage ends), the output pieces so far, and the caller's inputs
// when not released.
import type { TfheParameterSet } from '@fhenet/params';
import { bandPicks, inputNeededFrom, stageBands, type Band } from './bands.js';
import { ciphertextTensorBytes, I32, I64, pbsBatchScratch, U32, type StageMemory } from './memory-terms.js';
import type { StagePlan } from './plan.js';
import { ciphertextBatchBytes } from '@fhenet/engine';

/** How the stage's input is held: one in-memory batch, or the previous banded stage's pieces. */
export type BandedInput =
  | { readonly kind: 'batch'; readonly count: number; readonly owned: boolean }
  | { readonly kind: 'pieces'; readonly bands: readonly Band[]; readonly spilled: boolean };

export interface BandedStageMemoryArgs {
  readonly set: TfheParameterSet;
  readonly stage: StagePlan;
  readonly count: number;
  readonly bandOutputs: number;
  readonly input: BandedInput;
  /** Output written to a spill file (not the last stage). */
  readonly spillOutput: boolean;
  /** Last stage: its pieces are concatenated into the result. */
  readonly last: boolean;
  /** The caller's inputs held throughout (not released). */
  readonly pinnedBytes: number;
}

export interface BandedStageMemory {
  readonly memory: StageMemory;
  /** The stage's bands (the next stage's input pieces). */
  readonly bands: readonly Band[];
  /** Largest band (output ciphertexts), for the PBS group size. */
  readonly largestBand: number;
  /** Bytes this stage writes to its spill file (0 when not spilled). */
  readonly spillFileBytes: number;
}

interface Phase {
  readonly phase: StageMemory['peakPhase'];
  readonly ct: number;
  readonly scratch: number;
}

export function modelBandedStage(a: BandedStageMemoryArgs): BandedStageMemory {
  const { set, stage: s, count, input } = a;
  const ct = ciphertextTensorBytes(set, 1);
  const bands = stageBands(s, count, a.bandOutputs);
  const needFrom = inputNeededFrom(bands);
  // Input pieces as (start, end, in memory?); a single batch is one piece. The caller's own inputs
  // are counted in pinnedBytes instead (held by the caller, never freed here).
  const pieces =
    input.kind === 'batch'
      ? [{ start: 0, end: input.count, memory: input.owned }]
      : input.bands.map((b) => ({ start: b.start, end: b.end, memory: !input.spilled }));
  const lent = input.kind === 'batch' && !input.owned;
  const readBuffer = input.kind === 'pieces' && input.spilled ? input.bands.reduce((m, b) => Math.max(m, ciphertextBatchBytes(set, b.end - b.start)), 0) : 0;
  // Freed prefix of the pieces (banded-tensor.ts freeBelow: needFrom only grows).
  let freed = 0;
  let inLive = pieces.reduce((t, p) => t + (p.memory ? (p.end - p.start) * ct : 0), 0);
  let outLive = 0;
  let spillFileBytes = 0;
  let largestBand = 0;
  // Running maxima over the phases (a stage of 1-output bands has hundreds of thousands of them).
  let best: Phase | null = null;
  let ctPeak = 0;
  let linearScratchPeak = 0;
  let pbsScratchPeak = 0;
  const phases = {
    push(ph: Phase) {
      if (!best || ph.ct + ph.scratch > best.ct + best.scratch) best = ph;
      ctPeak = Math.max(ctPeak, ph.ct);
      if (ph.phase === 'linear') linearScratchPeak = Math.max(linearScratchPeak, ph.scratch);
      if (ph.phase === 'extract' || ph.phase === 'pbs') pbsScratchPeak = Math.max(pbsScratchPeak, ph.scratch);
    },
  };
  const w = s.weights;
  for (let b = 0; b < bands.length; b++) {
    const band = bands[b]!;
    const B = band.end - band.start;
    largestBand = Math.max(largestBand, B);
    const acc = B * ct;
    let nnz = 0;
    for (let g = band.start; g < band.end; g++) {
      const o = g % s.outputSize;
      nnz += w.indptr[o + 1]! - w.indptr[o]!;
    }
    const linearScratch =
      (B + 1) * U32 +
      nnz * (U32 + I32) + // bandCsr
      B * I32 * 2 + // bandValues(offset) + Int32Array.from(bias) in dotSparse
      (B + 1) * U32 +
      nnz * (U32 + I64) +
      B * I64 + // addon: indptr, indices, i64 values, i64 bias
      readBuffer;
    const base = () => a.pinnedBytes + inLive + outLive;
    // Fetch (banded-tensor.ts fetch): lent when an in-memory piece holds the whole range.
    // Pieces are disjoint and in order: the one holding lo (binary search: a band's lo may be
    // below the previous band's when rows have zero weights), and those after it up to hi.
    let at = 0;
    for (let top = pieces.length - 1; at < top; ) {
      const mid = (at + top + 1) >> 1;
      if (pieces[mid]!.start <= band.lo) at = mid;
      else top = mid - 1;
    }
    const holder = pieces[at]!;
    if (holder.end >= band.hi) {
      const cover = holder.memory || lent;
      // One piece: lent (in memory), or read and the range gathered from it (spilled).
      const n = band.hi - band.lo;
      const pc = holder.end - holder.start;
      const range = cover ? 0 : n * ct;
      if (!cover && n < pc) phases.push({ phase: 'linear', ct: base() + (pc + n) * ct, scratch: readBuffer });
      phases.push({ phase: 'linear', ct: base() + range + acc, scratch: linearScratch });
    } else {
      // One dot product per piece, summed (banded.ts): the sum so far (after the first piece), the
      // piece read back (spilled) and its gathered range, the partial product, then their sum.
      let first = true;
      for (let i = at; i < pieces.length && pieces[i]!.start < band.hi; i++) {
        const p = pieces[i]!;
        const n = Math.min(band.hi, p.end) - Math.max(band.lo, p.start);
        const pc = p.end - p.start;
        const sum = first ? 0 : acc;
        const range = p.memory || lent ? 0 : n * ct;
        if (range && n < pc) phases.push({ phase: 'linear', ct: base() + sum + (pc + n) * ct, scratch: readBuffer });
        phases.push({ phase: 'linear', ct: base() + sum + range + acc, scratch: linearScratch });
        if (!first) phases.push({ phase: 'linear', ct: base() + 3 * acc, scratch: readBuffer });
        first = false;
      }
    }
    // The copy is gone; pieces no later band reads are freed (banded.ts freeBelow; after the last
    // band's dot product that is the whole input, unless the caller holds it).
    for (; freed < pieces.length && pieces[freed]!.end <= needFrom[b + 1]!; freed++) {
      const p = pieces[freed]!;
      if (p.memory) inLive -= (p.end - p.start) * ct;
      p.memory = false;
    }
    if (s.tables) {
      for (const e of s.extractions) {
        const picked = e.outputs ? bandPicks(e.outputs, s.outputSize, band.start, B).length : B;
        if (picked === 0) continue;
        phases.push({
          phase: 'extract',
          ct: base() + (e.outputs ? Math.max(acc + 3 * picked * ct, 2 * acc + picked * ct) : 3 * acc),
          scratch: pbsBatchScratch(set, picked, 1) + readBuffer,
        });
      }
      phases.push({ phase: 'pbs', ct: base() + 2 * acc, scratch: pbsBatchScratch(set, B, s.tables.length) + readBuffer });
    }
    if (a.spillOutput) {
      const bytes = ciphertextBatchBytes(set, B);
      phases.push({ phase: 'output', ct: base() + acc, scratch: bytes + readBuffer });
      spillFileBytes += bytes;
    } else {
      outLive += acc;
    }
  }
  // End of the stage: the input goes; the last stage's pieces become one batch (one piece: handed over).
  inLive = 0;
  if (a.last && bands.length > 1) phases.push({ phase: 'output', ct: a.pinnedBytes + 2 * outLive, scratch: 0 });
  const top = best as Phase | null;
  if (!top) throw new Error(`internal: stage "${s.name}" has no bands`);
  const outputs = s.outputSize * count;
  return {
    memory: {
      name: s.name,
      inputs: s.inputSize * count,
      outputs,
      inputBytes: s.inputSize * count * ct,
      accumulatorBytes: largestBand * ct,
      linearScratchBytes: linearScratchPeak,
      pbsScratchBytes: pbsScratchPeak,
      ciphertextPeakBytes: ctPeak,
      peakBytes: top.ct + top.scratch,
      peakPhase: top.phase,
      bands: bands.length,
    },
    bands,
    largestBand,
    spillFileBytes,
  };
}
