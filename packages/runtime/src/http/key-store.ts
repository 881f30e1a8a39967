// Registered evaluation keys, by id. Two kinds share one store (and one --max-keys budget):
// engine keys (POST /v1/keys) and keys expanded from a tfhe-rs compressed server key
// (POST /v1/tfhe-rs/keys). The kind fixes the ciphertext format of the infer route: an id is
// only usable on the routes of its own kind, so a client never gets an answer in a format its
// key cannot decrypt.
import { randomUUID } from 'node:crypto';
import type { InferenceServer } from '../inference/server.js';
import { HttpError } from './errors.js';

export type KeyKind = 'engine' | 'tfhe-rs';

const ROUTE: Record<KeyKind, string> = { engine: '/v1/keys', 'tfhe-rs': '/v1/tfhe-rs/keys' };

export class KeyStore {
  readonly #entries = new Map<string, { server: InferenceServer; kind: KeyKind }>();
  #registering = 0; // registrations in flight count against the limit too
  constructor(readonly maxKeys: number) {}

  get size(): number {
    return this.#entries.size;
  }
  /**
   * Holds a slot for a registration about to be expanded (503 when full), runs `make`, stores its
   * server under a fresh id. The slot is released whatever happens.
   */
  async register(kind: KeyKind, make: () => Promise<InferenceServer>): Promise<string> {
    if (this.#entries.size + this.#registering >= this.maxKeys) {
      throw new HttpError(503, 'key-store-full', `key store full (${this.maxKeys} key sets); DELETE ${ROUTE[kind]}/<id> a finished one`);
    }
    this.#registering++;
    try {
      const server = await make();
      const id = randomUUID();
      this.#entries.set(id, { server, kind });
      return id;
    } finally {
      this.#registering--;
    }
  }
  get(id: string, kind: KeyKind): InferenceServer {
    const e = this.#entries.get(id);
    if (!e) throw new HttpError(404, 'unknown-key', `no evaluation keys registered under id "${id}"`);
    if (e.kind !== kind) {
      throw new HttpError(409, 'wrong-key-kind', `key "${id}" was registered as ${e.kind} keys; use ${ROUTE[e.kind]}/${id}/infer`);
    }
    return e.server;
  }
  delete(id: string, kind: KeyKind): void {
    this.get(id, kind).dispose();
    this.#entries.delete(id);
  }
  clear(): void {
    for (const e of this.#entries.values()) e.server.dispose();
    this.#entries.clear();
  }
}
