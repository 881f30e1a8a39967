// Banded execution of one padded stage (docs/streaming-plan.md option 3): the stage's outputs in
// bands (bands.ts); per band, the input ciphertexts its CSR rows read are fetched (lent when one
// in-memory piece holds them, else gathered, read back from the spill file when spilled), one
// dot product with the band's rows, the same extractions and lookup as the whole stage
// (stage-lookup.ts), and the band's outputs are appended to the stage's output tensor (written to
// its spill file when there is one). At most one band's accumulators exist at a time. Input
// pieces no later band reads are freed as the bands advance.
import type { ServerEngine } from '../server.js';
import { BandedTensor } from './banded-tensor.js';
import { bandCsr, bandValues, stageBands } from './bands.js';
import type { InferenceProgress, StageTiming } from './execute.js';
import type { CircuitPlan } from './plan.js';
import { lookupOutputs } from './stage-lookup.js';

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
  // Lowest input index any band from b on reads: pieces below it can be freed after band b - 1.
  const needFrom = new Array<number>(bands.length + 1).fill(Infinity);
  for (let b = bands.length - 1; b >= 0; b--) needFrom[b] = Math.min(needFrom[b + 1]!, bands[b]!.lo);
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
      const range = input.fetch(band.lo, band.hi);
      let acc;
      try {
        const w = bandCsr(stage, band, range.base, range.batch.count);
        acc = engine.dotSparse(range.batch, w, bandValues(stage.offset, band.start, band.end - band.start));
      } finally {
        if (range.owned) range.batch.dispose();
      }
      input.freeBelow(needFrom[b + 1]!);
      const t1 = performance.now();
      linearMs += t1 - t0 - range.readMs;
      spillMs += range.readMs;
      let out = acc;
      if (stage.tables) {
        const r = await lookupOutputs(engine, plan.circuit.bits, stage, acc, band.start, onProgress && {
          phase: (phase, bit) => onProgress({ ...at, phase, ...(bit !== undefined ? { bit } : {}) }),
          pbs: (phase, done, total, bit) => onProgress({ ...at, phase, done, total, ...(bit !== undefined ? { bit } : {}) }),
        });
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
