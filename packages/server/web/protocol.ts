// Messages between the page (main.ts) and the key worker (worker.ts). The worker owns the tfhe-rs
// client key: it generates or loads it, encrypts and decrypts. Only the compressed server key and
// ciphertexts ever come out of it; the client key bytes go only to the browser's IndexedDB.

export type ToWorker =
  | { readonly type: 'keys'; readonly circuitJson: string; readonly cacheKey: string; readonly tfheUrl: string }
  | { readonly type: 'encrypt'; readonly id: number; readonly raw: Uint8Array }
  | { readonly type: 'decrypt'; readonly id: number; readonly outputs: Uint8Array }
  | { readonly type: 'forget'; readonly cacheKey: string };

export type KeyPhase = 'loading-tfhe' | 'cache-lookup' | 'client-key' | 'server-key' | 'caching';

export type FromWorker =
  | { readonly type: 'phase'; readonly phase: KeyPhase }
  | {
      readonly type: 'keys';
      /** The compressed server key: the one key the server gets. */
      readonly serverKey: Uint8Array;
      readonly cached: boolean;
      /** Generation times (of this run, or when the cached keys were made). */
      readonly clientKeyMs: number;
      readonly serverKeyMs: number;
    }
  | { readonly type: 'encrypted'; readonly id: number; readonly ciphertexts: Uint8Array; readonly ms: number }
  | { readonly type: 'decrypted'; readonly id: number; readonly values: Int32Array; readonly logits: Float64Array; readonly cls: number; readonly ms: number }
  | { readonly type: 'forgotten' }
  | { readonly type: 'error'; readonly id?: number; readonly message: string };
