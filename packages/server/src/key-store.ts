// Registered evaluation keys, by id. Two kinds share one store (and one --max-keys budget):
// engine keys (POST /v1/keys) and keys expanded from a tfhe-rs compressed server key
// (POST /v1/tfhe-rs/keys). The kind fixes the ciphertext format of the infer route: an id is
// only usable on the routes of its own kind, so a client never gets an answer in a format its
// key cannot decrypt.
//
// Requests use a key through `use`, which holds a lease: a DELETE (or an eviction) while an
// inference runs or waits in the queue removes the id at once but frees the expanded keys only
// when the last lease ends, so no computation ever meets disposed keys. When the store is full, a
// registration evicts the least recently used key that has been idle (no lease) for at least
// `idleMs`: browser tabs that vanish without their DELETE cannot lock the service out.
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InferenceServer } from '@fhenet/executor';
import { HttpError } from './errors.js';

export type KeyKind = 'engine' | 'tfhe-rs';

const ROUTE: Record<KeyKind, string> = { engine: '/v1/keys', 'tfhe-rs': '/v1/tfhe-rs/keys' };

/** What the store needs of a registered server (InferenceServer; a stand-in in tests). */
export type KeyHolder = Pick<InferenceServer, 'dispose'>;

interface Entry<S> {
  readonly server: S;
  readonly kind: KeyKind;
  leases: number;
  lastUsed: number;
  removed: boolean;
}

export interface KeyStoreOptions {
  readonly maxKeys: number;
  /** A key without a lease for this long may be evicted to make room (default 10 minutes). */
  readonly idleMs?: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

export class KeyStore<S extends KeyHolder = InferenceServer> {
  readonly maxKeys: number;
  readonly idleMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<S>>();
  #registering = 0; // registrations in flight count against the limit too
  /** Keys evicted for being idle when the store was full (reported by /v1/health). */
  evicted = 0;

  constructor(options: KeyStoreOptions) {
    if (!Number.isInteger(options.maxKeys) || options.maxKeys < 1) throw new RangeError(`maxKeys must be an integer >= 1, got ${options.maxKeys}`);
    this.maxKeys = options.maxKeys;
    this.idleMs = options.idleMs ?? 600_000;
    if (!(this.idleMs >= 0)) throw new RangeError(`key idle time must be >= 0 ms, got ${this.idleMs}`);
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Holds a slot for a registration about to be expanded (evicting an idle key if the store is
   * full, else 503), runs `make`, stores its server under a fresh id. The slot is released
   * whatever happens.
   */
  async register(kind: KeyKind, make: () => Promise<S>): Promise<string> {
    if (this.#entries.size + this.#registering >= this.maxKeys && !this.#evictIdle()) {
      throw new HttpError(
        503,
        'key-store-full',
        `key store full (${this.maxKeys} key sets, none idle for ${Math.round(this.idleMs / 1000)} s); DELETE ${ROUTE[kind]}/<id> a finished one`,
      );
    }
    this.#registering++;
    try {
      const server = await make();
      const id = randomUUID();
      this.#entries.set(id, { server, kind, leases: 0, lastUsed: this.#now(), removed: false });
      return id;
    } finally {
      this.#registering--;
    }
  }

  /** Runs `fn` with the key's server, which stays alive until `fn` settles even if deleted meanwhile. */
  async use<T>(id: string, kind: KeyKind, fn: (server: S) => Promise<T>): Promise<T> {
    const e = this.#lookup(id, kind);
    e.leases++;
    e.lastUsed = this.#now();
    try {
      return await fn(e.server);
    } finally {
      e.leases--;
      e.lastUsed = this.#now();
      if (e.removed && e.leases === 0) e.server.dispose();
    }
  }

  /** Throws the 404 / 409 HttpError `use` would, without leasing (checked before a body is read). */
  assertKnown(id: string, kind: KeyKind): void {
    this.#lookup(id, kind);
  }

  /** Forgets the id now; frees the keys now, or when the last request using them ends. */
  delete(id: string, kind: KeyKind): void {
    this.#remove(id, this.#lookup(id, kind));
  }

  clear(): void {
    for (const [id, e] of this.#entries) this.#remove(id, e);
  }

  #lookup(id: string, kind: KeyKind): Entry<S> {
    const e = this.#entries.get(id);
    if (!e) throw new HttpError(404, 'unknown-key', `no evaluation keys registered under id "${id}"`);
    if (e.kind !== kind) {
      throw new HttpError(409, 'wrong-key-kind', `key "${id}" was registered as ${e.kind} keys; use ${ROUTE[e.kind]}/${id}/infer`);
    }
    return e;
  }
  #remove(id: string, e: Entry<S>): void {
    this.#entries.delete(id);
    e.removed = true;
    if (e.leases === 0) e.server.dispose();
  }
  /** Evicts the least recently used key idle for at least idleMs; false if there is none. */
  #evictIdle(): boolean {
    const now = this.#now();
    let oldest: [string, Entry<S>] | null = null;
    for (const [id, e] of this.#entries) {
      if (e.leases === 0 && now - e.lastUsed >= this.idleMs && (!oldest || e.lastUsed < oldest[1].lastUsed)) oldest = [id, e];
    }
    if (!oldest) return false;
    this.#remove(...oldest);
    this.evicted++;
    return true;
  }
}

/**
 * An `onRequest` hook for routes under /:keyId: an unknown id (or one of the other kind) is
 * answered before a byte of the body is read, and the connection is closed so that the rest of
 * the body is never read either.
 */
export function knownKey(store: Pick<KeyStore<KeyHolder>, 'assertKnown'>, kind: KeyKind) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { keyId } = req.params as { keyId?: unknown };
    try {
      store.assertKnown(typeof keyId === 'string' ? keyId : '', kind);
    } catch (e) {
      reply.header('connection', 'close');
      throw e;
    }
  };
}
