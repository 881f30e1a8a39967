// The noise of approximately rounded stages (format v6, rounding.ts): per output, the standard
// deviation of the phase at the bootstrap's decision, from the circuit's parameter set and the
// output's own weights, by @fhenet/params's noise model (nu_o^2 Var_in + Var_KS + Var_MS, with
// Var_in that of a fresh client encryption for the first stage and of a PBS output after). The
// simulator samples it (seeded, `simulate(..., { noise })`); with @fhenet/params bucketShift it
// gives the probability that a slot lands one bucket off.
import { boxLowerEdge, boxPositions, varFreshEncryption, varKeyswitch, varModulusSwitch, varPbs, type TfheParameterSet } from '@fhenet/params';
import { xoroshiro128plus } from 'pure-rand';
import { accumulate, inputSize, outputSize } from './linear.js';
import { isApproximate } from './rounding.js';
import type { Circuit, LinearOp } from './types.js';

export interface ApproximateStageNoise {
  readonly roundBits: number;
  /** Test-polynomial positions per slot: m = N / 2^bits (>= 1). */
  readonly boxPositions: number;
  /** Where a slot's box starts below it, in slots: (floor(m/2) + 1/2) / m (@fhenet/params boxLowerEdge). */
  readonly boxEdge: number;
  /** Per output of one sample: standard deviation of the phase noise at the decision, in slots. */
  readonly sigma: Float64Array;
}

/** Per output, the squared 2-norm of its integer weights (conv border outputs have fewer taps). */
export function outputWeightNorms2(op: LinearOp): Float64Array {
  const out = new Int32Array(outputSize(op));
  const ones = new Int32Array(inputSize(op)).fill(1);
  // sum_i w_i^2 * 1: the op with squared weights on an input of ones (a sum pool's weights are 1).
  const squared: LinearOp = op.kind === 'sumPool' ? op : { ...op, weights: Int32Array.from(op.weights, (w) => w * w) };
  accumulate(squared, ones, 1, out);
  return Float64Array.from(out);
}

/** The noise of approximate stage `stageIndex` under `set` (default: the circuit's own parameters). */
export function approximateStageNoise(
  circuit: Circuit,
  stageIndex: number,
  set: TfheParameterSet | undefined = circuit.parameters?.set,
): ApproximateStageNoise {
  const stage = circuit.stages[stageIndex];
  if (!stage || !isApproximate(stage))
    throw new RangeError(`approximateStageNoise: stage ${stageIndex} of circuit "${circuit.name}" is not approximately rounded`);
  if (!set) {
    throw new Error(
      `circuit "${circuit.name}" has no TFHE parameters: the noise of its approximate stage ${stage.name} depends on them (compile with parameters, or pass a set)`,
    );
  }
  // The first encrypted stage reads the client's fresh big-key encryptions, every later one PBS outputs.
  const inputVariance = stageIndex === 0 ? varFreshEncryption(set.glweNoise) : varPbs(set);
  const switched = varKeyswitch(set) + varModulusSwitch(set, set.modulusSwitch);
  const slotsPerTorus = 2 ** (circuit.bits + 1);
  const norms = outputWeightNorms2(stage.linear);
  return {
    roundBits: stage.roundBits,
    boxPositions: boxPositions(set.polynomialSize, circuit.bits),
    boxEdge: boxLowerEdge(set.polynomialSize, circuit.bits),
    sigma: norms.map((nu2) => Math.sqrt(nu2 * inputVariance + switched) * slotsPerTorus),
  };
}

/** A seeded source of standard normal samples (Box-Muller over 53-bit uniforms from xoroshiro128+). */
export function gaussianSource(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  // (0, 1]: never 0, so log() is finite; 53 bits reach ~8.6 sigma in the tails.
  const uniform = () => ((rng.unsafeNext() >>> 5) * 67108864 + (rng.unsafeNext() >>> 6) + 1) / 9007199254740992;
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

/**
 * The box the engine's blind rotation reads for an approximate lookup of residue `a` in [0, 2p)
 * with phase noise `e` (slots): the modulus switch rounds m a + m e to one of 2N positions and the
 * table is rotated by floor(m/2) of them (engine lookup_table.cc, modulus_switch.cc), so box
 * floor((round(m (a + e)) + floor(m/2)) / m), mod 2p.
 */
export function noisyBox(a: number, e: number, m: number, p: number): number {
  const phase = Math.floor(m * (a + e) + 0.5);
  const j = Math.floor((phase + Math.floor(m / 2)) / m);
  const twoP = 2 * p;
  return ((j % twoP) + twoP) % twoP;
}
