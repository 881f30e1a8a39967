// Workers announce themselves: each writes a heartbeat (name, host, threads, concurrency, memory
// budget, keys cached, jobs done) that expires unless renewed, so the coordinator knows how many
// cores it may shard for and /v1/health who is there, without a home-made membership protocol.
import type { Redis } from 'ioredis';
import type { FleetNames } from './names.js';

export interface WorkerBeat {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** Engine threads of the worker (its PBS batches use them all). */
  readonly threads: number;
  /** Lookup jobs it runs at once. */
  readonly concurrency: number;
  readonly maxMemoryBytes: number;
  readonly keysCached: readonly string[];
  readonly keyBytes: number;
  readonly jobsDone: number;
  /** The last key sets it fetched and expanded: id, seconds, transfer-form bytes. */
  readonly keyLoads: readonly { readonly keyId: string; readonly seconds: number; readonly bytes: number }[];
  readonly startedAt: string;
}

export const BEAT_SECONDS = 5;
const BEAT_TTL_SECONDS = 3 * BEAT_SECONDS;

export async function beat(redis: Redis, names: FleetNames, b: WorkerBeat): Promise<void> {
  await redis.set(names.worker(b.id), JSON.stringify(b), 'EX', BEAT_TTL_SECONDS);
}

export async function endBeat(redis: Redis, names: FleetNames, id: string): Promise<void> {
  await redis.del(names.worker(id));
}

/** The workers whose heartbeat has not expired. */
export async function listWorkers(redis: Redis, names: FleetNames): Promise<WorkerBeat[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', names.workerPattern, 'COUNT', 100);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as WorkerBeat);
}
