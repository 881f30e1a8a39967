// Encrypted execution of a circuit plan: per stage, one sparse dot product over the whole batch
// (block-diagonal CSR, offset as the clear bias), then one batched keyswitch + PBS with the
// per-channel tables on the engine's thread pool (all cores). Reproduces @fhenet/compiler's
// `simulate` bit for bit: linear ops are exact mod 2^(bits+1) and the PBS is the same negacyclic
// lookup (tested on MNIST). A rounded stage (roundBits k >= 2) first clears slot bits 1..k-1
// exactly: per bit one multiply + offset on all outputs, one batched PBS of a constant table, and
// an add (@fhenet/compiler circuit/rounding.ts has the arithmetic and why it is exact). A bit that
// only some outputs extract (v3 extractFrom: the others' bit is known zero) runs on those outputs
// gathered, and the results are put back in place; the other ciphertexts are not touched.
import { LweCiphertextBatch } from '../ciphertext.js';
import { wopLookup, type ServerEngine } from '../server.js';
import { repeat, repeatCsr, type CircuitPlan } from './plan.js';

export interface StageTiming {
  readonly name: string;
  /** Ciphertexts produced by the stage (samples x outputs). */
  readonly outputs: number;
  readonly linearMs: number;
  /** Every PBS of the stage, bit extractions included; 0 for a last stage decoded in the clear. */
  readonly pbsMs: number;
  /** Of pbsMs, the bit extractions (and the linear steps between them). */
  readonly extractMs: number;
  /** Every PBS of the stage, bit extractions included. */
  readonly pbsCount: number;
  /** CRT stages: WoP lookups run (samples x outputs; 0 on a table-less last stage) and their modelled KS+PBS-equivalents. */
  readonly wopLookups?: number;
  readonly pbsEquivalents?: number;
}

export interface StageProgress {
  readonly stage: number;
  readonly stages: number;
  readonly name: string;
  readonly phase: 'linear' | 'extract' | 'pbs' | 'done';
  /** The bit being extracted when phase = 'extract'. */
  readonly bit?: number;
  /**
   * Within an 'extract' or 'pbs' phase: PBS finished so far out of `total` in this batch (absent on
   * the event that opens the phase). Reported by the engine as groups finish.
   */
  readonly done?: number;
  readonly total?: number;
  /** Timing of the finished stage when phase = 'done'. */
  readonly timing?: StageTiming;
}

export type InferenceProgress = (p: StageProgress) => void;

export interface ExecuteOptions {
  /**
   * Dispose `inputs` right after the first stage's dot product, their last use, instead of leaving
   * them to the caller: the input tensor is then not alive during the rest of the execution
   * (memory.ts models both). The caller must not use `inputs` afterwards (dispose() stays safe).
   */
  readonly releaseInputs?: boolean;
}

export interface ExecutionResult {
  /** samples x outputSize ciphertexts: the last stage's values (residues when decoded in the clear). */
  readonly outputs: LweCiphertextBatch;
  readonly count: number;
  readonly stages: readonly StageTiming[];
  readonly totalMs: number;
}

export async function executePlan(
  engine: ServerEngine,
  plan: CircuitPlan,
  inputs: LweCiphertextBatch,
  onProgress?: InferenceProgress,
  options: ExecuteOptions = {},
): Promise<ExecutionResult> {
  if (inputs.count === 0 || inputs.count % plan.inputSize !== 0) {
    throw new Error(
      `inputs: expected a multiple of ${plan.inputSize} ciphertexts (one ${plan.circuit.inputShape.join('x')} sample each), got ${inputs.count}`,
    );
  }
  if (!engine.keys) throw new Error('encrypted inference needs evaluation keys');
  const count = inputs.count / plan.inputSize;
  const timings: StageTiming[] = [];
  const start = performance.now();
  let x = inputs;
  for (let i = 0; i < plan.stages.length; i++) {
    const stage = plan.stages[i]!;
    const base = { stage: i, stages: plan.stages.length, name: stage.name };
    onProgress?.({ ...base, phase: 'linear' });
    const t0 = performance.now();
    if (stage.crt) {
      const c = stage.crt;
      const m = c.moduli.length;
      // Per modulus: that residue of every input value (value-major layout), one dot product, no offset (plan.ts).
      const values = count * stage.inputSize;
      const weights = repeatCsr(stage.weights, count);
      const accs = c.moduli.map((_, r) => {
        const block = x.gather(Uint32Array.from({ length: values }, (_, j) => j * m + r));
        const acc = engine.dotSparse(block, weights);
        block.dispose();
        return acc;
      });
      if (x !== inputs || options.releaseInputs) x.dispose();
      const outs = count * stage.outputSize;
      const all = LweCiphertextBatch.concat(accs);
      for (const a of accs) a.dispose();
      // Neuron-major residues: ciphertext k * m + r = residue r of output k (what wopLookup reads and the client decrypts).
      const residues = all.gather(Uint32Array.from({ length: outs * m }, (_, q) => (q % m) * outs + Math.floor(q / m)));
      all.dispose();
      const t1 = performance.now();
      let pbsMs = 0;
      if (c.luts) {
        const at = { ...base, phase: 'pbs' as const };
        onProgress?.(at);
        x = await wopLookup(
          engine,
          { residues, moduli: c.moduli, tableIndex: repeat(c.lutIndex, count), luts: c.luts, outputsPerTable: c.outputsPerTable },
          onProgress ? { onProgress: (done, total) => onProgress({ ...at, done, total }) } : {},
        );
        residues.dispose();
        pbsMs = performance.now() - t1;
      } else {
        x = residues;
      }
      const lookups = c.luts ? outs : 0;
      const timing: StageTiming = {
        name: stage.name,
        outputs: outs,
        linearMs: t1 - t0,
        pbsMs,
        extractMs: 0,
        pbsCount: 0,
        wopLookups: lookups,
        pbsEquivalents: lookups * c.pbsEquivalentsPerLookup,
      };
      timings.push(timing);
      onProgress?.({ ...base, phase: 'done', timing });
      continue;
    }
    const acc = engine.dotSparse(x, repeatCsr(stage.weights, count), repeat(stage.offset, count));
    const t1 = performance.now();
    if (x !== inputs || options.releaseInputs) x.dispose();
    let pbsMs = 0;
    let extractMs = 0;
    if (stage.tables) {
      let w = acc;
      if (stage.extractions.length > 0) {
        // One constant table for all outputs; tables must have 2^bits entries.
        const p = 2 ** plan.circuit.bits;
        for (const e of stage.extractions) {
          const at = { ...base, phase: 'extract' as const, bit: e.bit };
          onProgress?.(at);
          const picked = e.outputs && sampleIndices(e.outputs, stage.outputSize, count);
          const sel = picked ? w.gather(picked) : w;
          const scaled = engine.mulClear(sel, [e.multiplier]);
          const shifted = engine.addClear(scaled, [e.offset]);
          scaled.dispose();
          const sign = await engine.pbsAsync(shifted, new Uint32Array(sel.count), [new Int32Array(p).fill(e.value)], {
            onProgress: onProgress && ((done, total) => onProgress({ ...at, done, total })),
          });
          shifted.dispose();
          const sum = engine.add(sel, sign); // w - bit * 2^i + 2^(i-1)
          sign.dispose();
          const cleared = engine.addClear(sum, [-e.value]);
          sum.dispose();
          let next = cleared;
          if (picked) {
            sel.dispose();
            // Output j is w[j], or the cleared copy when it was picked: cleared sits after w in the concat.
            const order = Uint32Array.from({ length: w.count }, (_, j) => j);
            picked.forEach((j, r) => (order[j] = w.count + r));
            const both = LweCiphertextBatch.concat([w, cleared]);
            cleared.dispose();
            next = both.gather(order);
            both.dispose();
          }
          w.dispose();
          w = next;
        }
        extractMs = performance.now() - t1;
      }
      const at = { ...base, phase: 'pbs' as const };
      onProgress?.(at);
      x = await engine.pbsAsync(w, repeat(stage.tableIndex, count), stage.tables, {
        onProgress: onProgress && ((done, total) => onProgress({ ...at, done, total })),
      });
      w.dispose();
      pbsMs = performance.now() - t1;
    } else {
      x = acc;
    }
    const timing: StageTiming = {
      name: stage.name,
      outputs: stage.outputSize * count,
      linearMs: t1 - t0,
      pbsMs,
      extractMs,
      pbsCount: stage.pbs * count,
    };
    timings.push(timing);
    onProgress?.({ ...base, phase: 'done', timing });
  }
  return { outputs: x, count, stages: timings, totalMs: performance.now() - start };
}

/** Batch indices of one sample's `outputs` in each of `count` samples of `size` outputs. */
function sampleIndices(outputs: Uint32Array, size: number, count: number): Uint32Array {
  const out = new Uint32Array(outputs.length * count);
  for (let s = 0; s < count; s++) for (let r = 0; r < outputs.length; r++) out[s * outputs.length + r] = s * size + outputs[r]!;
  return out;
}
