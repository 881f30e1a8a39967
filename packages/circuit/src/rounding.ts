// Exact rounding of a stage's low slot bits before its lookup (docs/circuit-format.md, "Rounded
// stages"): the one place that defines what the simulator computes, what the runtime's
// extraction PBSs compute, and what shape a rounded stage's tables have.
//
// With p = 2^bits slots and k >= 2 round bits, the runtime clears bits 1..k-1 of the slot residue
// u (mod 2p) one at a time, lowest first; bit 0 stays. The lookup then reads
// v = u - (u & (2^k - 2)) = floor(u / 2^k) * 2^k + (u mod 2), and each table is constant on the run
// of 2^k boxes centred on {t*2^k, t*2^k + 1}, so noise below (2^(k-1) - 1/2) slots cannot change
// the result. Keeping bit 0 saves one extraction: the lookup's tolerance is what it buys.
//
// Known-zero bits (format v3, stage.extractFrom): when every weight of channel c is a multiple of
// 2^f and every offset of the channel has bits 1..f-1 zero, every slot of the channel has bits
// 1..f-1 zero whatever the inputs (mod 2p, a power of two, divisibility survives the wrap). Bit i's
// extraction only needs bits 1..i-1 to be zero, which they then already are for i < f: the runtime
// starts at bit f and the lookup still reads exactly v = u - (u & (2^k - 2)). Channel scaling by
// 2^s (scale.ts, with a shift that is a multiple of 2^s) gives f = s.
//
// Approximate rounding (format v6, stage.rounding 'approximate'): no extraction. One PBS reads
// a = (u - c) mod 2p with c = 2^(k-1) - 1, with the same tables. Box j of a rounded table holds
// bucket floor((j + c) / 2^k), so a noise-free read of u - c gives bucket floor(u / 2^k), the
// exact rounding's bucket, for every residue u in [0, 2p): for u in [c, p + c) directly (the top
// boxes, bucket p/2^k, hold -T'(0), which is what the exact stage reads for u in [p, p + c)); for
// u in [p + c, 2p) through the negacyclic half, -T'(floor(u / 2^k) - p/2^k), as exact; and for u in
// [0, c) the read wraps to the top boxes' negation, T'(0), as exact. So an approximate stage
// computes exactly what the exact one does, plus the bootstrap's noise: a slot at offset r of its
// bucket lands one bucket lower when the noise is below -(r + beta) slots and one higher when it is
// above 2^k - r - beta (@fhenet/params approximate.ts; the simulator samples it with `noise`).
import type { RoundingMode } from '@fhenet/params';
import { channelCount, channelOfOutputs, outputSize } from './linear.js';
import type { LinearOp } from './types.js';

/** The residue v the lookup of a rounded stage sees, for the slot residue a in [0, 2p). */
export function clearRoundedBits(a: number, roundBits: number): number {
  return roundBits >= 2 ? a - (a & ((1 << roundBits) - 2)) : a;
}

/**
 * Bucket of box j in [0, p): floor((j + 2^(k-1) - 1) / 2^k), in [0, p/2^k]. Bucket p/2^k (the top
 * 2^(k-1) - 1 boxes) is the negacyclic continuation of bucket 0: a residue just below 0 (mod 2p)
 * lands there and reads -T[j], so those boxes hold -T'(0).
 */
export function bucketOfBox(j: number, roundBits: number): number {
  return Math.floor((j + 2 ** (roundBits - 1) - 1) / 2 ** roundBits);
}

/**
 * A rounded stage's p-entry table from its bucket values T'(t), t in [0, p/2^k): box j holds
 * T'(bucket(j)), and the top boxes -T'(0) (see bucketOfBox).
 */
export function expandRoundedTable(bucketValue: (t: number) => number, roundBits: number, p: number): Int32Array {
  const buckets = p / 2 ** roundBits;
  const values = Array.from({ length: buckets }, (_, t) => bucketValue(t));
  return Int32Array.from({ length: p }, (_, j) => {
    const t = bucketOfBox(j, roundBits);
    return t === buckets ? -values[0]! : values[t]!;
  });
}

/** First box of `table` (p entries) that breaks the rounded shape, or -1 when it has it. */
export function roundedTableViolation(table: ArrayLike<number>, roundBits: number, p: number): number {
  const buckets = p / 2 ** roundBits;
  for (let j = 0; j < p; j++) {
    const t = bucketOfBox(j, roundBits);
    const expected = t === buckets ? -(table[0] as number) : (table[t * 2 ** roundBits] as number);
    if (table[j] !== expected) return j;
  }
  return -1;
}

/** True for a stage that rounds approximately (v6 rounding 'approximate', roundBits >= 2): one PBS per neuron, no extraction. */
export function isApproximate(stage: { readonly roundBits: number; readonly rounding?: RoundingMode }): boolean {
  return stage.rounding === 'approximate' && stage.roundBits >= 2;
}

/** c = 2^(k-1) - 1: what an approximate lookup subtracts from the slot before reading it (above). */
export function approximateLookupShift(roundBits: number): number {
  return 2 ** (roundBits - 1) - 1;
}

/** The residue a noise-free approximate lookup reads for the slot residue a in [0, 2p): (a - c) mod 2p. */
export function approximateLookupInput(a: number, roundBits: number, p: number): number {
  return (a - approximateLookupShift(roundBits)) & (2 * p - 1);
}

/** One exact bit extraction of the runtime (all integers in units of delta = q / 2p). */
export interface ExtractionStep {
  /** The bit i cleared, 1 <= i <= k-1. */
  readonly bit: number;
  /** w * 2^(p-i): bits above i leave the torus (q = 2^64 is a power of two). */
  readonly multiplier: number;
  /**
   * Added after the multiplication: 2^(p-1) - 2^(p-1-i) puts both values of the uncleared bit 0
   * inside the half torus of bit i's sign, 2^(p-1) - 2^(p-1-i) - 1/2 slots from either edge (the
   * test polynomial's half-box shift makes the positive half [-1/2, p - 1/2) slots).
   */
  readonly offset: number;
  /**
   * The constant table 2^(i-1): the PBS returns +2^(i-1) when bit i is 0 and -2^(i-1) when it is
   * 1 (negacyclic half), so bit_i * 2^i = 2^(i-1) - out and w - bit_i * 2^i = w + out - 2^(i-1).
   */
  readonly value: number;
}

export function extractionSteps(bits: number, roundBits: number): ExtractionStep[] {
  const out: ExtractionStep[] = [];
  for (let i = 1; i < roundBits; i++) out.push({ bit: i, multiplier: 2 ** (bits - i), offset: 2 ** (bits - 1) - 2 ** (bits - 1 - i), value: 2 ** (i - 1) });
  return out;
}

/** Zero bits at the bottom of a 32-bit integer (two's complement), at most `cap`. */
function lowZeroBits(x: number, cap: number): number {
  let n = 0;
  while (n < cap && (x & (1 << n)) === 0) n++;
  return n;
}

/**
 * Per channel, the highest first extracted bit f in [1, k] that the stage's integers prove: every
 * weight of the channel a multiple of 2^f and every offset of it with bits 1..f-1 zero. 1 means
 * every extraction runs; k means none does. The reader accepts any stage.extractFrom up to this.
 */
export function provableExtractFrom(op: LinearOp, offset: ArrayLike<number>, roundBits: number): Int32Array {
  const channels = channelCount(op);
  const from = new Int32Array(channels).fill(roundBits);
  if (roundBits < 2) return from.fill(1);
  if (op.kind === 'sumPool') return from.fill(1); // weights 1
  if (op.kind === 'dense') {
    for (let o = 0; o < op.outputSize; o++) {
      for (let j = op.rowPtr[o]!; j < op.rowPtr[o + 1]!; j++) from[o] = Math.min(from[o]!, lowZeroBits(op.weights[j]!, roundBits));
    }
  } else {
    op.weights.forEach((w, i) => {
      from[i % channels] = Math.min(from[i % channels]!, lowZeroBits(w, roundBits));
    });
  }
  const channel = channelOfOutputs(op);
  for (let o = 0; o < outputSize(op); o++) {
    const c = channel[o]!;
    // Bits 1..f-1 zero: f = 1 + the zero bits above bit 0.
    from[c] = Math.min(from[c]!, 1 + lowZeroBits((offset[o] as number) >> 1, roundBits - 1));
  }
  return from.map((f) => Math.max(1, f));
}

interface RoundedStageLike {
  readonly linear: LinearOp;
  readonly tables: unknown;
  readonly roundBits: number;
  readonly extractFrom?: Int32Array;
  /** A CRT stage (v4) runs no padded PBS of its own: its lookups are counted by circuit/crt.ts crtLookups. */
  readonly crt?: unknown;
  readonly rounding?: RoundingMode;
}

/** The first extracted bit of every channel of a rounded stage (1 everywhere when the stage does not say). */
export function extractFromOf(stage: RoundedStageLike): Int32Array {
  return stage.extractFrom ?? new Int32Array(channelCount(stage.linear)).fill(1);
}

/**
 * PBS per neuron of a stage at most: k for an exactly rounded one (k-1 extractions + the lookup),
 * 1 plain or approximately rounded, 0 clear decode, and 0 on a CRT stage, whose one WoP lookup per
 * neuron (t l_cbs residue PBS, crt.md section 3) is not a PBS of the circuit's parameter set and is
 * counted apart (crtLookups).
 */
export function pbsPerNeuron(stage: {
  readonly tables: unknown;
  readonly roundBits: number;
  readonly crt?: unknown;
  readonly rounding?: RoundingMode;
}): number {
  if (stage.tables === null || stage.crt !== undefined) return 0;
  return stage.roundBits >= 2 && !isApproximate(stage) ? stage.roundBits : 1;
}

/** PBS of one sample through the stage: lookups plus the extractions from each channel's extractFrom (0 on a CRT stage, as pbsPerNeuron). */
export function stagePbs(stage: RoundedStageLike): number {
  const n = outputSize(stage.linear);
  if (stage.tables === null || stage.crt !== undefined) return 0;
  if (stage.roundBits < 2 || isApproximate(stage)) return n;
  const from = extractFromOf(stage);
  const channel = channelOfOutputs(stage.linear);
  let extractions = 0;
  for (let o = 0; o < n; o++) extractions += stage.roundBits - from[channel[o]!]!;
  return n + extractions;
}
