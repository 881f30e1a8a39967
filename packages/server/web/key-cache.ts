// The tfhe-rs keys in the browser's IndexedDB (origin-private storage), so keys are generated once
// per browser and parameter set. The record holds the client key: it is read and written only
// by the worker and never sent anywhere.
const DB = 'fhenet-tfhe-rs-keys';
const STORE = 'keys';

export interface CachedKeys {
  readonly clientKey: Uint8Array;
  readonly serverKey: Uint8Array;
  readonly clientKeyMs: number;
  readonly serverKeyMs: number;
  readonly createdAt: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`IndexedDB ${DB}: ${req.error?.message ?? 'cannot open'}`));
  });
}

function run<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  return open().then((db) =>
    new Promise<T>((resolve, reject) => {
      const req = op(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result as T);
      req.onerror = () => reject(new Error(`IndexedDB ${DB}: ${req.error?.message ?? 'request failed'}`));
    }).finally(() => db.close()),
  );
}

/** The cached keys under `key`, or null (also when IndexedDB is unavailable: keys are then made each time). */
export async function loadKeys(key: string): Promise<CachedKeys | null> {
  try {
    const v = await run<CachedKeys | undefined>('readonly', (s) => s.get(key));
    return v && v.clientKey instanceof Uint8Array && v.serverKey instanceof Uint8Array ? v : null;
  } catch {
    return null;
  }
}
export async function storeKeys(key: string, keys: CachedKeys): Promise<boolean> {
  try {
    await run('readwrite', (s) => s.put(keys, key));
    return true;
  } catch {
    return false;
  }
}
export async function forgetKeys(key: string): Promise<void> {
  await run('readwrite', (s) => s.delete(key));
}
