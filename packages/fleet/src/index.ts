// @fhenet/fleet — encrypted inference and sweeps on a Redis-backed worker fleet (BullMQ). The
// coordinator (predict, serve, sweep with --redis) keeps a circuit's linear maps and sends each
// stage's lookups out as shards of ciphertexts through the executor's StageLookups seam; workers
// (`fhenet worker`) hold the engine and the expanded evaluation keys, which are published once per
// key id in their seeded form. Secret keys never enter the queue. docs/deployment.md.
export const PACKAGE_NAME = '@fhenet/fleet';
export { Fleet, type FleetOptions, type FleetStats, type FleetHealth } from './coordinator.js';
export { startWorker, type WorkerOptions, type FleetWorker } from './worker.js';
export { fleetPointRunner } from './sweep.js';
export { shardRanges, secondsPerOutput, type ShardSizing } from './shards.js';
export { KeyCache } from './key-cache.js';
export { FleetNames, DEFAULT_PREFIX } from './names.js';
export { CHUNK_BYTES, sha256 } from './store.js';
export type { WorkerBeat } from './registry.js';
