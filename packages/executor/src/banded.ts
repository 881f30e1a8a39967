// Banded execution of one padded stage (docs/streaming-plan.md option 3): the stage's outputs in
// bands (bands.ts); per band, the input ciphertexts its CSR rows read are fetched piece by piece
// (an in-memory piece is lent, a spilled one read back and the needed part gathered) with one dot
// product of the band's rows per piece, summed, the same extractions and lookup as the whole stage
// (stage-lookup.ts), and the band's outputs are appended to the stage's output tensor (written to
// its spill file when there is one). At most one band's accumulators exist at a time. Input
// pieces no later band reads are freed as the bands advance.
import type { LweCiphertextBatch, ServerEngine } from '@fhenet/engine';
import { BandedTensor } from './banded-tensor.js';
import { bandCsr, bandValues, inputNeededFrom, restrictColumns, stageBands } from './bands.js';
import type { InferenceProgress, StageTiming } from './progress.js';
import type { StageLookups } from './lookups.js';
import type { CircuitPlan } from './plan.js';

export interface BandedStageArgs {
  readonly engine: ServerEngine;
  readonly plan: CircuitPlan;
  readonly stageIndex: number;
  readonly count: number;
  /** Output ciphertexts per band. */
  readonly bandOutputs: number;
  /** The stage's input (consumed: disposed once the last band has read it). */
  readonly input: BandedTensor;
  /** Spill file for the output, or null to keep it in memory. */
  readonly spillPath: string | null;
  /** Where the band's lookups run. */
  readonly lookups: StageLookups;
  readonly onProgress?: InferenceProgress;
}

export interface BandedStageResult {
  readonly output: BandedTensor;
  readonly timing: StageTiming;
}

export async function runBandedStage(a: BandedStageArgs): Promise<BandedStageResult> {
  const { engine, plan, stageIndex, count, input, onProgress } = a;
  const stage = plan.stages[stageIndex]!;
  if (stage.crt) throw new Error(`internal: CRT stage "${stage.name}" cannot be run in bands`);
  const bands = stageBands(stage, count, a.bandOutputs);
  const needFrom = inputNeededFrom(bands);
  const base = { stage: stageIndex, stages: plan.stages.length, name: stage.name };
  let output: BandedTensor;
  try {
    output = new BandedTensor(plan.params, a.spillPath);
  } catch (e) {
    input.dispose();
    throw e;
  }
  let linearMs = 0;
  let pbsMs = 0;
  let extractMs = 0;
  let spillMs = 0;
  try {
    onProgress?.({ ...base, phase: 'linear', bands: bands.length });
    for (let b = 0; b < bands.length; b++) {
      const band = bands[b]!;
      const at = { ...base, band: b, bands: bands.length };
      const t0 = performance.now();
      const bias = bandValues(stage.offset, band.start, band.end - band.start);
      const ranges = input.pieceRanges(band.lo, band.hi);
      let acc: LweCiphertextBatch | null = null;
      let readMs = 0;
      if (ranges.length === 1) {
        const range = input.fetch(band.lo, band.hi);
        readMs = range.readMs;
        try {
          acc = engine.dotSparse(range.batch, bandCsr(stage, band, range.base, range.batch.count), bias);
        } finally {
          if (range.owned) range.batch.dispose();
        }
      } else {
        // One dot product per input piece, summed (the bias in the first only): at most the sum so
        // far, one piece's range and two band-sized partial results at once.
        const all = bandCsr(stage, band, 0, input.count);
        try {
          for (const [lo, hi] of ranges) {
            const range = input.fetch(lo, hi);
            readMs += range.readMs;
            let part: LweCiphertextBatch;
            try {
              part = engine.dotSparse(range.batch, restrictColumns(all, range.base, range.base + range.batch.count), acc ? undefined : bias);
            } finally {
              if (range.owned) range.batch.dispose();
            }
            if (!acc) {
              acc = part;
              continue;
            }
            const sum = engine.add(acc, part);
            acc.dispose();
            part.dispose();
            acc = sum;
          }
        } catch (e) {
          acc?.dispose();
          throw e;
        }
      }
      input.freeBelow(needFrom[b + 1]!);
      const t1 = performance.now();
      linearMs += t1 - t0 - readMs;
      spillMs += readMs;
      let out: LweCiphertextBatch = acc!;
      if (stage.tables) {
        const r = await a.lookups.run(engine, { plan, stageIndex, acc: acc!, first: band.start, ...(onProgress ? { progress: { onProgress, at } } : {}) });
        out = r.outputs;
        extractMs += r.extractMs;
        pbsMs += performance.now() - t1;
      }
      spillMs += output.append(out);
    }
    input.dispose();
  } catch (e) {
    // Consumed either way: the input and the partial output (and their spill files) go.
    input.dispose();
    output.dispose();
    throw e;
  }
  const timing: StageTiming = {
    name: stage.name,
    outputs: stage.outputSize * count,
    linearMs,
    pbsMs,
    extractMs,
    pbsCount: stage.pbs * count,
    bands: bands.length,
    ...(a.spillPath ? { spillMs, spilledBytes: output.bytesWritten } : {}),
  };
  return { output, timing };
}
