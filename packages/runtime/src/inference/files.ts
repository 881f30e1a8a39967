// Client files (docs/client-files.md): a key folder holding the secret client key, the seeded
// evaluation keys to send to a server, and a manifest tying both to a circuit's parameter set.
// Key and ciphertext blobs are the engine's versioned formats (docs/key-and-ciphertext-formats.md).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Circuit } from '@fhenet/compiler';
import { parameterFingerprint } from '@fhenet/params';
import { LweCiphertextBatch } from '../ciphertext.js';
import { SeededEvaluationKeys, type ProgressCallback } from '../server.js';
import { InferenceClient } from './client.js';
import { circuitParameters } from './plan.js';

export const KEY_DIR_FORMAT = 'fhenet-key-dir';
export const KEY_DIR_VERSION = 1;
export const CLIENT_KEY_FILE = 'client-key.bin';
export const SEEDED_KEYS_FILE = 'eval-keys.seeded.bin';
export const MANIFEST_FILE = 'keys.json';

export interface KeyDirManifest {
  readonly format: typeof KEY_DIR_FORMAT;
  readonly version: number;
  readonly circuit: string;
  readonly parameters: string;
  readonly fingerprint: string;
  readonly created: string;
  readonly files: { readonly clientKey: string; readonly seededEvaluationKeys: string };
}

/** Generates a client key and its seeded evaluation keys for `circuit` into `dir`. */
export async function writeKeyDir(dir: string, circuit: Circuit, onProgress?: ProgressCallback): Promise<{ client: InferenceClient; seeded: SeededEvaluationKeys; manifest: KeyDirManifest }> {
  const params = circuitParameters(circuit);
  const client = InferenceClient.generate(circuit);
  const seeded = await client.generateSeededEvaluationKeys(onProgress);
  mkdirSync(dir, { recursive: true });
  // The secret key file is readable by its owner only.
  writeFileSync(join(dir, CLIENT_KEY_FILE), client.serializeKey(), { mode: 0o600 });
  writeFileSync(join(dir, SEEDED_KEYS_FILE), seeded.serialize());
  const manifest: KeyDirManifest = {
    format: KEY_DIR_FORMAT,
    version: KEY_DIR_VERSION,
    circuit: circuit.name,
    parameters: params.name,
    fingerprint: parameterFingerprint(params),
    created: new Date().toISOString(),
    files: { clientKey: CLIENT_KEY_FILE, seededEvaluationKeys: SEEDED_KEYS_FILE },
  };
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { client, seeded, manifest };
}

export function readManifest(dir: string, circuit: Circuit): KeyDirManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new Error(`${dir}: not a key folder (${MANIFEST_FILE} missing); create one with \`fhenet keygen\``);
  let m: KeyDirManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as KeyDirManifest;
  } catch (e) {
    throw new Error(`${path}: unreadable manifest: ${(e as Error).message}`);
  }
  if (m.format !== KEY_DIR_FORMAT || m.version !== KEY_DIR_VERSION) {
    throw new Error(`${path}: expected format ${KEY_DIR_FORMAT} version ${KEY_DIR_VERSION}, got ${String(m.format)} ${String(m.version)}`);
  }
  const params = circuitParameters(circuit);
  if (m.fingerprint !== parameterFingerprint(params)) {
    throw new Error(`${dir}: keys are for parameter set ${m.parameters}, circuit "${circuit.name}" uses ${params.name}; run \`fhenet keygen\` for this circuit`);
  }
  return m;
}

/** The client (secret key) of a key folder, checked against the circuit's parameters. */
export function loadClient(dir: string, circuit: Circuit): InferenceClient {
  const m = readManifest(dir, circuit);
  return InferenceClient.fromKeyBytes(circuit, readFileSync(join(dir, m.files.clientKey)));
}

export function loadSeededKeys(path: string, circuit: Circuit): SeededEvaluationKeys {
  return SeededEvaluationKeys.deserialize(readFileSync(path), circuitParameters(circuit));
}

export function seededKeysPath(dir: string): string {
  return join(dir, SEEDED_KEYS_FILE);
}

export function writeCiphertexts(path: string, batch: LweCiphertextBatch): void {
  writeFileSync(path, batch.serialize());
}

export function readCiphertexts(path: string, circuit: Circuit): LweCiphertextBatch {
  return LweCiphertextBatch.deserialize(readFileSync(path), circuitParameters(circuit));
}
