// The node-tfhe side of predict (`fhenet predict --client node-tfhe`): keys from node-tfhe (cached
// in a node-tfhe key folder or fresh in memory), and a session on the unchanged fhenet server, in
// this process (the compressed server key expanded into our engine) or over HTTP (the service's
// /v1/tfhe-rs routes). predict.ts runs the shared loop over it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { circuitParameters } from '@fhenet/circuit';
import { expandTfheRsServerKeyAsync, readTfheRsCiphertextStream, writeTfheRsCiphertextStream } from '@fhenet/engine';
import { InferenceServer, type PublishKeys } from '@fhenet/executor';
import { InferenceHttpClient } from '../http/client.js';
import type { Circuit } from '@fhenet/circuit';
import { localSession, remoteSession, type CiphertextCodec, type InferenceSession } from '../predict/session.js';
import { TfheRsClient } from './client.js';
import { loadTfheRsClient, loadTfheRsServerKey, TFHE_RS_MANIFEST_FILE, writeTfheRsKeyDir } from './key-folder.js';
import { loadNodeTfhe, nodeTfheServerKeyInWorker } from './node-tfhe.js';

export interface TfheRsSetup {
  readonly client: TfheRsClient;
  readonly session: InferenceSession<Uint8Array>;
  readonly keygenSeconds: number;
  readonly keySetupSeconds: number;
  /** performance.now() when the session started setting up (predict's time budget counts from it). */
  readonly sessionStartedAt: number;
}

/** What the session needs of predict's options. */
export interface TfheRsSessionOptions {
  readonly circuit: Circuit;
  /** node-tfhe key folder: reused when it holds keys, else created there. Omitted: fresh keys in memory. */
  readonly keysDir?: string;
  /** The HTTP service to run on (its /v1/tfhe-rs routes); omitted: in this process. */
  readonly serverUrl?: string;
  /** Remote lookup runners (a worker fleet) that get the compressed server key; omitted: in this process. */
  readonly lookups?: PublishKeys;
}

export async function tfheRsSession(o: TfheRsSessionOptions, log: (line: string) => void): Promise<TfheRsSetup> {
  const { circuit } = o;
  const set = circuitParameters(circuit);
  const S = loadNodeTfhe();
  const t0 = performance.now();
  let client: TfheRsClient;
  let serverKey: Uint8Array;
  if (o.keysDir && existsSync(join(o.keysDir, TFHE_RS_MANIFEST_FILE))) {
    client = loadTfheRsClient(o.keysDir, circuit, S);
    serverKey = loadTfheRsServerKey(o.keysDir, circuit);
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

  // Inputs travel as compressed node-tfhe ciphertexts (124 bytes each), outputs as full ones.
  const codec: CiphertextCodec<Uint8Array> = {
    toBatch: (stream) => readTfheRsCiphertextStream(stream, set, { compressed: true }),
    fromBatch: (batch) => {
      try {
        return writeTfheRsCiphertextStream(batch, set);
      } finally {
        batch.dispose();
      }
    },
    toWire: (stream) => stream,
    fromWire: (bytes) => bytes,
  };
  const t1 = performance.now();
  let session: InferenceSession<Uint8Array>;
  if (o.serverUrl) {
    log(`server ${o.serverUrl}: registering a ${(serverKey.length / 2 ** 20).toFixed(1)} MiB node-tfhe compressed server key`);
    session = await remoteSession(new InferenceHttpClient(o.serverUrl), 'tfhe-rs', serverKey, codec);
  } else if (o.lookups) {
    log(`fleet: publishing a ${(serverKey.length / 2 ** 20).toFixed(1)} MiB node-tfhe compressed server key`);
    session = localSession(InferenceServer.remote(circuit, await o.lookups('tfhe-rs', serverKey)), codec);
  } else {
    session = localSession(new InferenceServer(circuit, await expandTfheRsServerKeyAsync(serverKey, set)), codec);
  }
  const keySetupSeconds = (performance.now() - t1) / 1000;
  log(`keys ready: node-tfhe keygen ${keygenSeconds.toFixed(1)} s, server key setup ${keySetupSeconds.toFixed(1)} s`);
  return { client, session, keygenSeconds, keySetupSeconds, sessionStartedAt: t1 };
}
