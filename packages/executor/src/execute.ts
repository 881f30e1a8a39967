// Encrypted execution of a circuit plan: per stage, one sparse dot product over the whole batch
// (block-diagonal CSR, offset as the clear bias), then one batched keyswitch + PBS with the
// per-channel tables on the engine's thread pool (all cores). Reproduces @fhenet/compiler's
// `simulate` bit for bit: linear ops are exact mod 2^(bits+1) and the PBS is the same negacyclic
// lookup (tested on MNIST). A rounded stage (roundBits k >= 2) first clears slot bits 1..k-1
// exactly: per bit one multiply + offset on all outputs, one batched PBS of a constant table, and
// an add (@fhenet/compiler circuit/rounding.ts has the arithmetic and why it is exact). A bit that
// only some outputs extract (v3 extractFrom: the others' bit is known zero) runs on those outputs
// gathered, and the results are put back in place; the other ciphertexts are not touched
// (stage-lookup.ts). With options.bands, padded stages run band by band instead (banded.ts,
// docs/streaming-plan.md): the same ciphertexts, with at most one band's accumulators alive and,
// with a spill folder, the stages' outputs on disk. CRT stages always run whole. options.lookups
// sends the padded stages' lookups elsewhere (lookups.ts, e.g. a worker fleet): the linear maps
// stay here, and the engine then needs no evaluation keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LweCiphertextBatch, wopLookup, type ServerEngine } from '@fhenet/engine';
import { runBandedStage } from './banded.js';
import { BandedTensor } from './banded-tensor.js';
import { assertBandOptions, type BandOptions } from './bands.js';
import { inProcessLookups, type StageLookups } from './lookups.js';
import type { InferenceProgress, StageTiming } from './progress.js';
import { repeat, repeatCsr, type CircuitPlan } from './plan.js';

export interface ExecuteOptions {
  /**
   * Dispose `inputs` right after the first stage's dot product, their last use, instead of leaving
   * them to the caller: the input tensor is then not alive during the rest of the execution
   * (memory.ts models both). The caller must not use `inputs` afterwards (dispose() stays safe).
   */
  readonly releaseInputs?: boolean;
  /**
   * Run every padded stage in bands of output ciphertexts (bands.ts), optionally spilling the
   * stages' outputs to a folder; the outputs are the same ciphertexts as without. Ignored by CRT
   * stages, which run whole.
   */
  readonly bands?: BandOptions;
  /**
   * Where padded stages' lookups run (default: in this process, on the engine's evaluation keys).
   * A remote runner (a worker fleet) needs no keys here; CRT stages are refused with it.
   */
  readonly lookups?: StageLookups;
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
    throw new Error(`inputs: expected a multiple of ${plan.inputSize} ciphertexts (one ${plan.circuit.inputShape.join('x')} sample each), got ${inputs.count}`);
  }
  const lookups = options.lookups ?? inProcessLookups;
  if (lookups.local && !engine.keys) throw new Error('encrypted inference needs evaluation keys');
  if (!lookups.local && plan.stages.some((s) => s.crt)) {
    throw new Error(`circuit "${plan.circuit.name}" has CRT stages: their WoP lookups run in-process only (not on remote lookup runners)`);
  }
  const count = inputs.count / plan.inputSize;
  const timings: StageTiming[] = [];
  const start = performance.now();
  const bands = options.bands;
  if (bands) assertBandOptions(bands);
  let x = inputs;
  // The current value while banded stages follow each other (x is then not used).
  let tensor: BandedTensor | null = null;
  const spillFolder = bands?.spillDir && plan.stages.some((s) => !s.crt) ? makeSpillFolder(bands.spillDir) : null;
  try {
    for (let i = 0; i < plan.stages.length; i++) {
      const stage = plan.stages[i]!;
      const base = { stage: i, stages: plan.stages.length, name: stage.name };
      if (bands && !stage.crt) {
        const input: BandedTensor = tensor ?? BandedTensor.of(x, x !== inputs || !!options.releaseInputs);
        tensor = null;
        // The last stage's outputs are the result: kept in memory.
        const spillPath = spillFolder && i < plan.stages.length - 1 ? join(spillFolder, `stage-${i}-${stage.name.replace(/[^\w.-]/g, '_')}.bin`) : null;
        const r = await runBandedStage({
          engine,
          plan,
          stageIndex: i,
          count,
          bandOutputs: bands.outputs,
          input,
          spillPath,
          lookups,
          ...(onProgress ? { onProgress } : {}),
        });
        tensor = r.output;
        timings.push(r.timing);
        onProgress?.({ ...base, phase: 'done', timing: r.timing });
        continue;
      }
      if (tensor) {
        x = tensor.take();
        tensor = null;
      }
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
        const wopLookups = c.luts ? outs : 0;
        const timing: StageTiming = {
          name: stage.name,
          outputs: outs,
          linearMs: t1 - t0,
          pbsMs,
          extractMs: 0,
          pbsCount: 0,
          wopLookups,
          pbsEquivalents: wopLookups * c.pbsEquivalentsPerLookup,
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
        const r = await lookups.run(engine, { plan, stageIndex: i, acc, first: 0, ...(onProgress ? { progress: { onProgress, at: base } } : {}) });
        x = r.outputs;
        extractMs = r.extractMs;
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
    if (tensor) {
      x = tensor.take();
      tensor = null;
    }
  } finally {
    tensor?.dispose();
    if (spillFolder) rmSync(spillFolder, { recursive: true, force: true });
  }
  return { outputs: x, count, stages: timings, totalMs: performance.now() - start };
}

/** A fresh folder for this execution's spill files inside `dir`; a clear error when `dir` is not a writable folder. */
function makeSpillFolder(dir: string): string {
  try {
    return mkdtempSync(join(dir, 'fhenet-spill-'));
  } catch (e) {
    throw new Error(`bands.spillDir: cannot create a spill folder in ${dir} (${(e as Error).message}); expected an existing writable folder`);
  }
}
