// Sweep points on the fleet (`fhenet sweep --redis`): each missing grid point becomes a job (train
// + compile + score, @fhenet/experiments' runPoint, exactly what a local sweep runs) that any
// worker takes; its result and trained-graph files come back through Redis and the coordinator
// writes them where the local sweep would. The job id is the hash of the point and its settings:
// a coordinator restarted mid-sweep finds its jobs again (running, or finished with their
// results) instead of training twice, and the sweep's own point files make it resumable as before.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadDataset } from '@fhenet/datasets';
import { runPoint, type LatencyModel, type PointData, type PointResult, type SweepPoint, type SweepSettings } from '@fhenet/experiments';
import type { Fleet } from './coordinator.js';
import type { FleetNames } from './names.js';
import { withTimeout } from './redis.js';
import { sha256 } from './store.js';

interface SweepJobData {
  readonly point: SweepPoint;
  readonly settings: SweepSettings;
  readonly latency: LatencyModel | null;
}

interface SweepJobResult {
  readonly result: PointResult;
  /** Blob with the trained graph's files ({ name: base64 }). */
  readonly files: string;
}

/** Sweep jobs and their files are kept a week: long enough to resume a sweep. */
const KEEP_SECONDS = 7 * 24 * 3600;

/** Training and test data of a worker, loaded once per (dataset, counts). */
const dataCache = new Map<string, PointData>();

/** A worker's processor of sweep jobs. */
export async function runSweepJob(redis: Redis, names: FleetNames, job: Job, log: (line: string) => void): Promise<SweepJobResult> {
  const d = job.data as SweepJobData;
  if (!d?.point?.key || !d.settings || d.point.dataset !== 'mnist') throw new UnrecoverableError(`sweep job ${job.id}: malformed data`);
  const s = d.settings;
  const dataKey = JSON.stringify([d.point.dataset, s.calibrationCount, s.testLimit ?? null]);
  let data = dataCache.get(dataKey);
  if (!data) {
    data = {
      calibration: loadDataset(d.point.dataset, { split: 'train', limit: s.calibrationCount }),
      test: loadDataset(d.point.dataset, { split: 'test', ...(s.testLimit !== undefined ? { limit: s.testLimit } : {}) }),
    };
    dataCache.set(dataKey, data);
  }
  const dir = mkdtempSync(join(tmpdir(), 'fhenet-sweep-point-'));
  try {
    log(`sweep point ${d.point.key}: training ${s.epochs} epoch(s)`);
    const result = await runPoint(d.point, { settings: s, data, latency: d.latency, graphDir: dir, log });
    const files: Record<string, string> = {};
    for (const f of readdirSync(dir)) files[f] = readFileSync(join(dir, f)).toString('base64');
    const blob = `sweep-${job.id}-files`;
    await redis.set(names.blob(blob), JSON.stringify(files), 'EX', KEEP_SECONDS);
    return { result, files: blob };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A point runner for runSweep (its `runPoint` option) that runs points on the fleet's workers. */
export function fleetPointRunner(
  fleet: Fleet,
  settings: SweepSettings,
  latency: LatencyModel | null,
): { run: (point: SweepPoint, graphDir: string) => Promise<PointResult>; close: () => Promise<void> } {
  const queue = new Queue(fleet.names.sweepQueue, { connection: fleet.redis });
  const events = new QueueEvents(fleet.names.sweepQueue, { connection: fleet.redis.duplicate() });
  queue.on('error', () => {});
  events.on('error', () => {});
  const ready = events.waitUntilReady();
  const waiter = fleet.waiterFor(queue, events);
  const run = async (point: SweepPoint, graphDir: string): Promise<PointResult> => {
    await fleet.guard(ready);
    const data: SweepJobData = { point, settings, latency };
    const jobId = `sweep-${sha256(JSON.stringify(data)).slice(0, 32)}`;
    const what = `fleet: sweep point ${point.key}`;
    // An existing job with this id is returned as it is (BullMQ deduplicates by id).
    const job = await fleet.guard(
      queue.add('point', data, {
        jobId,
        attempts: 2,
        removeOnComplete: { age: KEEP_SECONDS },
        removeOnFail: { age: KEEP_SECONDS },
      }),
    );
    const state = await fleet.guard(job.getState());
    let rv: unknown;
    if (state === 'completed') rv = job.returnvalue;
    else {
      if (state === 'failed') await fleet.guard(job.retry('failed'));
      rv = await waiter.wait(jobId, what);
    }
    const r = rv as SweepJobResult;
    const text = await fleet.guard(fleet.redis.get(fleet.names.blob(r.files)));
    if (!text) throw new Error(`${what}: the trained graph's files are missing from Redis (expired): delete job ${jobId} or use a fresh --prefix`);
    mkdirSync(graphDir, { recursive: true });
    for (const [name, b64] of Object.entries(JSON.parse(text) as Record<string, string>)) {
      if (!/^[\w.-]+$/.test(name)) throw new Error(`${what}: refusing file name "${name}"`);
      writeFileSync(join(graphDir, name), Buffer.from(b64, 'base64'));
    }
    return r.result;
  };
  return {
    run,
    close: async () => {
      waiter.abandon(new Error('fleet: the sweep was closed'));
      await withTimeout(Promise.allSettled([events.close(), queue.close()]), 3000, () => 'close').catch(() => {});
    },
  };
}
