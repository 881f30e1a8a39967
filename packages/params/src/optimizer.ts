// Parameter optimizer after Bergerat et al. (ePrint 2022/704): the cheapest keyswitch + PBS set
// (cost model in cost.ts) whose predicted p_fail per PBS at the circuit's max nu meets the target,
// with every key at the least noise the security rule allows for its dimension.
//
// The search is exact over its space, made fast by three separations of the noise model:
//  - Var_PBS = n * f(k, N, PBS decomposition): for each (k, N, levels) the best base is the one
//    minimizing f, independent of n;
//  - Var_KS = kN * g(n, KS decomposition): for each (n, levels) the best base minimizes g;
//  - cost grows with n, so for each (k, N, PBS levels, KS levels) the first feasible n is the best;
//    TUniform noise is a step function of n, so only the first n of each step can be optimal.
// Tuples whose cheapest conceivable cost already exceeds the best found are skipped.
import { pbsCost } from './cost.js';
import { log2Erfc } from './erfc.js';
import { decisionVariance, log2PFailOfDecision, plainDecision, type PbsDecision } from './decisions.js';
import { varKeyswitch, varModulusSwitch, varPbs } from './noise.js';
import type { NoiseKind } from './published.js';
import { log2PFailPerPbsFor } from './probability.js';
import { assertSecure, MIN_SECURE_DIMENSION, minSecureGaussianStdDevLog2, minSecureTUniformBoundLog2 } from './security.js';
import type { DecompositionParams, ModulusSwitch, NoiseDistribution, TfheParameterSet } from './types.js';
import { MAX_MESSAGE_BITS } from './validate.js';
import type { PbsCost } from './cost.js';

/** Search space. N and k reach the largest published values (N = 2^16, k = 6). */
/**
 * Error probability of one whole inference that parameter choices target unless told otherwise
 * (compile --p-error, sweeps, the demo, benches): split over the inference's PBS.
 */
export const DEFAULT_P_ERROR = 1e-6;

export const OPTIMIZER_SPACE = {
  polynomialSizeLog2: { min: 8, max: 16 },
  glweDimension: { min: 1, max: 6 },
  lweDimension: { min: MIN_SECURE_DIMENSION, max: 2048 },
  pbsLevels: { min: 1, max: 12 },
  keyswitchLevels: { min: 1, max: 24 },
} as const;

export type FailureTarget = number | { readonly pErrorPerInference: number; readonly pbsCount: number };

export interface OptimizeRequest {
  /** Message bits p = 2^messageBits (the polynomial must hold 2^p boxes: N >= 2^p). */
  readonly messageBits: number;
  /** Largest 2-norm of the integer weights feeding a PBS in the circuit. */
  readonly maxNu: number;
  /**
   * Every kind of decision the set must carry at the per-PBS target (decisions.ts): rounded
   * circuits have bit extractions and wide-tolerance lookups. Default: one plain p-bit lookup at
   * maxNu, which is what log2PFail(set) rates.
   */
  readonly decisions?: readonly PbsDecision[];
  /** log2 p_fail per PBS, or an error budget per inference split over pbsCount PBS. */
  readonly log2PFailPerPbs: FailureTarget;
  readonly noise?: NoiseKind;
  readonly modulusSwitch?: ModulusSwitch;
  /**
   * Narrower search (each range within OPTIMIZER_SPACE): the cheapest set of a given shape, e.g.
   * k = 1 and N = 2048, for measuring the cost model on the sets a circuit could actually use.
   */
  readonly space?: {
    readonly [K in 'polynomialSizeLog2' | 'glweDimension' | 'pbsLevels' | 'keyswitchLevels']?: { readonly min: number; readonly max: number };
  };
}

export interface OptimizeResult {
  readonly set: TfheParameterSet;
  /** Predicted log2 p_fail of the worst decision (plain: one PBS at maxNu) = set.log2PFail, <= the target. */
  readonly log2PFail: number;
  /** The per-PBS target the search met. */
  readonly targetLog2PFail: number;
  readonly cost: PbsCost;
}

/** The least secure noise at `dimension` (shared with wop-optimizer.ts). */
export function keyNoise(kind: NoiseKind, dimension: number): NoiseDistribution {
  return kind === 'tuniform' ? { kind, boundLog2: minSecureTUniformBoundLog2(dimension) } : { kind, stdDevLog2: minSecureGaussianStdDevLog2(dimension) };
}

/** Largest variance whose p_fail is <= 2^target: p_fail = erfc(tolerance / sqrt(2 s2)). */
export function maxVariance(tolerance: number, target: number): number {
  let lo = 0;
  let hi = 1;
  while (log2Erfc(hi) > target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (log2Erfc(mid) > target) lo = mid;
    else hi = mid;
  }
  return (tolerance / hi) ** 2 / 2; // x = hi satisfies the target, so this variance does too
}

export interface KeyswitchChoice {
  readonly baseLog: Float64Array;
  /** Var_KS / kN with the best base, per n (index n - min). */
  readonly g: Float64Array;
}

/** Best keyswitch base per (noise kind, levels), per candidate n; cached, since it does not depend on the request. */
const keyswitchCache = new Map<string, KeyswitchChoice>();

export function bestKeyswitch(kind: NoiseKind, levels: number): KeyswitchChoice {
  const key = `${kind}/${levels}`;
  const cached = keyswitchCache.get(key);
  if (cached) return cached;
  const { min, max } = OPTIMIZER_SPACE.lweDimension;
  const baseLog = new Float64Array(max - min + 1);
  const g = new Float64Array(max - min + 1).fill(Infinity);
  for (const n of candidateDimensions(kind)) {
    const lweNoise = keyNoise(kind, n);
    for (let b = 1; b * levels <= 64; b++) {
      const v = varKeyswitch({ glweDimension: 1, polynomialSize: 1, keyswitch: { baseLog: b, levelCount: levels }, lweNoise });
      if (v < g[n - min]!) {
        g[n - min] = v;
        baseLog[n - min] = b;
      }
    }
  }
  const choice = { baseLog, g };
  keyswitchCache.set(key, choice);
  return choice;
}

/** The n worth trying: for TUniform, the first n of each noise step (later ones only add noise and cost). */
export function candidateDimensions(kind: NoiseKind): number[] {
  const { min, max } = OPTIMIZER_SPACE.lweDimension;
  const out: number[] = [];
  let previous = Number.NaN;
  for (let n = min; n <= max; n++) {
    if (kind === 'gaussian') out.push(n);
    else {
      const b = minSecureTUniformBoundLog2(n);
      if (b !== previous) out.push(n);
      previous = b;
    }
  }
  return out;
}

function checkRequest(request: OptimizeRequest): number {
  const { messageBits, maxNu } = request;
  if (!Number.isInteger(messageBits) || messageBits < 1) throw new Error(`messageBits must be an integer >= 1, got ${messageBits}`);
  if (messageBits > MAX_MESSAGE_BITS) {
    throw new Error(
      `messageBits ${messageBits} > ${MAX_MESSAGE_BITS} (the engine's limit): round low accumulator bits or quantize to <= ${MAX_MESSAGE_BITS} bits`,
    );
  }
  for (const d of request.decisions ?? []) {
    if (!(d.inputFactor >= 0) || !Number.isFinite(d.inputFactor))
      throw new Error(`decision ${d.label}: inputFactor must be a finite number >= 0, got ${d.inputFactor}`);
    if (!(d.tolerance > 0 && d.tolerance <= 0.5)) throw new Error(`decision ${d.label}: tolerance must be in (0, 1/2] torus, got ${d.tolerance}`);
    if (d.varianceCap !== undefined && !(d.varianceCap > 0)) throw new Error(`decision ${d.label}: varianceCap must be > 0, got ${d.varianceCap}`);
  }
  if (!(maxNu > 0) || !Number.isFinite(maxNu)) throw new Error(`maxNu must be a finite number > 0, got ${maxNu}`);
  const t = request.log2PFailPerPbs;
  const target = typeof t === 'number' ? t : log2PFailPerPbsFor(t.pErrorPerInference, t.pbsCount);
  if (!(target < 0) || !Number.isFinite(target)) throw new Error(`log2PFailPerPbs must be a finite number < 0, got ${target}`);
  const noise = request.noise ?? 'tuniform';
  if (noise !== 'tuniform' && noise !== 'gaussian') throw new Error(`noise must be "tuniform" or "gaussian", got ${JSON.stringify(noise)}`);
  return target;
}

function searchSpace(narrow: OptimizeRequest['space'] = {}) {
  const out = { ...OPTIMIZER_SPACE, ...narrow };
  for (const key of ['polynomialSizeLog2', 'glweDimension', 'pbsLevels', 'keyswitchLevels'] as const) {
    checkSpaceRange(key, out[key], OPTIMIZER_SPACE[key]);
  }
  return out;
}

/** A caller's narrowing of one search dimension must be an integer range inside the full one (both optimizers). */
export function checkSpaceRange(key: string, r: { min: number; max: number } | undefined, full: { min: number; max: number }): void {
  if (!r || !Number.isInteger(r.min) || !Number.isInteger(r.max) || r.min < full.min || r.max > full.max || r.min > r.max) {
    throw new Error(`space.${key} must be integers within [${full.min}, ${full.max}] with min <= max, got ${JSON.stringify(r)}`);
  }
}

interface Best {
  cost: number;
  n: number;
  k: number;
  N: number;
  pbs: DecompositionParams;
  keyswitch: DecompositionParams;
}

/** _ROUNDED for a set carrying bit extractions, _APPROX for one carrying approximate lookups (and none), else nothing. */
function setNameSuffix(decisions: readonly PbsDecision[]): string {
  if (decisions.some((d) => d.kind === 'extract')) return '_ROUNDED';
  return decisions.some((d) => d.kind === 'approximate') ? '_APPROX' : '';
}

/** The cheapest secure set meeting the request; throws if the search space holds none. */
export function optimizeParameters(request: OptimizeRequest): OptimizeResult {
  const target = checkRequest(request);
  const { messageBits, maxNu } = request;
  const kind = request.noise ?? 'tuniform';
  const modulusSwitch = request.modulusSwitch ?? 'centered';
  const decisions = request.decisions && request.decisions.length > 0 ? request.decisions : [plainDecision(messageBits, maxNu)];
  // Each decision j: inputFactor_j * Var_PBS + Var_KS + Var_MS <= vMax_j (a clear decryption
  // has no keyswitch or modulus switch: switched_j = 0).
  const factors = decisions.map((d) => d.inputFactor);
  const switched = decisions.map((d) => (d.kind === 'clear' ? 0 : 1));
  const vMaxes = decisions.map((d) => Math.min(maxVariance(d.tolerance, target), d.varianceCap ?? Infinity));
  const nMin = OPTIMIZER_SPACE.lweDimension.min;
  const candidates = candidateDimensions(kind);
  const space = searchSpace(request.space);
  let best: Best | undefined;

  for (let logN = space.polynomialSizeLog2.min; logN <= space.polynomialSizeLog2.max; logN++) {
    const N = 2 ** logN;
    // The blind rotation resolves 2N positions; p slots plus padding need N >= p.
    if (N < 2 ** messageBits) continue;
    const msConst = varModulusSwitch({ lweDimension: 0, polynomialSize: N }, modulusSwitch);
    const msPerN = varModulusSwitch({ lweDimension: 1, polynomialSize: N }, modulusSwitch) - msConst;
    for (let k = space.glweDimension.min; k <= space.glweDimension.max; k++) {
      const kN = k * N;
      if (kN < MIN_SECURE_DIMENSION) continue;
      const glweNoise = keyNoise(kind, kN);
      for (let lPbs = space.pbsLevels.min; lPbs <= space.pbsLevels.max; lPbs++) {
        const perN = pbsCost({
          lweDimension: 1,
          glweDimension: k,
          polynomialSize: N,
          pbs: { baseLog: 1, levelCount: lPbs },
          keyswitch: { baseLog: 1, levelCount: 1 },
        }).pbs;
        if (best && perN * nMin >= best.cost) break; // more levels only cost more
        let f = Infinity;
        let pbsBase = 0;
        for (let b = 1; b * lPbs <= 64; b++) {
          const v = varPbs({ lweDimension: 1, glweDimension: k, polynomialSize: N, pbs: { baseLog: b, levelCount: lPbs }, glweNoise });
          if (v < f) [f, pbsBase] = [v, b];
        }
        // Per decision, the part of the variance that grows with n (PBS input and modulus switch).
        const perNVariance = factors.map((a, j) => a * f + switched[j]! * msPerN);
        const fits = (n: number, ks: number) => perNVariance.every((v, j) => v * n + switched[j]! * (ks + msConst) <= vMaxes[j]!);
        for (let lKs = space.keyswitchLevels.min; lKs <= space.keyswitchLevels.max; lKs++) {
          // Keyswitch cost per unit of (n + 1): the model's keyswitch term at n = 0.
          const ksCostPerN = pbsCost({
            lweDimension: 0,
            glweDimension: k,
            polynomialSize: N,
            pbs: { baseLog: 1, levelCount: lPbs },
            keyswitch: { baseLog: 1, levelCount: lKs },
          }).keyswitch;
          if (best && perN * nMin + ksCostPerN * (nMin + 1) >= best.cost) break;
          const ks = bestKeyswitch(kind, lKs);
          for (const n of candidates) {
            const cost = perN * n + ksCostPerN * (n + 1);
            if (best && cost >= best.cost) break;
            if (!fits(n, 0)) break; // PBS and switch noise alone already too big, and grow with n
            if (fits(n, kN * ks.g[n - nMin]!)) {
              best = { cost, n, k, N, pbs: { baseLog: pbsBase, levelCount: lPbs }, keyswitch: { baseLog: ks.baseLog[n - nMin]!, levelCount: lKs } };
              break; // larger n only costs more
            }
          }
        }
      }
    }
  }

  if (!best) {
    throw new Error(
      `No ${kind} parameter set (N <= 2^${OPTIMIZER_SPACE.polynomialSizeLog2.max}, k <= ${OPTIMIZER_SPACE.glweDimension.max}, n <= ${OPTIMIZER_SPACE.lweDimension.max}) ` +
        `reaches log2 p_fail <= ${target.toFixed(2)} per PBS for ${messageBits} message bits at nu = ${maxNu}; ` +
        (request.space
          ? `within the requested space ${JSON.stringify(request.space)}`
          : "lower the weights' 2-norm (prune or shrink weights), use fewer bits, or accept a larger error probability"),
    );
  }
  const draft: TfheParameterSet = {
    name: `OPTIMIZED_${kind.toUpperCase()}_${messageBits}BIT${setNameSuffix(decisions)}_NU${maxNu}_2M${Math.round(-target)}`,
    messageBits,
    lweDimension: best.n,
    glweDimension: best.k,
    polynomialSize: best.N,
    lweNoise: keyNoise(kind, best.n),
    glweNoise: keyNoise(kind, best.k * best.N),
    pbs: best.pbs,
    keyswitch: best.keyswitch,
    maxNu,
    log2PFail: 0,
    modulusSwitch,
  };
  // The set is rated by its worst decision (for a plain circuit: log2PFail(set) at maxNu).
  const predicted = Math.max(...decisions.map((d) => log2PFailOfDecision(draft, d)));
  const set: TfheParameterSet = { ...draft, log2PFail: predicted };
  // The search used the same formulas in separated form; re-check through the public API.
  assertSecure(set);
  if (!(predicted <= target)) throw new Error(`optimizer internal error: ${set.name} predicts ${predicted} > target ${target}`);
  for (const d of decisions) {
    if (d.varianceCap !== undefined && decisionVariance(set, d) > d.varianceCap * (1 + 1e-9))
      throw new Error(`optimizer internal error: ${set.name} exceeds the variance cap of ${d.label}`);
  }
  return { set, log2PFail: predicted, targetLog2PFail: target, cost: pbsCost(set) };
}
