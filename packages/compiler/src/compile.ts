// compile(trainedGraph, options) -> { circuit, report }: lower, analyse ranges, size, check the
// bit budget. The one entry point the CLI calls.

import type { IntRange } from '@fhenet/quantization';
import { validateGraph, type TrainedGraph } from '@fhenet/training/format';
import { quantizeInputs } from './client.js';
import { channelCount, outputSize } from './circuit/linear.js';
import type { Circuit } from './circuit/types.js';
import type { ChainPrecision } from './lower/chain.js';
import { lowerGraph } from './lower/lower.js';
import { analyzeRanges } from './ranges.js';
import { chooseParameters, type ParameterChoice } from './parameters.js';
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
  /** Programmable bootstraps of this stage per inference (0 for a last stage decoded in the clear). */
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
}

const union = (rs: readonly IntRange[]): IntRange => ({ min: Math.min(...rs.map((r) => r.min)), max: Math.max(...rs.map((r) => r.max)) });

export function compile(graph: TrainedGraph, options: CompileOptions = {}): { circuit: Circuit; report: CompileReport } {
  validateGraph(graph, `trained graph "${graph.name}"`); // in-memory graphs skip the file reader's checks
  const precision = options.precision ?? 'float32';
  const lowered = lowerGraph(graph, precision);
  let calibration: { inputs: Int32Array; count: number } | undefined;
  if (options.calibration) {
    const { raw, count } = options.calibration;
    calibration = { inputs: quantizeInputs(graph, raw, count), count };
  }
  const ranges = analyzeRanges(lowered, calibration);
  const sizing: Sizing = options.sizing ?? (calibration ? 'calibration' : 'worstCase');
  const sized = sizeCircuit(lowered, ranges, { sizing, ...(options.maxBits === undefined ? {} : { maxBits: options.maxBits }) });
  const wcBits = stageBits(ranges, 'worstCase', lowered);
  const calBits = calibration ? stageBits(ranges, 'calibration', lowered) : undefined;
  let parameters: ParameterChoice | { error: string };
  try {
    parameters = chooseParameters(sized, options.pError);
  } catch (e) {
    if (options.pError !== undefined && !(options.pError > 0 && options.pError < 1)) throw e; // the user's mistake, not the model's
    parameters = { error: (e as Error).message };
  }
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
      nu: r.nu,
      pbs: s.tables ? outputSize(s.linear) : 0,
    };
  });
  const report: CompileReport = {
    name: graph.name,
    sizing,
    bits: circuit.bits,
    stages,
    pbsCount: stages.reduce((a, s) => a + s.pbs, 0),
    maxNu: Math.max(...stages.map((s) => s.nu)),
    floatTies: floatTies(lowered, lowerGraph(graph, precision === 'float32' ? 'float64' : 'float32'), ranges.map((r) => r.worstCase)).length,
    parameters,
  };
  return { circuit, report };
}
