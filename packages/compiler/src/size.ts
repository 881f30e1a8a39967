// Sizing: choose the circuit bit-width from the accumulator ranges, shift each channel's range
// into the PBS input space [0, 2^bits), check the user's --max-bits budget, and tabulate the
// chains into lookup tables. Produces a Circuit without parameters (parameters.ts adds them).

import { maxActiveSynapses, type IntRange } from '@fhenet/quantization';
import { MAX_CIRCUIT_BITS } from './circuit/format.js';
import { channelCount } from './circuit/linear.js';
import type { Circuit, OutputDecoder, Stage } from './circuit/types.js';
import { BitWidthError, LoweringError } from './errors.js';
import type { LoweredGraph } from './lower/lower.js';
import { roundChannel } from './round-tables.js';
import { maxChannelNorm, roundingScales, scaleFold, scaleLinear } from './scale.js';
import type { StageRanges } from './ranges.js';

/**
 * What the circuit is sized on:
 * - 'calibration': the accumulator ranges seen on calibration data (the paper / Concrete ML way):
 *   narrower, but an unseen input beyond them wraps around (modelled by the simulator);
 * - 'worstCase': the exact worst case over all inputs: never wraps, often needs more bits.
 */
export type Sizing = 'calibration' | 'worstCase';

/** Bits needed to hold `values` distinct slots [0, values). */
export function bitsForSpan(values: number): number {
  return Math.max(1, Math.ceil(Math.log2(values)));
}

const span = (r: IntRange) => r.max - r.min + 1;

function sizedRanges(r: StageRanges, sizing: Sizing, name: string): readonly IntRange[] {
  if (sizing === 'worstCase') return r.worstCase;
  if (!r.calibration) throw new LoweringError(name, "sizing 'calibration' needs calibration data");
  return r.calibration;
}

/**
 * Message bits each stage needs under a sizing: the widest channel span. A last stage decoded in
 * the clear (no PBS) may use the padding bit too: its 2^(bits+1) residues all decrypt unambiguously.
 */
export function stageBits(ranges: readonly StageRanges[], sizing: Sizing, graph: LoweredGraph): number[] {
  return ranges.map((r, i) => {
    const st = graph.stages[i]!;
    const needed = bitsForSpan(Math.max(...sizedRanges(r, sizing, st.name).map(span)));
    return st.outputQuantizer ? needed : Math.max(1, needed - 1);
  });
}

export interface SizeOptions {
  readonly sizing: Sizing;
  /** Reject any stage wider than this. */
  readonly maxBits?: number;
  /**
   * Low slot bits each stage rounds away before its lookup (0 or 2..bits-1; default 0 everywhere;
   * always 0 on a last stage decoded in the clear). One entry per stage.
   */
  readonly roundBits?: readonly number[];
  /** Scale the narrow channels of rounded stages (scale.ts); default true. */
  readonly scaleChannels?: boolean;
}

export function sizeCircuit(graph: LoweredGraph, ranges: readonly StageRanges[], options: SizeOptions): Circuit {
  const widths = stageBits(ranges, options.sizing, graph);
  if (options.maxBits !== undefined) {
    widths.forEach((b, i) => {
      if (b > options.maxBits!) throw overBudget(graph, ranges, i, b, options.maxBits!, options.sizing);
    });
  }
  const bits = Math.max(...widths);
  if (bits > MAX_CIRCUIT_BITS) {
    const widest = graph.stages[widths.indexOf(bits)]!;
    throw new LoweringError(widest.name, `its accumulator needs ${bits} bits; circuits are limited to ${MAX_CIRCUIT_BITS} (tables of 2^bits entries per channel): prune more`);
  }
  const p = 2 ** bits;
  if (options.roundBits && options.roundBits.length !== graph.stages.length) {
    throw new RangeError(`sizeCircuit: roundBits needs one entry per stage (${graph.stages.length}), got ${options.roundBits.length}`);
  }
  const stages: Stage[] = graph.stages.map((st, i) => {
    const roundBits = options.roundBits?.[i] ?? 0;
    if (roundBits !== 0) {
      if (!st.outputQuantizer) throw new LoweringError(st.name, `it is decoded in the clear (no lookup), so it cannot round ${roundBits} bits: use 0`);
      if (!Number.isInteger(roundBits) || roundBits < 2 || roundBits >= bits) {
        throw new LoweringError(st.name, `round bits must be 0 or an integer in [2, ${bits - 1}] for a ${bits}-bit circuit, got ${roundBits}`);
      }
    }
    const r = ranges[i]!;
    const sized = sizedRanges(r, options.sizing, st.name);
    const channels = channelCount(st.linear);
    // Centre each channel's range in its slot space, [0, p) before a PBS or [0, 2p) for a clear
    // decode: the slack becomes headroom on both sides.
    const slots = st.outputQuantizer ? p : 2 * p;
    // A rounded stage's narrow channels are scaled by 2^s to use the whole slot space (scale.ts):
    // slot = scale[c] * acc + shift[c].
    const scale = roundBits >= 2 && options.scaleChannels !== false ? roundingScales(st.linear, sized, bits, roundBits) : new Int32Array(channels).fill(1);
    const scaled = (x: IntRange, c: number): IntRange => ({ min: x.min * scale[c]!, max: x.max * scale[c]! });
    const shift = Int32Array.from(sized, (s, c) => -scaled(s, c).min + Math.floor((slots - span(scaled(s, c))) / 2));
    let tables: Int32Array | null = null;
    if (st.outputQuantizer && roundBits >= 2) {
      // Bucket values and alignment are chosen for accuracy (round-tables.ts); the shift may move
      // by less than half a bucket.
      tables = new Int32Array(channels * p);
      for (let c = 0; c < channels; c++) {
        const m = scale[c]!;
        let histogram: Int32Array | undefined;
        if (r.histogram) {
          // The calibration counts in the scaled domain: accumulator a sits at m * a.
          const h = r.histogram[c]!;
          histogram = new Int32Array((h.length - 1) * m + 1);
          h.forEach((n, j) => (histogram![j * m] = n));
        }
        const rounded = roundChannel({
          f: (acc) => st.chain(c, acc / m),
          roundBits,
          p,
          range: scaled(sized[c] as IntRange, c),
          step: m,
          shift: shift[c] as number,
          ...(histogram ? { histogram, histogramMin: r.worstCase[c]!.min * m } : {}),
        });
        shift[c] = rounded.shift;
        tables.set(rounded.table, c * p);
      }
    } else if (st.outputQuantizer) {
      tables = new Int32Array(channels * p);
      for (let c = 0; c < channels; c++) for (let a = 0; a < p; a++) tables[c * p + a] = st.chain(c, a - (shift[c] as number));
    } else if (i !== graph.stages.length - 1) {
      throw new LoweringError(st.name, 'only the last stage may produce float values');
    }
    const isScaled = scale.some((m) => m !== 1);
    const linear = isScaled ? scaleLinear(st.linear, scale) : st.linear;
    const fold = isScaled ? scaleFold(st.linear, st.fold, scale) : st.fold;
    const offset = Int32Array.from(fold, (f, o) => f + (shift[st.linear.kind === 'dense' ? o : o % channels] as number));
    const slotRange = (rs: readonly IntRange[]) => ({
      min: Math.min(...rs.map((x, c) => scaled(x, c).min + (shift[c] as number))),
      max: Math.max(...rs.map((x, c) => scaled(x, c).max + (shift[c] as number))),
    });
    return {
      name: st.name,
      linear,
      offset,
      tables,
      roundBits,
      analysis: {
        shift,
        worstCase: slotRange(r.worstCase),
        ...(r.calibration ? { calibration: slotRange(r.calibration) } : {}),
        nu: isScaled ? maxChannelNorm(linear) : r.nu,
        ...(isScaled ? { scale } : {}),
      },
    };
  });
  const last = graph.stages[graph.stages.length - 1]!;
  const lastStage = stages[stages.length - 1]!;
  let output: OutputDecoder;
  if (last.outputQuantizer) {
    const q = last.outputQuantizer;
    if (q.range.min < -p || q.range.max >= p) {
      throw new LoweringError(last.name, `the output quantizer's integers [${q.range.min}, ${q.range.max}] do not fit the ${bits}-bit circuit's decodable range [${-p}, ${p})`);
    }
    output = { kind: 'dequantize', scale: q.scale, zeroPoint: q.zeroPoint };
  } else {
    // Every residue a in [0, 2p) is a slot: the clear table is f(a - shift[c]).
    const channels = channelCount(last.linear);
    const values = new Float64Array(channels * 2 * p);
    for (let c = 0; c < channels; c++) {
      for (let a = 0; a < 2 * p; a++) values[c * 2 * p + a] = last.chain(c, a - (lastStage.analysis.shift[c] as number));
    }
    output = { kind: 'clearTable', values };
  }
  return {
    name: graph.name,
    bits,
    inputShape: graph.inputShape,
    inputScaling: graph.inputScaling,
    inputQuantizer: graph.inputQuantizer,
    stages,
    output,
  };
}

function overBudget(graph: LoweredGraph, ranges: readonly StageRanges[], i: number, bits: number, maxBits: number, sizing: Sizing): BitWidthError {
  const st = graph.stages[i]!;
  const r = ranges[i]!;
  const fit = maxActiveSynapses(maxBits, st.weightRange, st.inputRange);
  const widest = Math.max(...sizedRanges(r, sizing, st.name).map(span));
  return new BitWidthError(
    st.name,
    bits,
    maxBits,
    `layer "${st.name}": accumulator needs ${bits} bits (${widest} distinct values on the ${sizing === 'worstCase' ? 'worst case' : 'calibration data'}), ` +
      `over the --max-bits ${maxBits} budget. At most ${fit} active synapses per neuron fit ${maxBits} bits in the worst case ` +
      `(weights in [${st.weightRange.min}, ${st.weightRange.max}], inputs in [${st.inputRange.min}, ${st.inputRange.max}]); this layer has up to ${r.activeSynapses}.`,
  );
}
