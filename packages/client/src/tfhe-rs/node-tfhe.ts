// node-tfhe in Node: loading it and running its slow synchronous call (compressed server key
// generation: 80 s for the 7-bit MNIST set, one wasm call) on a worker thread so the caller's
// event loop stays live. The browser counterpart is the `tfhe` package in a Web Worker.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ShortintModule } from './client.js';

const require = createRequire(import.meta.url);

/** node-tfhe's `Shortint` (tfhe-rs 1.7 compiled to wasm, CommonJS). */
export function loadNodeTfhe(): ShortintModule {
  return (require('node-tfhe') as { Shortint: ShortintModule }).Shortint;
}

/**
 * node-tfhe's compressed server key for a serialized node-tfhe client key (which carries the
 * parameters), made on a worker thread. The client key bytes go to the worker by copy, stay in
 * this process, and are never written anywhere.
 */
export function nodeTfheServerKeyInWorker(clientKey: Uint8Array): Promise<Uint8Array> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const S = require(workerData.nodeTfhe).Shortint;
    const sk = S.serialize_compressed_server_key(S.new_compressed_server_key(S.deserialize_client_key(workerData.clientKey)));
    parentPort.postMessage(sk, [sk.buffer]);`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { nodeTfhe: require.resolve('node-tfhe'), clientKey } });
    let done = false;
    w.once('message', (m: Uint8Array) => {
      done = true;
      resolve(m);
    });
    w.once('error', (e) => reject(new Error(`node-tfhe server key generation failed: ${e.message}`)));
    w.once('exit', (code) => {
      if (!done) reject(new Error(`node-tfhe server key worker exited with code ${code} before answering`));
    });
  });
}
