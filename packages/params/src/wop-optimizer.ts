// Optimizer for WoP-PBS parameter sets of CRT stages (docs/crt.md; docs/parameters.md, "WoP-PBS
// sets for CRT stages"): the set of least predicted cost for the whole inference
// (lookupsPerInference CRT neuron lookups, wop-cost.ts) whose residue decisions meet the error
// budget (wop-noise.ts), with every key at the least noise the security rule allows.
//
// Same structure as optimizer.ts, with the separations the WoP noise allows:
//  - Var_PBS = n f(k, N, PBS decomposition): best PBS base per level count, independent of n
//    (every other variance grows with Var_PBS);
//  - the PFKS enters the GGSW noise only through a constant G(k, N, PFKS decomposition) =
//    k (keyNoise_mask + rounding_mask/2) + keyNoise_body + rounding_body/N: best base per level count;
//  - s2_g(n) = (n f (k/2 + 1/N) + G) / (k+1), Var_ext = A(B_cbs, l_cbs) s2_g + C(B_cbs, l_cbs):
//    the CBS base is chosen per n (it trades the key term against the rounding term);
//  - Var_KS = kN g(n, KS decomposition) (optimizer.ts's cache);
//  - cost grows with n and with every level count, so the first feasible n of a tuple is its best,
//    and a tuple whose cost at the least n and least inner levels exceeds the best is cut.
import { COST_WEIGHTS, fftCost, pbsCost } from './cost.js';
import { chooseCrtModuli, residueBits, type CrtModuliChoice } from './crt-moduli.js';
import { noiseVariance } from './distribution.js';
import { varModulusSwitch, varPbs } from './noise.js';
import { bestKeyswitch, candidateDimensions, checkSpaceRange, keyNoise, maxVariance, OPTIMIZER_SPACE } from './optimizer.js';
import { log2PFailPerPbsFor, pFailPerInference } from './probability.js';
import type { NoiseKind } from './published.js';
import { MIN_SECURE_DIMENSION } from './security.js';
import type { DecompositionParams, ModulusSwitch, WopParameterSet } from './types.js';
import { crtLookupCost, crtLookupShape, verticalPackingCmuxCount, wopKeySizes, type CrtLookupCost, type CrtLookupShape, type WopKeySizes } from './wop-cost.js';
import {
  crtDrift,
  log2PFailOutputDecode,
  log2PFailResidue,
  varExternalProduct,
  varPackingKeyswitch,
  varVerticalPacking,
  weightL1NormBound,
} from './wop-noise.js';
import { assertWopSecure } from './wop-set.js';

/** Search space of the WoP optimizer (n as in OPTIMIZER_SPACE). */
export const WOP_OPTIMIZER_SPACE = {
  polynomialSizeLog2: { min: 8, max: 16 },
  glweDimension: { min: 1, max: 6 },
  pbsLevels: { min: 1, max: 12 },
  keyswitchLevels: { min: 1, max: 24 },
  circuitBootstrapLevels: { min: 1, max: 12 },
  packingKeyswitchLevels: { min: 1, max: 16 },
} as const;

type SpaceKey = keyof typeof WOP_OPTIMIZER_SPACE;

export interface WopOptimizeRequest {
  /** The stage's residue moduli (pairwise coprime, odd). Either this or maxModulus + maxSelectorBits. */
  readonly moduli?: readonly number[];
  /** Largest residue modulus, when the moduli are not fixed yet (then maxSelectorBits is required). */
  readonly maxModulus?: number;
  /** Largest 2-norm of the integer weights of a dot product feeding a residue PBS. */
  readonly maxNu: number;
  /**
   * Selector bits of the vertical packings whose outputs feed the residue PBS (their noise is
   * t Var_ext). Default: sum ceil(log2 p_i) of `moduli`. Also the t the lookup's cost uses when
   * `moduli` is absent (then m = ceil(t / ceil(log2 maxModulus)) residues).
   */
  readonly maxSelectorBits?: number;
  /** Output encodings (vertical packings) per neuron: m' for a next CRT stage, 1 for a dequantized output. */
  readonly outputs: number;
  /** Budget: probability that at least one residue decision of one inference fails. */
  readonly pErrorPerInference: number;
  /** CRT neuron lookups per inference: the cost minimised is lookupsPerInference * crtLookupCost. */
  readonly lookupsPerInference: number;
  /** Residue PBS decisions per inference (one per keyswitched residue); default lookupsPerInference * m. */
  readonly residuesPerInference?: number;
  /**
   * When the stage's outputs are decrypted by the client as o-bit values (a last stage with tables,
   * crt.md section 3 step 4): o. Each decryption is then a decision too, within 2^-(o+2) torus of
   * Var_VP(maxSelectorBits) noise (log2PFailOutputDecode), counted in the budget.
   */
  readonly outputDecodeBits?: number;
  /** Client decryptions of such outputs per inference; default lookupsPerInference * outputs (an upper bound). */
  readonly decodesPerInference?: number;
  /** L1 norm of the weights (plus 1 for the constant) for the drift; default weightL1NormBound(maxNu) = maxNu^2 + 1. */
  readonly maxWeightL1Norm?: number;
  readonly noise?: NoiseKind;
  readonly modulusSwitch?: ModulusSwitch;
  /** Narrower search, each range within WOP_OPTIMIZER_SPACE. */
  readonly space?: Partial<{ readonly [K in SpaceKey]: { readonly min: number; readonly max: number } }>;
}

export interface WopOptimizeResult {
  readonly set: WopParameterSet;
  /** Largest modulus (the rating's) and the selector bits the input noise is rated at. */
  readonly maxModulus: number;
  readonly maxSelectorBits: number;
  /** The lookup the cost is for. */
  readonly shape: CrtLookupShape;
  /** Predicted log2 p_fail of one residue decision, worst modulus (= set.log2PFail). */
  readonly log2PFailPerResidue: number;
  /** The per-decision target derived from the budget (residue decisions and output decryptions share it). */
  readonly targetLog2PFailPerResidue: number;
  readonly residuesPerInference: number;
  /** With outputDecodeBits: predicted log2 p_fail of one output decryption, and how many are counted. */
  readonly outputDecode?: { readonly outputBits: number; readonly log2PFail: number; readonly decodesPerInference: number };
  /** Predicted probability that some residue decision (or output decryption) of one inference fails (<= the budget). */
  readonly pErrorPerInference: number;
  /** Variance of a residue PBS's dot-product inputs: max(varVerticalPacking(set, maxSelectorBits), fresh encryption). */
  readonly inputVariance: number;
  readonly cost: { readonly perLookup: CrtLookupCost; readonly perInference: number };
  readonly keySizes: WopKeySizes;
}

function positiveInteger(value: unknown, field: string, max = 2 ** 40): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${field} must be an integer in [1, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

interface CheckedRequest {
  readonly moduli: readonly number[] | undefined;
  readonly maxModulus: number;
  readonly maxSelectorBits: number;
  readonly shape: CrtLookupShape;
  readonly residuesPerInference: number;
  readonly decode: { readonly outputBits: number; readonly decodesPerInference: number } | undefined;
  readonly target: number;
  readonly l1: number;
  readonly kind: NoiseKind;
  readonly modulusSwitch: ModulusSwitch;
}

function checkRequest(r: WopOptimizeRequest): CheckedRequest {
  if (!(r.maxNu > 0) || !Number.isFinite(r.maxNu)) throw new Error(`maxNu must be a finite number > 0, got ${r.maxNu}`);
  const outputs = positiveInteger(r.outputs, 'outputs', 64);
  const lookups = positiveInteger(r.lookupsPerInference, 'lookupsPerInference');
  let moduli: readonly number[] | undefined;
  let maxModulus: number;
  let shape: CrtLookupShape;
  if (r.moduli !== undefined) {
    shape = crtLookupShape(r.moduli, outputs);
    moduli = [...r.moduli];
    for (let i = 0; i < moduli.length; i++)
      for (let j = i + 1; j < moduli.length; j++) {
        let [a, b] = [moduli[i]!, moduli[j]!];
        while (b !== 0) [a, b] = [b, a % b];
        if (a !== 1) throw new Error(`moduli must be pairwise coprime, got ${moduli[i]} and ${moduli[j]} (gcd ${a}) in ${JSON.stringify(moduli)}`);
      }
    maxModulus = Math.max(...moduli);
    if (r.maxModulus !== undefined && r.maxModulus !== maxModulus)
      throw new Error(`maxModulus ${r.maxModulus} contradicts moduli ${JSON.stringify(moduli)} (largest ${maxModulus}); give one of them`);
  } else {
    if (r.maxModulus === undefined) throw new Error('give moduli, or maxModulus with maxSelectorBits');
    maxModulus = r.maxModulus;
    if (!Number.isInteger(maxModulus) || maxModulus < 3 || maxModulus % 2 === 0 || maxModulus > 2 ** 15)
      throw new Error(`maxModulus must be an odd integer in [3, 2^15], got ${maxModulus}`);
    const t = positiveInteger(r.maxSelectorBits, 'maxSelectorBits (required without moduli)', 40);
    shape = { residues: Math.ceil(t / residueBits(maxModulus)), selectorBits: t, outputs };
  }
  if (residueBits(maxModulus) + 1 > 16)
    throw new Error(`largest modulus ${maxModulus} needs ${residueBits(maxModulus) + 1} message bits; at most 16 (N <= 2^16)`);
  const maxSelectorBits = r.maxSelectorBits === undefined ? shape.selectorBits : positiveInteger(r.maxSelectorBits, 'maxSelectorBits', 40);
  // A maximum over the circuit's stages includes this one (whose outputs a last stage decrypts).
  if (maxSelectorBits < shape.selectorBits)
    throw new Error(`maxSelectorBits must be >= the moduli's selector bits ${shape.selectorBits} (${JSON.stringify(moduli)}), got ${maxSelectorBits}`);
  const residuesPerInference =
    r.residuesPerInference === undefined ? lookups * shape.residues : positiveInteger(r.residuesPerInference, 'residuesPerInference');
  if (!(r.pErrorPerInference > 0 && r.pErrorPerInference < 1)) throw new Error(`pErrorPerInference must be in (0, 1), got ${r.pErrorPerInference}`);
  let decode: CheckedRequest['decode'];
  if (r.outputDecodeBits !== undefined) {
    const outputBits = positiveInteger(r.outputDecodeBits, 'outputDecodeBits', 60);
    decode = {
      outputBits,
      decodesPerInference: r.decodesPerInference === undefined ? lookups * outputs : positiveInteger(r.decodesPerInference, 'decodesPerInference'),
    };
  } else if (r.decodesPerInference !== undefined) {
    throw new Error(`decodesPerInference (${r.decodesPerInference}) needs outputDecodeBits`);
  }
  const target = log2PFailPerPbsFor(r.pErrorPerInference, residuesPerInference + (decode?.decodesPerInference ?? 0));
  const l1 = r.maxWeightL1Norm ?? weightL1NormBound(r.maxNu);
  if (!(l1 >= 0) || !Number.isFinite(l1)) throw new Error(`maxWeightL1Norm must be a finite number >= 0, got ${l1}`);
  const kind = r.noise ?? 'tuniform';
  if (kind !== 'tuniform' && kind !== 'gaussian') throw new Error(`noise must be "tuniform" or "gaussian", got ${JSON.stringify(kind)}`);
  return { moduli, maxModulus, maxSelectorBits, shape, residuesPerInference, decode, target, l1, kind, modulusSwitch: r.modulusSwitch ?? 'centered' };
}

function searchSpace(narrow: WopOptimizeRequest['space'] = {}): Record<SpaceKey, { min: number; max: number }> {
  const out = { ...WOP_OPTIMIZER_SPACE, ...narrow } as Record<SpaceKey, { min: number; max: number }>;
  for (const key of Object.keys(WOP_OPTIMIZER_SPACE) as SpaceKey[]) checkSpaceRange(key, out[key], WOP_OPTIMIZER_SPACE[key]);
  for (const key of Object.keys(narrow))
    if (!(key in WOP_OPTIMIZER_SPACE)) throw new Error(`space.${key} is not a WoP search dimension (${Object.keys(WOP_OPTIMIZER_SPACE).join(', ')})`);
  return out;
}

interface Best {
  cost: number;
  n: number;
  k: number;
  N: number;
  pbs: DecompositionParams;
  keyswitch: DecompositionParams;
  circuitBootstrap: DecompositionParams;
  packingKeyswitch: DecompositionParams;
}

/** The cheapest secure WoP set meeting the request; throws (naming the request) if the space holds none. */
export function optimizeWopParameters(request: WopOptimizeRequest): WopOptimizeResult {
  const c = checkRequest(request);
  const space = searchSpace(request.space);
  const { kind, shape } = c;
  const nu2 = request.maxNu ** 2;
  const messageBits = residueBits(c.maxModulus) + 1;
  // Tightest margin over the moduli (1/(4p) - drift falls with p, but take the minimum honestly).
  const moduliForMargin = c.moduli ?? [c.maxModulus];
  const margin = Math.min(...moduliForMargin.map((p) => 1 / (4 * p) - crtDrift(p, c.l1)));
  if (!(margin > 0)) throw new Error(`the drift for L1 norm ${c.l1} leaves no margin for modulus ${c.maxModulus}`);
  const vMax = maxVariance(margin, c.target);
  // An output decryption sees Var_VP alone: Var_VP <= vMaxDecode (Infinity without decode).
  const vMaxDecode = c.decode ? maxVariance(2 ** -(c.decode.outputBits + 2), c.target) : Infinity;
  const candidates = candidateDimensions(kind);
  const nMin = candidates[0]!;
  const t = shape.selectorBits;
  const tNoise = c.maxSelectorBits;
  let best: Best | undefined;

  for (let logN = space.polynomialSizeLog2.min; logN <= space.polynomialSizeLog2.max; logN++) {
    const N = 2 ** logN;
    if (logN < messageBits) continue; // residue test polynomial: N >= 2^messageBits = 2^(ceil(log2 p)+1)
    const msConst = varModulusSwitch({ lweDimension: 0, polynomialSize: N }, c.modulusSwitch);
    const msPerN = varModulusSwitch({ lweDimension: 1, polynomialSize: N }, c.modulusSwitch) - msConst;
    const cmuxes = verticalPackingCmuxCount(t, N);
    for (let k = space.glweDimension.min; k <= space.glweDimension.max; k++) {
      const kN = k * N;
      if (kN < MIN_SECURE_DIMENSION) continue;
      const glweNoise = keyNoise(kind, kN);
      const fresh = noiseVariance(glweNoise);
      const shapeKN = { glweDimension: k, polynomialSize: N };
      // Cost pieces (wop-cost.ts terms, separated so each loop adds its own).
      const pbsPerN = (l: number) =>
        pbsCost({ lweDimension: 1, glweDimension: k, polynomialSize: N, pbs: { baseLog: 1, levelCount: l }, keyswitch: { baseLog: 1, levelCount: 1 } }).pbs;
      const cmux = (l: number) => pbsPerN(l); // a CMux = one blind-rotation iteration
      const ggswFft = (l: number) => COST_WEIGHTS.fft * (k + 1) ** 2 * l * fftCost(N);
      const pfks = (l: number) => COST_WEIGHTS.keyswitch * (k * (kN + 1) + kN) * l * (k + 1) * N;
      const ksPerN = (l: number) => shape.residues * COST_WEIGHTS.keyswitch * kN * l; // times (n + 1)
      const lookupCost = (n: number, lCbs: number, lPfks: number, lPbs: number, lKs: number) =>
        ksPerN(lKs) * (n + 1) + t * lCbs * (pbsPerN(lPbs) * n + pfks(lPfks)) + t * ggswFft(lCbs) + shape.outputs * cmuxes * cmux(lCbs);
      const lb = (lCbs: number, lPfks: number, lPbs: number, lKs: number) => lookupCost(nMin, lCbs, lPfks, lPbs, lKs);
      const { min: lc0 } = space.circuitBootstrapLevels;
      const { min: lp0 } = space.packingKeyswitchLevels;
      const { min: lb0 } = space.pbsLevels;
      const { min: lk0 } = space.keyswitchLevels;
      if (best && lb(lc0, lp0, lb0, lk0) >= best.cost) continue;

      // Best PFKS base per level count: the constant G of the GGSW noise.
      const pfksChoice: { g: number; baseLog: number }[] = [];
      for (let l = lp0; l <= space.packingKeyswitchLevels.max; l++) {
        let g = Infinity;
        let baseLog = 0;
        for (let b = 1; b * l <= 64; b++) {
          const dec = { baseLog: b, levelCount: l };
          const mask = varPackingKeyswitch({ glweDimension: k, polynomialSize: N, glweNoise }, dec, 'mask');
          const body = varPackingKeyswitch({ glweDimension: k, polynomialSize: N, glweNoise }, dec, 'body');
          const v = k * (mask.keyNoise + mask.rounding / 2) + body.keyNoise + body.rounding / N;
          if (v < g) [g, baseLog] = [v, b];
        }
        pfksChoice[l] = { g, baseLog };
      }
      // Best PBS base per level count (f = Var_PBS / n).
      const pbsChoice: { f: number; baseLog: number }[] = [];
      for (let l = lb0; l <= space.pbsLevels.max; l++) {
        let f = Infinity;
        let baseLog = 0;
        for (let b = 1; b * l <= 64; b++) {
          const v = varPbs({ lweDimension: 1, glweDimension: k, polynomialSize: N, pbs: { baseLog: b, levelCount: l }, glweNoise });
          if (v < f) [f, baseLog] = [v, b];
        }
        pbsChoice[l] = { f, baseLog };
      }

      for (let lCbs = lc0; lCbs <= space.circuitBootstrapLevels.max; lCbs++) {
        if (best && lb(lCbs, lp0, lb0, lk0) >= best.cost) break;
        // Var_ext(s2) = A_b s2 + C_b per CBS base b.
        const cbsA: number[] = [];
        const cbsC: number[] = [];
        const cbsB: number[] = [];
        for (let b = 1; b * lCbs <= 64; b++) {
          const dec = { baseLog: b, levelCount: lCbs };
          const C = varExternalProduct(shapeKN, 0, dec);
          cbsA.push(varExternalProduct(shapeKN, 1, dec) - C);
          cbsC.push(C);
          cbsB.push(b);
        }
        const bestExt = (s2g: number): [number, number] => {
          let v = Infinity;
          let b = 0;
          for (let i = 0; i < cbsA.length; i++) {
            const x = cbsA[i]! * s2g + cbsC[i]!;
            if (x < v) [v, b] = [x, cbsB[i]!];
          }
          return [v, b];
        };
        for (let lPfks = lp0; lPfks <= space.packingKeyswitchLevels.max; lPfks++) {
          if (best && lb(lCbs, lPfks, lb0, lk0) >= best.cost) break;
          const G = pfksChoice[lPfks]!.g;
          for (let lPbs = lb0; lPbs <= space.pbsLevels.max; lPbs++) {
            if (best && lb(lCbs, lPfks, lPbs, lk0) >= best.cost) break;
            const f = pbsChoice[lPbs]!.f;
            // Everything but the keyswitch, at dimension n; returns [variance, CBS base].
            const noKs = (n: number): [number, number] => {
              const s2g = (n * f * (k / 2 + 1 / N) + G) / (k + 1);
              const [ext, b] = bestExt(s2g);
              // The CBS base minimising Var_ext serves both constraints (both grow with Var_ext).
              if (tNoise * ext > vMaxDecode) return [Infinity, b];
              return [nu2 * Math.max(tNoise * ext, fresh) + n * msPerN + msConst, b];
            };
            if (noKs(nMin)[0] > vMax) continue; // grows with n: no n of this tuple fits
            for (let lKs = lk0; lKs <= space.keyswitchLevels.max; lKs++) {
              if (best && lb(lCbs, lPfks, lPbs, lKs) >= best.cost) break;
              const ks = bestKeyswitch(kind, lKs);
              for (const n of candidates) {
                const cost = lookupCost(n, lCbs, lPfks, lPbs, lKs);
                if (best && cost >= best.cost) break;
                const [v, bCbs] = noKs(n);
                if (v > vMax) break;
                if (v + kN * ks.g[n - OPTIMIZER_SPACE.lweDimension.min]! <= vMax) {
                  best = {
                    cost,
                    n,
                    k,
                    N,
                    pbs: { baseLog: pbsChoice[lPbs]!.baseLog, levelCount: lPbs },
                    keyswitch: { baseLog: ks.baseLog[n - OPTIMIZER_SPACE.lweDimension.min]!, levelCount: lKs },
                    circuitBootstrap: { baseLog: bCbs, levelCount: lCbs },
                    packingKeyswitch: { baseLog: pfksChoice[lPfks]!.baseLog, levelCount: lPfks },
                  };
                  break;
                }
              }
            }
          }
        }
      }
    }
  }

  const what = `${kind} WoP set for residues up to ${c.maxModulus} (t = ${c.maxSelectorBits}) at nu = ${request.maxNu}, log2 p_fail <= ${c.target.toFixed(2)} per residue`;
  if (!best) {
    throw new Error(
      `No ${what} within ${request.space ? `the requested space ${JSON.stringify(request.space)}` : 'the search space'}: lower nu, use smaller moduli, or accept a larger error probability`,
    );
  }
  const set0: WopParameterSet = {
    name: `WOP_${kind.toUpperCase()}_P${c.maxModulus}_T${c.maxSelectorBits}_NU${request.maxNu}_2M${Math.round(-c.target)}`,
    messageBits,
    lweDimension: best.n,
    glweDimension: best.k,
    polynomialSize: best.N,
    lweNoise: keyNoise(kind, best.n),
    glweNoise: keyNoise(kind, best.k * best.N),
    pbs: best.pbs,
    keyswitch: best.keyswitch,
    maxNu: request.maxNu,
    log2PFail: 0,
    modulusSwitch: c.modulusSwitch,
    circuitBootstrap: best.circuitBootstrap,
    packingKeyswitch: best.packingKeyswitch,
  };
  // Re-rate through the public functions (the search used them in separated form).
  const inputVariance = Math.max(varVerticalPacking(set0, c.maxSelectorBits), noiseVariance(set0.glweNoise));
  const predicted = Math.max(...moduliForMargin.map((p) => log2PFailResidue(set0, p, request.maxNu, inputVariance, crtDrift(p, c.l1))));
  const set: WopParameterSet = { ...set0, log2PFail: predicted };
  assertWopSecure(set);
  if (!(predicted <= c.target)) throw new Error(`optimizer internal error: ${set.name} predicts ${predicted} > target ${c.target}`);
  const outputDecode = c.decode && { ...c.decode, log2PFail: log2PFailOutputDecode(set, c.decode.outputBits, c.maxSelectorBits) };
  if (outputDecode && !(outputDecode.log2PFail <= c.target))
    throw new Error(`optimizer internal error: ${set.name} output decode ${outputDecode.log2PFail} > target ${c.target}`);
  const survive =
    Math.log1p(-pFailPerInference(predicted, c.residuesPerInference)) +
    (outputDecode ? Math.log1p(-pFailPerInference(outputDecode.log2PFail, outputDecode.decodesPerInference)) : 0);
  const perLookup = crtLookupCost(set, shape);
  if (Math.abs(perLookup.total - best.cost) > 1e-9 * best.cost) throw new Error(`optimizer internal error: cost ${perLookup.total} != searched ${best.cost}`);
  return {
    set,
    maxModulus: c.maxModulus,
    maxSelectorBits: c.maxSelectorBits,
    shape,
    log2PFailPerResidue: predicted,
    targetLog2PFailPerResidue: c.target,
    residuesPerInference: c.residuesPerInference,
    ...(outputDecode ? { outputDecode } : {}),
    pErrorPerInference: -Math.expm1(survive),
    inputVariance,
    cost: { perLookup, perInference: perLookup.total * request.lookupsPerInference },
    keySizes: wopKeySizes(set),
  };
}

/** Largest moduli optimizeCrtStage tries by default: every odd value from 5 to 63 (larger moduli only cost more, see docs/parameters.md). */
export const CRT_MAX_MODULUS_CANDIDATES: readonly number[] = Array.from({ length: 30 }, (_, i) => 5 + 2 * i);

export interface CrtStageRequest extends Omit<WopOptimizeRequest, 'moduli' | 'maxModulus' | 'maxSelectorBits' | 'residuesPerInference'> {
  /** The stage's exact worst-case slot range hi - lo + 1 (docs/crt.md section 1). */
  readonly span: number;
  /** maxModulus values handed to chooseCrtModuli; default CRT_MAX_MODULUS_CANDIDATES. */
  readonly maxModulusCandidates?: readonly number[];
}

export interface CrtStageAlternative {
  readonly moduli: readonly number[];
  /** Cost of the whole inference with this moduli choice, or why no set meets it. */
  readonly result: { readonly costPerInference: number } | { readonly error: string };
}

export interface CrtStageResult extends WopOptimizeResult {
  readonly moduli: CrtModuliChoice;
  /** Every distinct moduli choice tried, in the order tried. */
  readonly alternatives: readonly CrtStageAlternative[];
}

/**
 * Moduli and WoP set of one CRT stage together: for each maxModulus candidate, the moduli of
 * chooseCrtModuli (fewest selector bits), then optimizeWopParameters on them; returns the cheapest
 * inference. Fewest selector bits is not always cheapest: smaller moduli widen the margin 1/(4p)
 * and lower messageBits, which can outweigh a selector bit or one more residue.
 */
export function optimizeCrtStage(request: CrtStageRequest): CrtStageResult {
  const { span, maxModulusCandidates = CRT_MAX_MODULUS_CANDIDATES, ...rest } = request;
  if (maxModulusCandidates.length === 0) throw new Error('maxModulusCandidates must not be empty');
  const tried = new Set<string>();
  const alternatives: CrtStageAlternative[] = [];
  let best: CrtStageResult | undefined;
  for (const maxModulus of maxModulusCandidates) {
    let choice: CrtModuliChoice;
    try {
      choice = chooseCrtModuli(span, { maxModulus });
    } catch {
      continue; // these moduli cannot cover the span; larger candidates may
    }
    const key = choice.moduli.join(',');
    if (tried.has(key)) continue;
    tried.add(key);
    try {
      const r = optimizeWopParameters({ ...rest, moduli: choice.moduli });
      alternatives.push({ moduli: choice.moduli, result: { costPerInference: r.cost.perInference } });
      if (!best || r.cost.perInference < best.cost.perInference) best = { ...r, moduli: choice, alternatives };
    } catch (e) {
      alternatives.push({ moduli: choice.moduli, result: { error: e instanceof Error ? e.message : String(e) } });
    }
  }
  if (!best) {
    const why =
      alternatives.length === 0
        ? `no candidate maxModulus in ${JSON.stringify(maxModulusCandidates)} covers span ${span}`
        : alternatives.map((a) => `${a.moduli.join(',')}: ${'error' in a.result ? a.result.error : ''}`).join(' | ');
    throw new Error(`No CRT stage for span ${span} at nu = ${request.maxNu}: ${why}`);
  }
  return { ...best, alternatives };
}
