// The circuit file (docs/circuit-format.md): JSON with base64 integer arrays. The reader validates
// every field and the consistency between stages before returning, naming the field on failure.
// A circuit file may be hostile: the reader bounds the text (size, nesting), every shape (a stage
// of 2^40 inputs must not load, nor make a server advertise a 1.8e16-byte body limit), and checks
// every field it can recompute against its recomputation (nu, worst-case slot ranges, the
// failure probabilities of the chosen parameters), so that no derived number is taken on trust.

import { dataDomainFromJson } from '@fhenet/datasets/domain';
import { assertQuantParams, parseBoundedJson, type IntRange, type JsonLimits, type QuantParams } from '@fhenet/quantization';
import {
  assertParameterSet,
  assertWopParameterSet,
  log2PFailOfDecision,
  pErrorOfDecisions,
  residueBits,
  stageDecisions,
  type PbsDecision,
  type TfheParameterSet,
} from '@fhenet/params';
import { CircuitFormatError, show } from './errors.js';
import { decodeFloats, decodeInts, encodeFloats, encodeInts } from './arrays.js';
import { clearTableLength } from './clear.js';
import { crtModuliViolation, crtProduct } from './crt.js';
import { channelCount, inputSize, maxChannelNorm, outputSize } from './linear.js';
import { recomputedSlotRanges } from './ranges.js';
import { provableExtractFrom, roundedTableViolation } from './rounding.js';
import {
  CIRCUIT_FORMAT,
  CIRCUIT_READABLE_VERSIONS,
  CIRCUIT_VERSION,
  CIRCUIT_VERSION_WITHOUT_APPROXIMATE,
  CIRCUIT_VERSION_WITHOUT_CRT,
  CIRCUIT_VERSION_WITHOUT_DATA,
  type Circuit,
  type CircuitParameters,
  type ClearStage,
  type CrtSpec,
  type ImageShape,
  type LinearOp,
  type OutputDecoder,
  type RoundingMode,
  type Stage,
  type StageAnalysis,
} from './types.js';

/** Largest circuit width the format accepts (tables of 2^16 entries per channel). */
export const MAX_CIRCUIT_BITS = 16;

/**
 * Most values a circuit's input, or one stage's input or output, may have (each becomes a
 * ciphertext of kilobytes): 2^22, a 2048 x 2048 image.
 */
export const MAX_CIRCUIT_VALUES = 2 ** 22;
/** Most (output pixel, window tap) pairs of one conv or pool stage (its gather plan, int32 each). */
export const MAX_WINDOW_TAPS = 2 ** 25;
/** Largest circuit file read (a full-width VGG-9 circuit is tens of MB). */
export const MAX_CIRCUIT_FILE_BYTES = 256 * 2 ** 20;
/** The JSON text's shape: a circuit nests 6 deep, and its arrays are base64 strings, not JSON arrays. */
export const CIRCUIT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxValues: 2 ** 20 };
/** Slot ranges are computed in int32 by the simulator: a stage whose slots can leave it is refused. */
const MAX_SLOT = 2 ** 31 - 1;

export interface DecisionOptions {
  /**
   * Approximately rounded stages: the one-bucket-off rate their noise may reach (params'
   * decisions.ts offRate: a slot at a uniform offset of its bucket), instead of the default rule
   * (a slot at its bucket's centre held to the per-PBS target, ~6% off at 2^-33).
   */
  readonly approximateOffRate?: number;
  /**
   * With approximateOffRate: per stage, the distribution of an approximate stage's dropped bits on
   * calibration data (the compiler's droppedBits); absent or undefined: uniform.
   */
  readonly droppedBits?: readonly (ArrayLike<number> | undefined)[];
  /** Without approximateOffRate: approximately rounded stages rated by their failures alone (params' failuresOnly). */
  readonly approximateFailuresOnly?: boolean;
}

/** The decisions of a circuit's stages (PBS decisions, params' decisions.ts), as the compiler rates its parameters. */
export function circuitDecisions(circuit: Pick<Circuit, 'bits' | 'stages'>, options: DecisionOptions = {}): PbsDecision[] {
  return circuit.stages.flatMap((s, i) =>
    stageDecisions({
      name: s.name,
      messageBits: circuit.bits,
      nu: s.analysis.nu,
      roundBits: s.roundBits,
      outputs: outputSize(s.linear),
      clearDecode: s.tables === null,
      decrypted: i === circuit.stages.length - 1 && s.tables !== null,
      rounding: s.rounding ?? 'exact',
      ...(options.approximateOffRate === undefined ? {} : { offRate: options.approximateOffRate }),
      ...(options.approximateFailuresOnly ? { failuresOnly: true } : {}),
      ...(options.droppedBits?.[i] ? { droppedBits: options.droppedBits[i] } : {}),
    }),
  );
}

/** The reader rates an approximate stage by its failures alone (params' failuresOnly). */
const READER_DECISIONS: DecisionOptions = { approximateFailuresOnly: true };

/** A circuit from the text of its file: bounded (size, nesting, values) before it is parsed, then circuitFromJson. */
export function circuitFromText(text: string, source = 'circuit'): Circuit {
  const read = parseBoundedJson(text, { ...CIRCUIT_JSON_LIMITS, maxChars: MAX_CIRCUIT_FILE_BYTES }, "a circuit's JSON");
  if (!read.ok) throw new CircuitFormatError(source, '(file)', read.expected, read.got);
  return circuitFromJson(read.value, source);
}

/**
 * The version a circuit is written with: v6 when some stage rounds approximately, else v5 when it
 * has `data`, else v4 when some stage is a CRT stage, else v3: a circuit that uses no newer field
 * is written exactly as before (exact circuits stay byte-identical).
 */
export function circuitVersionOf(c: Circuit): number {
  if (c.stages.some((s) => s.rounding === 'approximate')) return CIRCUIT_VERSION;
  return c.data ? CIRCUIT_VERSION_WITHOUT_APPROXIMATE : c.stages.some((s) => s.crt) ? CIRCUIT_VERSION_WITHOUT_DATA : CIRCUIT_VERSION_WITHOUT_CRT;
}

export function circuitToJson(c: Circuit): unknown {
  return {
    format: CIRCUIT_FORMAT,
    version: circuitVersionOf(c),
    name: c.name,
    bits: c.bits,
    inputShape: c.inputShape,
    inputScaling: c.inputScaling,
    inputQuantizer: c.inputQuantizer,
    ...(c.clearStages && c.clearStages.length > 0
      ? {
          clearStages: c.clearStages.map((s) => ({
            name: s.name,
            linear: linearToJson(s.linear),
            bits: s.bits,
            offset: encodeInts(s.offset),
            tables: encodeInts(s.tables),
            analysis: { ...s.analysis, shift: encodeInts(s.analysis.shift) },
          })),
        }
      : {}),
    stages: c.stages.map((s) => ({
      name: s.name,
      linear: linearToJson(s.linear),
      offset: encodeInts(s.offset),
      tables: s.tables === null ? null : encodeInts(s.tables),
      roundBits: s.roundBits,
      ...(s.extractFrom ? { extractFrom: encodeInts(s.extractFrom) } : {}),
      ...(s.rounding === 'approximate' ? { rounding: s.rounding } : {}),
      ...(s.crt ? { crt: { moduli: [...s.crt.moduli] } } : {}),
      analysis: { ...s.analysis, shift: encodeInts(s.analysis.shift), ...(s.analysis.scale ? { scale: encodeInts(s.analysis.scale) } : {}) },
    })),
    output: c.output.kind === 'dequantize' ? c.output : { kind: 'clearTable', values: encodeFloats(c.output.values) },
    ...(c.parameters ? { parameters: c.parameters } : {}),
    ...(c.data ? { data: c.data } : {}),
  };
}

function linearToJson(op: LinearOp): unknown {
  switch (op.kind) {
    case 'dense':
      return { ...op, rowPtr: encodeInts(op.rowPtr), cols: encodeInts(op.cols), weights: encodeInts(op.weights) };
    case 'conv2d':
      return { ...op, weights: encodeInts(op.weights) };
    case 'sumPool':
      return op;
  }
}

type Obj = Record<string, unknown>;

/** Validating reader: everything checked, including that stage sizes chain. */
export function circuitFromJson(json: unknown, source = 'circuit'): Circuit {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new CircuitFormatError(source, field, expected, show(got));
  };
  const obj = (v: unknown, field: string): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : fail(field, 'an object', v));
  const int = (v: unknown, field: string, min = -Infinity, max = Infinity): number =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : fail(field, `an integer in [${min}, ${max}]`, v);
  const num = (v: unknown, field: string): number => (typeof v === 'number' && Number.isFinite(v) ? v : fail(field, 'a finite number', v));
  const str = (v: unknown, field: string): string => (typeof v === 'string' && v.length > 0 ? v : fail(field, 'a non-empty string', v));
  const ints = (v: unknown, field: string, length: number, min = 1): number[] =>
    Array.isArray(v) && v.length === length ? v.map((x, i) => int(x, `${field}[${i}]`, min)) : fail(field, `an array of ${length} integers`, v);
  const pair = (v: unknown, field: string, min = 1) => ints(v, field, 2, min) as unknown as readonly [number, number];
  const image = (v: unknown, field: string) => ints(v, field, 3) as unknown as ImageShape;
  const range = (v: unknown, field: string): IntRange => {
    const r = obj(v, field);
    const min = int(r.min, `${field}.min`);
    return { min, max: int(r.max, `${field}.max`, min) };
  };
  /** A shape's number of values, at most MAX_CIRCUIT_VALUES. */
  const values = (shape: readonly number[], field: string): number => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n > MAX_CIRCUIT_VALUES) fail(field, `at most ${MAX_CIRCUIT_VALUES} values (2^22)`, `${shape.join(' x ')} = ${n}`);
    return n;
  };
  /** The stored nu equals the recomputation (maxChannelNorm), to rounding. */
  const checkNu = (nu: number, linear: LinearOp, field: string): void => {
    const r = maxChannelNorm(linear);
    if (!(Math.abs(nu - r) <= 1e-9 * Math.max(1, r))) fail(field, `${r} (the largest 2-norm of one channel's weights, recomputed)`, nu);
  };
  /**
   * The stored worst case holds every slot the stage can reach (recomputed exactly from the
   * weights, the offsets and what the previous stage can hand on: ranges.ts), inside int32; a
   * calibration range lies inside it.
   */
  const checkWorstCase = (a: StageAnalysis, r: IntRange | null, field: string): void => {
    const w = a.worstCase;
    const c = a.calibration;
    if (c && (c.min < w.min || c.max > w.max)) fail(`${field}.calibration`, `a range inside the worst case [${w.min}, ${w.max}]`, c);
    if (!r) return;
    if (r.min < -MAX_SLOT || r.max > MAX_SLOT) fail(`${field}.worstCase`, 'slots inside int32 (the simulator computes in int32)', r);
    if (w.min > r.min || w.max < r.max) {
      fail(`${field}.worstCase`, `a range containing [${r.min}, ${r.max}] (recomputed from the weights, the offsets and what the previous stage hands on)`, w);
    }
  };

  const root = obj(json, '(root)');
  if (root.format !== CIRCUIT_FORMAT) fail('format', JSON.stringify(CIRCUIT_FORMAT), root.format);
  if (!CIRCUIT_READABLE_VERSIONS.includes(root.version as number)) fail('version', `one of ${CIRCUIT_READABLE_VERSIONS.join(', ')}`, root.version);
  const version = root.version as number;
  const name = str(root.name, 'name');
  const bits = int(root.bits, 'bits', 1, MAX_CIRCUIT_BITS);
  const p = 2 ** bits;
  const inputShape =
    Array.isArray(root.inputShape) && root.inputShape.length > 0 && root.inputShape.length <= 8
      ? ints(root.inputShape, 'inputShape', root.inputShape.length)
      : fail('inputShape', 'an array of 1 to 8 positive integers', root.inputShape);
  values(inputShape, 'inputShape');
  const scaling = obj(root.inputScaling, 'inputScaling');
  const divisor = num(scaling.divisor, 'inputScaling.divisor');
  if (divisor <= 0) fail('inputScaling.divisor', 'a number > 0', divisor);
  const inputQuantizer = obj(root.inputQuantizer, 'inputQuantizer') as unknown as QuantParams;
  try {
    assertQuantParams(inputQuantizer, 'inputQuantizer');
  } catch (e) {
    fail('inputQuantizer', 'a valid per-tensor quantizer', (e as Error).message);
  }
  if (inputQuantizer.scale.length !== 1) fail('inputQuantizer.scale', 'one entry (per-tensor)', inputQuantizer.scale);

  if (!Array.isArray(root.stages) || root.stages.length === 0) fail('stages', 'a non-empty array', root.stages);
  const rawStages = root.stages as unknown[];
  let expectedInput = inputShape.reduce((a, b) => a * b, 1);
  // v3: the client's clear prefix (circuit/clear.ts); the encrypted stages read its last outputs.
  let clearStages: ClearStage[] | undefined;
  if (root.clearStages !== undefined) {
    if (version < 3) fail('clearStages', `absent (a v3 field) in a version ${version} file`, '(present)');
    if (!Array.isArray(root.clearStages) || root.clearStages.length === 0) fail('clearStages', 'a non-empty array (or no field)', root.clearStages);
    clearStages = (root.clearStages as unknown[]).map((raw, i) => {
      const f = `clearStages[${i}]`;
      const s = obj(raw, f);
      const linear = readLinear(obj(s.linear, `${f}.linear`), `${f}.linear`);
      if (inputSize(linear) !== expectedInput) fail(`${f}.linear`, `an input of ${expectedInput} values (the previous output)`, inputSize(linear));
      expectedInput = outputSize(linear);
      const channels = channelCount(linear);
      const stageBits = int(s.bits, `${f}.bits`, 1, MAX_CIRCUIT_BITS);
      const a = obj(s.analysis, `${f}.analysis`);
      const worstCase = range(a.worstCase, `${f}.analysis.worstCase`);
      // Sized on the exact worst case: every slot has its table entry (the client checks each one too).
      if (worstCase.min < 0 || worstCase.max >= 2 ** stageBits) fail(`${f}.analysis.worstCase`, `a slot range inside [0, 2^${stageBits})`, worstCase);
      const offset = decodeInts(s.offset, source, `${f}.offset`, outputSize(linear));
      const tables = decodeInts(s.tables, source, `${f}.tables`, clearTableLength({ linear, bits: stageBits }));
      const analysis: StageAnalysis = { shift: decodeInts(a.shift, source, `${f}.analysis.shift`, channels), worstCase, nu: num(a.nu, `${f}.analysis.nu`) };
      checkNu(analysis.nu, linear, `${f}.analysis.nu`);
      return { name: str(s.name, `${f}.name`), linear, bits: stageBits, offset, tables, analysis };
    });
  }
  const stages: Stage[] = rawStages.map((raw, i) => {
    const f = `stages[${i}]`;
    const s = obj(raw, f);
    const linear = readLinear(obj(s.linear, `${f}.linear`), `${f}.linear`);
    if (inputSize(linear) !== expectedInput) fail(`${f}.linear`, `an input of ${expectedInput} values (the previous output)`, inputSize(linear));
    const n = outputSize(linear);
    expectedInput = n;
    const channels = channelCount(linear);
    const offset = decodeInts(s.offset, source, `${f}.offset`, n);
    const last = i === rawStages.length - 1;
    // v4: a CRT stage (circuit/crt.ts). Its input needs no check of its own: every stage before it
    // has tables (only the last may omit them), i.e. a lookup that can emit residues mod these
    // moduli, and for stages[0] the client encrypts residues.
    let crt: CrtSpec | undefined;
    if (s.crt !== undefined) {
      if (version < 4) fail(`${f}.crt`, `absent (a v4 field) in a version ${version} file`, '(present)');
      const c = obj(s.crt, `${f}.crt`);
      const moduli =
        Array.isArray(c.moduli) && c.moduli.length > 0
          ? ints(c.moduli, `${f}.crt.moduli`, c.moduli.length, 3)
          : fail(`${f}.crt.moduli`, 'a non-empty array of integers', c.moduli);
      const why = crtModuliViolation(moduli);
      if (why !== undefined) fail(`${f}.crt.moduli`, why, moduli);
      crt = { moduli };
    }
    // Slots per table: M on a CRT stage, else the p boxes of a padded PBS.
    const slotsPerTable = crt ? crtProduct(crt.moduli) : p;
    let tables: Int32Array | null = null;
    if (s.tables === null) {
      if (!last) fail(`${f}.tables`, 'lookup tables (only the last stage may omit them)', null);
    } else {
      tables = decodeInts(s.tables, source, `${f}.tables`, channels * slotsPerTable);
    }
    // v1 has no rounding: every stage is a plain lookup.
    const roundBits = version === 1 ? 0 : int(s.roundBits, `${f}.roundBits`, 0, bits - 1);
    if (roundBits === 1) fail(`${f}.roundBits`, `0 or an integer in [2, ${bits - 1}] (bit 0 is never extracted)`, roundBits);
    if (crt && roundBits !== 0) fail(`${f}.roundBits`, '0 (a CRT stage looks up its exact slot; rounding and CRT exclude each other)', roundBits);
    if (roundBits !== 0 && tables === null) fail(`${f}.roundBits`, '0 (a stage decoded in the clear has no lookup to round for)', roundBits);
    if (roundBits !== 0 && tables) {
      for (let c = 0; c < channels; c++) {
        const j = roundedTableViolation(tables.subarray(c * p, (c + 1) * p), roundBits, p);
        if (j >= 0)
          fail(
            `${f}.tables[${c * p + j}]`,
            `table ${c} constant on runs of 2^${roundBits} boxes (roundBits ${roundBits}; docs/circuit-format.md)`,
            tables[c * p + j],
          );
      }
    }
    // v3: per-channel first extracted bit, which the stage's own integers must prove (rounding.ts).
    let extractFrom: Int32Array | undefined;
    if (s.extractFrom !== undefined) {
      if (version < 3) fail(`${f}.extractFrom`, 'absent (a v3 field) in a version ' + version + ' file', '(present)');
      if (roundBits === 0) fail(`${f}.extractFrom`, 'absent on a stage that does not round (roundBits 0)', '(present)');
      extractFrom = decodeInts(s.extractFrom, source, `${f}.extractFrom`, channels);
      const bound = provableExtractFrom(linear, offset, roundBits);
      extractFrom.forEach((e, c) => {
        if (e < 1 || e > bound[c]!) {
          fail(
            `${f}.extractFrom[${c}]`,
            `an integer in [1, ${bound[c]}] (beyond that, channel ${c}'s weights and offsets do not make slot bits 1..extractFrom-1 zero for every input; roundBits ${roundBits})`,
            e,
          );
        }
      });
    }
    // v6: how a rounded stage rounds. 'approximate' runs no extraction, so it has no extractFrom.
    let rounding: RoundingMode | undefined;
    if (s.rounding !== undefined) {
      if (version < 6) fail(`${f}.rounding`, `absent (a v6 field) in a version ${version} file`, '(present)');
      if (s.rounding !== 'exact' && s.rounding !== 'approximate') fail(`${f}.rounding`, '"exact" or "approximate"', s.rounding);
      if (roundBits < 2) fail(`${f}.rounding`, 'absent on a stage that does not round (roundBits 0)', s.rounding);
      rounding = s.rounding as RoundingMode;
      if (rounding === 'approximate' && extractFrom) fail(`${f}.extractFrom`, 'absent on an approximately rounded stage (it extracts no bit)', '(present)');
    }
    const a = obj(s.analysis, `${f}.analysis`);
    const analysis: StageAnalysis = {
      shift: decodeInts(a.shift, source, `${f}.analysis.shift`, channels),
      worstCase: range(a.worstCase, `${f}.analysis.worstCase`),
      ...(a.calibration === undefined ? {} : { calibration: range(a.calibration, `${f}.analysis.calibration`) }),
      nu: num(a.nu, `${f}.analysis.nu`),
      ...(a.scale === undefined ? {} : { scale: decodeInts(a.scale, source, `${f}.analysis.scale`, channels) }),
    };
    checkNu(analysis.nu, linear, `${f}.analysis.nu`);
    if (crt) {
      // Exactness of a CRT stage: every slot any input can produce has its own residue tuple.
      const w = analysis.worstCase;
      if (w.min < 0 || w.max >= slotsPerTable) {
        fail(
          `${f}.analysis.worstCase`,
          `a slot range inside [0, M) = [0, ${slotsPerTable}) (M = ${crt.moduli.join(' x ')} must cover every channel's worst-case span after its shift)`,
          w,
        );
      }
      if (analysis.scale !== undefined) fail(`${f}.analysis.scale`, 'absent on a CRT stage (scaling is part of rounding)', '(present)');
    }
    return {
      name: str(s.name, `${f}.name`),
      linear,
      offset,
      tables,
      roundBits,
      ...(extractFrom ? { extractFrom } : {}),
      ...(rounding === 'approximate' ? { rounding } : {}),
      ...(crt ? { crt } : {}),
      analysis,
    };
  });

  // Derived ranges, recomputed from the stages as read (after each stage's own checks).
  const recomputed = recomputedSlotRanges({ bits, inputQuantizer, stages, ...(clearStages ? { clearStages } : {}) });
  clearStages?.forEach((st, i) => {
    checkWorstCase(st.analysis, recomputed.clearStages[i]!, `clearStages[${i}].analysis`);
  });
  stages.forEach((st, i) => {
    checkWorstCase(st.analysis, recomputed.stages[i]!, `stages[${i}].analysis`);
  });

  /** A window op's shapes and gather plan stay bounded (a pool needs no weights, so no data bounds it). */
  function windowBounds(inputShape: ImageShape, outputShape: ImageShape, window: readonly [number, number], f: string): void {
    values(inputShape, `${f}.inputShape`);
    values(outputShape, `${f}.outputShape`);
    const taps = outputShape[0] * outputShape[1] * window[0] * window[1];
    if (taps > MAX_WINDOW_TAPS)
      fail(f, `at most ${MAX_WINDOW_TAPS} (output pixel, window tap) pairs`, `${outputShape[0]} x ${outputShape[1]} x ${window[0]} x ${window[1]} = ${taps}`);
  }

  function readLinear(o: Obj, f: string): LinearOp {
    switch (o.kind) {
      case 'dense': {
        const inSize = int(o.inputSize, `${f}.inputSize`, 1, MAX_CIRCUIT_VALUES);
        const outSize = int(o.outputSize, `${f}.outputSize`, 1, MAX_CIRCUIT_VALUES);
        const rowPtr = decodeInts(o.rowPtr, source, `${f}.rowPtr`, outSize + 1);
        const cols = decodeInts(o.cols, source, `${f}.cols`);
        const weights = decodeInts(o.weights, source, `${f}.weights`, cols.length);
        if (rowPtr[0] !== 0 || rowPtr[outSize] !== cols.length)
          fail(`${f}.rowPtr`, `to start at 0 and end at ${cols.length} (cols.length)`, [rowPtr[0], rowPtr[outSize]]);
        for (let r = 0; r < outSize; r++)
          if ((rowPtr[r + 1] as number) < (rowPtr[r] as number)) fail(`${f}.rowPtr[${r + 1}]`, `>= rowPtr[${r}] = ${rowPtr[r]}`, rowPtr[r + 1]);
        cols.forEach((c, k) => {
          c < 0 || c >= inSize ? fail(`${f}.cols[${k}]`, `an input index in [0, ${inSize})`, c) : 0;
        });
        return { kind: 'dense', inputSize: inSize, outputSize: outSize, rowPtr, cols, weights };
      }
      case 'conv2d': {
        const inputShape = image(o.inputShape, `${f}.inputShape`);
        const outputShape = image(o.outputShape, `${f}.outputShape`);
        const kernelSize = pair(o.kernelSize, `${f}.kernelSize`);
        const strides = pair(o.strides, `${f}.strides`);
        const padBefore = pair(o.padBefore, `${f}.padBefore`, 0);
        windowBounds(inputShape, outputShape, kernelSize, f);
        for (const d of [0, 1] as const) {
          const [k, s, pad, h, oh] = [kernelSize[d], strides[d], padBefore[d], inputShape[d], outputShape[d]];
          if (pad >= k) fail(`${f}.padBefore[${d}]`, `< kernelSize[${d}] = ${k}`, pad);
          if ((oh - 1) * s - pad >= h) fail(`${f}.outputShape[${d}]`, `windows that start inside the input (at most ${Math.floor((h - 1 + pad) / s) + 1})`, oh);
        }
        const weights = decodeInts(o.weights, source, `${f}.weights`, kernelSize[0] * kernelSize[1] * inputShape[2] * outputShape[2]);
        return { kind: 'conv2d', inputShape, outputShape, kernelSize, strides, padBefore, weights };
      }
      case 'sumPool': {
        const inputShape = image(o.inputShape, `${f}.inputShape`);
        const outputShape = image(o.outputShape, `${f}.outputShape`);
        const poolSize = pair(o.poolSize, `${f}.poolSize`);
        const strides = pair(o.strides, `${f}.strides`);
        windowBounds(inputShape, outputShape, poolSize, f);
        const expected = [0, 1].map((d) => Math.floor((inputShape[d]! - poolSize[d]!) / strides[d]!) + 1);
        if (expected[0]! < 1 || expected[1]! < 1 || outputShape[0] !== expected[0] || outputShape[1] !== expected[1] || outputShape[2] !== inputShape[2]) {
          fail(`${f}.outputShape`, `[${expected.join(', ')}, ${inputShape[2]}] ('valid' windows)`, outputShape);
        }
        return { kind: 'sumPool', inputShape, outputShape, poolSize, strides };
      }
      default:
        return fail(`${f}.kind`, '"dense", "conv2d" or "sumPool"', o.kind);
    }
  }

  const lastStage = stages[stages.length - 1]!;
  const out = obj(root.output, 'output');
  let output: OutputDecoder;
  if (out.kind === 'dequantize') {
    if (lastStage.tables === null) fail('output.kind', '"clearTable" (the last stage has no tables)', out.kind);
    const scale = num(out.scale, 'output.scale');
    if (scale <= 0) fail('output.scale', 'a number > 0', scale);
    output = { kind: 'dequantize', scale, zeroPoint: int(out.zeroPoint, 'output.zeroPoint') };
  } else if (out.kind === 'clearTable') {
    if (lastStage.tables !== null) fail('output.kind', '"dequantize" (the last stage has tables)', out.kind);
    // Per channel one value per decodable slot: the 2p residues of a padded stage, the M of a CRT one.
    const width = lastStage.crt ? crtProduct(lastStage.crt.moduli) : 2 * p;
    output = { kind: 'clearTable', values: decodeFloats(out.values, source, 'output.values', channelCount(lastStage.linear) * width) };
  } else {
    output = fail('output.kind', '"dequantize" or "clearTable"', out.kind);
  }

  let parameters: CircuitParameters | undefined;
  if (root.parameters !== undefined) {
    const pr = obj(root.parameters, 'parameters');
    let set: TfheParameterSet;
    const crtStages = stages.filter((st) => st.crt);
    if (crtStages.length > 0) {
      // v4 with CRT stages: one WoP-PBS set (circuitBootstrap, packingKeyswitch) serves every stage;
      // its messageBits is ceil(log2 p_max) + 1 for the largest residue modulus, not `bits`.
      try {
        set = assertWopParameterSet(pr.set);
      } catch (e) {
        set = fail('parameters.set', "a valid WoP-PBS parameter set (a CRT circuit's set has circuitBootstrap and packingKeyswitch)", (e as Error).message);
      }
      const pMax = Math.max(...crtStages.flatMap((st) => st.crt!.moduli));
      if (residueBits(pMax) + 1 > set.messageBits) {
        fail('parameters.set.messageBits', `>= ${residueBits(pMax) + 1} (ceil(log2 ${pMax}) + 1 for the largest modulus ${pMax})`, set.messageBits);
      }
    } else {
      try {
        set = assertParameterSet(pr.set);
      } catch (e) {
        set = fail('parameters.set', 'a valid TFHE parameter set', (e as Error).message);
      }
      if (set.messageBits !== bits) fail('parameters.set.messageBits', `${bits} (the circuit bits)`, set.messageBits);
    }
    const pe = num(pr.pErrorPerInference, 'parameters.pErrorPerInference');
    if (pe < 0 || pe > 1) fail('parameters.pErrorPerInference', 'a probability in [0, 1]', pe);
    const log2PFailPerPbs = num(pr.log2PFailPerPbs, 'parameters.log2PFailPerPbs');
    if (log2PFailPerPbs > 0) fail('parameters.log2PFailPerPbs', '<= 0 (log2 of a probability)', log2PFailPerPbs);
    // The set must be rated for the circuit's largest nu, and its failure figures may not be more
    // optimistic than the noise model's for this circuit (padded stages: the compiler's own rating,
    // recomputed here; a file from an older, more conservative rating stays readable). A CRT
    // circuit's WoP rating depends on the optimizer's search and is range-checked only.
    const nu = Math.max(...stages.map((st) => st.analysis.nu));
    if (!(set.maxNu >= nu * (1 - 1e-9))) fail('parameters.set.maxNu', `>= ${nu} (the largest nu of the circuit's stages)`, set.maxNu);
    if (crtStages.length === 0) {
      const decisions = circuitDecisions({ bits, stages }, READER_DECISIONS);
      const rated = Math.max(...decisions.map((d) => log2PFailOfDecision(set, d)));
      const slack = 1e-6 * Math.max(1, Math.abs(rated));
      if (!(set.log2PFail >= rated - slack)) fail('parameters.set.log2PFail', `>= ${rated} (the worst decision of the circuit, recomputed)`, set.log2PFail);
      if (!(log2PFailPerPbs >= rated - slack))
        fail('parameters.log2PFailPerPbs', `>= ${rated} (the worst decision of the circuit, recomputed)`, log2PFailPerPbs);
      const p = pErrorOfDecisions(set, decisions);
      if (!(pe >= p * (1 - 1e-6))) fail('parameters.pErrorPerInference', `>= ${p} (recomputed from every decision of the circuit)`, pe);
    }
    parameters = { set, log2PFailPerPbs, pErrorPerInference: pe };
  }

  let data: Circuit['data'];
  if (root.data !== undefined) {
    if (version < 5) fail('data', `absent (a v5 field) in a version ${version} file`, '(present)');
    data = dataDomainFromJson(root.data, fail, 'data');
    if (data.sampleShape.join(',') !== inputShape.join(',')) fail('data.sampleShape', `[${inputShape.join(', ')}] (inputShape)`, data.sampleShape);
    const logits = outputSize(stages[stages.length - 1]!.linear);
    if (data.classNames.length !== logits) fail('data.classNames', `${logits} names (one per output)`, data.classNames.length);
  }
  return {
    name,
    bits,
    inputShape,
    inputScaling: { divisor },
    inputQuantizer,
    ...(clearStages ? { clearStages } : {}),
    stages,
    output,
    ...(parameters ? { parameters } : {}),
    ...(data ? { data } : {}),
  };
}
