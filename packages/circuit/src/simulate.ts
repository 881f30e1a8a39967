// The clear-integer simulator: runs a circuit exactly as the encrypted runtime does, bit for bit.
//
// Encrypted values are integers mod 2^(bits+1) (p = 2^bits message slots plus the padding bit).
// Linear ops are exact mod 2^(bits+1). A PBS on residue a computes the runtime's negacyclic
// lookup: a in [0, p) -> T[a]; a in [p, 2p) -> -T[a - p] (the blind rotation lands in the negated
// half of the test polynomial). So an accumulator that leaves [0, p) is NOT clamped: it wraps, and
// the simulator reproduces exactly the wrong answer encryption would give. Values between stages are
// kept as the canonical representative of their residue in [-p, p).
//
// A rounded stage (roundBits k >= 2) first runs the runtime's k-1 bit extractions on the residue,
// each exactly as the encrypted side does it (multiply, add the offset, negacyclic lookup of a
// constant table, subtract), then the lookup; see circuit/rounding.ts. A v3 stage's extractFrom
// skips, per channel, the bits its integers make zero (the runtime skips the same PBS).
//
// An approximately rounded stage (v6 rounding 'approximate', rounding.ts) runs no extraction: its
// one PBS reads (slot - (2^(k-1) - 1)) mod 2p, which gives exactly the exact rounding's value for
// every residue. With `noise` the simulator adds the bootstrap's noise to that read, sampled from
// the circuit's parameter set (approximate.ts; seeded, so a run can be repeated): a slot near a
// bucket edge then lands one bucket off as often as the noise model says. Exact stages are never
// perturbed (their error probability is the p_error budget, ~1e-6 per inference).
//
// A CRT stage (v4 stage.crt, circuit/crt.ts) computes the slot as an exact integer and looks up
// T_c[u], u = slot mod M (M = product of its moduli): what the residues mod each p_i determine
// under encryption, also for a slot past M. Values that enter a CRT stage are plain integers (the
// producer emits their residues mod the stage's moduli, so they are not reduced mod 2p first), and
// a CRT stage hands on its table integers (the next padded stage reduces them mod 2p as usual).
//
// A circuit's clear stages (v3 clearStages) are not simulated here: the client runs them in the
// clear, inside quantizeInputs, and `inputs` are what it encrypts (circuit/clear.ts).

import { accumulate, channelOfOutputs, inputSize, outputSize } from './linear.js';
import { approximateStageNoise, gaussianSource, noisyBox } from './approximate.js';
import { crtIndex, crtProduct } from './crt.js';
import { approximateLookupShift, extractFromOf, extractionSteps, isApproximate } from './rounding.js';
import type { Circuit } from './types.js';

export interface StageTrace {
  /** Table slot of every output (accumulator + offset) before reduction mod 2^(bits+1): shows overflow. */
  readonly slots: Int32Array;
  /**
   * Rounded stages: the residue in [0, 2p) the lookup reads after the bit extractions (approximate
   * stages: (slot - (2^(k-1) - 1)) mod 2p, or the box the noisy read lands in with `noise`). CRT
   * stages: u = slot mod M in [0, M), the index the lookup reads.
   */
  readonly lookupInputs?: Int32Array;
  /**
   * What the stage hands on: PBS outputs in [-p, p), or residues mod 2p for a table-less last stage;
   * the plain table integer (+-T[a]) when the next stage is a CRT stage; a CRT stage's table
   * integers, or u in [0, M) when it is a table-less last stage.
   */
  readonly values: Int32Array;
}

/** What the sampled noise did to one stage's approximate lookups (zeros on other stages). */
export interface NoiseEffect {
  /** Approximate lookups run (samples x outputs). */
  readonly lookups: number;
  /** Of them, read in another bucket than without noise. */
  readonly offBucket: number;
  /** Of them, whose value differs from the noise-free (= exactly rounded) lookup's. */
  readonly changed: number;
}

export interface SimulationResult {
  /** count x outputSize(last stage): the values the client decrypts. */
  readonly outputs: Int32Array;
  /** Per-stage slots and values, when `trace` was asked for. */
  readonly stages?: readonly StageTrace[];
  /** With `noise`: per stage, what the noise did to its approximate lookups. */
  readonly noise?: readonly NoiseEffect[];
}

export interface SimulateOptions {
  /** Return every stage's slots, lookup inputs and values. */
  readonly trace?: boolean;
  /**
   * Simulate the bootstrap noise of approximately rounded stages (needs the circuit's parameters):
   * samples drawn from a generator seeded with `seed`, in sample-major order. Absent: no noise, and
   * an approximate circuit computes exactly what its exact sibling does.
   */
  readonly noise?: { readonly seed: number };
}

/**
 * Run `count` samples (inputs: count x inputSize quantized integers, back to back) through the
 * circuit. Integer inputs are taken mod 2^(bits+1), as their encryptions are.
 */
export function simulate(circuit: Circuit, inputs: Int32Array, count: number, options: SimulateOptions = {}): SimulationResult {
  const first = circuit.stages[0];
  if (!first) throw new RangeError(`simulate: circuit "${circuit.name}" has no stages`);
  if (!Number.isInteger(count) || count < 0 || inputs.length !== count * inputSize(first.linear)) {
    // With a clear prefix the inputs are its outputs, as the client encrypts them (quantizeInputs runs it).
    const prefix = circuit.clearStages?.length
      ? ` (the outputs of its ${circuit.clearStages.length} clear stage(s): pass quantizeInputs(circuit, raw, count))`
      : '';
    throw new RangeError(`simulate: inputs must hold count x ${inputSize(first.linear)} integers${prefix}; got ${inputs.length} for count ${count}`);
  }
  const p = 2 ** circuit.bits;
  const mask = 2 * p - 1;
  const traces: StageTrace[] = [];
  const gaussian = options.noise && circuit.stages.some(isApproximate) ? gaussianSource(options.noise.seed) : null;
  const effects: NoiseEffect[] = [];
  let x = inputs;
  circuit.stages.forEach((stage, i) => {
    const n = outputSize(stage.linear);
    const slots = new Int32Array(count * n);
    accumulate(stage.linear, x, count, slots);
    const values = new Int32Array(count * n);
    const { offset, tables } = stage;
    const channel = channelOfOutputs(stage.linear);
    if (stage.crt) {
      const m = crtProduct(stage.crt.moduli);
      const lookupInputs = options.trace ? new Int32Array(count * n) : undefined;
      for (let k = 0; k < count * n; k++) {
        const o = k % n;
        const slot = (slots[k] as number) + (offset[o] as number);
        slots[k] = slot;
        const u = crtIndex(slot, m);
        if (lookupInputs) lookupInputs[k] = u;
        values[k] = tables === null ? u : (tables[(channel[o] as number) * m + u] as number);
      }
      if (options.trace) traces.push({ slots, lookupInputs: lookupInputs!, values });
      effects.push({ lookups: 0, offBucket: 0, changed: 0 });
      x = values;
      return;
    }
    // A CRT consumer receives the lookup's integer itself (as residues), not its residue mod 2p.
    const plainOut = circuit.stages[i + 1]?.crt !== undefined;
    const approximate = tables !== null && isApproximate(stage);
    const steps = tables === null || approximate ? [] : extractionSteps(circuit.bits, stage.roundBits);
    const from = extractFromOf(stage);
    const lookupInputs = (steps.length > 0 || approximate) && options.trace ? new Int32Array(count * n) : undefined;
    // Approximate: the read is shifted by c; with noise, each read is perturbed by its output's sigma.
    const shift = approximate ? approximateLookupShift(stage.roundBits) : 0;
    const noise = approximate && gaussian ? approximateStageNoise(circuit, i) : null;
    const bucketWidth = 2 ** stage.roundBits;
    // The bucket of a read residue j on the whole 2p cycle (the negacyclic half continues it).
    const bucketOf = (j: number) => Math.floor(((j + shift) & mask) / bucketWidth);
    let offBucket = 0;
    let changed = 0;
    for (let s = 0; s < count; s++) {
      const base = s * n;
      for (let o = 0; o < n; o++) {
        const slot = (slots[base + o] as number) + (offset[o] as number);
        slots[base + o] = slot;
        let a = slot & mask; // two's complement: the residue mod 2p, also for negative slots
        if (tables === null) {
          values[base + o] = a;
          continue;
        }
        const t = (channel[o] as number) * p;
        if (approximate) {
          a = (a - shift) & mask;
          if (noise && gaussian) {
            const clean = a;
            a = noisyBox(a, (noise.sigma[o] as number) * gaussian(), noise.boxPositions, p);
            if (a !== clean && bucketOf(a) !== bucketOf(clean)) {
              offBucket++;
              const value = (j: number) => (j < p ? (tables[t + j] as number) : -(tables[t + j - p] as number));
              if (value(a) !== value(clean)) changed++;
            }
          }
        }
        const first = from[channel[o] as number] as number;
        for (const e of steps) {
          if (e.bit < first) continue; // known zero (v3 extractFrom): no PBS
          // The runtime's extraction PBS: negacyclic lookup of the constant table e.value.
          const r = (a * e.multiplier + e.offset) & mask;
          const out = r < p ? e.value : -e.value;
          a = (a + out - e.value) & mask;
        }
        if (lookupInputs) lookupInputs[base + o] = a;
        const v = a < p ? (tables[t + a] as number) : -(tables[t + a - p] as number);
        values[base + o] = plainOut ? v : ((v + p) & mask) - p;
      }
    }
    if (options.trace) traces.push(lookupInputs ? { slots, lookupInputs, values } : { slots, values });
    effects.push({ lookups: noise ? count * n : 0, offBucket, changed });
    x = values;
  });
  return { outputs: x, ...(options.trace ? { stages: traces } : {}), ...(options.noise ? { noise: effects } : {}) };
}
