// A stage's output as the banded executor keeps it: pieces (one per band, in order), each either a
// native batch in memory or a serialized batch in the stage's spill file. The next stage fetches
// only the range of ciphertexts a band reads; in memory, pieces no later band reads are freed as
// the stage advances; a spill file is deleted when the tensor is disposed (after its last use, or
// on error).
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { LweCiphertextBatch } from '@fhenet/engine';
import type { TfheParameterSet } from '@fhenet/params';

interface Piece {
  /** First ciphertext of the piece in the tensor. */
  readonly start: number;
  readonly count: number;
  /** In memory (null once freed) ... */
  batch: LweCiphertextBatch | null;
  /** ... or in the spill file at [offset, offset + length). */
  readonly offset: number;
  readonly length: number;
}

/** Where a fetched range comes from: a piece itself (borrowed, do not dispose) or a new batch. */
export interface FetchedRange {
  readonly batch: LweCiphertextBatch;
  /** Index in the tensor of batch[0] (the dot product's columns are relative to it). */
  readonly base: number;
  /** True when the batch is a new one the caller must dispose. */
  readonly owned: boolean;
  /** Milliseconds spent reading the spill file. */
  readonly readMs: number;
}

export class BandedTensor {
  readonly params: TfheParameterSet;
  private readonly pieces: Piece[] = [];
  private fd: number | null = null;
  private size = 0;
  /** Reused read buffer (as large as the largest piece read so far), so that reads make no garbage. */
  private readBuffer: Buffer | null = null;
  /** Bytes written to the spill file. */
  bytesWritten = 0;
  /** Pieces [0, freed) have been freed by freeBelow. */
  private freed = 0;

  /**
   * `spillPath`: file to write the pieces to (created, must not exist); null keeps them in memory.
   * `owned` = false for a tensor wrapping the caller's batch: dispose() then leaves it alone.
   */
  constructor(
    params: TfheParameterSet,
    readonly spillPath: string | null,
    private readonly owned = true,
  ) {
    this.params = params;
    if (spillPath) {
      try {
        this.fd = openSync(spillPath, 'wx+');
      } catch (e) {
        throw new Error(`spill file ${spillPath}: cannot create it (${(e as Error).message}); bands.spillDir must be a writable folder`);
      }
    }
  }

  /** A tensor of one in-memory batch (the caller's inputs, or a stage run whole). */
  static of(batch: LweCiphertextBatch, owned: boolean): BandedTensor {
    const t = new BandedTensor(batch.params, null, owned);
    t.pieces.push({ start: 0, count: batch.count, batch, offset: 0, length: 0 });
    t.size = batch.count;
    return t;
  }

  get count(): number {
    return this.size;
  }

  get spilled(): boolean {
    return this.fd !== null;
  }

  /** Appends a band's outputs; with a spill file they are written and `batch` is disposed. Returns ms spent writing. */
  append(batch: LweCiphertextBatch): number {
    const start = this.size;
    this.size += batch.count;
    if (this.fd === null) {
      this.pieces.push({ start, count: batch.count, batch, offset: 0, length: 0 });
      return 0;
    }
    const t0 = performance.now();
    const bytes = batch.serialize();
    batch.dispose();
    const offset = this.bytesWritten;
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, offset + done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EDQUOT' ? 'the disk quota is exceeded' : (e as Error).message;
      throw new Error(
        `spill file ${this.spillPath}: writing ${bytes.length} bytes at offset ${offset} failed: ${why} ` +
          "(a banded run with a spill folder needs room for two stages' outputs at once; see docs/streaming-plan.md)",
      );
    }
    this.bytesWritten += bytes.length;
    this.pieces.push({ start, count: batch.count, batch: null, offset, length: bytes.length });
    return performance.now() - t0;
  }

  /**
   * Ciphertexts [lo, hi). An in-memory piece that holds the whole range is lent as it is (no copy);
   * otherwise the overlap of every piece is gathered (a spilled piece is read and deserialized
   * first) and, if several, concatenated.
   */
  fetch(lo: number, hi: number): FetchedRange {
    if (!(lo >= 0 && hi > lo && hi <= this.size)) throw new Error(`internal: fetch [${lo}, ${hi}) of a tensor of ${this.size} ciphertexts`);
    // Pieces are disjoint and in order: only those from the one holding lo can overlap (no scan
    // of every piece per band: a stage of 1-output bands has as many pieces as ciphertexts).
    const first = this.pieceAt(lo);
    const holder = this.pieces[first]!;
    if (holder.batch && holder.start + holder.count >= hi) return { batch: holder.batch, base: holder.start, owned: false, readMs: 0 };
    let readMs = 0;
    const parts: LweCiphertextBatch[] = [];
    try {
      for (let i = first; i < this.pieces.length && this.pieces[i]!.start < hi; i++) {
        const p = this.pieces[i]!;
        const a = Math.max(lo, p.start);
        const b = Math.min(hi, p.start + p.count);
        let batch = p.batch;
        if (!batch) {
          if (this.fd === null) throw new Error(`internal: piece [${p.start}, ${p.start + p.count}) was freed before a later band read it`);
          const t0 = performance.now();
          batch = this.read(p);
          readMs += performance.now() - t0;
          if (a === p.start && b === p.start + p.count) {
            parts.push(batch);
            continue;
          }
        }
        try {
          parts.push(batch.gather(Uint32Array.from({ length: b - a }, (_, j) => a - p.start + j)));
        } finally {
          if (!p.batch) batch.dispose();
        }
      }
      if (parts.length === 1) return { batch: parts[0]!, base: lo, owned: true, readMs };
      return { batch: LweCiphertextBatch.concat(parts), base: lo, owned: true, readMs };
    } finally {
      if (parts.length > 1) for (const b of parts) b.dispose();
    }
  }

  /**
   * [lo, hi) split at piece boundaries: each range lies in one piece, so fetch() lends it (in
   * memory) or reads that one piece (spilled). The banded executor runs one dot product per range
   * and sums them instead of concatenating the ranges first (no 2 x range at once).
   */
  pieceRanges(lo: number, hi: number): [number, number][] {
    const out: [number, number][] = [];
    for (let i = this.pieceAt(lo); i < this.pieces.length && this.pieces[i]!.start < hi; i++) {
      const p = this.pieces[i]!;
      out.push([Math.max(lo, p.start), Math.min(hi, p.start + p.count)]);
    }
    return out;
  }

  private read(p: Piece): LweCiphertextBatch {
    if (!this.readBuffer || this.readBuffer.length < p.length) this.readBuffer = Buffer.allocUnsafe(p.length);
    let done = 0;
    while (done < p.length) {
      const n = readSync(this.fd!, this.readBuffer, done, p.length - done, p.offset + done);
      if (n === 0) throw new Error(`spill file ${this.spillPath}: ended at ${p.offset + done} bytes, expected ${p.offset + p.length}`);
      done += n;
    }
    return LweCiphertextBatch.deserialize(this.readBuffer.subarray(0, p.length), this.params);
  }

  /** Frees the in-memory pieces that end at or before `index` (no later band reads them). */
  freeBelow(index: number): void {
    if (!this.owned) return;
    // Bands read ever higher inputs: the freed pieces are a growing prefix.
    for (; this.freed < this.pieces.length && this.pieces[this.freed]!.start + this.pieces[this.freed]!.count <= index; this.freed++) {
      const p = this.pieces[this.freed]!;
      p.batch?.dispose();
      p.batch = null;
    }
  }

  /** Index of the piece holding ciphertext `index` (binary search over the ordered pieces). */
  private pieceAt(index: number): number {
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.pieces[mid]!.start <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The whole tensor as one batch (the executor's result). Disposes this tensor's pieces. In-memory
   * pieces are concatenated as they are (pieces + result: twice the tensor at the peak; one piece
   * is handed over without a copy); spilled ones are read back through fetch().
   */
  take(): LweCiphertextBatch {
    let result: LweCiphertextBatch;
    if (this.pieces.every((p) => p.batch)) {
      const batches = this.pieces.map((p) => p.batch!);
      if (batches.length === 1 && this.owned) {
        result = batches[0]!;
        this.pieces[0]!.batch = null;
      } else {
        result = LweCiphertextBatch.concat(batches);
      }
    } else {
      result = this.fetch(0, this.size).batch;
    }
    this.dispose();
    return result;
  }

  /** Frees every in-memory piece (when owned) and deletes the spill file. Safe to call twice. */
  dispose(): void {
    if (this.owned) for (const p of this.pieces) p.batch?.dispose();
    for (const p of this.pieces) p.batch = null;
    this.readBuffer = null;
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
      rmSync(this.spillPath!, { force: true });
    }
  }
}
