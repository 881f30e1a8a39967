// Band layout of a padded stage (docs/streaming-plan.md option 3): the stage's outputs over the
// whole batch (samples back to back, NHWC inside a sample, so a band of output rows of a conv2d or
// sumPool is a contiguous range) split into contiguous ranges of at most `outputs` ciphertexts.
// For each band: the input columns its CSR rows read (a contiguous range [lo, hi): the executor
// fetches exactly those ciphertexts) and the band's own CSR rows with columns relative to lo.
// Pure functions of the plan, shared by the executor (banded.ts) and the memory model
// (banded-memory.ts) so that both see the same bands and ranges.
import type { CsrWeights } from '@fhenet/engine';
import type { StagePlan } from './plan.js';

/** Banded execution options (ExecuteOptions.bands). */
export interface BandOptions {
  /** Output ciphertexts per band (over the whole batch), an integer >= 1; the last band may be shorter. */
  readonly outputs: number;
  /**
   * Folder for spill files: each banded stage's output is written there band by band and read back
   * by the next stage as the ciphertexts its bands need; files are removed after use and on error.
   * Omitted: band outputs stay in memory.
   */
  readonly spillDir?: string;
}

/** One band of a stage: outputs [start, end) of the batch, reading inputs [lo, hi). */
export interface Band {
  readonly start: number;
  readonly end: number;
  readonly lo: number;
  readonly hi: number;
}

/** Throws naming the field when `bands.outputs` is not a positive integer. */
export function assertBandOptions(bands: BandOptions): void {
  if (!Number.isInteger(bands.outputs) || bands.outputs < 1) {
    throw new Error(`bands.outputs: expected an integer >= 1 (output ciphertexts per band), got ${bands.outputs}`);
  }
  if (bands.spillDir !== undefined && (typeof bands.spillDir !== 'string' || bands.spillDir === '')) {
    throw new Error(`bands.spillDir: expected a folder path, got ${JSON.stringify(bands.spillDir)}`);
  }
}

/** Per output of one sample, the lowest and one past the highest input column its row reads (lo = hi = 0: an empty row). */
interface RowSpans {
  readonly lo: Uint32Array;
  readonly hi: Uint32Array;
}

const spanCache = new WeakMap<CsrWeights, RowSpans>();

function rowSpans(w: CsrWeights): RowSpans {
  let s = spanCache.get(w);
  if (s) return s;
  const lo = new Uint32Array(w.rows);
  const hi = new Uint32Array(w.rows);
  for (let r = 0; r < w.rows; r++) {
    let a = Infinity;
    let b = -1;
    for (let k = w.indptr[r]!; k < w.indptr[r + 1]!; k++) {
      const c = w.indices[k]!;
      if (c < a) a = c;
      if (c > b) b = c;
    }
    if (b >= 0) {
      lo[r] = a;
      hi[r] = b + 1;
    }
  }
  s = { lo, hi };
  spanCache.set(w, s);
  return s;
}

/**
 * The bands of `stage` run on `count` samples with at most `outputs` ciphertexts each. A band
 * whose rows read nothing (all-zero weights) still reads one input column (the dot product needs
 * a non-empty input; the weights ignore it).
 */
export function stageBands(stage: StagePlan, count: number, outputs: number): Band[] {
  const size = stage.outputSize;
  const inSize = stage.inputSize;
  const total = size * count;
  const spans = rowSpans(stage.weights);
  const bands: Band[] = [];
  for (let start = 0; start < total; start += outputs) {
    const end = Math.min(total, start + outputs);
    let lo = Infinity;
    let hi = -1;
    for (let g = start; g < end; g++) {
      const o = g % size;
      if (spans.hi[o]! === 0) continue;
      const base = Math.floor(g / size) * inSize;
      lo = Math.min(lo, base + spans.lo[o]!);
      hi = Math.max(hi, base + spans.hi[o]!);
    }
    if (hi < 0) {
      lo = Math.floor(start / size) * inSize;
      hi = lo + 1;
    }
    bands.push({ start, end, lo, hi });
  }
  return bands;
}

/**
 * Per band b, the lowest input index any band from b on reads (entry bands.length: Infinity):
 * input pieces ending at or below entry b + 1 can be freed once band b has read its inputs.
 */
export function inputNeededFrom(bands: readonly Band[]): number[] {
  const needFrom = new Array<number>(bands.length + 1).fill(Infinity);
  for (let b = bands.length - 1; b >= 0; b--) needFrom[b] = Math.min(needFrom[b + 1]!, bands[b]!.lo);
  return needFrom;
}

/**
 * The band's rows of the stage's block-diagonal CSR (repeatCsr over the samples) with columns
 * relative to `base` (the first input ciphertext of the batch the dot product reads), over
 * `cols` columns. Same entries in the same order as the whole-stage matrix: the sums, exact mod
 * 2^64, are the same words.
 */
export function bandCsr(stage: StagePlan, band: Band, base: number, cols: number): CsrWeights {
  const w = stage.weights;
  const size = stage.outputSize;
  const rows = band.end - band.start;
  const indptr = new Uint32Array(rows + 1);
  for (let r = 0; r < rows; r++) {
    const o = (band.start + r) % size;
    indptr[r + 1] = indptr[r]! + (w.indptr[o + 1]! - w.indptr[o]!);
  }
  const nnz = indptr[rows]!;
  const indices = new Uint32Array(nnz);
  const values = new Int32Array(nnz);
  for (let r = 0; r < rows; r++) {
    const g = band.start + r;
    const o = g % size;
    const shift = Math.floor(g / size) * stage.inputSize - base;
    const from = w.indptr[o]!;
    const n = w.indptr[o + 1]! - from;
    for (let k = 0; k < n; k++) indices[indptr[r]! + k] = w.indices[from + k]! + shift;
    values.set(w.values.subarray(from, from + n), indptr[r]!);
  }
  return { rows, cols, indptr, indices, values };
}

/**
 * The entries of `w` whose column is in [a, b), columns relative to a (b - a columns): one input
 * piece's share of a band's dot product. Summing the shares' dot products gives the band's dot
 * product word for word (torus sums mod 2^64 do not depend on grouping).
 */
export function restrictColumns(w: CsrWeights, a: number, b: number): CsrWeights {
  const indptr = new Uint32Array(w.rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < w.rows; r++) {
    for (let k = w.indptr[r]!; k < w.indptr[r + 1]!; k++) {
      const c = w.indices[k]!;
      if (c >= a && c < b) {
        indices.push(c - a);
        values.push(w.values[k]!);
      }
    }
    indptr[r + 1] = indices.length;
  }
  return { rows: w.rows, cols: b - a, indptr, indices: Uint32Array.from(indices), values: Int32Array.from(values) };
}

/** Per ciphertext of outputs [start, start + n) of the batch: `perOutput` of its output within the sample. */
export function bandValues<T extends Int32Array | Uint32Array>(perOutput: T, start: number, n: number): T {
  const size = perOutput.length;
  const out = new (perOutput.constructor as new (n: number) => T)(n);
  for (let r = 0; r < n; r++) out[r] = perOutput[(start + r) % size]!;
  return out;
}

const maskCache = new WeakMap<Uint32Array, Uint8Array>();

/**
 * Positions in outputs [start, start + n) of the batch whose output within the sample is one of
 * `outputs` (ascending, one sample's indices; a v3 extraction's picked outputs).
 */
export function bandPicks(outputs: Uint32Array, size: number, start: number, n: number): Uint32Array {
  // Cached per extraction: a stage of many small bands asks once per band.
  let mask = maskCache.get(outputs);
  if (!mask || mask.length !== size) {
    mask = new Uint8Array(size);
    for (const o of outputs) mask[o] = 1;
    maskCache.set(outputs, mask);
  }
  const picked: number[] = [];
  for (let r = 0; r < n; r++) if (mask[(start + r) % size]) picked.push(r);
  return Uint32Array.from(picked);
}
