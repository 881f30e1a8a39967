// Client files (docs/client-files.md): a key folder holding the secret client key, the seeded
// evaluation keys to send to a server, and a manifest tying both to a circuit's parameter set.
// Key and ciphertext blobs are the engine's versioned formats (docs/key-and-ciphertext-formats.md).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Circuit } from '@fhenet/circuit';
import { parameterFingerprint, wopParameterFingerprint, type WopParameterSet } from '@fhenet/params';
import { LweCiphertextBatch, SeededEvaluationKeys, SeededPackingKeys, type ProgressCallback } from '@fhenet/engine';
import { InferenceClient } from './inference-client.js';
import { circuitParameters } from '@fhenet/circuit';
import { planCircuit } from '@fhenet/executor';

export const KEY_DIR_FORMAT = 'fhenet-key-dir';
export const KEY_DIR_VERSION = 1;
/** Version 2: also the seeded packing keyswitching keys of a circuit with CRT lookups (written only for those). */
export const KEY_DIR_VERSION_CRT = 2;
export const CLIENT_KEY_FILE = 'client-key.bin';
export const SEEDED_KEYS_FILE = 'eval-keys.seeded.bin';
export const PACKING_KEYS_FILE = 'pfks-keys.seeded.bin';
export const MANIFEST_FILE = 'keys.json';

export interface KeyDirManifest {
  readonly format: typeof KEY_DIR_FORMAT;
  readonly version: number;
  readonly circuit: string;
  readonly parameters: string;
  readonly fingerprint: string;
  /** v2: wopParameterFingerprint of the WoP set (base fields + circuitBootstrap + packingKeyswitch). */
  readonly wopFingerprint?: string;
  readonly created: string;
  readonly files: { readonly clientKey: string; readonly seededEvaluationKeys: string; readonly seededPackingKeys?: string };
}

/** Whether the circuit's server needs PFKS keys (CRT stages with WoP lookups). */
function needsPackingKeys(circuit: Circuit): boolean {
  return planCircuit(circuit).wopLookupsPerSample > 0;
}

/** Generates a client key and its seeded evaluation keys for `circuit` into `dir`. */
export async function writeKeyDir(
  dir: string,
  circuit: Circuit,
  onProgress?: ProgressCallback,
): Promise<{ client: InferenceClient; seeded: SeededEvaluationKeys; packing: SeededPackingKeys | null; manifest: KeyDirManifest }> {
  const params = circuitParameters(circuit);
  const client = InferenceClient.generate(circuit);
  const seeded = await client.generateSeededEvaluationKeys(onProgress);
  mkdirSync(dir, { recursive: true });
  // The secret key file is readable by its owner only.
  writeFileSync(join(dir, CLIENT_KEY_FILE), client.serializeKey(), { mode: 0o600 });
  writeFileSync(join(dir, SEEDED_KEYS_FILE), seeded.serialize());
  let packing: SeededPackingKeys | null = null;
  if (needsPackingKeys(circuit)) {
    onProgress?.(0, 1, 'packing-keyswitching-key');
    packing = await client.generateSeededPackingKeys();
    writeFileSync(join(dir, PACKING_KEYS_FILE), packing.serialize());
    onProgress?.(1, 1, 'packing-keyswitching-key');
  }
  const manifest: KeyDirManifest = {
    format: KEY_DIR_FORMAT,
    version: packing ? KEY_DIR_VERSION_CRT : KEY_DIR_VERSION,
    circuit: circuit.name,
    parameters: params.name,
    fingerprint: parameterFingerprint(params),
    ...(packing ? { wopFingerprint: wopParameterFingerprint(params as WopParameterSet) } : {}),
    created: new Date().toISOString(),
    files: { clientKey: CLIENT_KEY_FILE, seededEvaluationKeys: SEEDED_KEYS_FILE, ...(packing ? { seededPackingKeys: PACKING_KEYS_FILE } : {}) },
  };
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { client, seeded, packing, manifest };
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
  if (m.format !== KEY_DIR_FORMAT || (m.version !== KEY_DIR_VERSION && m.version !== KEY_DIR_VERSION_CRT)) {
    throw new Error(
      `${path}: expected format ${KEY_DIR_FORMAT} version ${KEY_DIR_VERSION} or ${KEY_DIR_VERSION_CRT}, got ${String(m.format)} ${String(m.version)}`,
    );
  }
  const params = circuitParameters(circuit);
  if (m.fingerprint !== parameterFingerprint(params)) {
    throw new Error(
      `${dir}: keys are for parameter set ${m.parameters}, circuit "${circuit.name}" uses ${params.name}; run \`fhenet keygen\` for this circuit`,
    );
  }
  if (needsPackingKeys(circuit)) {
    const file = m.files?.seededPackingKeys;
    if (m.version !== KEY_DIR_VERSION_CRT || typeof file !== 'string') {
      throw new Error(
        `${path}: circuit "${circuit.name}" has CRT stages, whose WoP lookups need packing keyswitching keys: expected a version ${KEY_DIR_VERSION_CRT} folder ` +
          `with files.seededPackingKeys, got version ${m.version} without it; run \`fhenet keygen\` for this circuit`,
      );
    }
    const wfp = wopParameterFingerprint(params as WopParameterSet);
    if (m.wopFingerprint !== wfp) {
      throw new Error(
        `${path}: wopFingerprint: expected ${wfp} (WoP set ${params.name}), got ${String(m.wopFingerprint)}; run \`fhenet keygen\` for this circuit`,
      );
    }
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

/** The seeded PFKS keys of a key folder (CRT circuits), checked against the circuit's WoP set; null when the circuit needs none. */
export function loadSeededPackingKeys(dir: string, circuit: Circuit): SeededPackingKeys | null {
  const m = readManifest(dir, circuit);
  if (!m.files.seededPackingKeys) return null;
  const path = join(dir, m.files.seededPackingKeys);
  try {
    return SeededPackingKeys.deserialize(readFileSync(path), circuitParameters(circuit) as WopParameterSet);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
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
