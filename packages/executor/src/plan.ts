// A compiled Circuit resolved into what the engine executes: per stage, one CSR matrix for a single
// sample (dense rows as they are; conv2d and sumPool gathered over output positions, so the IR's
// shared weights are expanded only here, at MNIST scale a few thousand entries), the offset as the
// dot product's clear bias, and the per-output table index of the stage's batched PBS; for a
// rounded stage also the bit extractions that precede the lookup, each with the outputs that need
// it (a v3 stage's extractFrom skips, per channel, the bits its integers make zero). An
// approximately rounded stage (v6) has none: its offset is lowered by c = 2^(k-1) - 1 so that its
// one PBS reads (slot - c) mod 2p, with the same tables (@fhenet/circuit rounding.ts).
import {
  approximateLookupShift,
  isApproximate,
  channelOfOutputs,
  extractFromOf,
  extractionSteps,
  inputSize,
  outputSize,
  pbsPerNeuron,
  stagePbs,
  type Circuit,
  type ExtractionStep,
  type LinearOp,
  circuitParameters,
  crtOutputBits,
  crtProduct,
  selectorBits,
  type Stage,
} from '@fhenet/circuit';
import { crtLookupCost, crtLookupShape, pbsCost, type TfheParameterSet, type WopParameterSet } from '@fhenet/params';
import { encodeResidue, encodeSigned } from '@fhenet/engine';
import type { CsrWeights } from '@fhenet/engine';

export interface StagePlan {
  readonly name: string;
  readonly kind: LinearOp['kind'];
  readonly inputSize: number;
  readonly outputSize: number;
  /** One sample: rows = outputs, cols = inputs. */
  readonly weights: CsrWeights;
  /**
   * Clear integer added to every output (zero points and shift), one per output; on an approximate
   * stage less c = 2^(k-1) - 1, the shift of its lookup read.
   */
  readonly offset: Int32Array;
  /** Per-channel tables (2^bits entries each), or null: last stage decoded in the clear. */
  readonly tables: readonly Int32Array[] | null;
  /** Table (channel) of every output. */
  readonly tableIndex: Uint32Array;
  /** Low slot bits rounded before the lookup (0: plain). */
  readonly roundBits: number;
  /** Rounded stages: 'approximate' when they run no extraction (one PBS per output). */
  readonly rounding: 'exact' | 'approximate';
  /**
   * The exact bit extractions before the lookup (empty unless roundBits >= 2), lowest bit first;
   * steps no output needs are left out.
   */
  readonly extractions: readonly PlannedExtraction[];
  /** PBS per output at most: extractions + lookup (0 for a clear decode). */
  readonly pbsPerOutput: number;
  /** PBS of one sample through the stage: lookups + the extractions actually run. */
  readonly pbs: number;
  /** CRT stage (format v4 stage.crt): how it runs on residues; absent on a padded stage. */
  readonly crt?: CrtStagePlan;
}

/**
 * A CRT stage under encryption (docs/crt.md sections 1 and 3). Its input is one ciphertext per
 * value and modulus, value-major (ciphertext j * m + i = residue i of value j; samples back to
 * back); per modulus one dot product with the stage's integer weights (the wrap mod p_i is native),
 * no offset added there: the clear offset is folded into the lookup tables (LUT of output o reads
 * T_c[(u + offset[o]) mod M]) or, on a table-less last stage, added by the client after the CRT.
 */
export interface CrtStagePlan {
  readonly moduli: readonly number[];
  readonly product: number;
  /** t = sum ceil(log2 p_i). */
  readonly selectorBits: number;
  /**
   * [table][output][2^t] torus words, one table per distinct (channel, offset mod M) of one
   * sample's outputs; null on a table-less last stage.
   */
  readonly luts: BigUint64Array | null;
  /** Per output of one sample: its table in `luts`. */
  readonly lutIndex: Uint32Array;
  /** Output encodings per lookup: the next stage's moduli, 1 for a decrypted last stage, 0 without tables. */
  readonly outputsPerTable: number;
  /**
   * What the stage emits: the next stage's residues (value-major, as this stage's input), the
   * table integers in encoding 2^64 / 2^(bits+1) for the client (last stage, dequantize), or this
   * stage's own accumulator residues for the client to reconstruct (table-less last stage).
   */
  readonly output:
    | { readonly kind: 'residues'; readonly moduli: readonly number[] }
    | { readonly kind: 'signed'; readonly bits: number }
    | { readonly kind: 'clientResidues' };
  /** Modelled cost of one lookup in keyswitch + PBS of the set itself (@fhenet/params crtLookupCost). */
  readonly pbsEquivalentsPerLookup: number;
}

export interface PlannedExtraction extends ExtractionStep {
  /**
   * One sample's outputs (ascending) whose slot bit `bit` is extracted: those of channels with
   * extractFrom <= bit. null: every output.
   */
  readonly outputs: Uint32Array | null;
}

export interface CircuitPlan {
  readonly circuit: Circuit;
  readonly params: TfheParameterSet;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly stages: readonly StagePlan[];
  /** Programmable bootstraps per sample (padded stages). */
  readonly pbsPerSample: number;
  /** CRT circuits: WoP lookups per sample and their modelled KS+PBS-equivalents. */
  readonly wopLookupsPerSample: number;
  readonly pbsEquivalentsPerSample: number;
}

/** Integer weights of one op as CSR over its outputs (NHWC-flattened for conv2d / sumPool). */
export function linearToCsr(op: LinearOp): CsrWeights {
  const rows = outputSize(op);
  const cols = inputSize(op);
  if (op.kind === 'dense') {
    return { rows, cols, indptr: Uint32Array.from(op.rowPtr), indices: Uint32Array.from(op.cols), values: Int32Array.from(op.weights) };
  }
  const [h, w, cin] = op.inputShape;
  const [oh, ow, cout] = op.outputShape;
  const [kh, kw] = op.kind === 'conv2d' ? op.kernelSize : op.poolSize;
  const [sh, sw] = op.strides;
  const [ph, pw] = op.kind === 'conv2d' ? op.padBefore : [0, 0];
  const indptr = new Uint32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      for (let f = 0; f < cout; f++) {
        for (let a = 0; a < kh; a++) {
          const y = i * sh + a - ph;
          if (y < 0 || y >= h) continue; // zero padding contributes nothing
          for (let b = 0; b < kw; b++) {
            const x = j * sw + b - pw;
            if (x < 0 || x >= w) continue;
            const pixel = (y * w + x) * cin;
            if (op.kind === 'sumPool') {
              indices.push(pixel + f); // pooling is per channel: output channel f reads input channel f
              values.push(1);
              continue;
            }
            for (let c = 0; c < cin; c++) {
              const wv = op.weights[((a * kw + b) * cin + c) * cout + f] as number;
              if (wv === 0) continue;
              indices.push(pixel + c);
              values.push(wv);
            }
          }
        }
        indptr[(i * ow + j) * cout + f + 1] = indices.length;
      }
    }
  }
  return { rows, cols, indptr, indices: Uint32Array.from(indices), values: Int32Array.from(values) };
}

/** The same matrix applied to `count` samples laid out one after another (block diagonal). */
export function repeatCsr(m: CsrWeights, count: number): CsrWeights {
  if (count === 1) return m;
  const nnz = m.indices.length;
  const indptr = new Uint32Array(m.rows * count + 1);
  const indices = new Uint32Array(nnz * count);
  const values = new Int32Array(nnz * count);
  for (let s = 0; s < count; s++) {
    for (let r = 0; r < m.rows; r++) indptr[s * m.rows + r + 1] = s * nnz + (m.indptr[r + 1] as number);
    for (let k = 0; k < nnz; k++) indices[s * nnz + k] = s * m.cols + (m.indices[k] as number);
    values.set(m.values, s * nnz);
  }
  return { rows: m.rows * count, cols: m.cols * count, indptr, indices, values };
}

/** `values` repeated `count` times. */
export function repeat<T extends Int32Array | Uint32Array>(values: T, count: number): T {
  const out = new (values.constructor as new (n: number) => T)(values.length * count);
  for (let s = 0; s < count; s++) out.set(values, s * values.length);
  return out;
}

/** Each step with the outputs whose channel extracts its bit (from[channel] <= bit); unneeded steps dropped. */
function plannedExtractions(steps: readonly ExtractionStep[], from: Int32Array, channels: Int32Array): PlannedExtraction[] {
  return steps.flatMap((e) => {
    const outputs: number[] = [];
    channels.forEach((c, o) => {
      from[c]! <= e.bit ? outputs.push(o) : 0;
    });
    if (outputs.length === 0) return [];
    return [{ ...e, outputs: outputs.length === channels.length ? null : Uint32Array.from(outputs) }];
  });
}

export function planCircuit(circuit: Circuit): CircuitPlan {
  const params = circuitParameters(circuit);
  const p = 2 ** circuit.bits;
  const stages = circuit.stages.map((stage, i): StagePlan => {
    const channels = channelOfOutputs(stage.linear);
    const n = outputSize(stage.linear);
    let tables: Int32Array[] | null = null;
    if (stage.tables) {
      const t = stage.tables;
      tables = Array.from({ length: t.length / p }, (_, c) => t.subarray(c * p, (c + 1) * p));
    }
    // Fields every stage has; a CRT stage runs its lookups as WoP-PBS on residues (no padded PBS).
    const common = {
      name: stage.name,
      kind: stage.linear.kind,
      inputSize: inputSize(stage.linear),
      outputSize: n,
      weights: linearToCsr(stage.linear),
      offset: stage.offset,
      tableIndex: Uint32Array.from(channels),
    };
    if (stage.crt) {
      return {
        ...common,
        tables: null,
        roundBits: 0,
        rounding: 'exact',
        extractions: [],
        pbsPerOutput: 0,
        pbs: 0,
        crt: planCrtStage(circuit, i, params as WopParameterSet),
      };
    }
    if (stage.tables && isApproximate(stage)) {
      const c = approximateLookupShift(stage.roundBits);
      return {
        ...common,
        offset: Int32Array.from(stage.offset, (o) => o - c),
        tables,
        roundBits: stage.roundBits,
        rounding: 'approximate',
        extractions: [],
        pbsPerOutput: pbsPerNeuron(stage),
        pbs: stagePbs(stage),
      };
    }
    return {
      ...common,
      tables,
      roundBits: stage.roundBits,
      rounding: 'exact',
      extractions: stage.tables ? plannedExtractions(extractionSteps(circuit.bits, stage.roundBits), extractFromOf(stage), channels) : [],
      pbsPerOutput: pbsPerNeuron(stage),
      pbs: stagePbs(stage),
    };
  });
  const first = stages[0];
  const last = stages[stages.length - 1];
  if (!first || !last) throw new Error(`circuit "${circuit.name}" has no stages`);
  const lookups = stages.reduce((a, st) => a + (st.crt?.luts ? st.outputSize : 0), 0);
  return {
    circuit,
    params,
    // Ciphertexts per sample: a CRT stage reads (and a table-less CRT last stage emits) one per modulus.
    inputSize: first.inputSize * (first.crt ? first.crt.moduli.length : 1),
    outputSize: last.outputSize * (last.crt?.output.kind === 'clientResidues' ? last.crt.moduli.length : 1),
    stages,
    pbsPerSample: stages.reduce((s, st) => s + st.pbs, 0),
    wopLookupsPerSample: lookups,
    pbsEquivalentsPerSample: stages.reduce((a, st) => a + (st.crt?.luts ? st.outputSize * st.crt.pbsEquivalentsPerLookup : 0), 0),
  };
}

/** Selector index of every u in [0, M): residue 1's bits low, then residue 2's, ... (docs/crt.md section 3). */
export function crtSelectorIndex(moduli: readonly number[]): Uint32Array {
  const m = crtProduct(moduli);
  const out = new Uint32Array(m);
  for (let u = 0; u < m; u++) {
    let idx = 0;
    let shift = 0;
    for (const p of moduli) {
      idx += (u % p) * 2 ** shift;
      shift += Math.ceil(Math.log2(p));
    }
    out[u] = idx;
  }
  return out;
}

/** The CrtStagePlan of circuit stage i (all stages of the circuit are CRT stages: refuseCrtStages). */
function planCrtStage(circuit: Circuit, i: number, set: WopParameterSet): CrtStagePlan {
  const stage: Stage = circuit.stages[i]!;
  const moduli = stage.crt!.moduli;
  const M = crtProduct(moduli);
  const t = selectorBits(moduli);
  const n = outputSize(stage.linear);
  const channels = channelOfOutputs(stage.linear);
  const next = circuit.stages[i + 1];
  if (!stage.tables) {
    return {
      moduli,
      product: M,
      selectorBits: t,
      luts: null,
      lutIndex: new Uint32Array(n),
      outputsPerTable: 0,
      output: { kind: 'clientResidues' },
      pbsEquivalentsPerLookup: 0,
    };
  }
  const output: CrtStagePlan['output'] = next ? { kind: 'residues', moduli: next.crt!.moduli } : { kind: 'signed', bits: crtOutputBits(stage) };
  const encodings: ((v: number) => bigint)[] =
    output.kind === 'residues'
      ? output.moduli.map((p) => (v: number) => encodeResidue(v, p))
      : [(v: number) => encodeSigned(v, (output as { bits: number }).bits)];
  const E = encodings.length;
  // One table per distinct (channel, offset mod M): the offset is folded in (no residue-encoded clear add on the engine).
  const key = new Map<string, number>();
  const lutIndex = new Uint32Array(n);
  const folded: [number, number][] = [];
  for (let o = 0; o < n; o++) {
    const c = channels[o]!;
    const f = ((stage.offset[o]! % M) + M) % M;
    const k = `${c}:${f}`;
    let idx = key.get(k);
    if (idx === undefined) {
      idx = folded.length;
      key.set(k, idx);
      folded.push([c, f]);
    }
    lutIndex[o] = idx;
  }
  const size = 2 ** t;
  const sel = crtSelectorIndex(moduli);
  const luts = new BigUint64Array(folded.length * E * size); // tuples of no u < M stay 0 (never occur)
  const tables = stage.tables;
  folded.forEach(([c, f], tbl) => {
    for (let u = 0; u < M; u++) {
      const v = tables[c * M + ((u + f) % M)]!;
      for (let e = 0; e < E; e++) luts[(tbl * E + e) * size + sel[u]!] = encodings[e]!(v);
    }
  });
  const pbsEquivalentsPerLookup = crtLookupCost(set, crtLookupShape(moduli, E)).total / pbsCost(set).total;
  return { moduli, product: M, selectorBits: t, luts, lutIndex, outputsPerTable: E, output, pbsEquivalentsPerLookup };
}
