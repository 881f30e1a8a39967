// Client files (docs/client-files.md): a key folder holding the secret client key, the seeded
// evaluation keys to send to a server, and a manifest tying both to a circuit's parameter set and
// to one random key-set id. Key and ciphertext blobs are the engine's versioned formats
// (docs/key-and-ciphertext-formats.md) inside the key-set envelope (key-set-file.ts). The folder is
// written atomically (safe-files.ts): a failed keygen loses nothing, an existing folder is
// replaced only with --force.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Circuit } from '@fhenet/circuit';
import { parameterFingerprint, wopParameterFingerprint, type WopParameterSet } from '@fhenet/params';
import { LweCiphertextBatch, SeededEvaluationKeys, SeededPackingKeys, type ProgressCallback } from '@fhenet/engine';
import { InferenceClient } from './inference-client.js';
import { circuitParameters } from '@fhenet/circuit';
import { planCircuit } from '@fhenet/executor';
import { assertSameKeySet, isKeySetId, keySetHeader, newKeySetId, openKeySetFile } from './key-set-file.js';
import {
  assertWritableFolder,
  folderFileName,
  readFolderFile,
  readFolderJson,
  writeFileAtomically,
  writeFolderAtomically,
  type FolderWriteOptions,
} from './safe-files.js';

export const KEY_DIR_FORMAT = 'fhenet-key-dir';
/** Version 3 (written now): a key-set id in the manifest and in every file's envelope; packing keys when the circuit needs them. */
export const KEY_DIR_VERSION = 3;
/** Older versions still read (no key-set ids): 1, and 2 with packing keys (CRT circuits). */
export const KEY_DIR_READABLE_VERSIONS: readonly number[] = [1, 2, 3];
export const CLIENT_KEY_FILE = 'client-key.bin';
export const SEEDED_KEYS_FILE = 'eval-keys.seeded.bin';
export const PACKING_KEYS_FILE = 'pfks-keys.seeded.bin';
export const MANIFEST_FILE = 'keys.json';

export interface KeyDirManifest {
  readonly format: typeof KEY_DIR_FORMAT;
  readonly version: number;
  /** v3: the random id every file of the folder (and every ciphertext made with it) carries. */
  readonly keySetId?: string;
  readonly circuit: string;
  readonly parameters: string;
  readonly fingerprint: string;
  /** v2+, CRT circuits: wopParameterFingerprint of the WoP set (base fields + circuitBootstrap + packingKeyswitch). */
  readonly wopFingerprint?: string;
  readonly created: string;
  readonly files: { readonly clientKey: string; readonly seededEvaluationKeys: string; readonly seededPackingKeys?: string };
}

/** Whether the circuit's server needs PFKS keys (CRT stages with WoP lookups). */
function needsPackingKeys(circuit: Circuit): boolean {
  return planCircuit(circuit).wopLookupsPerSample > 0;
}

/** A folder either client's keygen made (so --force may replace it). */
export function isKeyFolder(dir: string): boolean {
  try {
    const format = (readFolderJson(dir, MANIFEST_FILE) as { format?: unknown }).format;
    return format === KEY_DIR_FORMAT || format === 'fhenet-tfhe-rs-key-dir';
  } catch {
    return false;
  }
}

export const keyFolderWrite = (force: boolean): FolderWriteOptions => ({ force, isOurs: isKeyFolder, what: 'key folder' });

export interface KeyDirOptions {
  /** Replace an existing key folder (`fhenet keygen --force`); otherwise an existing non-empty folder is refused before any key is made. */
  readonly force?: boolean;
  readonly onProgress?: ProgressCallback;
}

/** Generates a client key and its seeded evaluation keys for `circuit` into the new folder `dir`. */
export async function writeKeyDir(
  dir: string,
  circuit: Circuit,
  options: KeyDirOptions | ProgressCallback = {},
): Promise<{ client: InferenceClient; seeded: SeededEvaluationKeys; packing: SeededPackingKeys | null; manifest: KeyDirManifest }> {
  const o: KeyDirOptions = typeof options === 'function' ? { onProgress: options } : options;
  const write = keyFolderWrite(o.force === true);
  assertWritableFolder(dir, write); // before minutes of key generation
  const params = circuitParameters(circuit);
  const client = InferenceClient.generate(circuit);
  const seeded = await client.generateSeededEvaluationKeys(o.onProgress);
  let packing: SeededPackingKeys | null = null;
  if (needsPackingKeys(circuit)) {
    o.onProgress?.(0, 1, 'packing-keyswitching-key');
    packing = await client.generateSeededPackingKeys();
    o.onProgress?.(1, 1, 'packing-keyswitching-key');
  }
  const keySetId = newKeySetId();
  const manifest: KeyDirManifest = {
    format: KEY_DIR_FORMAT,
    version: KEY_DIR_VERSION,
    keySetId,
    circuit: circuit.name,
    parameters: params.name,
    fingerprint: parameterFingerprint(params),
    ...(packing ? { wopFingerprint: wopParameterFingerprint(params as WopParameterSet) } : {}),
    created: new Date().toISOString(),
    files: { clientKey: CLIENT_KEY_FILE, seededEvaluationKeys: SEEDED_KEYS_FILE, ...(packing ? { seededPackingKeys: PACKING_KEYS_FILE } : {}) },
  };
  const enveloped = (payload: Uint8Array) => [keySetHeader(keySetId, payload.length), payload];
  const secret = client.serializeKey();
  try {
    writeFolderAtomically(
      dir,
      [
        { name: CLIENT_KEY_FILE, chunks: enveloped(secret), secret: true },
        { name: SEEDED_KEYS_FILE, chunks: enveloped(seeded.serialize()) },
        ...(packing ? [{ name: PACKING_KEYS_FILE, chunks: enveloped(packing.serialize()) }] : []),
        { name: MANIFEST_FILE, chunks: [Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)] },
      ],
      write,
    );
  } finally {
    secret.fill(0);
  }
  return { client, seeded, packing, manifest };
}

export function readManifest(dir: string, circuit: Circuit): KeyDirManifest {
  const path = join(dir, MANIFEST_FILE);
  let m: KeyDirManifest;
  try {
    m = readFolderJson(dir, MANIFEST_FILE) as KeyDirManifest;
  } catch (e) {
    if (/ENOENT|no such file/.test((e as Error).message)) {
      throw new Error(`${dir}: not a key folder (${MANIFEST_FILE} missing); create one with \`fhenet keygen\``);
    }
    throw e; // readFolderJson's message names the file and what it expected
  }
  if (typeof m !== 'object' || m === null || m.format !== KEY_DIR_FORMAT || !KEY_DIR_READABLE_VERSIONS.includes(m.version)) {
    throw new Error(
      `${path}: expected format ${KEY_DIR_FORMAT} version ${KEY_DIR_READABLE_VERSIONS.join(', ')}, got ${String(m?.format)} ${String(m?.version)}` +
        (m?.version > KEY_DIR_VERSION ? ' (written by a newer fhenet)' : ''),
    );
  }
  if (m.version >= 3 && !isKeySetId(m.keySetId)) throw new Error(`${path}: keySetId: expected 32 hex digits, got ${JSON.stringify(m.keySetId)}`);
  if (m.version < 3 && m.keySetId !== undefined) throw new Error(`${path}: keySetId: absent in a version ${m.version} folder, got one`);
  const files = (m.files ?? {}) as Record<string, unknown>;
  folderFileName(files.clientKey, path, 'files.clientKey');
  folderFileName(files.seededEvaluationKeys, path, 'files.seededEvaluationKeys');
  if (files.seededPackingKeys !== undefined) folderFileName(files.seededPackingKeys, path, 'files.seededPackingKeys');
  const params = circuitParameters(circuit);
  if (m.fingerprint !== parameterFingerprint(params)) {
    throw new Error(
      `${dir}: keys are for parameter set ${m.parameters}, circuit "${circuit.name}" uses ${params.name}; run \`fhenet keygen\` for this circuit`,
    );
  }
  if (needsPackingKeys(circuit)) {
    const file = m.files?.seededPackingKeys;
    if (m.version === 1 || typeof file !== 'string') {
      throw new Error(
        `${path}: circuit "${circuit.name}" has CRT stages, whose WoP lookups need packing keyswitching keys: expected a version 2 folder ` +
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

/**
 * The key-set id of a key folder of either client (null for one written before key-set ids), with
 * the manifest's path, for comparing with a ciphertext file's.
 */
export function keySetOf(dir: string): { readonly file: string; readonly keySetId: string | null } {
  const file = join(dir, MANIFEST_FILE);
  const id = (readFolderJson(dir, MANIFEST_FILE) as { keySetId?: unknown }).keySetId;
  if (id !== undefined && !isKeySetId(id)) throw new Error(`${file}: keySetId: expected 32 hex digits, got ${JSON.stringify(id)}`);
  return { file, keySetId: id ?? null };
}

/** One file of the folder, its envelope's key-set id checked against the manifest's. */
function folderPayload(dir: string, m: KeyDirManifest, name: string): Uint8Array {
  const { keySetId, payload } = openKeySetFile(readFolderFile(dir, name), join(dir, name));
  assertSameKeySet({ file: join(dir, MANIFEST_FILE), keySetId: m.keySetId ?? null }, { file: join(dir, name), keySetId });
  return payload;
}

/** The client (secret key) of a key folder, checked against the circuit's parameters and the folder's key-set id. */
export function loadClient(dir: string, circuit: Circuit): InferenceClient {
  const m = readManifest(dir, circuit);
  const path = join(dir, m.files.clientKey);
  try {
    return InferenceClient.fromKeyBytes(circuit, folderPayload(dir, m, m.files.clientKey));
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(path) || msg.startsWith('key sets differ') ? msg : `${path}: ${msg}`);
  }
}

/** The serialized seeded evaluation keys of a key folder (the engine blob, what POST /v1/keys takes). */
export function loadSeededKeyBytes(dir: string, circuit: Circuit): Uint8Array {
  const m = readManifest(dir, circuit);
  return folderPayload(dir, m, m.files.seededEvaluationKeys);
}

export function loadSeededKeys(path: string, circuit: Circuit): SeededEvaluationKeys {
  return SeededEvaluationKeys.deserialize(openKeySetFile(readFileSync(path), path).payload, circuitParameters(circuit));
}

/** The seeded PFKS keys of a key folder (CRT circuits), checked against the circuit's WoP set; null when the circuit needs none. */
export function loadSeededPackingKeys(dir: string, circuit: Circuit): SeededPackingKeys | null {
  const m = readManifest(dir, circuit);
  if (!m.files.seededPackingKeys) return null;
  const path = join(dir, m.files.seededPackingKeys);
  const payload = folderPayload(dir, m, m.files.seededPackingKeys);
  try {
    return SeededPackingKeys.deserialize(payload, circuitParameters(circuit) as WopParameterSet);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

export function seededKeysPath(dir: string): string {
  return join(dir, SEEDED_KEYS_FILE);
}

/** A ciphertext batch file, in the envelope of `keySetId` (null: a bare engine blob, as before v3). */
export function writeCiphertexts(path: string, batch: LweCiphertextBatch, keySetId: string | null = null): void {
  const bytes = batch.serialize();
  writeFileAtomically(path, keySetId ? [keySetHeader(keySetId, bytes.length), bytes] : [bytes]);
}

/** A ciphertext batch file; with `keys` given, its key-set id must be theirs. */
export function readCiphertexts(path: string, circuit: Circuit, keys?: { readonly file: string; readonly keySetId: string | null }): LweCiphertextBatch {
  const { keySetId, payload } = openKeySetFile(readFileSync(path), path);
  const batch = LweCiphertextBatch.deserialize(payload, circuitParameters(circuit));
  if (keys) {
    try {
      assertSameKeySet(keys, { file: path, keySetId });
    } catch (e) {
      batch.dispose();
      throw e;
    }
  }
  return batch;
}
