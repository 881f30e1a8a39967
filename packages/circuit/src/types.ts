// The compiled circuit in memory: what the simulator executes and the encrypted runtime will run.
// docs/circuit-format.md is the reference for every field; circuit/format.ts reads and writes it.

import type { DataDomain } from '@fhenet/datasets/domain';
import type { IntRange, QuantParams } from '@fhenet/quantization';
import type { RoundingMode, TfheParameterSet } from '@fhenet/params';

export type { RoundingMode } from '@fhenet/params';

export const CIRCUIT_FORMAT = 'fhenet-circuit';
/**
 * The newest version: v6 adds approximately rounded stages (stage.rounding), v5 `data` (the input
 * domain: class names, encoding), v4 CRT stages (stage.crt).
 */
export const CIRCUIT_VERSION = 6;
/** What the writer writes for a circuit with `data` and no approximate stage. */
export const CIRCUIT_VERSION_WITHOUT_APPROXIMATE = 5;
/** What the writer writes for a circuit with CRT stages and no `data`. */
export const CIRCUIT_VERSION_WITHOUT_DATA = 4;
/**
 * What the writer writes for a circuit without CRT stages: v3, so every circuit that does not use
 * v4's one addition reads exactly as before (and in readers that only know v3).
 */
export const CIRCUIT_VERSION_WITHOUT_CRT = 3;
/**
 * Versions the reader accepts: v1 files load with roundBits = 0 on every stage, v1 and v2 without
 * extractFrom (every channel of a rounded stage extracts from bit 1), v1-v3 without crt, v1-v4
 * without data, v1-v5 without rounding (every rounded stage exact).
 */
export const CIRCUIT_READABLE_VERSIONS: readonly number[] = [1, 2, 3, 4, 5, 6];

/** [height, width, channels], channels last (NHWC without the batch axis). */
export type ImageShape = readonly [number, number, number];

/**
 * Dense layer after pruning, rows in CSR form: output o reads inputs cols[rowPtr[o]..rowPtr[o+1])
 * with integer weights weights[same slice]. Pruned synapses are simply absent.
 */
export interface DenseOp {
  readonly kind: 'dense';
  readonly inputSize: number;
  readonly outputSize: number;
  readonly rowPtr: Int32Array;
  readonly cols: Int32Array;
  readonly weights: Int32Array;
}

/**
 * 2-D convolution with shared integer weights [kh, kw, inChannels, filters] row-major. Input and
 * output are NHWC-flattened; positions outside the input (padding) contribute nothing, which is
 * exactly zero-padding of the real value scale*(q - zeroPoint) that the trained graph applies.
 */
export interface Conv2dOp {
  readonly kind: 'conv2d';
  readonly inputShape: ImageShape;
  readonly outputShape: ImageShape;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  /** Rows and columns of padding before the first input row / column. */
  readonly padBefore: readonly [number, number];
  readonly weights: Int32Array;
}

/** Per-channel window sum ('valid' windows only): average pooling with the 1/k folded into the table. */
export interface SumPoolOp {
  readonly kind: 'sumPool';
  readonly inputShape: ImageShape;
  readonly outputShape: ImageShape;
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
}

export type LinearOp = DenseOp | Conv2dOp | SumPoolOp;

/** Bookkeeping that explains a stage; the simulator and runtime do not need it. */
export interface StageAnalysis {
  /**
   * Per channel: table slot = accumulator + shift, where the accumulator is the centred sum
   * sum_i w_i (q_i - zeroPoint_i) of eq. (3).
   */
  readonly shift: Int32Array;
  /** Exact worst-case range of the table slot over every input the previous stage can produce. */
  readonly worstCase: IntRange;
  /** Slot range seen on the calibration data, when there was any. */
  readonly calibration?: IntRange;
  /** Largest 2-norm of one output's integer weights (the nu of the noise model). */
  readonly nu: number;
  /**
   * Rounded stages only, when some channel was scaled: per channel the multiplier 2^s of its
   * weights, so slot = scale[c] * accumulator + shift[c] (absent: all 1).
   */
  readonly scale?: Int32Array;
}

export interface Stage {
  /** The trained-graph layer this stage comes from, for reports and errors. */
  readonly name: string;
  readonly linear: LinearOp;
  /**
   * One clear integer per output element, added to the weighted sum: zero points folded in, plus
   * the per-channel shift into the PBS input space [0, 2^bits).
   */
  readonly offset: Int32Array;
  /**
   * channels * 2^bits integers, table c at [c * 2^bits, (c+1) * 2^bits): slot -> next quantized
   * integer (a CRT stage: channels * M, below). null only on the last stage when the output is
   * decoded with a clear table (below).
   */
  readonly tables: Int32Array | null;
  /**
   * v4, CRT stages only (docs/crt.md, circuit/crt.ts): the slot is carried as residues mod these
   * pairwise coprime odd moduli, M = their product >= every channel's worst-case span. Then
   * shift[c] = -(channel c's worst-case minimum), so slots of every input lie in [0, span_c); the
   * lookup reads T_c[u] with u = slot mod M (exact, wraps mod M), tables hold M entries per
   * channel, T_c[u] = f_c(u - shift[c]); roundBits is 0. Absent: a padded stage (2^bits slots).
   */
  readonly crt?: CrtSpec;
  /**
   * Low slot bits rounded away before the lookup: 0 (plain lookup) or k in [2, bits-1]. With
   * k >= 2 the runtime first clears bits 1..k-1 of the slot exactly (one sign PBS each, lowest
   * first), so the lookup sees v = slot - (slot & (2^k - 2)), and every table is constant on runs
   * of 2^k boxes centred on {t*2^k, t*2^k + 1}: the lookup then tolerates (2^(k-1) - 1/2) slots of
   * noise instead of 1/2 (docs/circuit-format.md, "Rounded stages"). 0 on a table-less stage.
   */
  readonly roundBits: number;
  /**
   * Rounded stages only (v3), per channel: the first slot bit the runtime extracts, in [1, k].
   * Bits 1..f-1 of every slot of the channel are zero by construction (its weights are multiples
   * of 2^f and its offsets have those bits zero; the reader checks it), so their extractions are
   * skipped and the lookup input is unchanged. Absent: 1 on every channel (circuit/rounding.ts).
   */
  readonly extractFrom?: Int32Array;
  /**
   * v6, rounded stages only: how the k low bits are rounded away. Absent or 'exact': the bit
   * extractions above. 'approximate': no extraction; one PBS reads a = (slot - (2^(k-1) - 1)) mod
   * 2p directly, with the same tables, so without noise it gives exactly the exact rounding's result
   * for every residue, and with noise a slot near a bucket edge may land one bucket off (the
   * bootstrap's modulus switch drops the low bits; circuit/rounding.ts, docs/circuit-format.md).
   * An approximate stage has no extractFrom.
   */
  readonly rounding?: RoundingMode;
  readonly analysis: StageAnalysis;
}

/** How the client turns the decrypted last-stage values into float logits. */
export type OutputDecoder =
  /** Last stage ends with PBS tables giving quantized logits q: logit = scale * (q - zeroPoint). */
  | { readonly kind: 'dequantize'; readonly scale: number; readonly zeroPoint: number }
  /**
   * Last stage has no PBS: the client decrypts the residue a in [0, 2^(bits+1)) of output o
   * (channel c) and reads values[c * 2^(bits+1) + a] = f(a - shift[c]), the fused univariate chain
   * evaluated in the clear. Saves one PBS per logit and keeps the logits unquantized (as Concrete
   * ML does); no PBS follows, so all 2^(bits+1) residues decode unambiguously. When the last stage
   * is a CRT stage, the client decrypts its residues, rebuilds u in [0, M) by the CRT and reads
   * values[c * M + u] = f(u - shift[c]).
   */
  | { readonly kind: 'clearTable'; readonly values: Float64Array };

/** Chosen TFHE parameters and what the noise model predicts for them. */
export interface CircuitParameters {
  readonly set: TfheParameterSet;
  /** log2 of the failure probability of one PBS in this circuit (its worst decision). */
  readonly log2PFailPerPbs: number;
  /** Probability that at least one PBS of one inference fails. */
  readonly pErrorPerInference: number;
}

export interface Circuit {
  readonly name: string;
  /** Message bits of every PBS input: p = 2^bits slots, plus one padding bit. */
  readonly bits: number;
  /** Per-sample input shape as the client sees it, e.g. [28, 28, 1]. */
  readonly inputShape: readonly number[];
  /** Raw data -> float input x the quantizer sees: x = raw / divisor (float32). */
  readonly inputScaling: { readonly divisor: number };
  /** Client side: x -> q = clamp(roundHalfToEven(x / scale) + zeroPoint, qmin, qmax). Per-tensor. */
  readonly inputQuantizer: QuantParams;
  /**
   * v3, optional: stages the client evaluates in the clear on q before encrypting (the paper's
   * first layer in the clear, circuit/clear.ts); `stages` then read the last one's outputs.
   * `bits` bounds only `stages`. Absent: the client encrypts q itself.
   */
  readonly clearStages?: readonly ClearStage[];
  /** The encrypted stages. */
  readonly stages: readonly Stage[];
  readonly output: OutputDecoder;
  /** Absent until parameters are chosen (the circuit is still simulatable without them). */
  readonly parameters?: CircuitParameters;
  /**
   * v5, optional: the domain of the trained graph's data (its `data.domain`, without where the
   * files were): how the client reads and encodes its own inputs into the raw values above, and the
   * name of every class. Absent: raw values are bytes, classes are indices.
   */
  readonly data?: DataDomain;
}

/** A clear stage (format v3 `clearStages`, clear.ts): evaluated by the client before encryption. */
export interface ClearStage {
  /** The trained-graph layer it comes from. */
  readonly name: string;
  readonly linear: LinearOp;
  /** Table width: slot = accumulator + offset lies in [0, 2^bits) for every possible input. */
  readonly bits: number;
  /** One integer per output: zero points folded in, plus the per-channel shift into [0, 2^bits). */
  readonly offset: Int32Array;
  /** channels * 2^bits entries, table c at [c * 2^bits, (c+1) * 2^bits): slot -> next quantized integer. */
  readonly tables: Int32Array;
  /** Bookkeeping only (worstCase: the exact slot range, inside [0, 2^bits)). */
  readonly analysis: StageAnalysis;
}

/** The residue moduli of a CRT stage. */
export interface CrtSpec {
  /** Pairwise coprime odd moduli >= 3, in the order of the residue ciphertexts (r_1 first). */
  readonly moduli: readonly number[];
}
