// Sizing: choose the circuit bit-width from the accumulator ranges, shift each channel's range
// into the PBS input space [0, 2^bits), check the user's --max-bits budget, and tabulate the
// chains into lookup tables. Produces a Circuit without parameters (parameters.ts adds them).

import { maxActiveSynapses, type IntRange } from '@fhenet/quantization';
import { MAX_CIRCUIT_BITS, crtProduct, MAX_CRT_PRODUCT, type CrtSpec, channelCount, channelOfOutputs } from '@fhenet/circuit';
import { chooseCrtModuli } from '@fhenet/params';
import type { Circuit, OutputDecoder, Stage } from '@fhenet/circuit';
import { BitWidthError, LoweringError } from './errors.js';
import type { LoweredGraph, LoweredStage } from './lower/lowered.js';
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

/** Largest `bits` a CRT compile may keep for padded PBS (a CRT stage is one wider than this). */
export interface CrtSizing {
  /**
   * Every stage whose exact worst case needs more than `bits` bits (stageBits on 'worstCase')
   * becomes a CRT stage; the others stay padded stages of at most `bits` bits.
   */
  readonly bits: number;
  /**
   * Largest residue modulus. Default 2^bits - 1 (this `bits`, the padded budget, not the circuit's
   * possibly narrower calibration width): the largest odd residue a PBS of `bits` message bits
   * reads with the same margin, so no PBS of the circuit reads more than `bits` bits.
   */
  readonly maxModulus?: number;
}

/**
 * Which stages a CRT compile turns into CRT stages: those whose exact worst case needs more than
 * `crtBits` bits (a table-less last stage counts one bit less, as in stageBits: its clear decode
 * uses the padding bit). Sized on the worst case, not calibration: a CRT stage is exact for every
 * input, so its moduli must cover every slot.
 */
export function crtStageMask(graph: LoweredGraph, ranges: readonly StageRanges[], crtBits: number): boolean[] {
  return stageBits(ranges, 'worstCase', graph).map((b) => b > crtBits);
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
  /** Turn the stages too wide for `crt.bits` into CRT stages (circuit/crt.ts, docs/crt.md). */
  readonly crt?: CrtSizing;
}

export function sizeCircuit(graph: LoweredGraph, ranges: readonly StageRanges[], options: SizeOptions): Circuit {
  const crtBits = options.crt?.bits;
  if (crtBits !== undefined && !(Number.isInteger(crtBits) && crtBits >= 2 && crtBits <= MAX_CIRCUIT_BITS)) {
    throw new RangeError(`sizeCircuit: crt.bits must be an integer in [2, ${MAX_CIRCUIT_BITS}], got ${crtBits}`);
  }
  const isCrt = crtBits === undefined ? graph.stages.map(() => false) : crtStageMask(graph, ranges, crtBits);
  // CRT stages carry their own slot space (M): only the padded stages bound `bits` and --max-bits.
  const widths = stageBits(ranges, options.sizing, graph);
  if (options.maxBits !== undefined) {
    widths.forEach((b, i) => {
      if (!isCrt[i] && b > options.maxBits!) throw overBudget(graph, ranges, i, b, options.maxBits!, options.sizing);
    });
  }
  const padded = widths.filter((_, i) => !isCrt[i]);
  // All stages CRT: the padded width is the CRT threshold itself (it bounds the moduli below).
  const bits = padded.length > 0 ? Math.max(...padded) : crtBits!;
  if (bits > MAX_CIRCUIT_BITS) {
    const widest = graph.stages[widths.indexOf(bits)]!;
    throw new LoweringError(
      widest.name,
      `its accumulator needs ${bits} bits; circuits are limited to ${MAX_CIRCUIT_BITS} (tables of 2^bits entries per channel): prune more`,
    );
  }
  const p = 2 ** bits;
  if (options.roundBits && options.roundBits.length !== graph.stages.length) {
    throw new RangeError(`sizeCircuit: roundBits needs one entry per stage (${graph.stages.length}), got ${options.roundBits.length}`);
  }
  const stages: Stage[] = graph.stages.map((st, i) => {
    const roundBits = options.roundBits?.[i] ?? 0;
    if (isCrt[i]) {
      if (roundBits !== 0) {
        throw new LoweringError(
          st.name,
          `it becomes a CRT stage (its exact worst case needs more than ${crtBits} bits), which looks up its exact slot; ` +
            `rounding and CRT exclude each other on a stage: give it round bits 0 (e.g. a per-stage --round-bits list) or compile without --crt, got ${roundBits}`,
        );
      }
      return crtStage(st, ranges[i]!, options.crt!.maxModulus ?? 2 ** crtBits! - 1, i === graph.stages.length - 1);
    }
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
          h.forEach((n, j) => {
            histogram![j * m] = n;
          });
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
    // A CRT last stage's vertical packing encodes its output with its own width (crt.md section 3).
    if (!lastStage.crt && (q.range.min < -p || q.range.max >= p)) {
      throw new LoweringError(
        last.name,
        `the output quantizer's integers [${q.range.min}, ${q.range.max}] do not fit the ${bits}-bit circuit's decodable range [${-p}, ${p})`,
      );
    }
    output = { kind: 'dequantize', scale: q.scale, zeroPoint: q.zeroPoint };
  } else {
    // Every residue a in [0, 2p) is a slot (every u in [0, M) of a CRT stage): the clear table is f(a - shift[c]).
    const channels = channelCount(last.linear);
    const width = lastStage.crt ? crtProduct(lastStage.crt.moduli) : 2 * p;
    const values = new Float64Array(channels * width);
    for (let c = 0; c < channels; c++) {
      for (let a = 0; a < width; a++) values[c * width + a] = last.chain(c, a - (lastStage.analysis.shift[c] as number));
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
    ...(graph.data ? { data: graph.data } : {}),
  };
}

/**
 * A CRT stage (docs/crt.md): each channel shifted by its exact worst-case minimum so its slots lie
 * in [0, span_c), moduli covering the widest span, and tables over all of [0, M): slots past a
 * channel's span are never reached by a valid input but are defined, so a wrap is exact.
 */
function crtStage(st: LoweredStage, r: StageRanges, maxModulus: number, last: boolean): Stage {
  if (!st.outputQuantizer && !last) throw new LoweringError(st.name, 'only the last stage may produce float values');
  const channels = channelCount(st.linear);
  const shift = Int32Array.from(r.worstCase, (w) => -w.min);
  const widest = Math.max(...r.worstCase.map(span));
  let moduli: readonly number[];
  try {
    // @fhenet/params: fewest selector bits, then fewer moduli, then smaller max; ascending.
    moduli = chooseCrtModuli(widest, { maxModulus }).moduli;
  } catch (e) {
    throw new LoweringError(st.name, `CRT stage of worst-case span ${widest}: ${(e as Error).message}`);
  }
  const m = crtProduct(moduli);
  if (m > MAX_CRT_PRODUCT)
    throw new LoweringError(
      st.name,
      `CRT stage of worst-case span ${widest} needs M = ${moduli.join(' x ')} = ${m} slots, over the format's ${MAX_CRT_PRODUCT}: prune more`,
    );
  let tables: Int32Array | null = null;
  if (st.outputQuantizer) {
    tables = new Int32Array(channels * m);
    for (let c = 0; c < channels; c++) for (let u = 0; u < m; u++) tables[c * m + u] = st.chain(c, u - (shift[c] as number));
  }
  const slotRange = (rs: readonly IntRange[]) => ({
    min: Math.min(...rs.map((x, c) => x.min + (shift[c] as number))),
    max: Math.max(...rs.map((x, c) => x.max + (shift[c] as number))),
  });
  const crt: CrtSpec = { moduli: [...moduli] };
  const channel = channelOfOutputs(st.linear);
  return {
    name: st.name,
    linear: st.linear,
    offset: Int32Array.from(st.fold, (f, o) => f + (shift[channel[o]!] as number)),
    tables,
    roundBits: 0,
    crt,
    analysis: { shift, worstCase: slotRange(r.worstCase), ...(r.calibration ? { calibration: slotRange(r.calibration) } : {}), nu: r.nu },
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
