// Tables of a rounded stage (circuit/rounding.ts): one value per bucket of 2^k slots, and where
// the buckets fall. Both are free choices the exactness does not depend on, so they are made for
// accuracy. A bucket's value is the chain at the middle of the part of the bucket the sized range
// reaches (clamped to the range when it reaches none): unbiased, so the errors of many neurons
// tend to cancel in the next layer's sum. With calibration data, each channel's shift may move by
// less than half a bucket (the sized range staying inside [0, p)) to the alignment whose rounded
// lookup agrees with the exact one on the most calibration accumulators.
//
// Measured on mnist-fcnn-wide-90 at k = 4 (10,000 test images, docs/compiler.md): midpoint values
// 95.98%, + aligned shift 96.34%; the most frequent exact value per bucket (maximal agreement per
// neuron, but biased toward each bucket's majority) did worse, 95.21% / 94.69%.
//
// A scaled channel (step 2^s) gets a shift that is a multiple of 2^s, so its slots are too and
// their bits 1..s-1 need no extraction (circuit/rounding.ts, extractFrom). This costs no accuracy:
// the reachable slots are m + 2^s j, bucket boundaries t * 2^k are multiples of 2^s, and for r in
// [0, 2^s) floor((m + r + 2^s j) / 2^k) = floor((m + 2^s j) / 2^k) when 2^s | m: every shift of the
// class m + r groups the reachable accumulators into the same buckets as the multiple m, so the
// candidates below (multiples of 2^s over one bucket width) reach every grouping the unrestricted
// search could, with the same midpoint values.
import type { IntRange } from '@fhenet/quantization';
import { expandRoundedTable } from '@fhenet/circuit';

export interface RoundChannelInput {
  /** The exact table function of the channel: accumulator -> next integer. */
  readonly f: (acc: number) => number;
  readonly roundBits: number;
  /** Slots p = 2^bits. */
  readonly p: number;
  /** The accumulator range the circuit is sized on (in the scaled domain when step > 1). */
  readonly range: IntRange;
  /** Accumulators reachable in `range` are range.min + step * j (a scaled channel, scale.ts); default 1. */
  readonly step?: number;
  /** The centred shift (size.ts): slot = acc + shift. */
  readonly shift: number;
  /** Calibration counts of each accumulator value from `histogramMin` on. */
  readonly histogram?: Int32Array;
  readonly histogramMin?: number;
}

export interface RoundedChannel {
  readonly shift: number;
  /** p entries, constant on runs of 2^k boxes. */
  readonly table: Int32Array;
  /** Calibration accumulators whose rounded lookup differs from the exact one (0 without data). */
  readonly mismatches: number;
}

export function roundChannel(input: RoundChannelInput): RoundedChannel {
  const { f, roundBits, p, range } = input;
  const width = 2 ** roundBits;
  const step = input.step ?? 1;
  if (!Number.isInteger(Math.log2(step)) || step > width)
    throw new RangeError(`roundChannel: step must be a power of two <= 2^roundBits = ${width}, got ${step}`);
  if (range.min % step !== 0 || range.max % step !== 0)
    throw new RangeError(`roundChannel: a scaled range must be multiples of its step ${step}, got [${range.min}, ${range.max}]`);
  const inside = (shift: number) => range.min + shift >= 0 && range.max + shift <= p - 1;
  // The sized shift moved down to a multiple of the step (up when that leaves [0, p) and up does not).
  const down = input.shift - (((input.shift % step) + step) % step);
  const base = inside(input.shift) && !inside(down) && inside(down + step) ? down + step : down;
  const midpointValue = (shift: number) => (t: number) => {
    const lo = range.min + shift;
    const hi = range.max + shift;
    // First and last reachable slot of the bucket (slots lo + step * j).
    const a = lo + step * Math.ceil((Math.max(t * width, lo) - lo) / step);
    const b = lo + step * Math.floor((Math.min(t * width + width - 1, hi) - lo) / step);
    const mid = a <= b ? (a + b) / 2 : Math.min(Math.max(t * width + (width - 1) / 2, lo), hi);
    return Math.round(f(mid - shift)); // quantized chains are integers already; a pooled sum is rounded
  };
  const h = input.histogram;
  if (!h || input.histogramMin === undefined) {
    return { shift: base, table: expandRoundedTable(midpointValue(base), roundBits, p), mismatches: 0 };
  }
  // The calibration accumulators and their exact table values, evaluated once.
  const accs: number[] = [];
  const counts: number[] = [];
  const values: number[] = [];
  h.forEach((n, i) => {
    if (n === 0) return;
    const acc = input.histogramMin! + i;
    accs.push(acc);
    counts.push(n);
    values.push(f(acc));
  });
  let best: RoundedChannel | undefined;
  let bestDistance = Infinity;
  for (let d = step * Math.ceil(-width / 2 / step); d < width / 2; d += step) {
    const shift = base + d;
    if (d !== 0 && !inside(shift)) continue; // keep the sized range inside [0, p)
    const table = expandRoundedTable(midpointValue(shift), roundBits, p);
    let mismatches = 0;
    for (let j = 0; j < accs.length; j++) {
      const slot = accs[j]! + shift;
      // The lookup reads bucket floor(slot / 2^k), whose value sits at box t * 2^k; a wrap is a mismatch.
      if (slot < 0 || slot >= p || table[Math.floor(slot / width) * width] !== values[j]) mismatches += counts[j]!;
    }
    if (!best || mismatches < best.mismatches || (mismatches === best.mismatches && Math.abs(d) < bestDistance)) {
      best = { shift, table, mismatches };
      bestDistance = Math.abs(d);
    }
  }
  return best!;
}
