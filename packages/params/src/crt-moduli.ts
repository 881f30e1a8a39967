// Choice of the residue moduli of a CRT stage (docs/crt.md section 1): pairwise coprime odd
// moduli whose product covers the stage's span. The WoP-PBS works on t = sum ceil(log2 p_i)
// selector bits and its vertical packing grows as 2^t, so t is what to minimise; then fewer
// moduli (fewer keyswitches and residue decisions), then a smaller largest modulus (a wider
// margin 1/(4p) and a smaller messageBits, hence smaller N).

export interface CrtModuliOptions {
  /** Largest modulus allowed (odd moduli above it are not considered). */
  readonly maxModulus: number;
}

export interface CrtModuliChoice {
  /** Ascending. */
  readonly moduli: readonly number[];
  /** M = prod p_i >= span. */
  readonly product: number;
  /** t = sum ceil(log2 p_i). */
  readonly selectorBits: number;
}

/** Greatest common divisor (the one used by every coprimality check of the project). */
export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Bits of one modulus in the selector: ceil(log2 p). */
export function residueBits(modulus: number): number {
  return Math.ceil(Math.log2(modulus));
}

/**
 * Ranking: fewer selector bits, then fewer moduli, then smaller max, then the lexicographically
 * smaller descending tuple (the same order as the compiler's chooser in
 * packages/compiler/src/circuit/crt.ts, so both pick the same moduli).
 */
function better(a: CrtModuliChoice, b: CrtModuliChoice | undefined): boolean {
  if (!b) return true;
  if (a.selectorBits !== b.selectorBits) return a.selectorBits < b.selectorBits;
  if (a.moduli.length !== b.moduli.length) return a.moduli.length < b.moduli.length;
  const maxA = a.moduli[a.moduli.length - 1]!;
  const maxB = b.moduli[b.moduli.length - 1]!;
  if (maxA !== maxB) return maxA < maxB;
  for (let i = a.moduli.length - 1; i >= 0; i--) if (a.moduli[i] !== b.moduli[i]) return a.moduli[i]! < b.moduli[i]!;
  return false;
}

/**
 * Pairwise coprime odd moduli (each in [3, maxModulus]) with product >= span, minimising the
 * selector bits t = sum ceil(log2 p_i); ties: fewer moduli, then smaller largest modulus, then
 * the lexicographically smaller descending tuple. Exact (depth-first search with a bit-budget bound). Throws if no such set exists.
 */
export function chooseCrtModuli(span: number, options: CrtModuliOptions): CrtModuliChoice {
  if (!Number.isInteger(span) || span < 2 || span > 2 ** 48) throw new Error(`span must be an integer in [2, 2^48], got ${span}`);
  const { maxModulus } = options;
  if (!Number.isInteger(maxModulus) || maxModulus < 3 || maxModulus > 2 ** 12)
    throw new Error(`maxModulus must be an integer in [3, 4096] (a residue PBS needs N >= 2p; the search is exhaustive), got ${maxModulus}`);
  const candidates: number[] = [];
  for (let p = maxModulus % 2 === 1 ? maxModulus : maxModulus - 1; p >= 3; p -= 2) candidates.push(p); // descending
  let best: CrtModuliChoice | undefined;
  const chosen: number[] = [];

  // Moduli are added in descending order (each set is visited once). A set of product P < span
  // needs more moduli; an odd p_i >= 3 is < 2^ceil(log2 p_i), so their bits B satisfy
  // 2^B > span / P, i.e. B >= floor(log2(span / P)) + 1: the bound that prunes.
  const search = (start: number, product: number, bits: number): void => {
    if (product >= span) {
      const choice: CrtModuliChoice = { moduli: [...chosen].reverse(), product, selectorBits: bits };
      if (better(choice, best)) best = choice;
      return;
    }
    const needed = Math.floor(Math.log2(span / product)) + 1;
    if (best && bits + needed > best.selectorBits) return;
    for (let i = start; i < candidates.length; i++) {
      const p = candidates[i]!;
      if (best && bits + residueBits(p) > best.selectorBits) continue;
      if (!chosen.every((c) => gcd(c, p) === 1)) continue;
      chosen.push(p);
      search(i + 1, product * p, bits + residueBits(p));
      chosen.pop();
    }
  };
  search(0, 1, 0);
  if (!best) {
    throw new Error(`no pairwise coprime odd moduli <= ${maxModulus} reach a product >= span ${span}: raise maxModulus`);
  }
  return best;
}
