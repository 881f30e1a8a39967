// What approximate rounding is predicted to cost, stage by stage (docs/compiler.md, "Approximate
// rounding"): the noise model's probability that a lookup lands in another bucket than the exact
// rounding's, and that this changes the value it reads (a move between two buckets with the same
// table value, e.g. two buckets of a ReLU's flat part, changes nothing). Computed over the
// calibration accumulators of every channel (their dropped bits r = slot mod 2^k and their bucket),
// with each channel's largest noise (@fhenet/circuit approximateStageNoise, @fhenet/params
// bucketShiftTable). Moves of two buckets or more are counted as moves of one (their probability
// is within the p_error budget).
import { bucketShiftTable } from '@fhenet/params';
import { approximateLookupShift, approximateStageNoise, channelCount, channelOfOutputs, isApproximate, type Circuit } from '@fhenet/circuit';
import type { StageRanges } from './ranges.js';

/**
 * Per stage of `circuit`, for its approximate stages with calibration data: how many calibration
 * slots drop each r in [0, 2^k) (r = slot mod 2^k, slot = scale * acc + shift): what the noise
 * allowed by an off rate depends on (@fhenet/params sigmaForOffRate; parameters.ts).
 */
export function droppedBits(circuit: Circuit, ranges: readonly StageRanges[]): (Float64Array | undefined)[] {
  return circuit.stages.map((stage, i) => {
    const r = ranges[i];
    if (!isApproximate(stage) || !stage.tables || !r?.histogram) return undefined;
    const w = 2 ** stage.roundBits;
    const counts = new Float64Array(w);
    for (let c = 0; c < r.histogram.length; c++) {
      const scale = stage.analysis.scale?.[c] ?? 1;
      const shift = stage.analysis.shift[c]!;
      const h = r.histogram[c]!;
      const min = r.worstCase[c]!.min;
      for (let k = 0; k < h.length; k++) {
        if (h[k] === 0) continue;
        const slot = scale * (min + k) + shift;
        counts[((slot % w) + w) % w]! += h[k]!;
      }
    }
    return counts;
  });
}

export interface StageApproximation {
  /** Calibration lookups of the stage (samples x outputs). */
  readonly lookups: number;
  /** Expected fraction of them that land in another bucket. */
  readonly offBucket: number;
  /** Expected fraction whose value differs from the exact rounding's. */
  readonly changed: number;
  /** Largest noise standard deviation of the stage, in slots, and the bucket width 2^k. */
  readonly sigma: number;
  readonly bucket: number;
}

/** Per stage of `circuit` (with parameters), the prediction for its approximate stages (undefined elsewhere or without calibration). */
export function predictedApproximation(circuit: Circuit, ranges: readonly StageRanges[]): (StageApproximation | undefined)[] {
  const p = 2 ** circuit.bits;
  const mask = 2 * p - 1;
  return circuit.stages.map((stage, i) => {
    const r = ranges[i];
    const tables = stage.tables;
    if (!isApproximate(stage) || !tables || !r?.histogram) return undefined;
    const noise = approximateStageNoise(circuit, i);
    const channels = channelCount(stage.linear);
    const sigmaOf = new Float64Array(channels);
    channelOfOutputs(stage.linear).forEach((c, o) => {
      sigmaOf[c] = Math.max(sigmaOf[c]!, noise.sigma[o]!);
    });
    const w = 2 ** stage.roundBits;
    const c0 = approximateLookupShift(stage.roundBits);
    let lookups = 0;
    let off = 0;
    let changed = 0;
    for (let c = 0; c < channels; c++) {
      const shifts = bucketShiftTable({ roundBits: stage.roundBits, sigma: sigmaOf[c]!, boxEdge: noise.boxEdge });
      // The value the PBS gives for residue j (negacyclic half included).
      const value = (j: number) => {
        const a = j & mask;
        return a < p ? tables[c * p + a]! : -tables[c * p + a - p]!;
      };
      const scale = stage.analysis.scale?.[c] ?? 1;
      const shift = stage.analysis.shift[c]!;
      const h = r.histogram[c]!;
      const min = r.worstCase[c]!.min;
      for (let k = 0; k < h.length; k++) {
        const n = h[k]!;
        if (n === 0) continue;
        const slot = scale * (min + k) + shift;
        const t = Math.floor(slot / w);
        const offset = slot - t * w;
        const v = value(slot - c0);
        lookups += n;
        off += n * (shifts.down[offset]! + shifts.up[offset]!);
        // The last box of the bucket below and the first of the bucket above (any box of a bucket reads its value).
        if (value(t * w - c0 - 1) !== v) changed += n * shifts.down[offset]!;
        if (value((t + 1) * w - c0) !== v) changed += n * shifts.up[offset]!;
      }
    }
    return {
      lookups,
      offBucket: lookups === 0 ? 0 : off / lookups,
      changed: lookups === 0 ? 0 : changed / lookups,
      sigma: Math.max(...sigmaOf),
      bucket: w,
    };
  });
}
