// compile(trainedGraph, options) -> { circuit, report }: lower, analyse ranges, size, check the
// bit budget. The one entry point the CLI calls.

import type { IntRange } from '@fhenet/quantization';
import { ROUNDING_MODES, type RoundingMode } from '@fhenet/params';
import { validateGraph, type TrainedGraph } from '@fhenet/training/format';
import { quantizeInputs, channelCount, isApproximate, outputSize, crtLookups, crtProduct, selectorBits, pbsPerNeuron, stagePbs } from '@fhenet/circuit';
import type { Circuit } from '@fhenet/circuit';
import { droppedBits, predictedApproximation, type StageApproximation } from './approximate-rates.js';
import { withExtractFrom, withRounding } from './rounding-mode.js';
import type { ChainPrecision } from './lower/chain.js';
import { lowerGraph } from './lower/lower.js';
import type { LoweredGraph } from './lower/lowered.js';
import { sizeClearStages } from './clear-prefix.js';
import { analyzeRanges, type StageRanges } from './ranges.js';
import { chooseParameters, pbsCount, type ParameterChoice } from './parameters.js';
import { LoweringError } from './errors.js';
import { floatTies } from './ties.js';
import { crtStageMask, sizeCircuit, stageBits, type CrtSizing, type Sizing } from './size.js';

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
   * How the rounded stages round (docs/compiler.md, "Approximate rounding"): 'exact' (default; k-1
   * bit extractions + the lookup per neuron) or 'approximate' (the lookup alone; a slot near a
   * bucket edge may land one bucket off, as the noise model predicts), for every rounded stage or
   * one per stage (same layout as a roundBits list; ignored where k is 0). The chosen rounding is
   * also priced and returned in the other mode (CompileResult.roundingModes).
   */
  readonly rounding?: RoundingMode | readonly RoundingMode[];
  /**
   * Approximate stages: let their slots land one bucket off with this probability (over their
   * calibration slots' dropped bits, uniform ones without calibration), for a cheaper parameter set
   * (DecisionOptions of parameters.ts). 'auto': APPROXIMATE_OFF_RATE when that buys a smaller
   * polynomial than the centre rule, else the centre rule. Default (absent): the centre rule, a
   * slot at its bucket's centre held to the per-PBS error target (~6% off at uniform offsets).
   */
  readonly approximateOffRate?: number | 'auto';
  /**
   * The client computes the first stage (accumulator and lookup) in the clear and encrypts its
   * outputs: the paper's first layer in the clear with 8-bit inputs (docs/compiler.md). The stage
   * is sized alone on the exact worst case (circuit clearStages, v3) and does not count towards
   * `bits`, `maxBits`, the PBS count or the parameters. With a per-stage roundBits list its entry is 0.
   */
  readonly clearFirstLayer?: boolean;
  /**
   * CRT stages (docs/crt.md, circuit/crt.ts): every encrypted stage whose exact worst case needs
   * more than `maxBits` bits (DEFAULT_CRT_BITS when maxBits is not given) becomes a CRT stage,
   * exact for every input, instead of being rejected or rounded; the other stages stay padded PBS
   * stages of at most that many bits. Rounding such a stage is an error (a per-stage roundBits
   * list must give it 0; one k applies to the padded lookup stages; 'auto' is refused, it prices
   * padded parameters). A circuit whose encrypted stages are all CRT stages gets one WoP parameter
   * set (crt-parameters.ts); a mixed one gets none (the runtime cannot run it; use a smaller maxBits).
   */
  readonly crt?: boolean;
  /**
   * Fold each average pool that feeds a dense or conv layer directly into that layer (default
   * true; docs/compiler.md, "Pools folded into the next layer"): the same accumulators, bit for
   * bit, without the pool's identity lookups (one PBS per pooled value).
   */
  readonly foldPools?: boolean;
  /** Largest residue modulus of the CRT stages (default 2^maxBits - 1, with maxBits defaulting to DEFAULT_CRT_BITS). */
  readonly crtMaxModulus?: number;
}

/**
 * Padded width a CRT compile keeps when maxBits is not given: a CRT stage is one whose exact
 * accumulator needs more than 8 bits (the paper and crt.md use CRT for 9-16-bit accumulators, plain
 * PBS up to 8).
 */
export const DEFAULT_CRT_BITS = 8;

/** @deprecated CRT circuits now get one WoP parameter set (crt-parameters.ts); kept for callers that matched the old message. */
export const CRT_PARAMETERS_PENDING =
  'the circuit has CRT stages, whose WoP-PBS parameters (@fhenet/params optimizeWopParameters, docs/crt.md section 6) are not wired into the compiler yet';

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
  /** How they are rounded (meaningful when roundBits >= 2). */
  readonly rounding: RoundingMode;
  /** PBS per neuron at most: roundBits for a rounded stage (k-1 extractions + lookup; extractFrom may skip some), 1 plain, 0 clear decode. */
  readonly pbsPerNeuron: number;
  /** Programmable bootstraps of this stage per inference, extractions included (0 when decoded in the clear or a CRT stage). */
  readonly pbs: number;
  /**
   * CRT stages only: the moduli, M, t = sum ceil(log2 p_i) selector bits, and the widest channel's
   * exact worst-case span they cover.
   */
  readonly crt?: { readonly moduli: readonly number[]; readonly product: number; readonly selectorBits: number; readonly span: number };
  /** WoP lookups (circuit bootstrapping + vertical packing) of this stage per inference: its outputs on a CRT stage with tables, else 0. */
  readonly crtLookups: number;
}

/** What the chosen rounding costs in one mode (CompileReport.roundingModes). */
export interface RoundingModeCost {
  readonly rounding: RoundingMode;
  readonly pbsCount: number;
  /** PBS per inference of every stage in this mode. */
  readonly stagePbs: readonly number[];
  readonly set?: string;
  readonly polynomialSize?: number;
  readonly pbsMs?: number;
  /** pbsCount * pbsMs: single-thread KS+PBS milliseconds of one inference (cost model). */
  readonly inferenceMs?: number;
  readonly pErrorPerInference?: number;
  /** Approximate mode: the off rate its set was held to (absent: the centre rule). */
  readonly offRate?: number;
  /** Why no parameter set exists in this mode. */
  readonly error?: string;
  /**
   * Approximate mode with calibration data and parameters: per stage (undefined where nothing is
   * approximate) the noise model's prediction of how often a lookup lands in another bucket, and
   * how often that changes its value (approximate-rates.ts).
   */
  readonly approximation?: readonly (StageApproximation | undefined)[];
}

export interface CompileReport {
  readonly name: string;
  readonly sizing: Sizing;
  readonly bits: number;
  readonly stages: readonly StageReport[];
  readonly pbsCount: number;
  /** WoP lookups per inference over all CRT stages (not included in pbsCount). */
  readonly crtLookups: number;
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
  /**
   * When some stage rounds: the chosen rounding priced in both modes, exact and approximate (the
   * circuit is the one of options.rounding; CompileResult.roundingModes has both circuits).
   */
  readonly roundingModes?: { readonly exact: RoundingModeCost; readonly approximate: RoundingModeCost };
  /** Stages the client runs in the clear (clearFirstLayer), with their own table widths; `stages` are the encrypted ones. */
  readonly clearStages?: readonly { readonly name: string; readonly kind: string; readonly outputs: number; readonly bits: number }[];
  /** Average pools folded into the linear stage after them (CompileOptions.foldPools): no stage of their own. */
  readonly foldedPools?: readonly { readonly pool: string; readonly into: string }[];
}

/**
 * The chosen rounding in both modes, each with its own parameters: what approximate rounding saves
 * and what it is predicted to cost (the report; with calibration ranges, the approximate stages'
 * predicted off-bucket rates), and both circuits (the CLI simulates each). `chosen` (the compiled
 * circuit) is reused for the mode it is in.
 */
function bothRoundingModes(o: {
  readonly exact: Circuit;
  readonly chosen: Circuit;
  readonly chosenParameters: ParameterChoice | { error: string };
  readonly modes: readonly RoundingMode[];
  readonly price: (c: Circuit) => ParameterChoice | { error: string };
  readonly ranges: readonly StageRanges[] | undefined;
}): { circuits: { exact: Circuit; approximate: Circuit }; costs: { exact: RoundingModeCost; approximate: RoundingModeCost } } {
  const costOf = (rounding: RoundingMode): { circuit: Circuit; cost: RoundingModeCost } => {
    const mine = o.modes.every((m) => m === rounding);
    const bare = withRounding(o.exact, rounding);
    const p = mine ? o.chosenParameters : o.price(bare);
    const circuit = mine ? o.chosen : 'error' in p ? bare : { ...bare, parameters: p.parameters };
    const base = { rounding, pbsCount: pbsCount(bare), stagePbs: bare.stages.map(stagePbs) };
    if ('error' in p) return { circuit, cost: { ...base, error: p.error } };
    const approximation = rounding === 'approximate' && o.ranges ? predictedApproximation(circuit, o.ranges) : undefined;
    return {
      circuit,
      cost: {
        ...base,
        set: p.parameters.set.name,
        polynomialSize: p.parameters.set.polynomialSize,
        pbsMs: p.predictedPbsMs,
        inferenceMs: p.predictedPbsMs * base.pbsCount,
        pErrorPerInference: p.parameters.pErrorPerInference,
        ...(p.approximateOffRate !== undefined ? { offRate: p.approximateOffRate } : {}),
        ...(approximation ? { approximation } : {}),
      },
    };
  };
  const exact = costOf('exact');
  const approximate = costOf('approximate');
  return { circuits: { exact: exact.circuit, approximate: approximate.circuit }, costs: { exact: exact.cost, approximate: approximate.cost } };
}

/** One rounding mode per encrypted stage, from the option (one mode, or one per stage incl. clear stages). */
function roundingModes(option: CompileOptions['rounding'], names: readonly string[], nClear: number): RoundingMode[] {
  const check = (m: unknown, what: string): RoundingMode => {
    if (!(ROUNDING_MODES as readonly unknown[]).includes(m))
      throw new RangeError(`compile: ${what} must be "exact" or "approximate", got ${JSON.stringify(m)}`);
    return m as RoundingMode;
  };
  if (option === undefined || typeof option === 'string') {
    const m = check(option ?? 'exact', 'rounding');
    return names.slice(nClear).map(() => m);
  }
  if (option.length !== names.length)
    throw new RangeError(`compile: rounding needs one entry per stage (${names.length}: ${names.join(', ')}), got ${option.length}`);
  return option.map((m, i) => check(m, `rounding[${i}] (stage ${names[i]})`)).slice(nClear);
}

/**
 * The one-bucket-off rate approximateOffRate 'auto' (the CLI's default) takes when it buys a
 * smaller polynomial: the smallest round rate at which the 10-bit circuits' stages rounding 5 bits
 * reach N = 1024 (their noise is then ~4.7 slots in buckets of 32: ~11.7% off at uniform offsets).
 * Measured on every published model: docs/compiler.md, "Approximate rounding".
 */
export const APPROXIMATE_OFF_RATE = 0.12;

/**
 * 'auto' takes APPROXIMATE_OFF_RATE where its set's predicted KS+PBS is at least this many times
 * cheaper than the centre rule's: the published 9- and 10-bit circuits (N halved: 1.27-1.32x) and
 * narrow-150 (one PBS level instead of two: 1.8x, for -0.23 points); a set that only trims n a
 * little is not worth a doubled off rate.
 */
export const AUTO_OFF_RATE_MIN_GAIN = 1.2;

/** Within this factor of the cheapest rounding, 'auto' takes the smallest k (least accuracy lost). */
export const AUTO_ROUNDING_SLACK = 1.2;

const union = (rs: readonly IntRange[]): IntRange => ({ min: Math.min(...rs.map((r) => r.min)), max: Math.max(...rs.map((r) => r.max)) });

export interface CompileResult {
  readonly circuit: Circuit;
  readonly report: CompileReport;
  /**
   * The same sizing without rounding and without CRT stages (no parameters when it was not the one
   * chosen): the accuracy baseline. The circuit itself when it has neither, or when no padded
   * circuit exists (a CRT compile of a model wider than the format's 16 bits).
   */
  readonly unrounded: Circuit;
  /**
   * The circuit of every rounding priced, exactly rounded, in report.roundingCandidates order (the
   * chosen one is `circuit` itself when it rounds exactly): simulating each tells what each
   * rounding costs in accuracy.
   */
  readonly candidates: readonly Circuit[];
  /**
   * When some stage rounds: the chosen rounding in both modes, each with its own parameters (when
   * any exist); `circuit` is the one of the requested mode. Without noise the two compute the same.
   */
  readonly roundingModes?: { readonly exact: Circuit; readonly approximate: Circuit };
}

export function compile(graph: TrainedGraph, options: CompileOptions = {}): CompileResult {
  validateGraph(graph, `trained graph "${graph.name}"`); // in-memory graphs skip the file reader's checks
  const precision = options.precision ?? 'float32';
  const lowerOptions = { foldPools: options.foldPools ?? true };
  const lowered = lowerGraph(graph, precision, lowerOptions);
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
  const crt: CrtSizing | undefined = options.crt
    ? { bits: options.maxBits ?? DEFAULT_CRT_BITS, ...(options.crtMaxModulus === undefined ? {} : { maxModulus: options.crtMaxModulus }) }
    : undefined;
  const isCrt = crt ? crtStageMask(encrypted, ranges, crt.bits) : encrypted.stages.map(() => false);
  const sizeWith = (roundBits: readonly number[]): Circuit => {
    const c = withExtractFrom(
      sizeCircuit(encrypted, ranges, { sizing, roundBits, ...(options.maxBits === undefined ? {} : { maxBits: options.maxBits }), ...(crt ? { crt } : {}) }),
    );
    return clearStages ? { ...c, clearStages } : c;
  };
  const plain = sizeWith(encrypted.stages.map(() => 0));
  // A single k rounds the padded lookup stages; CRT stages look up their exact slot.
  const lookupStages = encrypted.stages.map((st, i) => st.outputQuantizer !== null && !isCrt[i]);
  const uniform = (k: number) => lookupStages.map((l) => (l ? k : 0));
  let choices: (readonly number[])[];
  const rb = options.roundBits ?? 0;
  if (rb === 'auto' && isCrt.some((c) => c)) {
    const names = encrypted.stages.filter((_, i) => isCrt[i]).map((s) => s.name);
    throw new RangeError(
      `compile: roundBits 'auto' picks the rounding of padded stages by the price of their padded parameter set, which a circuit with CRT stages ` +
        `(${names.join(', ')}) does not get (crt-parameters.ts: one WoP set, or none for a mixed circuit): give the padded stages an explicit k, or 0`,
    );
  }
  if (rb === 'auto') {
    choices = [uniform(0)];
    for (let k = 2; k < plain.bits; k++) choices.push(uniform(k));
  } else if (typeof rb === 'number') {
    choices = [uniform(rb)];
  } else {
    if (rb.length !== lowered.stages.length)
      throw new RangeError(
        `compile: roundBits needs one entry per stage (${lowered.stages.length}: ${lowered.stages.map((s) => s.name).join(', ')}), got ${rb.length}`,
      );
    rb.slice(0, nClear).forEach((k, i) => {
      if (k !== 0)
        throw new RangeError(`compile: roundBits[${i}] (stage ${lowered.stages[i]!.name}) must be 0: it runs in the clear (clearFirstLayer), got ${k}`);
    });
    choices = [rb.slice(nClear)];
  }
  const modes = roundingModes(
    options.rounding,
    lowered.stages.map((s) => s.name),
    nClear,
  );
  const rateOption = options.approximateOffRate;
  if (rateOption !== undefined && rateOption !== 'auto' && !(rateOption > 0 && rateOption < 0.5))
    throw new RangeError(`compile: approximateOffRate must be a probability in (0, 0.5) or 'auto', got ${String(rateOption)}`);
  const priceAt = (c: Circuit, rate: number | undefined): ParameterChoice | { error: string } => {
    try {
      // One WoP set when the circuit has CRT stages. An off rate allows the noise the stage's own
      // dropped bits allow (calibration), else uniform ones.
      return chooseParameters(
        c,
        options.pError,
        rate === undefined ? {} : { approximateOffRate: rate, ...(calibration ? { droppedBits: droppedBits(c, ranges) } : {}) },
      );
    } catch (e) {
      if (options.pError !== undefined && !(options.pError > 0 && options.pError < 1)) throw e; // the user's mistake, not the model's
      return { error: (e as Error).message };
    }
  };
  // 'auto': the off rate only where it makes the set AUTO_OFF_RATE_MIN_GAIN times cheaper (the
  // published 9- and 10-bit circuits: N = 1024 instead of 2048; narrow-150: one PBS level).
  const price = (c: Circuit): ParameterChoice | { error: string } => {
    if (rateOption !== 'auto' || !c.stages.some(isApproximate)) return priceAt(c, rateOption === 'auto' ? undefined : rateOption);
    const centre = priceAt(c, undefined);
    const loose = priceAt(c, APPROXIMATE_OFF_RATE);
    if ('error' in loose) return centre;
    if ('error' in centre || loose.predictedPbsMs * AUTO_OFF_RATE_MIN_GAIN <= centre.predictedPbsMs) return loose;
    return centre;
  };
  // Candidates are priced with exact rounding, whatever the mode: approximately, the price barely
  // falls once N reaches its floor 2^bits while every further bit costs accuracy, so 'auto' would
  // drift to large k (LeNet: k = 7, -5.3 points); the k exact pricing picks is where the set
  // became cheap. The chosen k is then built and priced in the requested mode below.
  const priced = choices.map((roundBits) => {
    const sized = roundBits.every((k) => k === 0) ? plain : sizeWith(roundBits);
    return { roundBits, sized, parameters: price(sized) };
  });
  // Priced on the PBS the runtime runs (known-zero extractions skipped); the parameters' own count
  // (every extraction of every neuron) only splits the error probability, conservatively.
  const inferenceMs = (c: (typeof priced)[number]) =>
    'error' in c.parameters ? Infinity : c.parameters.wop ? c.parameters.wop.predictedInferenceMs : c.parameters.predictedPbsMs * pbsCount(c.sized);
  const cheapest = Math.min(...priced.map(inferenceMs));
  // The first (smallest k) within the slack of the cheapest; the only one when k was given.
  const chosen = priced.find((c) => inferenceMs(c) <= cheapest * AUTO_ROUNDING_SLACK) ?? priced[0]!;
  // The circuit in the requested mode(s), with its own parameters (the candidate itself when no
  // stage rounds: nothing to convert, and the report marks it as the chosen candidate).
  const rounds = chosen.sized.stages.some((s) => s.roundBits >= 2 && s.tables);
  const sized = modes.every((m) => m === 'exact') || !rounds ? chosen.sized : withRounding(chosen.sized, modes);
  const parameters = sized === chosen.sized ? chosen.parameters : price(sized);
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
  const both = circuit.stages.some((s) => s.roundBits >= 2 && s.tables)
    ? bothRoundingModes({ exact: chosen.sized, chosen: circuit, chosenParameters: parameters, modes, price, ranges: calibration ? ranges : undefined })
    : undefined;
  const stages: StageReport[] = circuit.stages.map((s, i) => {
    const r = ranges[i]!;
    const crtReport = s.crt
      ? {
          moduli: s.crt.moduli,
          product: crtProduct(s.crt.moduli),
          selectorBits: selectorBits(s.crt.moduli),
          span: Math.max(...r.worstCase.map((w) => w.max - w.min + 1)),
        }
      : undefined;
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
      rounding: s.rounding ?? 'exact',
      pbsPerNeuron: pbsPerNeuron(s),
      pbs: stagePbs(s),
      ...(crtReport ? { crt: crtReport } : {}),
      crtLookups: crtLookups(s, outputSize(s.linear)),
    };
  });
  const report: CompileReport = {
    name: graph.name,
    sizing,
    bits: circuit.bits,
    stages,
    pbsCount: stages.reduce((a, s) => a + s.pbs, 0),
    crtLookups: stages.reduce((a, s) => a + s.crtLookups, 0),
    maxNu: Math.max(...stages.map((s) => s.nu)),
    floatTies: floatTies(
      lowered,
      lowerGraph(graph, precision === 'float32' ? 'float64' : 'float32', lowerOptions),
      allRanges.map((r) => r.worstCase),
    ).length,
    parameters,
    ...('error' in parameters
      ? {}
      : { predictedInferenceMs: parameters.wop ? parameters.wop.predictedInferenceMs : parameters.predictedPbsMs * pbsCount(circuit) }),
    roundingCandidates,
    ...(both ? { roundingModes: both.costs } : {}),
    ...(clearStages ? { clearStages: clearStages.map((c) => ({ name: c.name, kind: c.linear.kind, outputs: outputSize(c.linear), bits: c.bits })) } : {}),
    ...(lowered.foldedPools ? { foldedPools: lowered.foldedPools } : {}),
  };
  return {
    circuit,
    report,
    unrounded: baseline(circuit, plain),
    candidates: priced.map((c) => (c === chosen && sized === chosen.sized ? circuit : c.sized)),
    ...(both ? { roundingModes: both.circuits } : {}),
  };

  /** The padded, unrounded sibling of the chosen circuit (CompileResult.unrounded). */
  function baseline(chosenCircuit: Circuit, plainCircuit: Circuit): Circuit {
    const hasCrt = chosenCircuit.stages.some((s) => s.crt);
    if (!hasCrt) return chosenCircuit.stages.every((s) => s.roundBits === 0) ? chosenCircuit : plainCircuit;
    try {
      // No --max-bits here: with CRT it names the padded width, which this sibling exceeds by design.
      const c = withExtractFrom(sizeCircuit(encrypted, ranges, { sizing, roundBits: encrypted.stages.map(() => 0) }));
      return clearStages ? { ...c, clearStages } : c;
    } catch (e) {
      if (e instanceof LoweringError) return chosenCircuit; // wider than the format's padded tables
      throw e;
    }
  }
}
