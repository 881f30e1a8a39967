// Predicted encrypted latency of a circuit: its PBS count x the seconds one KS+PBS takes with its
// parameters. The cost model of tfhe-parameters.md (@fhenet/params pbsCost) gives the work of one
// KS+PBS in multiply-adds; one measured encrypted inference (seconds per PBS with its own
// parameter set, same engine and threads) converts multiply-adds to seconds. The linear layers
// are left out: they are < 1% of the measured time (BENCHMARKS.md, per-stage table).

import { pbsCost, type CostParams } from '@fhenet/params';
import type { MeasuredInference } from './latency-log.js';

export interface LatencyModel {
  readonly secondsPerMultiplyAdd: number;
  /** The measurement it is calibrated on, in words (model, parameters, file, date, load). */
  readonly calibratedOn: string;
}

/** Calibrates on one measured inference: its median seconds / PBS count / cost of its set. */
export function latencyModel(m: MeasuredInference): LatencyModel {
  if (m.parameterSet === null) throw new Error(`latency model: the measurement of ${m.model} (${m.source}) names no parameter set to calibrate on`);
  const perPbs = m.medianSeconds / m.pbsCount;
  return {
    secondsPerMultiplyAdd: perPbs / pbsCost(m.parameterSet).total,
    calibratedOn:
      `${m.model}: ${m.medianSeconds} s per image over ${m.pbsCount} PBS with ${m.parameterSet.name} ` +
      `(${m.source}, ${m.date}, ${m.hardware}, load ${m.loadAverage})`,
  };
}

export function secondsPerPbs(model: LatencyModel, set: CostParams): number {
  return pbsCost(set).total * model.secondsPerMultiplyAdd;
}
