// Names of the fleet's queues and Redis keys, all under one prefix (default "fhenet") so that
// several fleets can share a Redis and an operator can see at a glance what belongs to whom.
export const DEFAULT_PREFIX = 'fhenet';
/** How a worker tells its sandboxed sweep processor (a child process) where the fleet is. */
export const FLEET_URL_ENV = 'FHENET_FLEET_REDIS';
export const FLEET_PREFIX_ENV = 'FHENET_FLEET_PREFIX';

export class FleetNames {
  readonly prefix: string;
  constructor(prefix = DEFAULT_PREFIX) {
    if (!/^[\w-]+$/.test(prefix)) throw new Error(`fleet prefix: expected letters, digits, _ or -, got "${prefix}"`);
    this.prefix = prefix;
  }
  /** BullMQ queue of shard lookups (names may not contain ':'). */
  get lookupQueue(): string {
    return `${this.prefix}-lookups`;
  }
  /** BullMQ queue of sweep points (train + compile). */
  get sweepQueue(): string {
    return `${this.prefix}-sweep`;
  }
  /** Published evaluation keys: a JSON manifest and its chunks. */
  keyManifest(keyId: string): string {
    return `${this.prefix}:keys:${keyId}:manifest`;
  }
  keyChunk(keyId: string, i: number): string {
    return `${this.prefix}:keys:${keyId}:chunk:${i}`;
  }
  /** Sessions using a published key set (the key set is deleted when the last one closes). */
  keyUsers(keyId: string): string {
    return `${this.prefix}:keys:${keyId}:users`;
  }
  circuit(circuitId: string): string {
    return `${this.prefix}:circuits:${circuitId}`;
  }
  /** Ciphertexts of one shard, or a sweep point's files. */
  blob(id: string): string {
    return `${this.prefix}:blobs:${id}`;
  }
  /** A worker's heartbeat (expires when the worker stops beating). */
  worker(id: string): string {
    return `${this.prefix}:workers:${id}`;
  }
  get workerPattern(): string {
    return `${this.prefix}:workers:*`;
  }
}
