// `fhenet predict --client node-tfhe`: the whole loop with keys and ciphertexts from node-tfhe
// (keys cached in a node-tfhe key folder or fresh in memory), the unchanged fhenet server in this
// process, node-tfhe decrypting; compared with the clear simulation sample by sample. Same
// result type as ../inference/predict.ts (our own client).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { argmax, decodeOutputs, quantizeInputs, simulate } from '@fhenet/compiler';
import { circuitParameters } from '../inference/plan.js';
import { compareWithSimulation, type PredictOptions, type PredictResult, type SampleResult } from '../inference/predict.js';
import { InferenceServer } from '../inference/server.js';
import { readTfheRsCiphertextStream, writeTfheRsCiphertextStream } from './ciphertexts.js';
import { TfheRsClient } from './client.js';
import { loadTfheRsClient, readTfheRsFile, TFHE_RS_MANIFEST_FILE, tfheRsServerKeyPath, writeTfheRsKeyDir } from './key-dir.js';
import { loadNodeTfhe, nodeTfheServerKeyInWorker } from './node-tfhe.js';
import { expandTfheRsServerKeyAsync } from './server-key.js';

/**
 * The HTTP side, when a service speaks tfhe-rs (passed in so this file imports no HTTP client):
 * register the compressed server key, run compressed input ciphertexts, answer node-tfhe
 * ciphertexts (concatenated).
 */
export interface TfheRsRemote {
  registerKey(serverKey: Uint8Array): Promise<string>;
  infer(keyId: string, compressedInputs: Uint8Array): Promise<{ outputs: Uint8Array; serverMs: number; stages?: PredictResult['batches'][number]['stages'] }>;
  deleteKey(keyId: string): Promise<void>;
}

export async function predictTfheRs(o: Omit<PredictOptions, 'serverUrl'> & { readonly remote?: TfheRsRemote }): Promise<PredictResult> {
  const log = o.log ?? (() => {});
  const { circuit, count } = o;
  const set = circuitParameters(circuit);
  const batchSize = Math.max(1, Math.floor(o.batchSize ?? 1));
  const S = loadNodeTfhe();
  const t0 = performance.now();
  let client: TfheRsClient;
  let serverKey: Uint8Array;
  if (o.keysDir && existsSync(join(o.keysDir, TFHE_RS_MANIFEST_FILE))) {
    client = loadTfheRsClient(o.keysDir, circuit, S);
    serverKey = readTfheRsFile(tfheRsServerKeyPath(o.keysDir), set, ['compressedServerKey']).payload;
    log(`keys: reusing node-tfhe keys in ${o.keysDir}`);
  } else if (o.keysDir) {
    log(`keys: node-tfhe generating into ${o.keysDir} (${set.name})`);
    ({ client, serverKey } = await writeTfheRsKeyDir(o.keysDir, circuit, S));
  } else {
    log(`keys: node-tfhe generating in memory (${set.name})`);
    client = TfheRsClient.generate(S, circuit);
    const secret = client.serializeKey();
    serverKey = await nodeTfheServerKeyInWorker(secret);
    secret.fill(0);
  }
  const keygenSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  let local: InferenceServer | undefined;
  let keyId: string | undefined;
  if (o.remote) {
    log(`server: registering a ${(serverKey.length / 2 ** 20).toFixed(1)} MiB node-tfhe compressed server key`);
    keyId = await o.remote.registerKey(serverKey);
  } else {
    local = new InferenceServer(circuit, await expandTfheRsServerKeyAsync(serverKey, set));
  }
  const keySetupSeconds = (performance.now() - t1) / 1000;
  log(`keys ready: node-tfhe keygen ${keygenSeconds.toFixed(1)} s, server key setup ${keySetupSeconds.toFixed(1)} s`);

  const size = client.sampleSize;
  const out = client.outputSize;
  const q = quantizeInputs(circuit, o.images, count);
  const sim = simulate(circuit, q, count).outputs;
  const simClasses = argmax(decodeOutputs(circuit, sim, count), count);
  const samples: SampleResult[] = [];
  const batches: PredictResult['batches'][number][] = [];
  try {
    for (let s = 0; s < count; s += batchSize) {
      const n = Math.min(batchSize, count - s);
      const w0 = performance.now();
      const wire = client.encryptQuantized(q.subarray(s * size, (s + n) * size)); // compressed, 124 bytes each
      const w1 = performance.now();
      let answer: Uint8Array;
      let computeMs: number;
      let stages: PredictResult['batches'][number]['stages'] = [];
      if (o.remote) {
        const r = await o.remote.infer(keyId!, wire);
        answer = r.outputs;
        computeMs = r.serverMs;
        stages = r.stages ?? [];
      } else {
        const inputs = readTfheRsCiphertextStream(wire, set, { compressed: true });
        const r = await local!.infer(inputs);
        inputs.dispose();
        answer = writeTfheRsCiphertextStream(r.outputs, set);
        r.outputs.dispose();
        computeMs = r.totalMs;
        stages = r.stages;
      }
      const w2 = performance.now();
      const decoded = client.decode(answer);
      const w3 = performance.now();
      samples.push(...compareWithSimulation(decoded, s, n, out, sim, simClasses, o.labels, log));
      batches.push({ samples: n, encryptMs: w1 - w0, computeMs, decryptMs: w3 - w2, wallMs: w3 - w0, stages });
      log(`batch of ${n}: ${((w3 - w0) / 1000).toFixed(1)} s wall (server ${(computeMs / 1000).toFixed(1)} s)`);
      if (o.budgetSeconds !== undefined && (performance.now() - t1) / 1000 > o.budgetSeconds) {
        log(`time budget of ${o.budgetSeconds} s reached after ${s + n} of ${count} samples`);
        break;
      }
    }
  } finally {
    local?.dispose();
    if (o.remote && keyId !== undefined) await o.remote.deleteKey(keyId).catch(() => {});
  }
  return { samples, keygenSeconds, keySetupSeconds, batches, exact: samples.every((s) => s.exact) };
}
