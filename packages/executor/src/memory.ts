// Memory model of an encrypted execution (executePlan): which buffers exist, how big, and which
// are alive together. Every size is the byte count of an allocation the code makes, read off the
// code it mirrors, so that the model can be checked against those allocations
// (test/memory.test.ts) and used as a budget before keys are generated:
//  - ciphertext tensors: native LweCiphertextBatch = count x (kN+1) u64 (entities/); the executor
//    (execute.ts) frees each one after its last use, so a stage holds at most its input and its
//    accumulator (linear phase), three accumulator-sized tensors (bit extraction: w, shifted, sign
//    / sum / next), or accumulator + output (lookup);
//  - gathered weights: the plan's one-sample CSR (plan.ts, kept while the server lives), its
//    block-diagonal repeat for count > 1 samples (repeatCsr), the clear offsets (repeat +
//    Int32Array.from), and the addon's copies (bindings/ciphertexts.cc DotCsr: u32 indptr / indices, i64 values
//    and bias);
//  - PBS batch: JS table index (repeat + Uint32Array.from) and flat tables, the addon's copies
//    (u32 index, i64 tables), the LUT polynomials (lwe_programmable_bootstrap.cc: tables x N u64);
//  - per-thread PBS scratch (the engine's GroupScratch, thread_local, kept for the thread's
//    lifetime and grown to the largest group seen; its size and the automatic group size are read
//    from the engine, pbsThreadScratchBytes / pbsGroupSize): on every pool thread and every libuv
//    thread that ran a pbsAsync (the calling thread is worker 0 of the pool);
//  - evaluation keys (entities/evaluation_keys.h): Fourier BSK n(k+1)^2 l N f64 + KSK kN l_ks (n+1) u64.
//  - CRT stages (plan.ts CrtStagePlan, execute.ts): residue tensors (one ciphertext per value and
//    modulus), the per-modulus gathered input block and dot products, their concatenation and the
//    neuron-major gather; during the WoP lookup the residues, the output LWEs, the plan's LUTs (JS,
//    kept with the plan) and the addon's view of them, and wop_lookup.cc's chunk x t Fourier GGSWs
//    ((k+1)^2 l_cbs N f64 each, chunk from the engine: wopNeuronChunk); the expanded PFKS keys
//    (params wopKeySizes) with the evaluation keys. Not modelled: circuit bootstrapping's per-job
//    scratch (a few GLWEs and LWEs per thread).
//  - banded execution (options.bands, executePlan's bands): padded stages per band, replayed by
//    banded-memory.ts with the executor's own band layout (bands.ts).
// Not modelled (each under a few MiB at the largest set): FFT twiddles (~3N f64 per N), the JS
// heap (the process baseline, measured by the caller), allocator rounding (< 64 B per buffer).
import { totalmem } from 'node:os';
import { ENGINE_KEYSWITCH_MODULUS_LOG2, keySizes, wopKeySizes, type TfheParameterSet, type WopParameterSet } from '@fhenet/params';
import { pbsGroupSize, pbsThreadScratchBytes, wopNeuronChunk } from '@fhenet/engine';
import { modelBandedStage, type BandedInput } from './banded-memory.js';
import { ciphertextTensorBytes, F64, I32, I64, pbsBatchScratch, U32, type StageMemory } from './memory-terms.js';
import type { Band } from './bands.js';
import type { CircuitPlan } from './plan.js';

/** libuv's default worker pool (UV_THREADPOOL_SIZE), whose threads run pbsAsync jobs. */
const DEFAULT_UV_THREADS = 4;

export interface MemoryModelOptions {
  /** Samples per execution (default 1). */
  readonly count?: number;
  /** Engine pool threads (default 2; pass threadCount()). */
  readonly threads?: number;
  /** libuv worker threads that may run PBS jobs (default UV_THREADPOOL_SIZE or 4). */
  readonly uvThreads?: number;
  /**
   * executePlan's releaseInputs: the inputs are freed after stage 0's dot product (predict does
   * this); otherwise (InferenceServer.infer, the HTTP service) the caller holds them throughout.
   */
  readonly releaseInputs?: boolean;
  /**
   * Seeded key copies alive while they are expanded: 2 (default) when they arrive serialized (HTTP
   * body, key folder) and are deserialized next to their bytes; 1 when the server expands the
   * client's own object (predict with fresh keys in-process).
   */
  readonly seededCopies?: 1 | 2;
  /**
   * executePlan's bands: padded stages run in bands of `outputs` ciphertexts (banded-memory.ts),
   * with `spill` their outputs (but the last stage's) go to spill files. CRT stages stay whole.
   */
  readonly bands?: { readonly outputs: number; readonly spill?: boolean };
}

export interface MemoryModel {
  readonly params: TfheParameterSet;
  readonly count: number;
  /** One big-key LWE ciphertext: (kN+1) x 8 bytes. */
  readonly ciphertextBytes: number;
  /** Fourier bootstrapping key and keyswitching key as the server holds them (and the expanded PFKS keys of a CRT circuit). */
  readonly keyBytes: { readonly bootstrap: number; readonly keyswitch: number; readonly packingKeyswitch?: number; readonly total: number };
  /** Serialized seeded keys (what a client uploads; also held natively while expanding). */
  readonly seededKeyBytes: number;
  /** The plan's arrays (one-sample CSR, offsets, table index), kept while the server lives. */
  readonly planBytes: number;
  /** Per-thread PBS scratch x threads that can hold one. */
  readonly threadScratchBytes: number;
  readonly stages: readonly StageMemory[];
  /** Keys + plan + thread scratch + the largest stage peak: the execution's modelled peak. */
  readonly peakBytes: number;
  /** Index of the stage with the largest peak. */
  readonly peakStage: number;
  /**
   * Peak while the server expands uploaded seeded keys: the serialized bytes, their native copy
   * and the expanded keys at once (predict's local path and HTTP key registration).
   */
  readonly keySetupPeakBytes: number;
  /** Banded executions: band size, and the spill files' bytes (written in all; the most on disk at once, one stage's input and output). */
  readonly bands?: { readonly outputs: number; readonly spill: boolean; readonly spillWrittenBytes: number; readonly spillPeakBytes: number };
}

export function modelExecutionMemory(plan: CircuitPlan, options: MemoryModelOptions = {}): MemoryModel {
  const count = options.count ?? 1;
  const threads = options.threads ?? 2;
  const uvThreads = options.uvThreads ?? (Number(process.env.UV_THREADPOOL_SIZE) || DEFAULT_UV_THREADS);
  if (!Number.isInteger(count) || count < 1) throw new Error(`memory model: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`memory model: threads must be a positive integer, got ${threads}`);
  const set = plan.params;
  const ct = ciphertextTensorBytes(set, 1);
  const ks = keySizes(set);
  const crt = plan.wopLookupsPerSample > 0;
  const wks = crt ? wopKeySizes(set as WopParameterSet) : undefined;
  const packing = wks ? wks.packingKeyswitchKeyBytes : 0;
  // The engine keeps the expanded keyswitching key's words mod 2^32 (docs/engine.md, "Keyswitch
  // modulo 2^32"): half the 64-bit words of the files keySizes describes.
  const keyswitch = (ks.keyswitchKeyBytes * ENGINE_KEYSWITCH_MODULUS_LOG2) / 64;
  const keyBytes = {
    bootstrap: ks.fourierBootstrapKeyBytes,
    keyswitch,
    ...(crt ? { packingKeyswitch: packing } : {}),
    total: ks.fourierBootstrapKeyBytes + keyswitch + packing,
  };
  const seeded = ks.seededBootstrapKeyBytes + ks.seededKeyswitchKeyBytes + (wks ? wks.seededPackingKeyswitchKeyBytes : 0);

  let planBytes = 0;
  let group = 0;
  const inputBytes = plan.inputSize * count * ct;
  // The caller's input batch: alive for the whole execution unless released after stage 0.
  const pinned = options.releaseInputs ? 0 : inputBytes;
  const banded = options.bands;
  if (banded && (!Number.isInteger(banded.outputs) || banded.outputs < 1)) {
    throw new Error(`memory model: bands.outputs must be an integer >= 1, got ${banded.outputs}`);
  }
  // Banded stages: the previous stage's bands (the input pieces) and spill file bytes.
  let previous: { bands: readonly Band[]; spilled: boolean; fileBytes: number } | null = null;
  let spillWrittenBytes = 0;
  let spillPeakBytes = 0;
  const stages = plan.stages.map((s, i): StageMemory => {
    const w = s.weights;
    const nnz = w.indices.length;
    planBytes += w.indptr.byteLength + w.indices.byteLength + w.values.byteLength + s.offset.byteLength + s.tableIndex.byteLength;
    const rows = w.rows * count;
    const linearScratch =
      (count > 1 ? (rows + 1) * U32 + 2 * nnz * count * U32 : 0) + // repeatCsr (count 1: the plan's own arrays)
      rows * I32 * 2 + // repeat(offset) + Int32Array.from(bias) in dotSparse
      (rows + 1) * U32 +
      nnz * count * (U32 + I64) + // addon: indptr, indices, i64 values
      rows * I64; // addon: i64 bias
    if (banded && !s.crt) {
      const last = i === plan.stages.length - 1;
      const spillOutput = !!banded.spill && !last;
      const input: BandedInput = previous
        ? { kind: 'pieces', bands: previous.bands, spilled: previous.spilled }
        : { kind: 'batch', count: s.inputSize * count, owned: i > 0 || !!options.releaseInputs };
      const r = modelBandedStage({ set, stage: s, count, bandOutputs: banded.outputs, input, spillOutput, last, pinnedBytes: pinned });
      if (s.tables) group = Math.max(group, pbsGroupSize(r.largestBand, threads));
      spillWrittenBytes += r.spillFileBytes;
      spillPeakBytes = Math.max(spillPeakBytes, (previous?.fileBytes ?? 0) + r.spillFileBytes);
      previous = { bands: r.bands, spilled: spillOutput, fileBytes: r.spillFileBytes };
      return r.memory;
    }
    previous = null;
    const input = i === 0 ? inputBytes - pinned : s.inputSize * count * ct; // stage 0: the caller's inputs
    const acc = s.outputSize * count * ct;
    const phases: { phase: StageMemory['peakPhase']; ct: number; scratch: number }[] = [{ phase: 'linear', ct: pinned + input + acc, scratch: linearScratch }];
    let pbsScratch = 0;
    if (s.crt) {
      // execute.ts: input (value-major, m per value) + one gathered block + the m dot products; then
      // the m products + their concat; then the concat + the neuron-major gather; then the lookup.
      const m = s.crt.moduli.length;
      const values = s.inputSize * count * ct;
      const inCt = i === 0 ? inputBytes - pinned : values * m;
      const residues = m * acc;
      phases[0] = { phase: 'linear', ct: pinned + inCt + values + residues, scratch: linearScratch };
      phases.push({ phase: 'linear', ct: pinned + 2 * residues, scratch: 0 });
      if (s.crt.luts) {
        planBytes += s.crt.luts.byteLength + s.crt.lutIndex.byteLength;
        const k = set.glweDimension,
          N = set.polynomialSize;
        const lCbs = (set as WopParameterSet).circuitBootstrap.levelCount;
        const neurons = s.outputSize * count;
        const chunk = wopNeuronChunk(neurons, threads);
        const ggsws = chunk * s.crt.selectorBits * (k + 1) ** 2 * lCbs * N * F64;
        const lookup = neurons * U32 * 2 + s.crt.luts.byteLength + ggsws; // repeat(lutIndex), the addon's LUT view, GGSWs
        pbsScratch = lookup;
        phases.push({ phase: 'pbs', ct: pinned + residues + s.crt.outputsPerTable * acc, scratch: lookup });
      }
    } else if (s.tables) {
      group = Math.max(group, pbsGroupSize(s.outputSize * count, threads));
      const lookup = pbsBatchScratch(set, s.outputSize * count, s.tables.length);
      pbsScratch = lookup;
      let extractCt = 0;
      let extractScratch = 0;
      for (const e of s.extractions) {
        // A step run on all outputs keeps w, shifted and the sign PBS output alive together (then
        // w, sign, sum; then w, sum, next): 3 accumulators. A step run on some outputs only
        // (`outputs`, a v3 extractFrom plan) gathers them (sel), runs the same chain on those P
        // (w + sel + shifted + sign: A + 3P), then scatters the cleared P into a copy of w
        // (w + cleared + result: 2A + P).
        const picked = (e as { outputs?: Uint32Array | null }).outputs;
        const m = picked ? picked.length * count : s.outputSize * count;
        extractCt = Math.max(extractCt, picked ? Math.max(acc + 3 * m * ct, 2 * acc + m * ct) : 3 * acc);
        extractScratch = Math.max(extractScratch, pbsBatchScratch(set, m, 1)); // index = an all-zero one
      }
      if (s.extractions.length > 0) {
        phases.push({ phase: 'extract', ct: pinned + extractCt, scratch: extractScratch });
        pbsScratch = Math.max(pbsScratch, extractScratch);
      }
      phases.push({ phase: 'pbs', ct: pinned + 2 * acc, scratch: lookup });
    }
    let best = phases[0]!;
    for (const ph of phases) if (ph.ct + ph.scratch > best.ct + best.scratch) best = ph;
    return {
      name: s.name,
      inputs: s.inputSize * count,
      outputs: s.outputSize * count,
      inputBytes: s.inputSize * count * ct,
      accumulatorBytes: acc,
      linearScratchBytes: linearScratch,
      pbsScratchBytes: pbsScratch,
      ciphertextPeakBytes: Math.max(...phases.map((ph) => ph.ct)),
      peakBytes: best.ct + best.scratch,
      peakPhase: best.phase,
    };
  });
  const threadScratchBytes = group > 0 ? pbsThreadScratchBytes(set, group) * (threads - 1 + uvThreads) : 0;
  let peakStage = 0;
  stages.forEach((s, i) => {
    if (s.peakBytes > stages[peakStage]!.peakBytes) peakStage = i;
  });
  const fixed = keyBytes.total + planBytes + threadScratchBytes;
  return {
    params: set,
    count,
    ciphertextBytes: ct,
    keyBytes,
    seededKeyBytes: seeded,
    planBytes,
    threadScratchBytes,
    stages,
    peakBytes: fixed + stages[peakStage]!.peakBytes,
    peakStage,
    keySetupPeakBytes: (options.seededCopies ?? 2) * seeded + keyBytes.total + planBytes,
    ...(banded ? { bands: { outputs: banded.outputs, spill: !!banded.spill, spillWrittenBytes, spillPeakBytes } } : {}),
  };
}

/** "1.5 GiB", "340.2 MiB", "12.0 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/**
 * Default budget: this fraction of the machine's memory (or of the cgroup limit when lower). Not
 * all of it: the OS, other processes and allocator slack (freed tensors below glibc's mmap
 * threshold stay in the process) need the rest.
 */
export const DEFAULT_MEMORY_FRACTION = 0.8;

export function defaultMemoryLimit(): number {
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const machine = constrained > 0 && constrained < totalmem() ? constrained : totalmem();
  return Math.floor(DEFAULT_MEMORY_FRACTION * machine);
}

/** "24G", "1.5GiB", "800M", "123456" (bytes) -> bytes; a clear error otherwise. */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) throw new Error(`memory size "${text}": expected a number of bytes or a size such as 800M, 20G, 1.5GiB`);
  const unit = 1024 ** ['', 'k', 'm', 'g', 't'].indexOf(m[2]!.toLowerCase());
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!(bytes > 0)) throw new Error(`memory size "${text}": must be positive`);
  return bytes;
}

export interface MemoryBudget {
  /** Bytes the process may use in all (default defaultMemoryLimit()). */
  readonly limitBytes: number;
  /** Bytes already in use that the model does not include (e.g. the process RSS before keys). */
  readonly inUseBytes: number;
  /** What the limit is called in the error ("--max-memory", "the service's maxMemory"). */
  readonly limitName?: string;
}

/**
 * Throws, naming the stage (or the key setup) and the bytes needed against the bytes available,
 * when the modelled execution cannot fit the budget; returns the modelled total otherwise.
 */
export function assertMemoryBudget(model: MemoryModel, budget: MemoryBudget): number {
  const available = budget.limitBytes - budget.inUseBytes;
  const name = budget.limitName ?? '--max-memory';
  const where = (what: string, need: number) =>
    new Error(
      `memory budget: ${what} needs ${formatBytes(need)} but only ${formatBytes(Math.max(0, available))} are available ` +
        `(limit ${formatBytes(budget.limitBytes)} set by ${name}, ${formatBytes(budget.inUseBytes)} already in use; ` +
        `set ${model.params.name}: evaluation keys ${formatBytes(model.keyBytes.total)}, one ciphertext ${formatBytes(model.ciphertextBytes)}, ` +
        `batch of ${model.count} sample(s)). Raise ${name} if the machine has the memory, run fewer samples per batch, ` +
        'or see docs/streaming-plan.md',
    );
  if (model.keySetupPeakBytes > available) throw where('key setup (seeded keys expanded to evaluation keys)', model.keySetupPeakBytes);
  if (model.peakBytes > available) {
    const s = model.stages[model.peakStage]!;
    throw where(
      `stage ${model.peakStage + 1}/${model.stages.length} "${s.name}" (${s.peakPhase}: ${formatBytes(s.ciphertextPeakBytes)} of ciphertexts, ` +
        `${s.outputs} outputs, plus keys and scratch)`,
      model.peakBytes,
    );
  }
  return Math.max(model.peakBytes, model.keySetupPeakBytes);
}

/**
 * A service registering one more key set: the uploaded body is already resident (in inUseBytes);
 * it then holds the keys' native seeded copy while expanding, and afterwards must still run a
 * batch of model.count samples. Throws like assertMemoryBudget, naming the peak stage.
 */
export function assertRegistrationBudget(model: MemoryModel, budget: MemoryBudget): number {
  const need = model.seededKeyBytes + model.peakBytes;
  const available = budget.limitBytes - budget.inUseBytes;
  if (need > available) {
    const s = model.stages[model.peakStage]!;
    throw new Error(
      `memory budget: registering evaluation keys needs ${formatBytes(need)} (keys ${formatBytes(model.keyBytes.total)} expanded from ` +
        `${formatBytes(model.seededKeyBytes)} seeded, then stage ${model.peakStage + 1}/${model.stages.length} "${s.name}" with ` +
        `${model.count} sample(s): ${formatBytes(s.peakBytes)}) but only ${formatBytes(Math.max(0, available))} are available ` +
        `(limit ${formatBytes(budget.limitBytes)} set by ${budget.limitName ?? 'maxMemoryBytes'}, ${formatBytes(budget.inUseBytes)} in use); ` +
        'delete a registered key set or raise the limit',
    );
  }
  return need;
}
