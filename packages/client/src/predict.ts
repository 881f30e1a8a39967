// The whole client loop (what `fhenet predict` and the benchmark run), for either client: keys
// (cached in a key folder or fresh), encrypt raw samples, run them on a local InferenceServer or a
// remote HTTP service, decrypt, and compare with the clear simulation sample by sample (one loop,
// predict/loop.ts, over a client and a session). In-process runs with our client are budgeted
// (the executor's memory model) before any key exists, and report per stage the modelled memory
// next to the measured resident set.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Circuit } from '@fhenet/circuit';
import { LweCiphertextBatch, SeededEvaluationKeys, threadCount, type ProgressCallback, type SeededPackingKeys } from '@fhenet/engine';
import {
  bandsModelOptions,
  chooseBands,
  defaultMemoryLimit,
  executePlan,
  formatBytes,
  InferenceServer,
  modelExecutionMemory,
  planCircuit,
  type ChosenBands,
  type CircuitPlan,
  type MemoryModel,
  type PublishKeys,
} from '@fhenet/executor';
import { InferenceHttpClient } from './http/client.js';
import { InferenceClient } from './inference-client.js';
import { loadClient, loadSeededKeyBytes, loadSeededPackingKeys, MANIFEST_FILE, writeKeyDir } from './key-folder.js';
import { runPredictLoop, type BatchObserver, type BatchResult, type SampleResult, type StageMemoryReport } from './predict/loop.js';
import { localSession, remoteSession, type CiphertextCodec, type InferenceSession } from './predict/session.js';
import { tfheRsSession } from './tfhe-rs/predict.js';

export type { SampleResult, StageMemoryReport, BatchResult } from './predict/loop.js';

export type PredictClient = 'fhenet' | 'node-tfhe';

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
  /**
   * Whose keys and ciphertexts (default 'fhenet', our engine's). 'node-tfhe': Zama's node-tfhe
   * makes the keys, encrypts and decrypts (docs/node-tfhe-client.md); the server is the same.
   */
  readonly client?: PredictClient;
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
  /**
   * Run the lookups on remote runners (a worker fleet, @fhenet/fleet): the evaluation keys'
   * transfer form is published there, and this process keeps only the linear maps (no expanded
   * keys, no memory budget for them). Not with serverUrl.
   */
  readonly lookups?: PublishKeys;
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

export interface PredictResult {
  readonly samples: readonly SampleResult[];
  readonly keygenSeconds: number;
  /** Key decompression on the server (in-process or remote registration round trip). */
  readonly keySetupSeconds: number;
  /** Per batch: encrypt, compute (server side), decrypt, wall time, samples. */
  readonly batches: readonly BatchResult[];
  readonly exact: boolean;
  /** Memory budget and measurements (in-process runs with our client; absent with node-tfhe). */
  readonly memory?: PredictMemory;
}

const peakRss = () => process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB

/** The model of predict's in-process execution: engine threads, inputs released after stage 0. */
const modelOf = (plan: CircuitPlan, samples: number, seededCopies: 1 | 2 = 1, bands?: ChosenBands) =>
  modelExecutionMemory(plan, { count: samples, threads: threadCount(), releaseInputs: true, seededCopies, ...bandsModelOptions(bands) });

/** Our ciphertexts are engine batches in process and their serialized form on the wire. */
const engineCodec = (client: InferenceClient): CiphertextCodec<LweCiphertextBatch> => ({
  toBatch: (b) => b,
  fromBatch: (b) => b,
  toWire: (b) => b.serialize(),
  fromWire: (bytes) => LweCiphertextBatch.deserialize(bytes, client.params),
});

export async function predict(o: PredictOptions): Promise<PredictResult> {
  if (o.serverUrl && o.lookups) throw new Error('lookups: remote lookup runners (--redis) and --server are two different places to run; give one');
  if ((o.client ?? 'fhenet') === 'node-tfhe') {
    if (o.maxMemoryBytes !== undefined) throw new Error('maxMemoryBytes: only with the fhenet client (node-tfhe runs are not budgeted yet)');
    if (o.bandOutputs !== undefined || o.spillDir !== undefined) throw new Error('bandOutputs / spillDir: only with the fhenet client');
    const log = o.log ?? (() => {});
    const setup = await tfheRsSession(o, log);
    try {
      const { samples, batches } = await runPredictLoop(setup.client, setup.session, { ...o, log, since: setup.sessionStartedAt });
      return { samples, keygenSeconds: setup.keygenSeconds, keySetupSeconds: setup.keySetupSeconds, batches, exact: samples.every((s) => s.exact) };
    } finally {
      await setup.session.close();
    }
  }
  return predictWithEngine(o);
}

async function predictWithEngine(o: PredictOptions): Promise<PredictResult> {
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
    throw new Error(
      'bandOutputs / spillDir: with --server the service decides how it runs (fhenet serve --band-outputs / --spill-dir, or its own choice from --max-memory)',
    );
  }
  const plan = planCircuit(circuit);
  if (o.lookups) {
    // The keys live on the fleet; this process holds ciphertexts only. Bands only when asked for.
    if (plan.wopLookupsPerSample > 0) throw new Error(`circuit "${circuit.name}" has CRT stages: their WoP lookups run in-process only, not on a fleet`);
    if (o.bandOutputs !== undefined) bands = { outputs: o.bandOutputs, forced: true, ...(o.spillDir !== undefined ? { spillDir: o.spillDir } : {}) };
  } else if (!o.serverUrl) {
    const copies = reuseKeys ? 2 : 1;
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
  } else if (plan.wopLookupsPerSample > 0) {
    throw new Error(
      `circuit "${circuit.name}" has CRT stages with WoP lookups: the HTTP service's key registration does not carry packing keyswitching keys yet; run predict in-process (without --server)`,
    );
  }
  const t0 = performance.now();
  let client: InferenceClient;
  let packing: SeededPackingKeys | null = null;
  let seededBytes: Uint8Array | undefined;
  let nativeSeeded: SeededEvaluationKeys | undefined;
  if (reuseKeys && o.keysDir) {
    client = loadClient(o.keysDir, circuit);
    seededBytes = loadSeededKeyBytes(o.keysDir, circuit);
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
    if (o.serverUrl || o.lookups) {
      seededBytes = seeded.serialize();
      seeded.dispose();
    } else {
      nativeSeeded = seeded;
    }
  }
  const keygenSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const codec = engineCodec(client);
  let session: InferenceSession<LweCiphertextBatch>;
  let local: InferenceServer | undefined;
  if (o.serverUrl) {
    log(`server ${o.serverUrl}: registering ${(seededBytes!.length / 2 ** 20).toFixed(1)} MiB of evaluation keys`);
    session = await remoteSession(new InferenceHttpClient(o.serverUrl), 'engine', seededBytes!, codec);
  } else if (o.lookups) {
    local = InferenceServer.remote(circuit, await o.lookups('engine', seededBytes!));
    session = localSession(local, codec, (server, inputs, onProgress) =>
      executePlan(server.engine, server.plan, inputs, onProgress, { releaseInputs: true, lookups: server.lookups!, ...(bands ? { bands } : {}) }),
    );
  } else {
    const seeded = nativeSeeded ?? SeededEvaluationKeys.deserialize(seededBytes!, client.params);
    seededBytes = undefined;
    local = await InferenceServer.fromSeeded(circuit, seeded, undefined, packing);
    seeded.dispose();
    packing?.dispose();
    session = localSession(local, codec, (server, inputs, onProgress) =>
      executePlan(server.engine, server.plan, inputs, onProgress, { releaseInputs: true, ...(bands ? { bands } : {}) }),
    );
  }
  seededBytes = undefined; // not needed any more: let it go before the execution's peak
  const keySetupSeconds = (performance.now() - t1) / 1000;
  log(`keys ready: keygen ${keygenSeconds.toFixed(1)} s, server key setup ${keySetupSeconds.toFixed(1)} s`);

  const observe = o.lookups
    ? () => fleetObserver(log)
    : local && model
      ? (n: number) => memoryObserver(local!, n === model!.count ? model! : modelOf(local!.plan, n, 1, bands), baselineRssBytes, log)
      : undefined;
  let loop: Awaited<ReturnType<typeof runPredictLoop>>;
  try {
    loop = await runPredictLoop(client, session, { ...o, log, since: t1, ...(observe ? { observe } : {}) });
  } finally {
    await session.close();
  }
  const memory: PredictMemory = { model, limitBytes, baselineRssBytes, predictedPeakRssBytes, peakRssBytes: peakRss(), ...(bands ? { bands } : {}) };
  if (model)
    log(
      `memory: peak RSS ${formatBytes(memory.peakRssBytes)} measured, ${formatBytes(predictedPeakRssBytes)} modelled (baseline ${formatBytes(baselineRssBytes)})`,
    );
  return { samples: loop.samples, keygenSeconds, keySetupSeconds, batches: loop.batches, exact: loop.samples.every((s) => s.exact), memory };
}

/**
 * RSS sampled at every progress event of a batch (each PBS group), the largest kept per stage and
 * logged next to the model's peak for that stage; WoP stages also log every 20 % of their lookups.
 */
function memoryObserver(local: InferenceServer, model: MemoryModel, baselineRssBytes: number, log: (line: string) => void): BatchObserver {
  let stageRss = 0;
  let lastPct = -1;
  const memory: StageMemoryReport[] = [];
  const crtStages = local.plan.stages.map((st) => !!st.crt?.luts);
  return {
    memory: () => memory,
    onProgress: (p) => {
      stageRss = Math.max(stageRss, process.memoryUsage.rss());
      // WoP lookups take minutes per stage: a line every 20% of the stage's neurons.
      if (p.phase === 'pbs' && crtStages[p.stage] && p.done !== undefined && p.total) {
        const pct = Math.floor((5 * p.done) / p.total) * 20;
        if (pct > lastPct && pct < 100) log(`  ${p.name}: ${p.done}/${p.total} WoP lookups (${pct}%)`);
        lastPct = pct;
      }
      if (p.phase !== 'done') return;
      lastPct = -1;
      const modelBytes = baselineRssBytes + stageModelBytes(model, p.stage);
      memory.push({ name: p.name, modelBytes, rssBytes: stageRss });
      const mem = `memory: model ${formatBytes(modelBytes)}, RSS max ${formatBytes(stageRss)}`;
      if (p.timing?.wopLookups) {
        log(
          `  ${p.name}: ${p.timing.wopLookups} WoP lookups (~${p.timing.pbsEquivalents!.toFixed(0)} KS+PBS-equivalents) in ${(p.timing.pbsMs / 1000).toFixed(1)} s; ${mem}`,
        );
      } else if (p.timing && p.timing.pbsCount > 0) {
        const banded = p.timing.bands
          ? ` (${p.timing.bands} bands${p.timing.spillMs !== undefined ? `, ${formatBytes(p.timing.spilledBytes!)} spilled, ${(p.timing.spillMs / 1000).toFixed(1)} s of spill I/O` : ''})`
          : '';
        log(`  ${p.name}: ${p.timing.pbsCount} PBS in ${(p.timing.pbsMs / 1000).toFixed(1)} s${banded}; ${mem}`);
      } else log(`  ${p.name}: ${mem}`);
      stageRss = 0;
    },
  };
}

/** Progress of lookups on a fleet: per stage, shards done / total (a line at most every 2 s, and the last). */
function fleetObserver(log: (line: string) => void): BatchObserver {
  let last = 0;
  return {
    memory: () => [],
    onProgress: (p) => {
      if (p.phase === 'done' && p.timing && p.timing.pbsCount > 0) {
        log(
          `  ${p.name}: ${p.timing.pbsCount} PBS on the fleet in ${(p.timing.pbsMs / 1000).toFixed(1)} s (linear ${(p.timing.linearMs / 1000).toFixed(2)} s here)`,
        );
      }
      if (p.phase !== 'pbs' || p.shards === undefined || p.shardsDone === undefined) return;
      const now = performance.now();
      if (p.shardsDone > 0 && p.shardsDone < p.shards && now - last < 2000) return;
      last = now;
      log(`  ${p.name}${p.band !== undefined ? ` band ${p.band + 1}/${p.bands}` : ''}: shards ${p.shardsDone}/${p.shards} (${p.done}/${p.total} outputs)`);
    },
  };
}

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

/** Modelled peak while `stage` runs: the fixed part (keys, plan, thread scratch) plus the stage's own. */
function stageModelBytes(m: MemoryModel, stage: number): number {
  return m.peakBytes - m.stages[m.peakStage]!.peakBytes + m.stages[stage]!.peakBytes;
}
