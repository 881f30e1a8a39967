// The sweep grid: one model family, the cartesian product of active synapses per neuron x
// quantizer range x (weight bits, activation bits). Each point has a stable key, which names its
// result file and makes the sweep resumable.

import type { ModelName } from '@fhenet/training/format';

export type RangeMode = 'narrow' | 'wide';

export interface BitPair {
  readonly weightBits: number;
  readonly actBits: number;
}

export interface SweepGrid {
  readonly model: ModelName;
  readonly dataset: 'mnist';
  /** Active synapses per neuron; 'all' = no pruning. */
  readonly active: readonly (number | 'all')[];
  readonly ranges: readonly RangeMode[];
  readonly bits: readonly BitPair[];
}

/** Everything that fixes how one point is trained and compiled; changing any of it is a different run. */
export interface SweepSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /** Use only the first N training images (quick runs); undefined = all. */
  readonly trainLimit?: number;
  /** Calibration images (training split) that size the circuit, as the paper (10,000). */
  readonly calibrationCount: number;
  /** Test images the integer simulation is scored on; undefined = the whole test set. */
  readonly testLimit?: number;
  /** Error probability of one inference for the parameter choice. */
  readonly pError: number;
}

export interface SweepPoint {
  readonly key: string;
  readonly model: ModelName;
  readonly dataset: 'mnist';
  readonly range: RangeMode;
  readonly weightBits: number;
  readonly actBits: number;
  readonly active: number | 'all';
}

export function pointKey(p: Omit<SweepPoint, 'key'>): string {
  return `${p.dataset}-${p.model}-${p.range}-w${p.weightBits}a${p.actBits}-${p.active}`;
}

/**
 * Grid -> points: bits outermost, then active synapses in the given order, then ranges, so that a
 * sweep stopped half-way has grown both range curves evenly.
 */
export function expandGrid(g: SweepGrid): SweepPoint[] {
  for (const a of g.active) {
    if (a !== 'all' && !(Number.isInteger(a) && a >= 1)) throw new RangeError(`sweep grid: active synapses must be integers >= 1 or 'all', got ${String(a)}`);
  }
  for (const b of g.bits) {
    if (!(Number.isInteger(b.weightBits) && b.weightBits >= 2 && Number.isInteger(b.actBits) && b.actBits >= 1)) {
      throw new RangeError(`sweep grid: bits must be integers (weights >= 2, activations >= 1), got ${JSON.stringify(b)}`);
    }
  }
  const out: SweepPoint[] = [];
  for (const b of g.bits) {
    for (const active of g.active) {
      for (const range of g.ranges) {
        const p = { model: g.model, dataset: g.dataset, range, weightBits: b.weightBits, actBits: b.actBits, active };
        out.push({ key: pointKey(p), ...p });
      }
    }
  }
  if (new Set(out.map((p) => p.key)).size !== out.length) throw new RangeError('sweep grid: repeated values give repeated points');
  return out;
}
