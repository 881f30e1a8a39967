// CRT stages (circuit format v4, docs/crt.md sections 1 and 3; docs/circuit-format.md, "CRT
// stages"): the one place in the compiler that defines what a stage's `crt.moduli` must be and how
// a slot maps to its table entry. The moduli are chosen by @fhenet/params chooseCrtModuli (fewest
// selector bits, then fewer moduli, then smaller max), next to the WoP parameter optimizer.
//
// A CRT stage carries its slot s (shifted into [0, span) per channel) as residues s mod p_i for
// pairwise coprime odd moduli p_i, and looks up T_c[u] with u = s mod M, M = prod p_i >= span.
// Under encryption the linear map acts on every residue modulo its own p_i (native encoding, no
// padding bit), so u is exact for any input, also past M (it wraps mod M, the way a padded stage
// wraps mod 2p). Odd moduli are what lets a residue PBS work without a padding bit (crt.md
// section 2); coprimality is what makes (s mod p_i)_i determine s mod M (CRT).

import { gcd, residueBits } from '@fhenet/params';
import type { Circuit, CrtSpec, Stage } from './types.js';

/**
 * Largest M = prod(moduli) a circuit may use: tables hold M entries per channel. The design
 * targets accumulators of 9-16 bits (crt.md); 2^20 leaves room for the slack of odd moduli
 * (e.g. 16 bits of span need M just above 2^16) while bounding what a corrupt file can make a
 * reader allocate, and keeps slots and products far inside the simulator's int32 arithmetic.
 */
export const MAX_CRT_PRODUCT = 2 ** 20;

/** M: the number of distinct slots the residues represent. */
export function crtProduct(moduli: readonly number[]): number {
  return moduli.reduce((m, p) => m * p, 1);
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

/** WoP lookups of one sample through a stage: one per output of a CRT stage with tables, else 0. */
export function crtLookups(stage: { readonly crt?: CrtSpec; readonly tables: unknown }, outputs: number): number {
  return stage.crt && stage.tables !== null ? outputs : 0;
}

/** Why a circuit mixing padded and CRT stages gets no parameters (and the runtime refuses it). */
export function mixedCrtViolation(circuit: Circuit): string | undefined {
  const crt = circuit.stages.filter((s) => s.crt);
  if (crt.length === 0 || crt.length === circuit.stages.length) return undefined;
  const padded = circuit.stages.filter((s) => !s.crt).map((s) => s.name);
  return (
    `circuit "${circuit.name}" mixes padded stages (${padded.join(', ')}) with CRT stages (${crt.map((s) => s.name).join(', ')}): ` +
    "one WoP parameter set cannot serve both (a padded stage would have to emit the next stage's residues through a padded PBS with " +
    'torus-valued tables, which the engine does not have); compile with a smaller --max-bits (e.g. --crt --max-bits 4) so that every encrypted stage is a CRT stage'
  );
}

/**
 * Bits o of a CRT last stage whose table integers the client decrypts (output.kind dequantize):
 * every T_c[u] lies in [-2^o, 2^o), encoded as T * 2^64 / 2^(o+1) (docs/circuit-format.md, "CRT stages").
 */
export function crtOutputBits(stage: Pick<Stage, 'tables'>): number {
  if (!stage.tables) throw new RangeError('crtOutputBits: the stage has no tables (its client decodes residues)');
  let lo = 0;
  let hi = 0;
  for (const v of stage.tables) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let o = 1;
  while (-(2 ** o) > lo || 2 ** o <= hi) o++;
  return o;
}

/** Output encodings (vertical packings) per neuron of stage i: the next stage's moduli, 1 for a decoded last stage, 0 without tables. */
export function crtOutputsOf(circuit: Circuit, i: number): number {
  const stage = circuit.stages[i]!;
  if (!stage.crt || !stage.tables) return 0;
  const next = circuit.stages[i + 1];
  return next ? next.crt!.moduli.length : 1;
}
