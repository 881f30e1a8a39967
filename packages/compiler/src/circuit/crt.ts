// CRT stages (circuit format v4, docs/crt.md sections 1 and 3; docs/circuit-format.md, "CRT
// stages"): the one place that defines what a stage's `crt.moduli` must be, how they are chosen,
// and how a slot maps to its table entry.
//
// A CRT stage carries its slot s (shifted into [0, span) per channel) as residues s mod p_i for
// pairwise coprime odd moduli p_i, and looks up T_c[u] with u = s mod M, M = prod p_i >= span.
// Under encryption the linear map acts on every residue modulo its own p_i (native encoding, no
// padding bit), so u is exact for any input, also past M (it wraps mod M, the way a padded stage
// wraps mod 2p). Odd moduli are what lets a residue PBS work without a padding bit (crt.md
// section 2); coprimality is what makes (s mod p_i)_i determine s mod M (CRT).

/** The residue moduli of a CRT stage. */
export interface CrtSpec {
  /** Pairwise coprime odd moduli >= 3, in the order of the residue ciphertexts (r_1 first). */
  readonly moduli: readonly number[];
}

/**
 * Largest M = prod(moduli) a circuit may use: tables hold M entries per channel. The design
 * targets accumulators of 9-16 bits (crt.md); 2^20 leaves room for the slack of odd moduli
 * (e.g. 16 bits of span need M just above 2^16) while bounding what a corrupt file can make a
 * reader allocate, and keeps slots and products far inside the simulator's int32 arithmetic.
 */
export const MAX_CRT_PRODUCT = 2 ** 20;

export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

/** M: the number of distinct slots the residues represent. */
export function crtProduct(moduli: readonly number[]): number {
  return moduli.reduce((m, p) => m * p, 1);
}

/** Bits of one residue: b = ceil(log2 p) (p odd >= 3, so never a power of two). */
export function residueBits(p: number): number {
  return Math.ceil(Math.log2(p));
}

/** t = sum_i ceil(log2 p_i): the selector bits of the stage's vertical packing (crt.md section 3). */
export function selectorBits(moduli: readonly number[]): number {
  return moduli.reduce((t, p) => t + residueBits(p), 0);
}

/**
 * Why `moduli` cannot be a CRT stage's moduli, or undefined when they can: integers, odd, >= 3,
 * pairwise coprime, product <= MAX_CRT_PRODUCT. The message names the first offending entry.
 */
export function crtModuliViolation(moduli: readonly number[]): string | undefined {
  if (moduli.length === 0) return 'at least one modulus';
  for (let i = 0; i < moduli.length; i++) {
    const p = moduli[i]!;
    if (!Number.isSafeInteger(p) || p < 3) return `moduli[${i}] = ${String(p)}: an integer >= 3`;
    if (p % 2 === 0) return `moduli[${i}] = ${p}: an odd modulus (a residue PBS without padding bit needs p odd; docs/crt.md section 2)`;
    for (let j = 0; j < i; j++) {
      const g = gcd(p, moduli[j]!);
      if (g !== 1) return `moduli[${j}] = ${moduli[j]} and moduli[${i}] = ${p}: pairwise coprime moduli (both are multiples of ${g})`;
    }
  }
  const m = crtProduct(moduli);
  if (m > MAX_CRT_PRODUCT) return `a product of at most 2^20 = ${MAX_CRT_PRODUCT} (tables hold M entries per channel), got ${m}`;
  return undefined;
}

/** u = s mod M in [0, M), for any integer slot s (negative slots included). */
export function crtIndex(slot: number, product: number): number {
  const u = slot % product;
  return u < 0 ? u + product : u;
}

/** What the chooser needs besides the span. */
export interface CrtModuliOptions {
  /** Largest modulus allowed (the largest residue one PBS of the circuit's parameters can read). */
  readonly maxModulus: number;
}

/** Largest M any coprime set of odd moduli <= maxModulus reaches: the product of the largest odd prime power <= maxModulus of each odd prime. */
function largestReachableProduct(maxModulus: number): number {
  let m = 1;
  for (let q = 3; q <= maxModulus; q += 2) {
    let prime = true;
    for (let d = 3; d * d <= q; d += 2) if (q % d === 0) prime = false;
    if (!prime) continue;
    let pw = q;
    while (pw * q <= maxModulus) pw *= q;
    m *= pw;
    if (m > Number.MAX_SAFE_INTEGER / maxModulus) return Infinity;
  }
  return m;
}

/**
 * The moduli of a CRT stage whose slots span `span` values: pairwise coprime odd moduli in
 * [3, maxModulus] with product >= span, chosen to minimise, in order, t = sum ceil(log2 p_i) (the
 * selector bits, which set the circuit-bootstrapping and vertical-packing cost), the number of
 * moduli (keyswitches and output encodings), the largest modulus (the residue PBS margin 1/(4p)
 * shrinks with p), then the descending tuple lexicographically (deterministic). Returned largest
 * first.
 */
export function chooseCrtModuli(span: number, options: CrtModuliOptions): number[] {
  const { maxModulus } = options;
  if (!Number.isSafeInteger(span) || span < 1) throw new RangeError(`chooseCrtModuli: span must be a positive integer, got ${span}`);
  if (!Number.isSafeInteger(maxModulus) || maxModulus < 3) throw new RangeError(`chooseCrtModuli: maxModulus must be an integer >= 3, got ${maxModulus}`);
  const reachable = largestReachableProduct(maxModulus);
  if (span > reachable) {
    throw new RangeError(`chooseCrtModuli: no pairwise coprime odd moduli <= ${maxModulus} reach a product of ${span} (at most ${reachable}); allow larger moduli`);
  }
  const top = maxModulus % 2 === 0 ? maxModulus - 1 : maxModulus;
  // Lexicographically smallest descending tuple p_1 > .. > p_m with sum of bits <= budget and
  // product >= span, or undefined. Candidates ascend, so the first complete tuple is the smallest.
  const search = (m: number, budget: number): number[] | undefined => {
    const chosen: number[] = [];
    const rec = (product: number, bitsLeft: number, below: number): boolean => {
      const r = m - chosen.length;
      if (r === 0) return product >= span;
      for (let p = 3; p < below; p += 2) {
        const b = residueBits(p);
        if (b + 2 * (r - 1) > bitsLeft) break; // each later modulus needs >= 2 bits; b grows with p
        // The r - 1 later moduli are < p and fit in bitsLeft - b bits: their product is below both bounds.
        const later = Math.min((p - 2) ** (r - 1), 2 ** (bitsLeft - b));
        if (product * p * later < span) continue;
        if (chosen.some((q) => gcd(p, q) !== 1)) continue;
        chosen.push(p);
        if (rec(product * p, bitsLeft - b, p)) return true;
        chosen.pop();
      }
      return false;
    };
    return rec(1, budget, top + 2) ? chosen : undefined;
  };
  for (let t = Math.max(2, Math.ceil(Math.log2(span))); ; t++) {
    for (let m = 1; 2 * m <= t; m++) {
      const found = search(m, t);
      if (found) return found;
    }
  }
}

/** WoP lookups of one sample through a stage: one per output of a CRT stage with tables, else 0. */
export function crtLookups(stage: { readonly crt?: CrtSpec; readonly tables: unknown }, outputs: number): number {
  return stage.crt && stage.tables !== null ? outputs : 0;
}
