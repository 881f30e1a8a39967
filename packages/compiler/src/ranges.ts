// Range analysis of the lowered stages: per channel, the exact worst-case [min, max] of the
// centred accumulator sum_i w_i (q_i - z) over every input the previous quantizer can produce, and
// the range actually reached on calibration data (run exactly, without wrap-around).

import { accumulatorRange, weightNorm2, type IntRange } from '@fhenet/quantization';
import { accumulate, channelCount, channelOfOutputs, outputSize } from '@fhenet/circuit';
import type { LinearOp } from '@fhenet/circuit';
import { LoweringError } from './errors.js';
import type { LoweredGraph, LoweredStage } from './lower/lowered.js';

export interface StageRanges {
  /** Per channel, worst case of the centred accumulator. */
  readonly worstCase: readonly IntRange[];
  /** Per channel, range reached on the calibration data (absent without calibration). */
  readonly calibration?: readonly IntRange[];
  /**
   * Per channel, how often each accumulator value occurs on the calibration data, indexed by
   * value - worstCase[c].min: what rounding uses to choose bucket values and bucket alignment.
   */
  readonly histogram?: readonly Int32Array[];
  /** Most non-zero weights feeding one output. */
  readonly activeSynapses: number;
  /** Largest 2-norm of one output's integer weights. */
  readonly nu: number;
}

/** Integer weights of each channel (for conv: the whole filter, i.e. an interior position). */
function channelWeights(op: LinearOp): Int32Array[] {
  const channels = channelCount(op);
  if (op.kind === 'dense') return Array.from({ length: channels }, (_, o) => op.weights.subarray(op.rowPtr[o], op.rowPtr[o + 1]));
  if (op.kind === 'sumPool') return Array.from({ length: channels }, () => new Int32Array(op.poolSize[0] * op.poolSize[1]).fill(1));
  const per = op.weights.length / channels;
  return Array.from({ length: channels }, (_, f) => Int32Array.from({ length: per }, (_, k) => op.weights[k * channels + f] as number).filter((v) => v !== 0));
}

export function worstCaseRanges(stage: LoweredStage): Omit<StageRanges, 'calibration'> {
  let activeSynapses = 0;
  let nu = 0;
  const worstCase = channelWeights(stage.linear).map((w) => {
    activeSynapses = Math.max(activeSynapses, w.length);
    nu = Math.max(nu, weightNorm2(w));
    // With 0 inside the centred input range, border positions of a conv (fewer taps) stay inside.
    return accumulatorRange(w, stage.inputRange);
  });
  const limit = 2 ** 30; // accumulate() sums in int32; leave room for the offset
  for (const r of worstCase) {
    if (r.min < -limit || r.max > limit) {
      throw new LoweringError(stage.name, `worst-case accumulator [${r.min}, ${r.max}] exceeds the int32 range the circuit computes in`);
    }
  }
  return { worstCase, activeSynapses, nu };
}

/** Largest number of chain evaluations tabulated up front for the calibration run. */
const MAX_TABULATED = 2 ** 22;

/**
 * Tabulate a stage's chain over its worst-case range: the exact next integers of the ideal
 * (non-wrapping) quantized network, used to propagate calibration data stage by stage.
 */
function tabulate(stage: LoweredStage, worstCase: readonly IntRange[]): Int32Array[] {
  return worstCase.map((r, c) => Int32Array.from({ length: r.max - r.min + 1 }, (_, k) => stage.chain(c, r.min + k)));
}

/**
 * Ranges of every stage; with calibration inputs (count x inputSize quantized integers) also the
 * ranges reached on them, computed by running the integer network exactly.
 */
export function analyzeRanges(graph: LoweredGraph, calibration?: { inputs: Int32Array; count: number }): StageRanges[] {
  const out: StageRanges[] = [];
  let x = calibration?.inputs;
  for (const stage of graph.stages) {
    const wc = worstCaseRanges(stage);
    if (!calibration || !x) {
      out.push(wc);
      continue;
    }
    const { count } = calibration;
    const n = outputSize(stage.linear);
    const acc = new Int32Array(count * n);
    accumulate(stage.linear, x, count, acc);
    const channel = channelOfOutputs(stage.linear);
    const cal = wc.worstCase.map(() => ({ min: Infinity, max: -Infinity }));
    const histogram = wc.worstCase.map((r) => new Int32Array(r.max - r.min + 1));
    // Tabulate the chain when the worst-case ranges are small (the usual case); else call it per value.
    const entries = wc.worstCase.reduce((n, r) => n + r.max - r.min + 1, 0);
    const tables = stage.outputQuantizer && entries <= MAX_TABULATED ? tabulate(stage, wc.worstCase) : null;
    const next = new Int32Array(count * n);
    for (let i = 0; i < acc.length; i++) {
      const o = i % n;
      const c = channel[o] as number;
      const v = (acc[i] as number) + (stage.fold[o] as number);
      const r = cal[c]!;
      if (v < r.min) r.min = v;
      if (v > r.max) r.max = v;
      histogram[c]![v - wc.worstCase[c]!.min]!++;
      if (tables) next[i] = tables[c]![v - wc.worstCase[c]!.min] as number;
      else if (stage.outputQuantizer) next[i] = stage.chain(c, v);
    }
    out.push({ ...wc, calibration: cal.map((r) => (count === 0 ? { min: 0, max: 0 } : r)), histogram });
    x = next;
  }
  return out;
}
