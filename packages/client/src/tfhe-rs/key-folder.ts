// The node-tfhe client's key folder and ciphertext files (`--client node-tfhe`,
// docs/node-tfhe-client.md): the counterpart of ../key-folder.ts for keys and ciphertexts made by
// Zama's node-tfhe. The client key file is the only secret; it is written with mode 0600 and read
// only by the client commands. The server reads the server key and ciphertext files. Written
// atomically, with the folder's key-set id in every file (../safe-files.ts, ../key-set-file.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tfheRsParameters, type Circuit, type TfheRsShortintParameters, circuitParameters } from '@fhenet/circuit';
import { parameterFingerprint, type TfheParameterSet } from '@fhenet/params';
import { TfheRsClient, type ShortintModule } from './client.js';
import type { DecodedOutputs } from '../inference-client.js';
import { decodeTfheRsFile, encodeTfheRsFile, sniffFile, type TfheRsFileContent, type TfheRsFileKind } from './files.js';
import { loadNodeTfhe, nodeTfheServerKeyInWorker } from './node-tfhe.js';
import { assertSameKeySet, isKeySetId, keySetHeader, newKeySetId, openKeySetFile } from '../key-set-file.js';
import { keyFolderWrite, type KeyDirOptions } from '../key-folder.js';
import { assertWritableFolder, folderFileName, readFolderFile, readFolderJson, writeFileAtomically, writeFolderAtomically } from '../safe-files.js';

export const TFHE_RS_KEY_DIR_FORMAT = 'fhenet-tfhe-rs-key-dir';
/** Version 2 (written now): a key-set id in the manifest and in every file's envelope. */
export const TFHE_RS_KEY_DIR_VERSION = 2;
/** Versions still read: 1 (no key-set ids) and 2. */
export const TFHE_RS_KEY_DIR_READABLE_VERSIONS: readonly number[] = [1, 2];
/** Same name as our own key folder's manifest, so each reader recognizes the other's folder and says so. */
export const TFHE_RS_MANIFEST_FILE = 'keys.json';
export const TFHE_RS_CLIENT_KEY_FILE = 'secret-client-key.tfhe-rs.bin';
export const TFHE_RS_SERVER_KEY_FILE = 'server-key.tfhe-rs.bin';

export interface TfheRsKeyDirManifest {
  readonly format: typeof TFHE_RS_KEY_DIR_FORMAT;
  readonly version: number;
  /** v2: the random id every file of the folder (and every ciphertext made with it) carries. */
  readonly keySetId?: string;
  readonly client: 'node-tfhe';
  /** e.g. "node-tfhe 1.7.0" */
  readonly writer: string;
  readonly circuit: string;
  readonly parameters: string;
  readonly fingerprint: string;
  readonly created: string;
  /** The Shortint.new_parameters arguments the keys were made with. */
  readonly tfheRs: TfheRsShortintParameters;
  readonly files: { readonly clientKey: string; readonly serverKey: string };
}

const require = createRequire(import.meta.url);
/** "node-tfhe <version>" of the installed package (written into every file it made). */
export function nodeTfheWriter(): string {
  return `node-tfhe ${(JSON.parse(readFileSync(require.resolve('node-tfhe/package.json'), 'utf8')) as { version: string }).version}`;
}

/** Which client made a key folder, from its manifest (so encrypt / decrypt need no --client). */
export function keyDirClient(dir: string): 'fhenet' | 'node-tfhe' {
  const path = join(dir, TFHE_RS_MANIFEST_FILE);
  let format: unknown;
  try {
    format = (readFolderJson(dir, TFHE_RS_MANIFEST_FILE) as { format?: unknown }).format;
  } catch (e) {
    if (/ENOENT|no such file/.test((e as Error).message)) {
      throw new Error(`${dir}: not a key folder (${TFHE_RS_MANIFEST_FILE} missing); create one with \`fhenet keygen\``);
    }
    throw e; // readFolderJson's message names the file and what it expected
  }
  if (format === TFHE_RS_KEY_DIR_FORMAT) return 'node-tfhe';
  if (format === 'fhenet-key-dir') return 'fhenet';
  throw new Error(`${path}: format: expected fhenet-key-dir or ${TFHE_RS_KEY_DIR_FORMAT}, got ${JSON.stringify(format)}`);
}

/**
 * node-tfhe client key and compressed server key for the circuit's set, into the new folder
 * `dir`. The server key is made on a worker thread (one synchronous wasm call of seconds to
 * minutes). The parameters must meet the 128-bit rule (TfheRsClient.generate checks it first).
 */
export async function writeTfheRsKeyDir(
  dir: string,
  circuit: Circuit,
  S: ShortintModule = loadNodeTfhe(),
  options: Pick<KeyDirOptions, 'force'> = {},
): Promise<{ client: TfheRsClient; serverKey: Uint8Array; manifest: TfheRsKeyDirManifest }> {
  const write = keyFolderWrite(options.force === true);
  assertWritableFolder(dir, write); // before the slow server key
  const set = circuitParameters(circuit);
  const client = TfheRsClient.generate(S, circuit); // refuses an insecure set, or one tfhe-rs cannot use, with the reason
  const secret = client.serializeKey();
  const writer = nodeTfheWriter();
  const keySetId = newKeySetId();
  try {
    const serverKey = await nodeTfheServerKeyInWorker(secret);
    const manifest: TfheRsKeyDirManifest = {
      format: TFHE_RS_KEY_DIR_FORMAT,
      version: TFHE_RS_KEY_DIR_VERSION,
      keySetId,
      client: 'node-tfhe',
      writer,
      circuit: circuit.name,
      parameters: set.name,
      fingerprint: parameterFingerprint(set),
      created: new Date().toISOString(),
      tfheRs: tfheRsParameters(set),
      files: { clientKey: TFHE_RS_CLIENT_KEY_FILE, serverKey: TFHE_RS_SERVER_KEY_FILE },
    };
    const enveloped = (payload: Uint8Array) => [keySetHeader(keySetId, payload.length), payload];
    const secretFile = encodeTfheRsFile('clientKey', set, secret, writer);
    try {
      writeFolderAtomically(
        dir,
        [
          { name: TFHE_RS_CLIENT_KEY_FILE, chunks: enveloped(secretFile), secret: true },
          { name: TFHE_RS_SERVER_KEY_FILE, chunks: enveloped(encodeTfheRsFile('compressedServerKey', set, serverKey, writer)) },
          { name: TFHE_RS_MANIFEST_FILE, chunks: [Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)] },
        ],
        write,
      );
    } finally {
      secretFile.fill(0);
    }
    return { client, serverKey, manifest };
  } finally {
    secret.fill(0);
  }
}

export function readTfheRsManifest(dir: string, circuit: Circuit): TfheRsKeyDirManifest {
  const path = join(dir, TFHE_RS_MANIFEST_FILE);
  if (keyDirClient(dir) !== 'node-tfhe') {
    throw new Error(
      `${dir}: made by fhenet's own client (format fhenet-key-dir), not node-tfhe; use it without --client node-tfhe, or run \`fhenet keygen --client node-tfhe\``,
    );
  }
  const m = readFolderJson(dir, TFHE_RS_MANIFEST_FILE) as TfheRsKeyDirManifest;
  if (typeof m !== 'object' || m === null) throw new Error(`${path}: expected a JSON object, got ${JSON.stringify(m)}`);
  if (!TFHE_RS_KEY_DIR_READABLE_VERSIONS.includes(m.version)) {
    throw new Error(`${path}: version: expected ${TFHE_RS_KEY_DIR_READABLE_VERSIONS.join(' or ')}, got ${String(m.version)}`);
  }
  if (m.version >= 2 && !isKeySetId(m.keySetId)) throw new Error(`${path}: keySetId: expected 32 hex digits, got ${JSON.stringify(m.keySetId)}`);
  if (m.version < 2 && m.keySetId !== undefined) throw new Error(`${path}: keySetId: absent in a version ${m.version} folder, got one`);
  const set = circuitParameters(circuit);
  if (m.fingerprint !== parameterFingerprint(set)) {
    throw new Error(
      `${dir}: keys are for parameter set ${m.parameters}, circuit "${circuit.name}" uses ${set.name}; run \`fhenet keygen --client node-tfhe\` for this circuit`,
    );
  }
  folderFileName(m.files?.clientKey, path, 'files.clientKey');
  folderFileName(m.files?.serverKey, path, 'files.serverKey');
  return m;
}

/** The node-tfhe client of a key folder (its secret key file checked field by field first). */
export function loadTfheRsClient(dir: string, circuit: Circuit, S: ShortintModule = loadNodeTfhe()): TfheRsClient {
  const m = readTfheRsManifest(dir, circuit);
  const path = join(dir, m.files.clientKey);
  const { payload } = folderContainer(dir, m, m.files.clientKey, circuitParameters(circuit), ['clientKey']);
  try {
    return TfheRsClient.fromKeyBytes(S, circuit, payload);
  } catch (e) {
    // node-tfhe's message is about bincode structure, never key bits.
    throw new Error(`${path}: node-tfhe refused the client key: ${String((e as Error)?.message ?? e)}`);
  }
}

/** A container file of the folder: its envelope's key-set id checked against the manifest's, then the container. */
function folderContainer(dir: string, m: TfheRsKeyDirManifest, name: string, set: TfheParameterSet, kinds: readonly TfheRsFileKind[]): TfheRsFileContent {
  const path = join(dir, name);
  const { keySetId, payload } = openKeySetFile(readFolderFile(dir, name), path);
  assertSameKeySet({ file: join(dir, TFHE_RS_MANIFEST_FILE), keySetId: m.keySetId ?? null }, { file: path, keySetId });
  return decodeTfheRsFile(payload, path, set, kinds);
}

/** The compressed server key of a node-tfhe key folder (what POST /v1/tfhe-rs/keys takes), key-set id checked. */
export function loadTfheRsServerKey(dir: string, circuit: Circuit): Uint8Array {
  const m = readTfheRsManifest(dir, circuit);
  return folderContainer(dir, m, m.files.serverKey, circuitParameters(circuit), ['compressedServerKey']).payload;
}

export function tfheRsServerKeyPath(dir: string): string {
  return join(dir, TFHE_RS_SERVER_KEY_FILE);
}

/** Reads and checks a container file (see files.ts), inside its key-set envelope if any; errors name the file. */
export function readTfheRsFile(
  path: string,
  set: TfheParameterSet,
  kinds: readonly TfheRsFileKind[],
): TfheRsFileContent & { readonly keySetId: string | null } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  const { keySetId, payload } = openKeySetFile(bytes, path);
  return { ...decodeTfheRsFile(payload, path, set, kinds), keySetId };
}

/**
 * node-tfhe ciphertexts (concatenated, `compressed` 124 bytes each) into a container file, in the
 * envelope of `keySetId` (null: a bare container, as before key-set ids). Written atomically.
 */
export function writeTfheRsCiphertextFile(path: string, set: TfheParameterSet, stream: Uint8Array, compressed: boolean, keySetId: string | null = null): void {
  const size = compressed ? 124 : 8 * (set.glweDimension * set.polynomialSize + 1) + 72;
  const file = encodeTfheRsFile(compressed ? 'compressedCiphertexts' : 'ciphertexts', set, stream, nodeTfheWriter(), size);
  writeFileAtomically(path, keySetId ? [keySetHeader(keySetId, file.length), file] : [file]);
}

/**
 * `fhenet run`'s answer file (node-tfhe ciphertexts declaring message modulus 2p) -> node-tfhe
 * decrypts -> the simulator's integers, logits and classes. Each ciphertext's metadata is checked
 * before node-tfhe parses it.
 */
export function decodeTfheRsOutputFile(client: TfheRsClient, path: string, keys?: { readonly file: string; readonly keySetId: string | null }): DecodedOutputs {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  const { keySetId, payload: container } = openKeySetFile(bytes, path);
  const f = sniffFile(container);
  if (f.family === 'fhenet') throw new Error(`${path}: header: expected node-tfhe ciphertexts (the key folder is node-tfhe's), got ${f.what}`);
  const { payload, count } = decodeTfheRsFile(container, path, client.params, ['ciphertexts']);
  if (count % client.outputSize !== 0) throw new Error(`${path}: item count: expected a multiple of ${client.outputSize} output ciphertexts, got ${count}`);
  if (keys) assertSameKeySet(keys, { file: path, keySetId });
  try {
    return client.decode(payload);
  } catch (e) {
    throw new Error(`${path}: node-tfhe refused a ciphertext: ${(e as Error).message}`);
  }
}
