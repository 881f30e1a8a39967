// Registered evaluation keys, by id, each with its bearer token. Two kinds share one store (and
// one --max-keys budget): engine keys (POST /v1/keys) and keys expanded from a tfhe-rs compressed
// server key (POST /v1/tfhe-rs/keys). The kind fixes the ciphertext format of the infer route: an
// id is only usable on the routes of its own kind, so a client never gets an answer in a format
// its key cannot decrypt.
//
// Ids are names, not credentials: every use and every DELETE presents the token returned once at
// registration. The store keeps only the token's SHA-256 and compares digests in constant time;
// an unknown id and a wrong token get the same 404, so the answer tells nothing about which ids
// exist.
//
// Requests use a key through `use`, which holds a lease: a DELETE (or an eviction) while an
// inference runs or waits in the queue removes the id at once but frees the expanded keys only
// when the last lease ends, so no computation ever meets disposed keys. When the store is full, a
// registration evicts the least recently used key that has been idle (no lease) for at least
// `idleMs`: browser tabs that vanish without their DELETE cannot lock the service out. A client
// (address) holds at most `maxPerClient` key sets, so that one client alone cannot fill the store.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { BackendKeys, KeyKind } from './backend.js';
import { HttpError } from './errors.js';

export type { KeyKind } from './backend.js';

const ROUTE: Record<KeyKind, string> = { engine: '/v1/keys', 'tfhe-rs': '/v1/tfhe-rs/keys' };

interface Entry<S> {
  readonly keys: S;
  readonly kind: KeyKind;
  readonly owner: string;
  readonly tokenHash: Buffer;
  leases: number;
  lastUsed: number;
  removed: boolean;
}

export interface KeyStoreOptions {
  readonly maxKeys: number;
  /** Key sets one client (address) may hold at once, registrations in flight included (default maxKeys). */
  readonly maxPerClient?: number;
  /** A key without a lease for this long may be evicted to make room (default 10 minutes). */
  readonly idleMs?: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

/** What a registration returns: the id names the key set, the token (shown once) authorizes its use. */
export interface KeyCredentials {
  readonly keyId: string;
  readonly token: string;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** A slot taken for one registration (KeyStore.begin): completed with its keys, or cancelled. */
export interface Registration<S> {
  /** Stores the key set under a fresh id and token (shown once). */
  complete(keys: S): KeyCredentials;
  /** Gives the slot back (no-op once completed). */
  cancel(): void;
}

export class KeyStore<S extends BackendKeys = BackendKeys> {
  readonly maxKeys: number;
  readonly maxPerClient: number;
  readonly idleMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<S>>();
  readonly #registering = new Map<string, number>(); // per owner; in-flight registrations count too
  #registeringTotal = 0;
  /** Keys evicted for being idle when the store was full (reported by /v1/health). */
  evicted = 0;

  constructor(options: KeyStoreOptions) {
    if (!Number.isInteger(options.maxKeys) || options.maxKeys < 1) throw new RangeError(`maxKeys must be an integer >= 1, got ${options.maxKeys}`);
    this.maxKeys = options.maxKeys;
    this.maxPerClient = options.maxPerClient ?? options.maxKeys;
    if (!Number.isInteger(this.maxPerClient) || this.maxPerClient < 1) {
      throw new RangeError(`key sets per client must be an integer >= 1, got ${this.maxPerClient}`);
    }
    this.idleMs = options.idleMs ?? 600_000;
    if (!(this.idleMs >= 0)) throw new RangeError(`key idle time must be >= 0 ms, got ${this.idleMs}`);
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Key sets `owner` holds or is registering. */
  held(owner: string): number {
    let n = this.#registering.get(owner) ?? 0;
    for (const e of this.#entries.values()) if (e.owner === owner) n++;
    return n;
  }

  /**
   * Takes a slot for a registration by `owner`, before its body is read: 429 over the client's
   * quota, else (the store full) evicts the least recently used idle key set, else 503. The slot
   * counts against both limits until it is completed (the key set stored under a fresh id and
   * token) or cancelled, so uploads in progress cannot exceed them either.
   */
  begin(owner: string, kind: KeyKind): Registration<S> {
    if (this.held(owner) >= this.maxPerClient) {
      throw new HttpError(
        429,
        'key-quota',
        `this client already holds or is uploading ${this.maxPerClient} key set(s), the most one client may; DELETE ${ROUTE[kind]}/<id> one it no longer needs`,
      );
    }
    if (this.#entries.size + this.#registeringTotal >= this.maxKeys) {
      const idle = this.#idleCandidate();
      if (!idle) {
        throw new HttpError(503, 'key-store-full', `key store full (${this.maxKeys} key sets, none idle for ${Math.round(this.idleMs / 1000)} s); retry later`);
      }
      this.#remove(...idle);
      this.evicted++;
    }
    this.#registering.set(owner, (this.#registering.get(owner) ?? 0) + 1);
    this.#registeringTotal++;
    let open = true;
    const release = () => {
      if (!open) return false;
      open = false;
      const n = (this.#registering.get(owner) ?? 1) - 1;
      if (n === 0) this.#registering.delete(owner);
      else this.#registering.set(owner, n);
      this.#registeringTotal--;
      return true;
    };
    return {
      complete: (keys: S) => {
        if (!release()) {
          keys.dispose();
          throw new Error('internal: registration completed twice or after it was cancelled');
        }
        const keyId = randomUUID();
        const token = randomBytes(32).toString('base64url');
        this.#entries.set(keyId, { keys, kind, owner, tokenHash: digest(token), leases: 0, lastUsed: this.#now(), removed: false });
        return { keyId, token };
      },
      cancel: () => {
        release();
      },
    };
  }

  /** begin, `make`, complete; the slot is released whatever happens. */
  async register(owner: string, kind: KeyKind, make: () => Promise<S>): Promise<KeyCredentials> {
    const r = this.begin(owner, kind);
    try {
      return r.complete(await make());
    } finally {
      r.cancel();
    }
  }

  /** Runs `fn` with the key set, which stays alive until `fn` settles even if deleted meanwhile. */
  async use<T>(id: string, token: string, kind: KeyKind, fn: (keys: S) => Promise<T>): Promise<T> {
    const e = this.#authorize(id, token, kind);
    e.leases++;
    e.lastUsed = this.#now();
    try {
      return await fn(e.keys);
    } finally {
      e.leases--;
      e.lastUsed = this.#now();
      if (e.removed && e.leases === 0) e.keys.dispose();
    }
  }

  /** Throws the 404 / 409 HttpError `use` would, without leasing (checked before a body is read). */
  assertAuthorized(id: string, token: string, kind: KeyKind): void {
    this.#authorize(id, token, kind);
  }

  /** Forgets the id now; frees the keys now, or when the last request using them ends. */
  delete(id: string, token: string, kind: KeyKind): void {
    this.#remove(id, this.#authorize(id, token, kind));
  }

  clear(): void {
    for (const [id, e] of this.#entries) this.#remove(id, e);
  }

  #authorize(id: string, token: string, kind: KeyKind): Entry<S> {
    const e = this.#entries.get(id);
    // Digests of equal length compared in constant time; a missing entry compares too, so the
    // time does not say whether the id exists.
    const ok = timingSafeEqual(digest(token), e ? e.tokenHash : digest(`${token}x`));
    if (!e || !ok) throw new HttpError(404, 'unknown-key', 'no key set with this id and token (deleted, evicted, never registered, or another token)');
    if (e.kind !== kind) {
      throw new HttpError(409, 'wrong-key-kind', `this key set was registered as ${e.kind} keys; use ${ROUTE[e.kind]}/<id>/infer`);
    }
    return e;
  }
  #remove(id: string, e: Entry<S>): void {
    this.#entries.delete(id);
    e.removed = true;
    if (e.leases === 0) e.keys.dispose();
  }
  /** The least recently used key idle for at least idleMs, if any. */
  #idleCandidate(): [string, Entry<S>] | null {
    const now = this.#now();
    let oldest: [string, Entry<S>] | null = null;
    for (const [id, e] of this.#entries) {
      if (e.leases === 0 && now - e.lastUsed >= this.idleMs && (!oldest || e.lastUsed < oldest[1].lastUsed)) oldest = [id, e];
    }
    return oldest;
  }
}
