// The whole client loop (what `fhenet predict` and the benchmark run): keys (cached in a key
// folder or fresh), encrypt raw samples, run them on a local InferenceServer or a remote HTTP
// service, decrypt, and compare with the clear simulation sample by sample. In-process runs are
// budgeted (memory.ts) before any key exists, and report per stage the modelled memory next to
// the measured resident set.
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argmax, decodeOutputs, quantizeInputs, simulate, type Circuit } from '@fhenet/compiler';
import { LweCiphertextBatch } from '../ciphertext.js';
import { InferenceHttpClient } from '../http/client.js';
import { SeededEvaluationKeys, threadCount, type ProgressCallback, type SeededPackingKeys } from '../server.js';
import { InferenceClient, type DecodedOutputs } from './client.js';
import { bandsModelOptions, chooseBands, type ChosenBands } from './choose-bands.js';
import { executePlan, type StageTiming } from './execute.js';
import { defaultMemoryLimit, formatBytes, modelExecutionMemory, type MemoryModel } from './memory.js';
import { planCircuit, type CircuitPlan } from './plan.js';
import { loadClient, loadSeededPackingKeys, MANIFEST_FILE, seededKeysPath, writeKeyDir } from './files.js';
import { InferenceServer } from './server.js';

export interface PredictOptions {
  readonly circuit: Circuit;
  /** count x inputSize raw values (e.g. MNIST bytes). */
  readonly images: ArrayLike<number>;
  readonly count: number;
  readonly labels?: ArrayLike<number>;
  /** Key folder: reused when it holds keys for this circuit, else created there. Omitted: fresh keys in memory. */
  readonly keysDir?: string;
  /** Run on this HTTP service instead of in-process. */
  readonly serverUrl?: string;
  /** Samples per execution / request (default 1: per-image latency). */
  readonly batchSize?: number;
  readonly log?: (line: string) => void;
  /** Stop after the batch that ends past this many seconds of encrypted execution (benchmarks). */
  readonly budgetSeconds?: number;
  /**
   * Memory the process may use (bytes; default memory.ts defaultMemoryLimit(), 80% of the
   * machine). In-process runs whose modelled peak plus the current resident set exceed it are
   * refused before keys are generated. Not checked with serverUrl (the service budgets itself).
   */
  readonly maxMemoryBytes?: number;
  /**
   * Run padded stages in bands of this many output ciphertexts (executePlan's bands) even when the
   * whole-stage execution fits. Without it, predict bands only when the whole-stage model exceeds
   * the budget, with the largest band that fits (in memory first, then spilling to spillDir).
   */
  readonly bandOutputs?: number;
  /**
   * Folder for spill files of a banded run. With bandOutputs: spill there. Automatic banding
   * spills (to this folder, default os.tmpdir()) only when in-memory bands do not fit.
   */
  readonly spillDir?: string;
}

/** Per stage of a batch: modelled peak vs the largest resident set sampled during the stage. */
export interface StageMemoryReport {
  readonly name: string;
  /** Modelled peak of the stage, process baseline (RSS before keys) included. */
  readonly modelBytes: number;
  /** Largest RSS sampled at the stage's progress events (in-process only). */
  readonly rssBytes: number;
}

export interface PredictMemory {
  /** The model of one batch (in-process runs; null over HTTP). */
  readonly model: MemoryModel | null;
  readonly limitBytes: number;
  /** Resident set before keys (the baseline the model adds to). */
  readonly baselineRssBytes: number;
  /** Baseline + the model's peak (execution or key setup, whichever is larger). */
  readonly predictedPeakRssBytes: number;
  /** The process's peak resident set so far (resourceUsage().maxRSS). */
  readonly peakRssBytes: number;
  /** Banded execution (forced or chosen because the whole-stage one does not fit); absent when stages ran whole. */
  readonly bands?: ChosenBands;
}

export interface SampleResult {
  readonly index: number;
  readonly simulated: number;
  readonly encrypted: number;
  readonly label?: number;
  /** Every decrypted integer equals the simulator's. */
  readonly exact: boolean;
}

export interface PredictResult {
  readonly samples: readonly SampleResult[];
  readonly keygenSeconds: number;
  /** Key decompression on the server (in-process or remote registration round trip). */
  readonly keySetupSeconds: number;
  /** Per batch: encrypt, compute (server side), decrypt, wall time, samples. */
  readonly batches: readonly { samples: number; encryptMs: number; computeMs: number; decryptMs: number; wallMs: number; stages: readonly Pick<StageTiming, 'name' | 'linearMs' | 'pbsMs' | 'pbsCount'>[]; memory?: readonly StageMemoryReport[] }[];
  readonly exact: boolean;
  /** Memory budget and measurements (this module's predict; absent from other clients' loops). */
  readonly memory?: PredictMemory;
}

const peakRss = () => process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB

/** The model of predict's in-process execution: engine threads, inputs released after stage 0. */
const modelOf = (plan: CircuitPlan, samples: number, seededCopies: 1 | 2 = 1, bands?: ChosenBands) =>
  modelExecutionMemory(plan, { count: samples, threads: threadCount(), releaseInputs: true, seededCopies, ...bandsModelOptions(bands) });

function keygenLogger(log: (l: string) => void): ProgressCallback {
  let last = -1;
  return (done, total, phase) => {
    if (phase === 'packing-keyswitching-key') {
      log(done === 0 ? 'keygen: packing keyswitching keys (seeded, for the WoP lookups of the CRT stages)...' : 'keygen: packing keyswitching keys done');
      return;
    }
    const pct = Math.floor((100 * done) / total / 10) * 10;
    if (pct !== last) log(`keygen ${pct}% (${phase})`);
    last = pct;
  };
}

/**
 * The n decoded samples starting at `start` against the simulation (`sim`: outSize integers per
 * sample, `simClasses` its classes), one log line each. Shared by both clients' predict loops.
 */
export function compareWithSimulation(
  decoded: DecodedOutputs,
  start: number,
  n: number,
  outSize: number,
  sim: ArrayLike<number>,
  simClasses: ArrayLike<number>,
  labels: PredictOptions['labels'],
  log: (line: string) => void,
): SampleResult[] {
  const results: SampleResult[] = [];
  for (let i = 0; i < n; i++) {
    const idx = start + i;
    let exact = true;
    for (let k = 0; k < outSize; k++) if (decoded.values[i * outSize + k] !== sim[idx * outSize + k]) exact = false;
    const r: SampleResult = {
      index: idx,
      simulated: simClasses[idx]!,
      encrypted: decoded.classes[i]!,
      ...(labels ? { label: Number(labels[idx]) } : {}),
      exact,
    };
    results.push(r);
    log(`sample ${idx}: encrypted ${r.encrypted}, simulated ${r.simulated}${r.label !== undefined ? `, label ${r.label}` : ''}${exact ? '' : '  MISMATCH'}`);
  }
  return results;
}

export async function predict(o: PredictOptions): Promise<PredictResult> {
  const log = o.log ?? (() => {});
  const { circuit, count } = o;
  const batchSize = Math.max(1, Math.floor(o.batchSize ?? 1));
  const limitBytes = o.maxMemoryBytes ?? defaultMemoryLimit();
  if (!(Number.isFinite(limitBytes) && limitBytes > 0)) throw new Error(`maxMemoryBytes: expected a positive number of bytes, got ${o.maxMemoryBytes}`);
  // Budget first: nothing big exists yet, so what is resident now is the baseline the model adds to.
  // Keys read from a folder are deserialized next to their file bytes (two seeded copies).
  const reuseKeys = !!o.keysDir && existsSync(join(o.keysDir, MANIFEST_FILE));
  const baselineRssBytes = process.memoryUsage.rss();
  let model: MemoryModel | null = null;
  let predictedPeakRssBytes = baselineRssBytes;
  let bands: ChosenBands | undefined;
  if (o.serverUrl && (o.bandOutputs !== undefined || o.spillDir !== undefined)) {
    throw new Error('bandOutputs / spillDir: with --server the service decides how it runs (fhenet serve --band-outputs / --spill-dir, or its own choice from --max-memory)');
  }
  if (!o.serverUrl) {
    const copies = reuseKeys ? 2 : 1;
    const plan = planCircuit(circuit);
    const samples = Math.min(batchSize, count);
    const chosen = chooseBands({
      plan,
      model: (b) => modelOf(plan, samples, copies, b),
      budget: { limitBytes, inUseBytes: baselineRssBytes },
      ...(o.bandOutputs !== undefined ? { bandOutputs: o.bandOutputs } : {}),
      spillDir: o.spillDir ?? tmpdir(),
      spillDirGiven: o.spillDir !== undefined,
    });
    model = chosen.model;
    bands = chosen.bands;
    predictedPeakRssBytes += chosen.neededBytes;
    if (chosen.message) log(chosen.message);
    const peak = model.stages[model.peakStage]!;
    log(
      `memory model: keys ${formatBytes(model.keyBytes.total)} (BSK ${formatBytes(model.keyBytes.bootstrap)}, KSK ${formatBytes(model.keyBytes.keyswitch)}` +
        `${model.keyBytes.packingKeyswitch !== undefined ? `, PFKS ${formatBytes(model.keyBytes.packingKeyswitch)}` : ''}), ` +
        `peak ${formatBytes(model.peakBytes)} at ${peak.name} (${peak.peakPhase}), key setup ${formatBytes(model.keySetupPeakBytes)}; ` +
        `with the ${formatBytes(baselineRssBytes)} resident now: ${formatBytes(predictedPeakRssBytes)} of ${formatBytes(limitBytes)} allowed`,
    );
  }
  if (o.serverUrl && planCircuit(circuit).wopLookupsPerSample > 0) {
    throw new Error(
      `circuit "${circuit.name}" has CRT stages with WoP lookups: the HTTP service's key registration does not carry packing keyswitching keys yet; run predict in-process (without --server)`,
    );
  }
  const t0 = performance.now();
  let client: InferenceClient;
  let packing: SeededPackingKeys | null = null;
  let seededBytes: Buffer | undefined;
  let nativeSeeded: SeededEvaluationKeys | undefined;
  if (reuseKeys && o.keysDir) {
    client = loadClient(o.keysDir, circuit);
    seededBytes = readFileSync(seededKeysPath(o.keysDir));
    packing = loadSeededPackingKeys(o.keysDir, circuit);
    log(`keys: reusing ${o.keysDir}`);
  } else {
    let seeded: SeededEvaluationKeys;
    if (o.keysDir) {
      log(`keys: generating into ${o.keysDir} (${circuit.parameters?.set.name ?? '?'})`);
      const made = await writeKeyDir(o.keysDir, circuit, keygenLogger(log));
      client = made.client;
      seeded = made.seeded;
      packing = made.packing;
    } else {
      client = InferenceClient.generate(circuit);
      const progress = keygenLogger(log);
      seeded = await client.generateSeededEvaluationKeys(progress);
      if (client.needsPackingKeys) {
        progress(0, 1, 'packing-keyswitching-key');
        packing = await client.generateSeededPackingKeys();
        progress(1, 1, 'packing-keyswitching-key');
      }
    }
    // In-process, the server expands this very object: no serialized copy next to it (the key
    // setup peak is then one seeded copy + the expanded keys, not two).
    if (o.serverUrl) {
      seededBytes = seeded.serialize();
      seeded.dispose();
    } else {
      nativeSeeded = seeded;
    }
  }
  const keygenSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  let local: InferenceServer | undefined;
  let remote: { http: InferenceHttpClient; keyId: string } | undefined;
  if (o.serverUrl) {
    const http = new InferenceHttpClient(o.serverUrl);
    log(`server ${o.serverUrl}: registering ${(seededBytes!.length / 2 ** 20).toFixed(1)} MiB of evaluation keys`);
    remote = { http, keyId: await http.registerKeys(seededBytes!) };
  } else {
    const seeded = nativeSeeded ?? SeededEvaluationKeys.deserialize(seededBytes!, client.params);
    seededBytes = undefined;
    local = await InferenceServer.fromSeeded(circuit, seeded, undefined, packing);
    seeded.dispose();
    packing?.dispose();
  }
  seededBytes = undefined; // not needed any more: let it go before the execution's peak
  const keySetupSeconds = (performance.now() - t1) / 1000;
  log(`keys ready: keygen ${keygenSeconds.toFixed(1)} s, server key setup ${keySetupSeconds.toFixed(1)} s`);

  const size = client.sampleSize;
  const q = quantizeInputs(circuit, o.images, count);
  const sim = simulate(circuit, q, count).outputs;
  const simClasses = argmax(decodeOutputs(circuit, sim, count), count);
  const samples: SampleResult[] = [];
  const batches: PredictResult['batches'][number][] = [];
  try {
    for (let s = 0; s < count; s += batchSize) {
      const n = Math.min(batchSize, count - s);
      const w0 = performance.now();
      const inputs = client.encryptQuantized(q.subarray(s * size, (s + n) * size));
      const w1 = performance.now();
      let outputs: LweCiphertextBatch;
      let computeMs: number;
      let stages: PredictResult['batches'][number]['stages'];
      let memory: StageMemoryReport[] | undefined;
      if (remote) {
        const r = await remote.http.infer(remote.keyId, inputs.serialize());
        outputs = LweCiphertextBatch.deserialize(r.outputs, client.params);
        computeMs = r.serverMs;
        stages = r.stages;
      } else {
        // RSS sampled at every progress event (each PBS group), the largest kept per stage.
        let stageRss = 0;
        memory = [];
        let lastPct = -1;
        const crtStages = local!.plan.stages.map((st) => !!st.crt?.luts);
        const r = await executePlan(local!.engine, local!.plan, inputs, (p) => {
          stageRss = Math.max(stageRss, process.memoryUsage.rss());
          // WoP lookups take minutes per stage: a line every 20% of the stage's neurons.
          if (p.phase === 'pbs' && crtStages[p.stage] && p.done !== undefined && p.total) {
            const pct = Math.floor((5 * p.done) / p.total) * 20;
            if (pct > lastPct && pct < 100) log(`  ${p.name}: ${p.done}/${p.total} WoP lookups (${pct}%)`);
            lastPct = pct;
          }
          if (p.phase !== 'done') return;
          lastPct = -1;
          // The last batch may be smaller than the budgeted one.
          const modelBytes = baselineRssBytes + stageModelBytes(n === model!.count ? model! : modelOf(local!.plan, n, 1, bands), p.stage);
          memory!.push({ name: p.name, modelBytes, rssBytes: stageRss });
          const mem = `memory: model ${formatBytes(modelBytes)}, RSS max ${formatBytes(stageRss)}`;
          if (p.timing?.wopLookups) {
            log(`  ${p.name}: ${p.timing.wopLookups} WoP lookups (~${p.timing.pbsEquivalents!.toFixed(0)} KS+PBS-equivalents) in ${(p.timing.pbsMs / 1000).toFixed(1)} s; ${mem}`);
          } else if (p.timing && p.timing.pbsCount > 0) {
            const banded = p.timing.bands ? ` (${p.timing.bands} bands${p.timing.spillMs !== undefined ? `, ${formatBytes(p.timing.spilledBytes!)} spilled, ${(p.timing.spillMs / 1000).toFixed(1)} s of spill I/O` : ''})` : '';
            log(`  ${p.name}: ${p.timing.pbsCount} PBS in ${(p.timing.pbsMs / 1000).toFixed(1)} s${banded}; ${mem}`);
          }
          else log(`  ${p.name}: ${mem}`);
          stageRss = 0;
        }, { releaseInputs: true, ...(bands ? { bands } : {}) });
        outputs = r.outputs;
        computeMs = r.totalMs;
        stages = r.stages;
      }
      inputs.dispose();
      const w2 = performance.now();
      const decoded = client.decode(outputs);
      outputs.dispose();
      const w3 = performance.now();
      const out = client.outputSize;
      samples.push(...compareWithSimulation(decoded, s, n, out, sim, simClasses, o.labels, log));
      batches.push({ samples: n, encryptMs: w1 - w0, computeMs, decryptMs: w3 - w2, wallMs: w3 - w0, stages, ...(memory ? { memory } : {}) });
      log(`batch of ${n}: ${((w3 - w0) / 1000).toFixed(1)} s wall (server ${(computeMs / 1000).toFixed(1)} s)`);
      if (o.budgetSeconds !== undefined && (performance.now() - t1) / 1000 > o.budgetSeconds) {
        log(`time budget of ${o.budgetSeconds} s reached after ${s + n} of ${count} samples`);
        break;
      }
    }
  } finally {
    local?.dispose();
    if (remote) await remote.http.deleteKeys(remote.keyId).catch(() => {});
  }
  const memory: PredictMemory = { model, limitBytes, baselineRssBytes, predictedPeakRssBytes, peakRssBytes: peakRss(), ...(bands ? { bands } : {}) };
  if (model) log(`memory: peak RSS ${formatBytes(memory.peakRssBytes)} measured, ${formatBytes(predictedPeakRssBytes)} modelled (baseline ${formatBytes(baselineRssBytes)})`);
  return { samples, keygenSeconds, keySetupSeconds, batches, exact: samples.every((s) => s.exact), memory };
}

/** Modelled peak while `stage` runs: the fixed part (keys, plan, thread scratch) plus the stage's own. */
function stageModelBytes(m: MemoryModel, stage: number): number {
  return m.peakBytes - m.stages[m.peakStage]!.peakBytes + m.stages[stage]!.peakBytes;
}
