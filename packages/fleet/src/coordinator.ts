// The coordinator's side of the fleet: publishes evaluation keys and circuits, and runs a stage's
// lookups as shards of ciphertexts on BullMQ's queue, then puts the workers' outputs back in
// order. Used by `fhenet predict --redis`, `fhenet serve --redis` and `fhenet sweep --redis`
// through the executor's StageLookups seam (ExecuteOptions.lookups): the linear maps stay in the
// coordinator, which needs no evaluation keys of its own. Several inferences share the fleet
// fairly: each shard's priority is its rank within its lookup, so the k-th shards of every
// running inference go before anyone's (k+1)-th.
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Circuit } from '@fhenet/circuit';
import { LweCiphertextBatch } from '@fhenet/engine';
import type { EvaluationKeyKind, LookupResult, PublishKeys, RemoteLookups, StageLookupRequest } from '@fhenet/executor';
import { jobOptions, type LookupJobData, type LookupJobResult } from './jobs.js';
import { DEFAULT_PREFIX, FleetNames } from './names.js';
import { connectRedis, RedisWatch, redactUrl, withTimeout } from './redis.js';
import { listWorkers, type WorkerBeat } from './registry.js';
import { shardRanges, type ShardSizing } from './shards.js';
import { deleteKeys, getBlob, publishCircuit, publishKeys, putBlob, refreshKeys } from './store.js';
import { JobWaiter } from './waiter.js';

export interface FleetOptions {
  /** redis://host:port[/db] */
  readonly url: string;
  /** Prefix of queue and key names (default "fhenet"). */
  readonly prefix?: string;
  /** Connecting gives up, with a clear error, after this long (default 10 s). */
  readonly connectSeconds?: number;
  /** A run is abandoned, with a clear error, when Redis stays unreachable this long (default 30 s). */
  readonly unreachableSeconds?: number;
  /** Work per shard on one worker (default 1 s). */
  readonly shardSeconds?: number;
  /** Force the shard size in output ciphertexts (tests, benchmarks); default: from the cost model. */
  readonly shardOutputs?: number;
  /** Runs of a job before it counts as failed (default 3; a worker killed mid-job does not use one up). */
  readonly attempts?: number;
  readonly log?: (line: string) => void;
}

/** Traffic through Redis since the coordinator connected (bytes as stored, both directions). */
export interface FleetStats {
  shards: number;
  bytesToWorkers: number;
  bytesFromWorkers: number;
  keyBytesPublished: number;
  keyPublishMs: number;
  /** Sum over shards of the workers' own time, and of their engine time. */
  workerMs: number;
  computeMs: number;
}

export interface FleetHealth {
  readonly redis: string;
  readonly workers: readonly Pick<WorkerBeat, 'id' | 'host' | 'threads' | 'concurrency' | 'jobsDone' | 'keysCached'>[];
  /** Lookup and sweep jobs not yet finished. */
  readonly queue: { readonly waiting: number; readonly active: number; readonly delayed: number; readonly failed: number };
  /** Key sets expanded in the workers' caches (a key set cached by two workers counts twice). */
  readonly keysCached: number;
}

export class Fleet {
  readonly names: FleetNames;
  readonly url: string;
  readonly redis: Redis;
  readonly lookupQueue: Queue;
  readonly stats: FleetStats = { shards: 0, bytesToWorkers: 0, bytesFromWorkers: 0, keyBytesPublished: 0, keyPublishMs: 0, workerMs: 0, computeMs: 0 };
  readonly #events: QueueEvents;
  readonly #waiter: JobWaiter;
  readonly #watch: RedisWatch;
  readonly #o: FleetOptions;
  readonly #circuits = new WeakMap<Circuit, Promise<string>>();
  #workers: { at: number; list: Promise<WorkerBeat[]> } | null = null;
  #warnedNoWorker = false;

  private constructor(o: FleetOptions, redis: Redis, events: QueueEvents, queue: Queue, names: FleetNames) {
    this.#o = o;
    this.url = redactUrl(o.url);
    this.names = names;
    this.redis = redis;
    this.lookupQueue = queue;
    this.#events = events;
    this.#watch = new RedisWatch(redis, o.url, (o.unreachableSeconds ?? 30) * 1000);
    this.#waiter = new JobWaiter(queue, events, this.#watch);
  }

  /** Connects (a clear error when Redis cannot be reached within 10 s). */
  static async connect(o: FleetOptions): Promise<Fleet> {
    const names = new FleetNames(o.prefix ?? DEFAULT_PREFIX);
    const redis = await connectRedis(o.url, (o.connectSeconds ?? 10) * 1000);
    const queue = new Queue(names.lookupQueue, { connection: redis });
    const events = new QueueEvents(names.lookupQueue, { connection: redis.duplicate() });
    // Errors of BullMQ's connections show as the watch's outage error, not as unhandled events.
    queue.on('error', () => {});
    events.on('error', () => {});
    await events.waitUntilReady();
    return new Fleet(o, redis, events, queue, names);
  }

  /** Publishes a key set (once per key id) and returns lookups that run on it (executor seam). */
  readonly publishKeys: PublishKeys = async (kind: EvaluationKeyKind, bytes: Uint8Array): Promise<RemoteLookups> => {
    const t0 = performance.now();
    const { keyId, uploaded } = await this.guard(publishKeys(this.redis, this.names, kind, bytes));
    await this.guard(this.redis.incr(this.names.keyUsers(keyId)));
    if (uploaded) {
      this.stats.keyBytesPublished += bytes.length;
      this.stats.keyPublishMs += performance.now() - t0;
    }
    this.#o.log?.(
      `fleet: evaluation keys ${keyId.slice(0, 12)} (${kind}, ${(bytes.length / 2 ** 20).toFixed(1)} MiB) ${uploaded ? 'published' : 'already published'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    let closed = false;
    return {
      local: false,
      run: (_engine, r) => this.#lookup(keyId, r),
      close: async () => {
        if (closed) return;
        closed = true;
        const users = await this.guard(this.redis.decr(this.names.keyUsers(keyId)));
        if (users <= 0) await this.guard(Promise.all([deleteKeys(this.redis, this.names, keyId), this.redis.del(this.names.keyUsers(keyId))]));
      },
    };
  };

  /** Workers with a live heartbeat (cached for 5 s). */
  workers(): Promise<WorkerBeat[]> {
    if (!this.#workers || Date.now() - this.#workers.at > 5000) this.#workers = { at: Date.now(), list: listWorkers(this.redis, this.names) };
    return this.#workers.list;
  }

  async health(): Promise<FleetHealth> {
    const [workers, counts] = await Promise.all([this.workers(), this.lookupQueue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed')]);
    return {
      redis: this.url,
      workers: workers.map((w) => ({ id: w.id, host: w.host, threads: w.threads, concurrency: w.concurrency, jobsDone: w.jobsDone, keysCached: w.keysCached })),
      queue: {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      },
      keysCached: workers.reduce((s, w) => s + w.keysCached.length, 0),
    };
  }

  async #sizing(): Promise<ShardSizing> {
    const workers = await this.workers();
    if (workers.length === 0 && !this.#warnedNoWorker) {
      this.#warnedNoWorker = true;
      this.#o.log?.('fleet: no worker has announced itself yet; shards wait in the queue until one starts (fhenet worker --redis URL)');
    }
    const threads = workers.length > 0 ? Math.min(...workers.map((w) => w.threads)) : 1;
    return {
      targetSeconds: this.#o.shardSeconds ?? 1,
      slots: workers.reduce((s, w) => s + w.concurrency, 0),
      threads,
      ...(this.#o.shardOutputs !== undefined ? { outputs: this.#o.shardOutputs } : {}),
    };
  }

  #circuitId(circuit: Circuit): Promise<string> {
    let id = this.#circuits.get(circuit);
    if (!id) {
      id = publishCircuit(this.redis, this.names, circuit);
      id.catch(() => this.#circuits.delete(circuit));
      this.#circuits.set(circuit, id);
    }
    return id;
  }

  /** One lookup call of the executor: shards out, outputs back in order. Consumes r.acc. */
  async #lookup(keyId: string, r: StageLookupRequest): Promise<LookupResult> {
    const { plan, stageIndex, acc, first, progress } = r;
    const stage = plan.stages[stageIndex]!;
    const label = `stage ${stageIndex + 1}/${plan.stages.length} "${stage.name}"`;
    const blobs: string[] = [];
    const jobIds: string[] = [];
    // Outputs received so far, by shard: freed if the lookup fails (also those arriving after it failed).
    const received: LweCiphertextBatch[] = [];
    let failed = false;
    try {
      const down = this.#watch.failure();
      if (down) throw down;
      const guard = <T>(p: Promise<T>) => this.#watch.guard(p);
      const [circuitId, sizing] = await guard(Promise.all([this.#circuitId(plan.circuit), this.#sizing(), refreshKeys(this.redis, this.names, keyId)]));
      const ranges = shardRanges(acc.count, stage, plan.params, sizing);
      const at = progress && { ...progress.at, phase: 'pbs' as const };
      progress?.onProgress({ ...at!, shards: ranges.length, shardsDone: 0, done: 0, total: acc.count });
      let shardsDone = 0;
      let outputsDone = 0;
      const waits: Promise<LweCiphertextBatch>[] = [];
      for (const [k, [a, b]] of ranges.entries()) {
        const part = ranges.length === 1 ? acc : acc.gather(Uint32Array.from({ length: b - a }, (_, j) => a + j));
        const bytes = part.serialize();
        if (part !== acc) part.dispose();
        const id = randomUUID();
        const data: LookupJobData = { keyId, circuitId, stage: stageIndex, first: first + a, count: b - a, input: `${id}-in`, output: `${id}-out` };
        blobs.push(data.input, data.output);
        await guard(putBlob(this.redis, this.names, data.input, bytes));
        this.stats.bytesToWorkers += bytes.length;
        const job = await guard(this.lookupQueue.add('lookup', data, jobOptions(this.#o.attempts ?? 3, k + 1)));
        jobIds.push(job.id!);
        const what = `fleet: ${label} shard ${k + 1}/${ranges.length} (outputs ${first + a}..${first + b - 1})`;
        const done = this.#waiter.wait(job.id!, what).then(async (rv) => {
          const out = await guard(getBlob(this.redis, this.names, data.output));
          if (!out) throw new Error(`${what}: the worker's outputs are missing from Redis`);
          const batch = LweCiphertextBatch.deserialize(out, plan.params);
          if (batch.count !== b - a) {
            batch.dispose();
            throw new Error(`${what}: the worker returned ${batch.count} ciphertexts, expected ${b - a}`);
          }
          if (failed) {
            batch.dispose();
            throw new Error(`${what}: arrived after the lookup failed`);
          }
          received[k] = batch;
          const res = rv as LookupJobResult | null;
          this.stats.shards++;
          this.stats.bytesFromWorkers += out.length;
          this.stats.workerMs += res?.ms ?? 0;
          this.stats.computeMs += res?.computeMs ?? 0;
          outputsDone += b - a;
          progress?.onProgress({ ...at!, shards: ranges.length, shardsDone: ++shardsDone, done: outputsDone, total: acc.count });
          return batch;
        });
        done.catch(() => {}); // looked at by allSettled below; not an unhandled rejection meanwhile
        waits.push(done);
      }
      acc.dispose(); // every shard is in Redis now
      const results = await Promise.allSettled(waits);
      const rejected = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (rejected) throw rejected.reason;
      const outputs = received.length === 1 ? received[0]! : LweCiphertextBatch.concat(received);
      if (received.length > 1) for (const o of received) o.dispose();
      return { outputs, extractMs: 0 };
    } catch (e) {
      failed = true;
      for (const b of received) b?.dispose();
      for (const id of jobIds) {
        this.#waiter.forget(id);
        // Waiting jobs of an abandoned lookup are removed (a running one finishes and is dropped).
        this.lookupQueue.remove(id).catch(() => {});
      }
      throw e;
    } finally {
      acc.dispose();
      if (blobs.length > 0) this.redis.del(...blobs.map((b) => this.names.blob(b))).catch(() => {});
    }
  }

  /** Waits for a job of another queue (sweep points) with the same guarantees. */
  waiterFor(queue: Queue, events: QueueEvents): JobWaiter {
    return new JobWaiter(queue, events, this.#watch);
  }

  /** Guards a Redis call of a caller (sweep runner) like the coordinator's own. */
  guard<T>(p: Promise<T>): Promise<T> {
    return this.#watch.guard(p);
  }

  async close(): Promise<void> {
    this.#waiter.abandon(new Error('fleet: the coordinator was closed while shards were running'));
    // BullMQ's close waits for Redis; an unreachable one must not hold the process.
    await withTimeout(Promise.allSettled([this.#events.close(), this.lookupQueue.close()]), 3000, () => 'close').catch(() => {});
    this.redis.disconnect();
  }
}
