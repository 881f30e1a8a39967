// A compiled Circuit resolved into what the engine executes: per stage, one CSR matrix for a single
// sample (dense rows as they are; conv2d and sumPool gathered over output positions, so the IR's
// shared weights are expanded only here, at MNIST scale a few thousand entries), the offset as the
// dot product's clear bias, and the per-output table index of the stage's batched PBS; for a
// rounded stage also the bit extractions that precede the lookup, each with the outputs that need
// it (a v3 stage's extractFrom skips, per channel, the bits its integers make zero).
import { channelOfOutputs, extractFromOf, extractionSteps, inputSize, outputSize, pbsPerNeuron, stagePbs, type Circuit, type ExtractionStep, type LinearOp } from '@fhenet/compiler';
import type { TfheParameterSet } from '@fhenet/params';
import type { CsrWeights } from '../server.js';

export interface StagePlan {
  readonly name: string;
  readonly kind: LinearOp['kind'];
  readonly inputSize: number;
  readonly outputSize: number;
  /** One sample: rows = outputs, cols = inputs. */
  readonly weights: CsrWeights;
  /** Clear integer added to every output (zero points and shift), one per output. */
  readonly offset: Int32Array;
  /** Per-channel tables (2^bits entries each), or null: last stage decoded in the clear. */
  readonly tables: readonly Int32Array[] | null;
  /** Table (channel) of every output. */
  readonly tableIndex: Uint32Array;
  /** Low slot bits rounded before the lookup (0: plain). */
  readonly roundBits: number;
  /**
   * The exact bit extractions before the lookup (empty unless roundBits >= 2), lowest bit first;
   * steps no output needs are left out.
   */
  readonly extractions: readonly PlannedExtraction[];
  /** PBS per output at most: extractions + lookup (0 for a clear decode). */
  readonly pbsPerOutput: number;
  /** PBS of one sample through the stage: lookups + the extractions actually run. */
  readonly pbs: number;
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
  /** Programmable bootstraps per sample. */
  readonly pbsPerSample: number;
}

/**
 * Refuses a circuit with CRT stages (format v4, docs/crt.md): this runtime has no WoP lookup, and
 * running such a stage as a padded PBS would compute something else without any error. Every path
 * that needs the circuit's keys or plan goes through circuitParameters, so checking there covers them.
 */
export function refuseCrtStages(circuit: Circuit): void {
  const crt = circuit.stages.find((s) => s.crt);
  if (crt) {
    throw new Error(
      `circuit "${circuit.name}": stage ${crt.name} is a CRT stage (moduli ${crt.crt!.moduli.join(', ')}); ` +
        'encrypted execution of CRT stages is not implemented yet in this runtime (simulate it with @fhenet/compiler simulate)',
    );
  }
}

/** The circuit's chosen parameter set; a clear error when the compiler could not choose one or the runtime cannot run the circuit. */
export function circuitParameters(circuit: Circuit): TfheParameterSet {
  refuseCrtStages(circuit);
  const set = circuit.parameters?.set;
  if (!set) {
    throw new Error(
      `circuit "${circuit.name}" has no TFHE parameters (the compiler found no secure set for its ${circuit.bits}-bit ` +
        'stages; recompile with fewer bits, e.g. --max-bits 8)',
    );
  }
  if (set.messageBits !== circuit.bits) {
    throw new Error(`circuit "${circuit.name}": parameter set ${set.name} has ${set.messageBits} message bits, circuit needs ${circuit.bits}`);
  }
  return set;
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
    channels.forEach((c, o) => (from[c]! <= e.bit ? outputs.push(o) : 0));
    if (outputs.length === 0) return [];
    return [{ ...e, outputs: outputs.length === channels.length ? null : Uint32Array.from(outputs) }];
  });
}

export function planCircuit(circuit: Circuit): CircuitPlan {
  const params = circuitParameters(circuit);
  const p = 2 ** circuit.bits;
  const stages = circuit.stages.map((stage): StagePlan => {
    const channels = channelOfOutputs(stage.linear);
    const n = outputSize(stage.linear);
    let tables: Int32Array[] | null = null;
    if (stage.tables) {
      const t = stage.tables;
      tables = Array.from({ length: t.length / p }, (_, c) => t.subarray(c * p, (c + 1) * p));
    }
    return {
      name: stage.name,
      kind: stage.linear.kind,
      inputSize: inputSize(stage.linear),
      outputSize: n,
      weights: linearToCsr(stage.linear),
      offset: stage.offset,
      tables,
      tableIndex: Uint32Array.from(channels),
      roundBits: stage.roundBits,
      extractions: stage.tables ? plannedExtractions(extractionSteps(circuit.bits, stage.roundBits), extractFromOf(stage), channels) : [],
      pbsPerOutput: pbsPerNeuron(stage),
      pbs: stagePbs(stage),
    };
  });
  const first = stages[0];
  const last = stages[stages.length - 1];
  if (!first || !last) throw new Error(`circuit "${circuit.name}" has no stages`);
  return {
    circuit,
    params,
    inputSize: first.inputSize,
    outputSize: last.outputSize,
    stages,
    pbsPerSample: stages.reduce((s, st) => s + st.pbs, 0),
  };
}
