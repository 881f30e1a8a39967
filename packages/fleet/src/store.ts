// What the fleet keeps in Redis besides BullMQ's jobs: published evaluation keys, circuits and
// blobs (a shard's ciphertexts, a sweep point's files). Keys are content-addressed (their id is
// the SHA-256 of their transfer form), so a key set is uploaded once however many sessions use it,
// and every reader checks the hash of what it read. Redis refuses values over 512 MB: key sets
// travel in chunks of at most 64 MiB. Only evaluation keys are ever published: seeded engine keys
// or a tfhe-rs compressed server key, never a secret key (the executor's types carry no secret).
import { createHash } from 'node:crypto';
import { circuitFromText, circuitToJson, type Circuit } from '@fhenet/circuit';
import type { EvaluationKeyKind } from '@fhenet/executor';
import type { Redis } from 'ioredis';
import type { FleetNames } from './names.js';

/** Largest value written to Redis at once (its limit is 512 MB). */
export const CHUNK_BYTES = 64 * 2 ** 20;
/** How long published keys, circuits and blobs live without use (refreshed by every use). */
export const KEY_TTL_SECONDS = 24 * 3600;
export const BLOB_TTL_SECONDS = 3600;

export interface KeyManifest {
  readonly format: 'fhenet-fleet-keys';
  readonly version: 1;
  readonly kind: EvaluationKeyKind;
  readonly bytes: number;
  readonly chunks: number;
  /** SHA-256 of the whole transfer form, hex: the key id. */
  readonly sha256: string;
}

export const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** Publishes a key set unless it is there already; returns its id and whether bytes were uploaded. */
export async function publishKeys(redis: Redis, names: FleetNames, kind: EvaluationKeyKind, bytes: Uint8Array): Promise<{ keyId: string; uploaded: boolean }> {
  const keyId = sha256(bytes);
  const manifestKey = names.keyManifest(keyId);
  const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
  const existing = await redis.get(manifestKey);
  if (existing) {
    const m = JSON.parse(existing) as KeyManifest;
    if (m.kind !== kind) throw new Error(`evaluation keys ${keyId.slice(0, 12)}: published as ${m.kind} keys, now offered as ${kind} keys`);
    await touchKeys(redis, names, keyId, m.chunks);
    return { keyId, uploaded: false };
  }
  // Chunks first, manifest last: a reader that finds the manifest finds every chunk.
  for (let i = 0; i < chunks; i++) {
    const part = bytes.subarray(i * CHUNK_BYTES, Math.min(bytes.length, (i + 1) * CHUNK_BYTES));
    await redis.set(names.keyChunk(keyId, i), Buffer.from(part.buffer, part.byteOffset, part.byteLength), 'EX', KEY_TTL_SECONDS);
  }
  const manifest: KeyManifest = { format: 'fhenet-fleet-keys', version: 1, kind, bytes: bytes.length, chunks, sha256: keyId };
  await redis.set(manifestKey, JSON.stringify(manifest), 'EX', KEY_TTL_SECONDS);
  return { keyId, uploaded: true };
}

async function touchKeys(redis: Redis, names: FleetNames, keyId: string, chunks: number): Promise<void> {
  const p = redis.pipeline();
  p.expire(names.keyManifest(keyId), KEY_TTL_SECONDS);
  for (let i = 0; i < chunks; i++) p.expire(names.keyChunk(keyId, i), KEY_TTL_SECONDS);
  await p.exec();
}

/** Keeps a key set alive while it is used (every lookup call refreshes it). */
export async function refreshKeys(redis: Redis, names: FleetNames, keyId: string): Promise<void> {
  const m = await readManifest(redis, names, keyId);
  if (m) await touchKeys(redis, names, keyId, m.chunks);
}

export async function readManifest(redis: Redis, names: FleetNames, keyId: string): Promise<KeyManifest | null> {
  const text = await redis.get(names.keyManifest(keyId));
  if (!text) return null;
  const m = JSON.parse(text) as KeyManifest;
  if (m.format !== 'fhenet-fleet-keys' || m.version !== 1 || m.sha256 !== keyId || !(m.chunks >= 1) || !(m.bytes >= 0)) {
    throw new Error(`evaluation keys ${keyId.slice(0, 12)}: unreadable manifest in Redis (${names.keyManifest(keyId)})`);
  }
  return m;
}

/** The transfer form of a published key set, checked against its id; null when it is not (or no longer) published. */
export async function fetchKeys(redis: Redis, names: FleetNames, keyId: string): Promise<{ kind: EvaluationKeyKind; bytes: Buffer } | null> {
  const m = await readManifest(redis, names, keyId);
  if (!m) return null;
  const parts: Buffer[] = [];
  for (let i = 0; i < m.chunks; i++) {
    const part = await redis.getBuffer(names.keyChunk(keyId, i));
    if (!part)
      throw new Error(`evaluation keys ${keyId.slice(0, 12)}: chunk ${i + 1} of ${m.chunks} is missing from Redis (expired or deleted while being read)`);
    parts.push(part);
  }
  const bytes = Buffer.concat(parts);
  if (bytes.length !== m.bytes || sha256(bytes) !== keyId) {
    throw new Error(
      `evaluation keys ${keyId.slice(0, 12)}: the ${bytes.length} bytes read from Redis do not match the published ${m.bytes} bytes (hash differs)`,
    );
  }
  return { kind: m.kind, bytes };
}

export async function deleteKeys(redis: Redis, names: FleetNames, keyId: string): Promise<void> {
  const m = await readManifest(redis, names, keyId).catch(() => null);
  const chunks = m?.chunks ?? 1;
  await redis.del(names.keyManifest(keyId), ...Array.from({ length: chunks }, (_, i) => names.keyChunk(keyId, i)));
}

/** Publishes a circuit (its versioned JSON) under the hash of that JSON; returns the id. */
export async function publishCircuit(redis: Redis, names: FleetNames, circuit: Circuit): Promise<string> {
  const text = JSON.stringify(circuitToJson(circuit));
  const id = sha256(text);
  await redis.set(names.circuit(id), text, 'EX', KEY_TTL_SECONDS);
  return id;
}

/** A published circuit, validated by the circuit package's reader and checked against its id. */
export async function fetchCircuit(redis: Redis, names: FleetNames, circuitId: string): Promise<Circuit | null> {
  const text = await redis.get(names.circuit(circuitId));
  if (text === null) return null;
  if (sha256(text) !== circuitId) throw new Error(`circuit ${circuitId.slice(0, 12)}: the JSON in Redis does not match its id`);
  return circuitFromText(text, `fleet circuit ${circuitId.slice(0, 12)}`);
}

export async function putBlob(redis: Redis, names: FleetNames, id: string, bytes: Uint8Array): Promise<void> {
  if (bytes.length > CHUNK_BYTES * 4) throw new Error(`fleet blob ${id}: ${bytes.length} bytes is more than one value should hold; use smaller shards`);
  await redis.set(names.blob(id), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'EX', BLOB_TTL_SECONDS);
}

export async function getBlob(redis: Redis, names: FleetNames, id: string): Promise<Buffer | null> {
  return redis.getBuffer(names.blob(id));
}
