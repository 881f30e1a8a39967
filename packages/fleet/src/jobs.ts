// What travels in a job (JSON, small: the ciphertexts themselves are blobs in Redis, binary) and
// the options every job gets: retries with backoff, finished jobs kept a while for inspection.
import type { JobsOptions } from 'bullmq';

export interface LookupJobData {
  /** Published evaluation keys (store.ts). */
  readonly keyId: string;
  /** Published circuit (store.ts). */
  readonly circuitId: string;
  readonly stage: number;
  /** First accumulator of the shard in the sample-major batch, and how many. */
  readonly first: number;
  readonly count: number;
  /** Blob ids of the shard's accumulators and of the outputs the worker writes. */
  readonly input: string;
  readonly output: string;
}

export interface LookupJobResult {
  readonly worker: string;
  /** Worker-side time: fetch + deserialize + lookups + serialize + store. */
  readonly ms: number;
  /** Of ms, the extractions and lookups on the engine. */
  readonly computeMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export function jobOptions(attempts: number, priority?: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'fixed', delay: 500 },
    removeOnComplete: { age: 600, count: 10_000 },
    removeOnFail: { age: 24 * 3600 },
    ...(priority !== undefined ? { priority: Math.min(priority, 2 ** 21 - 1) } : {}),
  };
}

/** Fields of a job's data, checked (a hostile or stale job is refused by name, not by a crash). */
export function assertLookupJob(d: unknown): asserts d is LookupJobData {
  const o = d as Record<string, unknown> | null;
  const ok =
    !!o &&
    typeof o.keyId === 'string' &&
    /^[0-9a-f]{64}$/.test(o.keyId) &&
    typeof o.circuitId === 'string' &&
    /^[0-9a-f]{64}$/.test(o.circuitId) &&
    Number.isInteger(o.stage) &&
    Number.isInteger(o.first) &&
    Number.isInteger(o.count) &&
    (o.count as number) > 0 &&
    typeof o.input === 'string' &&
    typeof o.output === 'string';
  if (!ok) throw new Error(`lookup job: malformed data ${JSON.stringify(d).slice(0, 200)}`);
}
