// The slot range every stage can reach, recomputed from what the circuit holds: the input
// quantizer's integers, then stage by stage the weights and offsets (slotRange) and the table
// values the reached slots look up. The circuit reader checks each stage's recorded worst case
// against it (a derived field is never taken on trust); test fixtures fill their analysis with it.
import { quantRange, type IntRange } from '@fhenet/quantization';
import { slotRange } from './linear.js';
import { crtProduct } from './crt.js';
import type { Circuit } from './types.js';

/** Per clear stage and per stage: the reachable slots, or null where they cannot be bounded (below). */
export interface RecomputedRanges {
  readonly clearStages: readonly (IntRange | null)[];
  readonly stages: readonly (IntRange | null)[];
}

/**
 * The values the next stage can read: the table entries at the lookup indices `slots` reach (a
 * rounded stage's extractions lower an index by up to 2^k - 2 inside its block), reduced as the
 * runtime reduces them. Null when the slots leave the table: a calibration-sized stage may wrap,
 * and the next stage's worst case is then the ideal network's, over the previous quantizer's
 * range, which the circuit does not record.
 */
function reachableValues(tables: Int32Array, width: number, slots: IntRange | null, below: number, reduce: (v: number) => number): IntRange | null {
  if (!slots || slots.min < 0 || slots.max >= width) return null;
  const from = Math.max(0, slots.min - below);
  let min = Infinity;
  let max = -Infinity;
  for (let c = 0; c < tables.length / width; c++) {
    for (let j = from; j <= slots.max; j++) {
      const v = reduce(tables[c * width + j] as number);
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max };
}

export function recomputedSlotRanges(circuit: Pick<Circuit, 'bits' | 'inputQuantizer' | 'stages'> & Pick<Partial<Circuit>, 'clearStages'>): RecomputedRanges {
  let input: IntRange | null = quantRange(circuit.inputQuantizer);
  const clearStages = (circuit.clearStages ?? []).map((s) => {
    const slots = input ? slotRange(s.linear, s.offset, input.min, input.max) : null;
    input = reachableValues(s.tables, 2 ** s.bits, slots, 0, (v) => v);
    return slots;
  });
  const p = 2 ** circuit.bits;
  const stages = circuit.stages.map((s, i) => {
    const slots = input ? slotRange(s.linear, s.offset, input.min, input.max) : null;
    // A padded lookup's value is reduced to [-p, p) unless a CRT stage follows (it reads the
    // integer itself); a CRT lookup's value passes as it is.
    const nextIsCrt = circuit.stages[i + 1]?.crt !== undefined;
    input = !s.tables
      ? null
      : s.crt
        ? reachableValues(s.tables, crtProduct(s.crt.moduli), slots, 0, (v) => v)
        : reachableValues(s.tables, p, slots, s.roundBits === 0 ? 0 : 2 ** s.roundBits - 2, nextIsCrt ? (v) => v : (v) => ((v + p) & (2 * p - 1)) - p);
    return slots;
  });
  return { clearStages, stages };
}
