// `fhenet worker`: a process that holds the engine and takes work from the fleet's queues: shard
// lookups (a stage's extractions and lookup on a run of accumulators, exactly as in-process) and
// sweep points (train + compile). Evaluation keys are fetched once per key id from Redis and kept
// expanded in an LRU cache within the worker's memory budget; a worker that lacks a key fetches
// it, and fails the job clearly when it is not published. A worker killed mid-job loses nothing:
// its job's lock expires, BullMQ's stalled-job check puts it back, another worker runs it.
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { circuitParameters } from '@fhenet/circuit';
import { expandTfheRsServerKeyAsync, LweCiphertextBatch, SeededEvaluationKeys, ServerEngine, threadCount, type EvaluationKeys } from '@fhenet/engine';
import { defaultMemoryLimit, formatBytes, inProcessLookups, modelExecutionMemory, planCircuit, type CircuitPlan } from '@fhenet/executor';
import { assertLookupJob, type LookupJobResult } from './jobs.js';
import { KeyCache } from './key-cache.js';
import { DEFAULT_PREFIX, FLEET_PREFIX_ENV, FLEET_URL_ENV, FleetNames } from './names.js';
import { connectRedis, redactUrl, withTimeout } from './redis.js';
import { BEAT_SECONDS, beat, endBeat } from './registry.js';
import { fetchCircuit, fetchKeys, getBlob, putBlob } from './store.js';

export interface WorkerOptions {
  readonly url: string;
  readonly prefix?: string;
  /** Lookup jobs at once (default 1: one job already uses every engine thread). */
  readonly concurrency?: number;
  /** Memory this worker may use (default 80% of the machine); expanded keys live within it. */
  readonly maxMemoryBytes?: number;
  /** Take sweep points too (default true). */
  readonly sweeps?: boolean;
  /**
   * A job whose worker stops renewing its lock for this long is given to another worker (default
   * 15 s; BullMQ renews it every half of it while the job runs).
   */
  readonly lockSeconds?: number;
  readonly name?: string;
  readonly log?: (line: string) => void;
}

export interface FleetWorker {
  readonly id: string;
  readonly keys: KeyCache;
  close(): Promise<void>;
}

/** Memory kept for what is not keys: each running job's ciphertexts and the seeded copy of a key set being expanded. */
const RESERVE_PER_JOB = 256 * 2 ** 20;

export async function startWorker(o: WorkerOptions): Promise<FleetWorker> {
  const log = o.log ?? (() => {});
  const names = new FleetNames(o.prefix ?? DEFAULT_PREFIX);
  const concurrency = o.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error(`--concurrency: expected an integer >= 1, got ${o.concurrency}`);
  const maxMemory = o.maxMemoryBytes ?? defaultMemoryLimit();
  const budget = maxMemory - process.memoryUsage.rss() - concurrency * RESERVE_PER_JOB;
  if (budget <= 0)
    throw new Error(`--max-memory ${formatBytes(maxMemory)}: leaves no room for evaluation keys (${formatBytes(process.memoryUsage.rss())} in use already)`);
  const id = o.name ?? `${hostname()}-${process.pid}`;
  const redis = await connectRedis(o.url);
  const keys = new KeyCache(budget);
  /** Per published circuit: its plan and the bytes of its expanded evaluation keys (the cache's unit). */
  const plans = new Map<string, Promise<{ plan: CircuitPlan; keyBytes: number }>>();
  const lockDuration = (o.lockSeconds ?? 15) * 1000;
  let jobsDone = 0;
  const keyLoads: { keyId: string; seconds: number; bytes: number }[] = [];
  const startedAt = new Date().toISOString();

  const planOf = (circuitId: string): Promise<{ plan: CircuitPlan; keyBytes: number }> => {
    let p = plans.get(circuitId);
    if (!p) {
      p = fetchCircuit(redis, names, circuitId).then((c) => {
        if (!c) throw new UnrecoverableError(`circuit ${circuitId.slice(0, 12)} is not published in Redis (expired, or the coordinator is gone)`);
        const plan = planCircuit(c);
        return { plan, keyBytes: modelExecutionMemory(plan, { count: 1, threads: threadCount() }).keyBytes.total };
      });
      p.catch(() => plans.delete(circuitId));
      plans.set(circuitId, p);
    }
    return p;
  };

  const expand = async (keyId: string, plan: CircuitPlan): Promise<EvaluationKeys> => {
    const t0 = performance.now();
    const k = await fetchKeys(redis, names, keyId);
    if (!k)
      throw new UnrecoverableError(
        `evaluation keys ${keyId.slice(0, 12)} are not published in Redis (expired or deleted): the coordinator must publish them again`,
      );
    const set = circuitParameters(plan.circuit);
    let expanded: EvaluationKeys;
    if (k.kind === 'engine') {
      const seeded = SeededEvaluationKeys.deserialize(k.bytes, set);
      try {
        expanded = await seeded.decompress();
      } finally {
        seeded.dispose();
      }
    } else {
      expanded = await expandTfheRsServerKeyAsync(k.bytes, set);
    }
    const seconds = (performance.now() - t0) / 1000;
    keyLoads.push({ keyId, seconds, bytes: k.bytes.length });
    if (keyLoads.length > 8) keyLoads.shift();
    log(`worker ${id}: evaluation keys ${keyId.slice(0, 12)} (${k.kind}, ${formatBytes(k.bytes.length)}) fetched and expanded in ${seconds.toFixed(1)} s`);
    return expanded;
  };

  const lookup = async (job: Job): Promise<LookupJobResult> => {
    const t0 = performance.now();
    try {
      assertLookupJob(job.data);
    } catch (e) {
      throw new UnrecoverableError((e as Error).message);
    }
    const d = job.data;
    const { plan, keyBytes } = await planOf(d.circuitId);
    if (!(d.stage >= 0 && d.stage < plan.stages.length) || !plan.stages[d.stage]!.tables) {
      throw new UnrecoverableError(`lookup job: stage ${d.stage} of circuit "${plan.circuit.name}" has no lookups`);
    }
    return keys.use(
      d.keyId,
      keyBytes,
      () => expand(d.keyId, plan),
      async (evaluationKeys) => {
        const input = await getBlob(redis, names, d.input);
        if (!input) throw new UnrecoverableError(`shard ${d.input}: its ciphertexts are not in Redis (the coordinator abandoned the lookup, or they expired)`);
        const acc = LweCiphertextBatch.deserialize(input, plan.params);
        if (acc.count !== d.count) {
          acc.dispose();
          throw new UnrecoverableError(`shard ${d.input}: holds ${acc.count} ciphertexts, the job says ${d.count}`);
        }
        const t1 = performance.now();
        const r = await inProcessLookups.run(new ServerEngine(plan.params, evaluationKeys), { plan, stageIndex: d.stage, acc, first: d.first });
        const computeMs = performance.now() - t1;
        const bytes = r.outputs.serialize();
        r.outputs.dispose();
        await putBlob(redis, names, d.output, bytes);
        jobsDone++;
        return { worker: id, ms: performance.now() - t0, computeMs, bytesIn: input.length, bytesOut: bytes.length };
      },
    );
  };

  // BullMQ records `name` as the job's processedBy.
  const common = { connection: redis.duplicate(), name: id, lockDuration, stalledInterval: lockDuration, maxStalledCount: 2 };
  const workers: Worker[] = [new Worker(names.lookupQueue, lookup, { ...common, concurrency })];
  if (o.sweeps ?? true) {
    // Training runs in a child process (sweep-processor.ts) so that this event loop keeps the job's lock.
    process.env[FLEET_URL_ENV] = o.url;
    process.env[FLEET_PREFIX_ENV] = names.prefix;
    const processor = fileURLToPath(new URL('./sweep-processor.js', import.meta.url));
    workers.push(new Worker(names.sweepQueue, processor, { ...common, connection: redis.duplicate(), concurrency: 1 }));
  }
  let lastError = '';
  for (const w of workers) {
    w.on('failed', (job, e) => log(`worker ${id}: job ${job?.id} (${job?.name}) failed: ${e.message}`));
    w.on('error', (e) => {
      // Redis outages repeat the same error every retry: log it once per change.
      if (e.message !== lastError) log(`worker ${id}: ${e.message} (retrying)`);
      lastError = e.message;
    });
  }
  const heartbeat = () =>
    beat(redis, names, {
      id,
      host: hostname(),
      pid: process.pid,
      threads: threadCount(),
      concurrency,
      maxMemoryBytes: maxMemory,
      keysCached: keys.ids,
      keyBytes: keys.heldBytes,
      jobsDone,
      keyLoads,
      startedAt,
    }).catch(() => {});
  await heartbeat();
  const timer = setInterval(heartbeat, BEAT_SECONDS * 1000);
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log(`worker ${id}: ready on ${redactUrl(o.url)} (${threadCount()} engine threads, concurrency ${concurrency}, key budget ${formatBytes(budget)})`);
  return {
    id,
    keys,
    async close() {
      clearInterval(timer);
      // Running jobs finish first; with Redis gone, BullMQ's close would wait for it: give up after 30 s.
      await withTimeout(Promise.allSettled(workers.map((w) => w.close())), 30_000, () => 'close').catch(() => {});
      await withTimeout(endBeat(redis, names, id), 1000, () => 'close').catch(() => {});
      keys.clear();
      redis.disconnect();
    },
  };
}
