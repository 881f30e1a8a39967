// BullMQ sandboxed processor of sweep points: training runs in a child process of the worker, so
// that the worker's event loop stays free to renew the job's lock (a training step blocks its
// thread for seconds; an unrenewed lock would make BullMQ think the worker died and run the point
// twice). The worker passes its Redis URL and prefix through the environment (worker.ts).
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { FLEET_PREFIX_ENV, FLEET_URL_ENV, FleetNames } from './names.js';
import { connectRedis } from './redis.js';
import { runSweepJob } from './sweep.js';

let redis: Promise<Redis> | undefined;

export default async function processSweepPoint(job: Job): Promise<unknown> {
  const url = process.env[FLEET_URL_ENV];
  if (!url) throw new Error(`sweep processor: ${FLEET_URL_ENV} is not set (the worker sets it)`);
  redis ??= connectRedis(url);
  const log = (l: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${l}`);
  return runSweepJob(await redis, new FleetNames(process.env[FLEET_PREFIX_ENV]), job, log);
}
