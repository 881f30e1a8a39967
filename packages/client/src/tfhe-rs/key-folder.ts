// The node-tfhe client's key folder and ciphertext files (`--client node-tfhe`,
// docs/node-tfhe-client.md): the counterpart of ../inference/files.ts for keys and ciphertexts
// made by Zama's node-tfhe. The client key file is the only secret; it is written with mode 0600
// and read only by the client commands. The server reads the server key and ciphertext files.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tfheRsParameters, type Circuit, type TfheRsShortintParameters, circuitParameters } from '@fhenet/circuit';
import { parameterFingerprint, type TfheParameterSet } from '@fhenet/params';
import { TfheRsClient, type ShortintModule } from './client.js';
import type { DecodedOutputs } from '../inference-client.js';
import { decodeTfheRsFile, encodeTfheRsFile, sniffFile, type TfheRsFileContent, type TfheRsFileKind } from './files.js';
import { loadNodeTfhe, nodeTfheServerKeyInWorker } from './node-tfhe.js';

export const TFHE_RS_KEY_DIR_FORMAT = 'fhenet-tfhe-rs-key-dir';
export const TFHE_RS_KEY_DIR_VERSION = 1;
/** Same name as our own key folder's manifest, so each reader recognizes the other's folder and says so. */
export const TFHE_RS_MANIFEST_FILE = 'keys.json';
export const TFHE_RS_CLIENT_KEY_FILE = 'secret-client-key.tfhe-rs.bin';
export const TFHE_RS_SERVER_KEY_FILE = 'server-key.tfhe-rs.bin';

export interface TfheRsKeyDirManifest {
  readonly format: typeof TFHE_RS_KEY_DIR_FORMAT;
  readonly version: number;
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
  if (!existsSync(path)) throw new Error(`${dir}: not a key folder (${TFHE_RS_MANIFEST_FILE} missing); create one with \`fhenet keygen\``);
  let format: unknown;
  try {
    format = (JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown }).format;
  } catch (e) {
    throw new Error(`${path}: unreadable manifest: ${(e as Error).message}`);
  }
  if (format === TFHE_RS_KEY_DIR_FORMAT) return 'node-tfhe';
  if (format === 'fhenet-key-dir') return 'fhenet';
  throw new Error(`${path}: format: expected fhenet-key-dir or ${TFHE_RS_KEY_DIR_FORMAT}, got ${JSON.stringify(format)}`);
}

/**
 * node-tfhe client key and compressed server key for the circuit's set, into `dir`. The server
 * key is made on a worker thread (one synchronous wasm call of seconds to minutes).
 */
export async function writeTfheRsKeyDir(
  dir: string,
  circuit: Circuit,
  S: ShortintModule = loadNodeTfhe(),
): Promise<{ client: TfheRsClient; serverKey: Uint8Array; manifest: TfheRsKeyDirManifest }> {
  const set = circuitParameters(circuit);
  const client = TfheRsClient.generate(S, circuit); // refuses a set tfhe-rs cannot use, with the reason
  const secret = client.serializeKey();
  const serverKey = await nodeTfheServerKeyInWorker(secret);
  const writer = nodeTfheWriter();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, TFHE_RS_CLIENT_KEY_FILE), encodeTfheRsFile('clientKey', set, secret, writer), { mode: 0o600 });
  secret.fill(0);
  writeFileSync(join(dir, TFHE_RS_SERVER_KEY_FILE), encodeTfheRsFile('compressedServerKey', set, serverKey, writer));
  const manifest: TfheRsKeyDirManifest = {
    format: TFHE_RS_KEY_DIR_FORMAT,
    version: TFHE_RS_KEY_DIR_VERSION,
    client: 'node-tfhe',
    writer,
    circuit: circuit.name,
    parameters: set.name,
    fingerprint: parameterFingerprint(set),
    created: new Date().toISOString(),
    tfheRs: tfheRsParameters(set),
    files: { clientKey: TFHE_RS_CLIENT_KEY_FILE, serverKey: TFHE_RS_SERVER_KEY_FILE },
  };
  writeFileSync(join(dir, TFHE_RS_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { client, serverKey, manifest };
}

export function readTfheRsManifest(dir: string, circuit: Circuit): TfheRsKeyDirManifest {
  const path = join(dir, TFHE_RS_MANIFEST_FILE);
  if (keyDirClient(dir) !== 'node-tfhe') {
    throw new Error(
      `${dir}: made by fhenet's own client (format fhenet-key-dir), not node-tfhe; use it without --client node-tfhe, or run \`fhenet keygen --client node-tfhe\``,
    );
  }
  const m = JSON.parse(readFileSync(path, 'utf8')) as TfheRsKeyDirManifest;
  if (m.version !== TFHE_RS_KEY_DIR_VERSION) throw new Error(`${path}: version: expected ${TFHE_RS_KEY_DIR_VERSION}, got ${String(m.version)}`);
  const set = circuitParameters(circuit);
  if (m.fingerprint !== parameterFingerprint(set)) {
    throw new Error(
      `${dir}: keys are for parameter set ${m.parameters}, circuit "${circuit.name}" uses ${set.name}; run \`fhenet keygen --client node-tfhe\` for this circuit`,
    );
  }
  if (typeof m.files?.clientKey !== 'string' || typeof m.files?.serverKey !== 'string')
    throw new Error(`${path}: files: expected { clientKey, serverKey } file names`);
  return m;
}

/** The node-tfhe client of a key folder (its secret key file checked field by field first). */
export function loadTfheRsClient(dir: string, circuit: Circuit, S: ShortintModule = loadNodeTfhe()): TfheRsClient {
  const m = readTfheRsManifest(dir, circuit);
  const path = join(dir, m.files.clientKey);
  const { payload } = readTfheRsFile(path, circuitParameters(circuit), ['clientKey']);
  try {
    return TfheRsClient.fromKeyBytes(S, circuit, payload);
  } catch (e) {
    // node-tfhe's message is about bincode structure, never key bits.
    throw new Error(`${path}: node-tfhe refused the client key: ${String((e as Error)?.message ?? e)}`);
  }
}

export function tfheRsServerKeyPath(dir: string): string {
  return join(dir, TFHE_RS_SERVER_KEY_FILE);
}

/** Reads and checks a container file (see files.ts); errors name the file. */
export function readTfheRsFile(path: string, set: TfheParameterSet, kinds: readonly TfheRsFileKind[]): TfheRsFileContent {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  return decodeTfheRsFile(bytes, path, set, kinds);
}

/** node-tfhe ciphertexts (concatenated, `compressed` 124 bytes each) into a container file. */
export function writeTfheRsCiphertextFile(path: string, set: TfheParameterSet, stream: Uint8Array, compressed: boolean): void {
  const size = compressed ? 124 : 8 * (set.glweDimension * set.polynomialSize + 1) + 72;
  writeFileSync(path, encodeTfheRsFile(compressed ? 'compressedCiphertexts' : 'ciphertexts', set, stream, nodeTfheWriter(), size));
}

/**
 * `fhenet run`'s answer file (node-tfhe ciphertexts declaring message modulus 2p) -> node-tfhe
 * decrypts -> the simulator's integers, logits and classes. Each ciphertext's metadata is checked
 * before node-tfhe parses it.
 */
export function decodeTfheRsOutputFile(client: TfheRsClient, path: string): DecodedOutputs {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  const f = sniffFile(bytes);
  if (f.family === 'fhenet') throw new Error(`${path}: header: expected node-tfhe ciphertexts (the key folder is node-tfhe's), got ${f.what}`);
  const { payload, count } = decodeTfheRsFile(bytes, path, client.params, ['ciphertexts']);
  if (count % client.outputSize !== 0) throw new Error(`${path}: item count: expected a multiple of ${client.outputSize} output ciphertexts, got ${count}`);
  try {
    return client.decode(payload);
  } catch (e) {
    throw new Error(`${path}: node-tfhe refused a ciphertext: ${(e as Error).message}`);
  }
}
