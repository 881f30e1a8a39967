// The page's key worker: loads the `tfhe` package (tfhe-rs compiled to wasm, single-threaded: no
// initThreadPool, so no cross-origin isolation needed), makes or loads the tfhe-rs keys for the
// circuit, encrypts inputs and decrypts outputs. The client key lives here and in IndexedDB only;
// what leaves is the compressed server key and ciphertexts (protocol.ts). Key generation is one
// long wasm call (tens of seconds), which is why it runs off the page's thread.
/// <reference lib="webworker" />
import { circuitFromJson, type Circuit } from '@fhenet/circuit';
import { TfheRsClient, type ShortintModule } from '@fhenet/client';
import { forgetKeys, loadKeys, storeKeys } from './key-cache.js';
import type { FromWorker, ToWorker } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

let client: TfheRsClient | null = null;
let Shortint: ShortintModule | null = null;

const post = (m: FromWorker, transfer: Transferable[] = []): void => self.postMessage(m, transfer);

async function loadTfhe(url: string): Promise<ShortintModule> {
  if (Shortint) return Shortint;
  const mod = (await import(/* @vite-ignore */ url)) as { default: (o: { module_or_path: URL }) => Promise<unknown>; Shortint: ShortintModule };
  await mod.default({ module_or_path: new URL('tfhe_bg.wasm', url) });
  Shortint = mod.Shortint;
  return Shortint;
}

async function keys(circuit: Circuit, cacheKey: string, tfheUrl: string): Promise<void> {
  post({ type: 'phase', phase: 'loading-tfhe' });
  const S = await loadTfhe(tfheUrl);
  post({ type: 'phase', phase: 'cache-lookup' });
  const cached = await loadKeys(cacheKey);
  if (cached) {
    try {
      client = TfheRsClient.fromKeyBytes(S, circuit, cached.clientKey);
      const serverKey = cached.serverKey.slice();
      post({ type: 'keys', serverKey, cached: true, clientKeyMs: cached.clientKeyMs, serverKeyMs: cached.serverKeyMs }, [serverKey.buffer]);
      return;
    } catch {
      // A record this tfhe build cannot read (e.g. written by another version): make new keys.
    }
  }
  post({ type: 'phase', phase: 'client-key' });
  let t = performance.now();
  client = TfheRsClient.generate(S, circuit);
  const clientKeyMs = performance.now() - t;
  post({ type: 'phase', phase: 'server-key' });
  t = performance.now();
  const serverKey = client.compressedServerKey();
  const serverKeyMs = performance.now() - t;
  post({ type: 'phase', phase: 'caching' });
  await storeKeys(cacheKey, { clientKey: client.serializeKey(), serverKey, clientKeyMs, serverKeyMs, createdAt: new Date().toISOString() });
  post({ type: 'keys', serverKey, cached: false, clientKeyMs, serverKeyMs }, [serverKey.buffer]);
}

// One message at a time, in order: a 'forget' followed by 'keys' must not find the old record.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(e.data));
};

async function handle(m: ToWorker): Promise<void> {
  const id = 'id' in m ? m.id : undefined;
  try {
    if (m.type === 'keys') {
      await keys(circuitFromJson(JSON.parse(m.circuitJson), 'GET /app/circuit.json'), m.cacheKey, m.tfheUrl);
    } else if (m.type === 'forget') {
      client = null;
      await forgetKeys(m.cacheKey);
      post({ type: 'forgotten' });
    } else {
      if (!client) throw new Error('no keys yet');
      const t = performance.now();
      if (m.type === 'encrypt') {
        const ciphertexts = client.encryptRaw(m.raw, 1);
        post({ type: 'encrypted', id: m.id, ciphertexts, ms: performance.now() - t }, [ciphertexts.buffer]);
      } else {
        const d = client.decode(m.outputs);
        post({ type: 'decrypted', id: m.id, values: d.values, logits: d.logits, cls: d.classes[0]!, ms: performance.now() - t });
      }
    }
  } catch (err) {
    post({ type: 'error', ...(id !== undefined ? { id } : {}), message: (err as Error).message ?? String(err) });
  }
}
