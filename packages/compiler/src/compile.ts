// compile(trainedGraph, options) -> { circuit, report }: lower, analyse ranges, size, check the
// bit budget. The one entry point the CLI calls.

import type { IntRange } from '@fhenet/quantization';
import { validateGraph, type TrainedGraph } from '@fhenet/training/format';
import { quantizeInputs } from './client.js';
import { channelCount, outputSize } from './circuit/linear.js';
import { pbsPerNeuron, provableExtractFrom, stagePbs } from './circuit/rounding.js';
import type { Circuit } from './circuit/types.js';
import type { ChainPrecision } from './lower/chain.js';
import { lowerGraph, type LoweredGraph } from './lower/lower.js';
import { sizeClearStages } from './clear-prefix.js';
import { analyzeRanges } from './ranges.js';
import { chooseParameters, pbsCount, type ParameterChoice } from './parameters.js';
import { floatTies } from './ties.js';
import { sizeCircuit, stageBits, type Sizing } from './size.js';

export interface CompileOptions {
  /** Reject the model if any stage needs more bits than this. */
  readonly maxBits?: number;
  /** Raw samples (before inputScaling, e.g. MNIST bytes), count x inputSize, for calibration. */
  readonly calibration?: { readonly raw: ArrayLike<number>; readonly count: number };
  /** Default: 'calibration' when calibration data is given, else 'worstCase' (see docs/compiler.md). */
  readonly sizing?: Sizing;
  /** Arithmetic of the fused tables (default float32, as the tfjs forward). */
  readonly precision?: ChainPrecision;
  /** Error probability of one whole inference, split over its PBS (default 1e-6). */
  readonly pError?: number;
  /**
   * Low slot bits each lookup stage rounds away (docs/compiler.md, "Rounding"): one k for every
   * lookup stage, one per stage, or 'auto' (the k with the least predicted KS+PBS time per
   * inference; within 20% of it, the smallest k, which loses the least accuracy). Default 0.
   */
  readonly roundBits?: number | readonly number[] | 'auto';
  /**
   * The client computes the first stage (accumulator and lookup) in the clear and encrypts its
   * outputs: the paper's first layer in the clear with 8-bit inputs (docs/compiler.md). The stage
   * is sized alone on the exact worst case (circuit clearStages, v3) and does not count towards
   * `bits`, `maxBits`, the PBS count or the parameters. With a per-stage roundBits list its entry is 0.
   */
  readonly clearFirstLayer?: boolean;
}

/** One rounding the compiler priced (all of them with roundBits 'auto'). */
export interface RoundingCandidate {
  /** Round bits of every stage. */
  readonly roundBits: readonly number[];
  readonly pbsCount: number;
  /** The chosen set, or why there is none. */
  readonly set?: string;
  readonly polynomialSize?: number;
  readonly pbsMs?: number;
  /** pbsCount * pbsMs: single-thread KS+PBS time of one inference on the reference machine. */
  readonly inferenceMs?: number;
  readonly error?: string;
}

export interface StageReport {
  readonly name: string;
  readonly kind: string;
  readonly outputs: number;
  readonly tables: number;
  /** Most non-zero weights feeding one output. */
  readonly activeSynapses: number;
  /** Centred accumulator range over all channels, and the bits its widest channel needs after the shift. */
  readonly worstCase: { readonly range: IntRange; readonly bits: number };
  readonly calibration?: { readonly range: IntRange; readonly bits: number };
  readonly nu: number;
  /** Low slot bits rounded away before the lookup (0: plain lookup). */
  readonly roundBits: number;
  /** PBS per neuron at most: roundBits for a rounded stage (k-1 extractions + lookup; extractFrom may skip some), 1 plain, 0 clear decode. */
  readonly pbsPerNeuron: number;
  /** Programmable bootstraps of this stage per inference, extractions included (0 when decoded in the clear). */
  readonly pbs: number;
}

export interface CompileReport {
  readonly name: string;
  readonly sizing: Sizing;
  readonly bits: number;
  readonly stages: readonly StageReport[];
  readonly pbsCount: number;
  readonly maxNu: number;
  /**
   * Table entries (over worst-case ranges) where the float32 and float64 chains round differently:
   * the only places the tfjs forward can disagree with the circuit (see ties.ts).
   */
  readonly floatTies: number;
  /** The chosen parameters and their predicted costs, or why none could be chosen. */
  readonly parameters: ParameterChoice | { readonly error: string };
  /** Single-thread KS+PBS milliseconds of one inference predicted by the cost model, when parameters were chosen. */
  readonly predictedInferenceMs?: number;
  /** The roundings priced (one unless roundBits was 'auto'). */
  readonly roundingCandidates: readonly RoundingCandidate[];
  /** Stages the client runs in the clear (clearFirstLayer), with their own table widths; `stages` are the encrypted ones. */
  readonly clearStages?: readonly { readonly name: string; readonly kind: string; readonly outputs: number; readonly bits: number }[];
}

/** Within this factor of the cheapest rounding, 'auto' takes the smallest k (least accuracy lost). */
export const AUTO_ROUNDING_SLACK = 1.2;

const union = (rs: readonly IntRange[]): IntRange => ({ min: Math.min(...rs.map((r) => r.min)), max: Math.max(...rs.map((r) => r.max)) });

export interface CompileResult {
  readonly circuit: Circuit;
  readonly report: CompileReport;
  /** The same sizing without rounding (no parameters when it was not the one chosen): the accuracy baseline. */
  readonly unrounded: Circuit;
}

/**
 * Every rounded stage with the first extracted bit its integers prove per channel (v3 extractFrom,
 * circuit/rounding.ts): a scaled channel (weights and shift multiples of 2^s) skips bits 1..s-1.
 */
export function withExtractFrom(circuit: Circuit): Circuit {
  return {
    ...circuit,
    stages: circuit.stages.map((s) => (s.roundBits >= 2 && s.tables ? { ...s, extractFrom: provableExtractFrom(s.linear, s.offset, s.roundBits) } : s)),
  };
}

export function compile(graph: TrainedGraph, options: CompileOptions = {}): CompileResult {
  validateGraph(graph, `trained graph "${graph.name}"`); // in-memory graphs skip the file reader's checks
  const precision = options.precision ?? 'float32';
  const lowered = lowerGraph(graph, precision);
  let calibration: { inputs: Int32Array; count: number } | undefined;
  if (options.calibration) {
    const { raw, count } = options.calibration;
    calibration = { inputs: quantizeInputs(graph, raw, count), count };
  }
  const allRanges = analyzeRanges(lowered, calibration);
  const sizing: Sizing = options.sizing ?? (calibration ? 'calibration' : 'worstCase');
  // A clear prefix is sized on its own (clear-prefix.ts); everything below sizes, rounds and prices
  // the encrypted stages only, so `lowered` and `ranges` from here on start after it.
  const nClear = options.clearFirstLayer ? 1 : 0;
  const clearStages = nClear > 0 ? sizeClearStages(lowered, allRanges, nClear) : undefined;
  const encrypted: LoweredGraph = { ...lowered, stages: lowered.stages.slice(nClear) };
  const ranges = allRanges.slice(nClear);
  const sizeWith = (roundBits: readonly number[]): Circuit => {
    const c = withExtractFrom(sizeCircuit(encrypted, ranges, { sizing, roundBits, ...(options.maxBits === undefined ? {} : { maxBits: options.maxBits }) }));
    return clearStages ? { ...c, clearStages } : c;
  };
  const plain = sizeWith(encrypted.stages.map(() => 0));
  const lookupStages = encrypted.stages.map((st) => st.outputQuantizer !== null);
  const uniform = (k: number) => lookupStages.map((l) => (l ? k : 0));
  let choices: (readonly number[])[];
  const rb = options.roundBits ?? 0;
  if (rb === 'auto') {
    choices = [uniform(0)];
    for (let k = 2; k < plain.bits; k++) choices.push(uniform(k));
  } else if (typeof rb === 'number') {
    choices = [uniform(rb)];
  } else {
    if (rb.length !== lowered.stages.length) throw new RangeError(`compile: roundBits needs one entry per stage (${lowered.stages.length}: ${lowered.stages.map((s) => s.name).join(', ')}), got ${rb.length}`);
    rb.slice(0, nClear).forEach((k, i) => {
      if (k !== 0) throw new RangeError(`compile: roundBits[${i}] (stage ${lowered.stages[i]!.name}) must be 0: it runs in the clear (clearFirstLayer), got ${k}`);
    });
    choices = [rb.slice(nClear)];
  }
  const priced = choices.map((roundBits) => {
    const sized = roundBits.every((k) => k === 0) ? plain : sizeWith(roundBits);
    let parameters: ParameterChoice | { error: string };
    try {
      parameters = chooseParameters(sized, options.pError);
    } catch (e) {
      if (options.pError !== undefined && !(options.pError > 0 && options.pError < 1)) throw e; // the user's mistake, not the model's
      parameters = { error: (e as Error).message };
    }
    return { roundBits, sized, parameters };
  });
  // Priced on the PBS the runtime runs (known-zero extractions skipped); the parameters' own count
  // (every extraction of every neuron) only splits the error probability, conservatively.
  const inferenceMs = (c: (typeof priced)[number]) => ('error' in c.parameters ? Infinity : c.parameters.predictedPbsMs * pbsCount(c.sized));
  const cheapest = Math.min(...priced.map(inferenceMs));
  // The first (smallest k) within the slack of the cheapest; the only one when k was given.
  const chosen = priced.find((c) => inferenceMs(c) <= cheapest * AUTO_ROUNDING_SLACK) ?? priced[0]!;
  const { sized, parameters } = chosen;
  const roundingCandidates: RoundingCandidate[] = priced.map((c) =>
    'error' in c.parameters
      ? { roundBits: c.roundBits, pbsCount: pbsCount(c.sized), error: c.parameters.error }
      : {
          roundBits: c.roundBits,
          pbsCount: pbsCount(c.sized),
          set: c.parameters.parameters.set.name,
          polynomialSize: c.parameters.parameters.set.polynomialSize,
          pbsMs: c.parameters.predictedPbsMs,
          inferenceMs: inferenceMs(c),
        },
  );
  const wcBits = stageBits(ranges, 'worstCase', encrypted);
  const calBits = calibration ? stageBits(ranges, 'calibration', encrypted) : undefined;
  const circuit: Circuit = 'error' in parameters ? sized : { ...sized, parameters: parameters.parameters };
  const stages: StageReport[] = circuit.stages.map((s, i) => {
    const r = ranges[i]!;
    return {
      name: s.name,
      kind: s.linear.kind,
      outputs: outputSize(s.linear),
      tables: s.tables ? channelCount(s.linear) : 0,
      activeSynapses: r.activeSynapses,
      worstCase: { range: union(r.worstCase), bits: wcBits[i]! },
      ...(r.calibration && calBits ? { calibration: { range: union(r.calibration), bits: calBits[i]! } } : {}),
      nu: s.analysis.nu, // of the circuit's weights (scaled channels of a rounded stage included)
      roundBits: s.roundBits,
      pbsPerNeuron: pbsPerNeuron(s),
      pbs: stagePbs(s),
    };
  });
  const report: CompileReport = {
    name: graph.name,
    sizing,
    bits: circuit.bits,
    stages,
    pbsCount: stages.reduce((a, s) => a + s.pbs, 0),
    maxNu: Math.max(...stages.map((s) => s.nu)),
    floatTies: floatTies(lowered, lowerGraph(graph, precision === 'float32' ? 'float64' : 'float32'), allRanges.map((r) => r.worstCase)).length,
    parameters,
    ...('error' in parameters ? {} : { predictedInferenceMs: parameters.predictedPbsMs * pbsCount(circuit) }),
    roundingCandidates,
    ...(clearStages ? { clearStages: clearStages.map((c) => ({ name: c.name, kind: c.linear.kind, outputs: outputSize(c.linear), bits: c.bits })) } : {}),
  };
  return { circuit, report, unrounded: circuit.stages.every((s) => s.roundBits === 0) ? circuit : plain };
}
