// Approximate rounding (docs/parameters.md, "Approximate rounding"): a stage that rounds away its
// k low slot bits without extracting them looks its slot u up directly, and the bootstrap's own
// modulus switch decides which bucket of 2^k slots it falls in. With no noise that is bucket
// floor(u / 2^k), the exact rounding's bucket; with noise e (slot units, Gaussian, standard
// deviation sigma = the decision's sqrt(nu^2 Var_in + Var_KS + Var_MS) in slots) the slot at
// offset r = u mod 2^k in its bucket lands
//   one or more buckets down when e < -(r + beta),
//   one or more buckets up   when e >= 2^k - r - beta,
// where beta is where the engine's test polynomial puts the lower edge of a slot's box: the
// modulus switch rounds the phase to one of 2N positions, m = N / 2^bits per slot, and the
// lookup table is rotated by floor(m / 2) positions, so box j covers phases [j - beta, j + 1 - beta)
// slots with beta = (floor(m/2) + 1/2) / m (1/2 for m = 1, 3/4 for m = 2, -> 1/2 for large m).
// The probabilities are therefore a function of the dropped bits r (their distribution comes from
// calibration data), sigma and beta (both from the parameter set).
import { erfc } from './erfc.js';

/** Probability that a standard normal variable is below -x: Phi(-x) = erfc(x / sqrt 2) / 2. */
export function normalTail(x: number): number {
  return erfc(x / Math.SQRT2) / 2;
}

/** Test-polynomial positions per slot, N / 2^bits (the validator's N >= 2^bits makes it >= 1). */
export function boxPositions(polynomialSize: number, messageBits: number): number {
  const m = polynomialSize / 2 ** messageBits;
  if (!Number.isInteger(m) || m < 1) throw new Error(`polynomialSize ${polynomialSize} must be a multiple of 2^${messageBits} (one box per slot at least)`);
  return m;
}

/** Lower edge of a slot's box below the slot, in slots: (floor(m/2) + 1/2) / m with m = N / 2^bits. */
export function boxLowerEdge(polynomialSize: number, messageBits: number): number {
  const m = boxPositions(polynomialSize, messageBits);
  return (Math.floor(m / 2) + 0.5) / m;
}

export interface BucketNoise {
  /** Low slot bits rounded away: buckets of 2^k slots. */
  readonly roundBits: number;
  /** Standard deviation of the phase noise at the modulus switch, in slots (delta units). */
  readonly sigma: number;
  /** boxLowerEdge of the parameter set. */
  readonly boxEdge: number;
}

/** Probabilities that a slot at offset r of its bucket lands in a lower / higher bucket (any distance). */
export interface BucketShift {
  readonly down: number;
  readonly up: number;
  /** Of down + up: two or more buckets away. */
  readonly far: number;
}

function checkNoise(b: BucketNoise): number {
  const w = 2 ** b.roundBits;
  if (!Number.isInteger(b.roundBits) || b.roundBits < 1) throw new Error(`roundBits must be an integer >= 1, got ${b.roundBits}`);
  if (!(b.sigma > 0) || !Number.isFinite(b.sigma)) throw new Error(`sigma must be a finite number > 0 (slots), got ${b.sigma}`);
  if (!(b.boxEdge > 0 && b.boxEdge < 1)) throw new Error(`boxEdge must be in (0, 1) slots, got ${b.boxEdge}`);
  return w;
}

/** Where a slot at offset r in [0, 2^k) of its bucket is looked up, under the noise b. */
export function bucketShift(r: number, b: BucketNoise): BucketShift {
  const w = checkNoise(b);
  if (!Number.isInteger(r) || r < 0 || r >= w) throw new Error(`r must be an integer in [0, ${w}), got ${r}`);
  const downMargin = r + b.boxEdge;
  const upMargin = w - r - b.boxEdge;
  const far = normalTail((downMargin + w) / b.sigma) + normalTail((upMargin + w) / b.sigma);
  return { down: normalTail(downMargin / b.sigma), up: normalTail(upMargin / b.sigma), far };
}

/** bucketShift for every r in [0, 2^k): P(down)[r] and P(up)[r]. */
export function bucketShiftTable(b: BucketNoise): { readonly down: Float64Array; readonly up: Float64Array } {
  const w = checkNoise(b);
  const down = new Float64Array(w);
  const up = new Float64Array(w);
  for (let r = 0; r < w; r++) {
    const s = bucketShift(r, b);
    down[r] = s.down;
    up[r] = s.up;
  }
  return { down, up };
}

/**
 * Probability that a rounded value lands in another bucket, for slots whose dropped bits r are
 * distributed as `counts` (counts[r] slots at offset r; 2^k entries): sum_r counts[r] (down + up) /
 * sum counts. With uniform counts and 2^k >> sigma this is ~ 2 sigma / (2^k sqrt(2 pi)).
 */
export function offBucketRate(counts: ArrayLike<number>, b: BucketNoise): number {
  const w = checkNoise(b);
  if (counts.length !== w) throw new Error(`counts must have 2^roundBits = ${w} entries, got ${counts.length}`);
  const t = bucketShiftTable(b);
  let total = 0;
  let off = 0;
  for (let r = 0; r < w; r++) {
    const n = counts[r] as number;
    if (!(n >= 0)) throw new Error(`counts[${r}] must be >= 0, got ${n}`);
    total += n;
    off += n * (t.down[r]! + t.up[r]!);
  }
  return total === 0 ? 0 : off / total;
}

/**
 * The noise standard deviation (slots) at which the slots of a stage land in another bucket with
 * probability `rate`: offBucketRate(counts, sigma) = rate, with `counts` the distribution of their
 * dropped bits r in [0, 2^k) (from calibration; default uniform offsets) and the box edge at 1/2
 * slot (N >> 2^bits; the edge of a set with N = 2 * 2^bits, 3/4, moves the rate little). What an
 * approximate stage's `offRate` caps its noise at (decisions.ts). Slots that sit mid-bucket (a
 * channel scaled by 2^k, centred: compiler rounding-mode.ts) tolerate far more noise than uniform
 * ones, so their stage gets a looser cap.
 */
export function sigmaForOffRate(roundBits: number, rate: number, counts?: ArrayLike<number>): number {
  if (!(rate > 0 && rate < 0.5)) throw new Error(`offRate must be a probability in (0, 0.5), got ${rate}`);
  const w = 2 ** roundBits;
  const dropped = counts ?? new Float64Array(w).fill(1);
  if (dropped.length !== w) throw new Error(`counts must have 2^roundBits = ${w} entries, got ${dropped.length}`);
  const rateAt = (sigma: number) => offBucketRate(dropped, { roundBits, sigma, boxEdge: 0.5 });
  // No slot within half a bucket of an edge moves less than a uniform one: the rate grows with
  // sigma, from 0 to 1 - (1 / 2^k-ish); past 2^(k+4) slots it no longer depends on the offsets.
  let lo = 1e-6;
  let hi = w;
  while (rateAt(hi) < rate && hi < 2 ** (roundBits + 8)) hi *= 2;
  if (rateAt(hi) < rate) return hi;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (rateAt(mid) < rate) lo = mid;
    else hi = mid;
  }
  return lo; // the rate at lo is below `rate`
}
