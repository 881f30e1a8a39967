// Exact rounding of a stage's low slot bits before its lookup (docs/circuit-format.md, "Rounded
// stages"): the one place that defines what the simulator computes, what the runtime's
// extraction PBSs compute, and what shape a rounded stage's tables have.
//
// With p = 2^bits slots and k >= 2 round bits, the runtime clears bits 1..k-1 of the slot residue
// u (mod 2p) one at a time, lowest first; bit 0 stays. The lookup then reads
// v = u - (u & (2^k - 2)) = floor(u / 2^k) * 2^k + (u mod 2), and each table is constant on the run
// of 2^k boxes centred on {t*2^k, t*2^k + 1}, so noise below (2^(k-1) - 1/2) slots cannot change
// the result. Keeping bit 0 saves one extraction: the lookup's tolerance is what it buys.

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

/** PBS per neuron of a stage: k for a rounded one (k-1 extractions + the lookup), 1 plain, 0 clear decode. */
export function pbsPerNeuron(stage: { readonly tables: unknown; readonly roundBits: number }): number {
  if (stage.tables === null) return 0;
  return stage.roundBits >= 2 ? stage.roundBits : 1;
}
