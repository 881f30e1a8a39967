// Files of the node-tfhe client (`fhenet keygen|encrypt|run|decrypt|predict --client node-tfhe`,
// docs/node-tfhe-client.md). node-tfhe's own bytes are plain bincode without version tags or
// parameters, so each is wrapped in a versioned container naming what it holds, the parameter
// set it was made for and a SHA-256 of header and payload; readers check all of it, and the payload's
// structure, before node-tfhe or the native reader sees a byte. Errors name the file and field.
import { createHash } from 'node:crypto';
import type { TfheParameterSet } from '@fhenet/params';
import { parameterFingerprint } from '@fhenet/params';

export const TFHE_RS_FILE_MAGIC = 'FHENETRS';
export const TFHE_RS_FILE_VERSION = 1;
export const TFHE_RS_FILE_HEADER_BYTES = 144;
/** The engine's own files (docs/key-and-ciphertext-formats.md) start with this. */
export const ENGINE_FILE_MAGIC = 'FHENETKC';

/** What a container holds (u16 at offset 10). */
export const TFHE_RS_FILE_KINDS = {
  /** `Shortint.serialize_client_key`: SECRET, never leaves the client. */
  clientKey: 1,
  /** `Shortint.serialize_compressed_server_key`: what the server expands. */
  compressedServerKey: 2,
  /** Concatenated `Shortint.serialize_ciphertext` (the server's answers declare message modulus 2p). */
  ciphertexts: 3,
  /** Concatenated `Shortint.serialize_compressed_ciphertext` (124 bytes each: the inputs a client sends). */
  compressedCiphertexts: 4,
} as const;
export type TfheRsFileKind = keyof typeof TFHE_RS_FILE_KINDS;

const KIND_NAMES: Record<number, TfheRsFileKind> = Object.fromEntries(Object.entries(TFHE_RS_FILE_KINDS).map(([k, v]) => [v, k as TfheRsFileKind]));
const ENGINE_KIND_NAMES: Record<number, string> = { 1: 'client key', 2: 'evaluation keys', 3: 'seeded evaluation keys', 4: 'ciphertext batch' };
const DESCRIBE: Record<TfheRsFileKind, string> = {
  clientKey: 'node-tfhe client key (secret)',
  compressedServerKey: 'node-tfhe compressed server key',
  ciphertexts: 'node-tfhe ciphertexts',
  compressedCiphertexts: 'node-tfhe compressed ciphertexts',
};

/** Which family a file's first bytes name: our engine's blobs, a tfhe-rs container, or neither. */
export type FileFamily =
  | { readonly family: 'fhenet'; readonly kind: number; readonly what: string }
  | { readonly family: 'tfhe-rs'; readonly kind: TfheRsFileKind | number; readonly what: string }
  | { readonly family: 'unknown'; readonly what: string };

export function sniffFile(bytes: Uint8Array): FileFamily {
  if (bytes.length < 12) return { family: 'unknown', what: `${bytes.length} bytes, too short for any fhenet file header` };
  const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  const kind = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readUInt16LE(10);
  if (magic === ENGINE_FILE_MAGIC) return { family: 'fhenet', kind, what: `fhenet ${ENGINE_KIND_NAMES[kind] ?? `object of unknown kind ${kind}`}` };
  if (magic === TFHE_RS_FILE_MAGIC) {
    const name = KIND_NAMES[kind];
    return { family: 'tfhe-rs', kind: name ?? kind, what: name ? DESCRIBE[name] : `tfhe-rs container of unknown kind ${kind}` };
  }
  return {
    family: 'unknown',
    what: `magic bytes ${JSON.stringify(magic.replace(/[^\x20-\x7e]/g, '?'))}, neither ${ENGINE_FILE_MAGIC} (fhenet) nor ${TFHE_RS_FILE_MAGIC} (node-tfhe client)`,
  };
}

/** The fingerprint and the parameters in clear, so that a mismatch can say which set a file was made for. */
function paramWords(set: TfheParameterSet): number[] {
  return [
    set.messageBits,
    set.lweDimension,
    set.glweDimension,
    set.polynomialSize,
    set.pbs.baseLog,
    set.pbs.levelCount,
    set.keyswitch.baseLog,
    set.keyswitch.levelCount,
  ];
}
const describeWords = (w: readonly number[]) => `${w[0]}-bit n=${w[1]} k=${w[2]} N=${w[3]} PBS ${w[4]}/${w[5]} KS ${w[6]}/${w[7]}`;

export interface TfheRsFileContent {
  readonly kind: TfheRsFileKind;
  /** node-tfhe's bytes. */
  readonly payload: Uint8Array;
  /** Items in the payload (ciphertexts; 1 for a key) and the size of each. */
  readonly count: number;
  readonly itemBytes: number;
  /** Who wrote it, e.g. "node-tfhe 1.7.0". */
  readonly writer: string;
}

/** A container around node-tfhe bytes (`count` items of `itemBytes` each). */
export function encodeTfheRsFile(kind: TfheRsFileKind, set: TfheParameterSet, payload: Uint8Array, writer: string, itemBytes = payload.length): Buffer {
  if (itemBytes <= 0 || payload.length % itemBytes !== 0)
    throw new RangeError(`internal: payload of ${payload.length} bytes is not whole items of ${itemBytes}`);
  const h = Buffer.alloc(TFHE_RS_FILE_HEADER_BYTES);
  h.write(TFHE_RS_FILE_MAGIC, 0, 'latin1');
  h.writeUInt16LE(TFHE_RS_FILE_VERSION, 8);
  h.writeUInt16LE(TFHE_RS_FILE_KINDS[kind], 10);
  h.writeUInt32LE(0, 12);
  Buffer.from(parameterFingerprint(set), 'hex').copy(h, 16);
  paramWords(set).forEach((w, i) => {
    h.writeUInt32LE(w, 48 + 4 * i);
  });
  h.write(writer.slice(0, 16), 80, 'latin1');
  h.writeBigUInt64LE(BigInt(payload.length), 96);
  h.writeUInt32LE(payload.length / itemBytes, 104);
  h.writeUInt32LE(itemBytes, 108);
  createHash('sha256').update(h.subarray(0, 112)).update(payload).digest().copy(h, 112);
  return Buffer.concat([h, payload]);
}

/**
 * Reads a container written by encodeTfheRsFile, for the parameter set `set`, holding one of
 * `expected`. Every header field is checked (magic, version, kind, flags, fingerprint, lengths,
 * payload SHA-256), then the payload's own structure (client key, ciphertext metadata); the
 * compressed server key's fields are checked by the native reader when it is expanded. The
 * SHA-256 covers the header fields too, so any changed byte of a file is an error.
 */
export function decodeTfheRsFile(bytes: Uint8Array, file: string, set: TfheParameterSet, expected: readonly TfheRsFileKind[]): TfheRsFileContent {
  const fail = (field: string, msg: string): never => {
    throw new Error(`${file}: ${field}: ${msg}`);
  };
  const want = expected.map((k) => DESCRIBE[k]).join(' or ');
  const family = sniffFile(bytes);
  if (family.family !== 'tfhe-rs') {
    fail(
      'header',
      `expected ${want} (written by --client node-tfhe, magic ${TFHE_RS_FILE_MAGIC}), got ${family.family === 'fhenet' ? `an ${family.what} (our own client's file; use it without --client node-tfhe)` : family.what}`,
    );
  }
  if (bytes.length < TFHE_RS_FILE_HEADER_BYTES) fail('header', `truncated: ${bytes.length} bytes, the header alone is ${TFHE_RS_FILE_HEADER_BYTES}`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const version = b.readUInt16LE(8);
  if (version !== TFHE_RS_FILE_VERSION) fail('format version', `expected ${TFHE_RS_FILE_VERSION}, got ${version} (written by another fhenet version?)`);
  const kind = KIND_NAMES[b.readUInt16LE(10)];
  if (!kind)
    fail(
      'kind',
      `unknown kind ${b.readUInt16LE(10)} (known: ${Object.entries(TFHE_RS_FILE_KINDS)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')})`,
    );
  if (!expected.includes(kind!)) fail('kind', `expected ${want}, got ${DESCRIBE[kind!]}`);
  const flags = b.readUInt32LE(12);
  if (flags !== 0) fail('flags', `expected 0, got ${flags}`);
  const words = Array.from({ length: 8 }, (_, i) => b.readUInt32LE(48 + 4 * i));
  const fp = b.subarray(16, 48).toString('hex');
  if (fp !== parameterFingerprint(set)) {
    fail(
      'parameter fingerprint',
      `made for other parameters: expected ${set.name} (${describeWords(paramWords(set))}), got fingerprint ${fp.slice(0, 16)}... (${describeWords(words)})`,
    );
  }
  const length = b.readBigUInt64LE(96);
  const have = BigInt(bytes.length - TFHE_RS_FILE_HEADER_BYTES);
  if (length !== have) fail('payload length', `header says ${length} bytes, the file holds ${have}${length > have ? ' (truncated)' : ' (trailing bytes)'}`);
  const count = b.readUInt32LE(104);
  const itemBytes = b.readUInt32LE(108);
  const expectedItem = itemSize(kind!, set);
  if (expectedItem !== undefined && itemBytes !== expectedItem) fail('item size', `expected ${expectedItem} bytes (from the parameters), got ${itemBytes}`);
  if (count === 0 || BigInt(count) * BigInt(itemBytes) !== length)
    fail('item count', `${count} items of ${itemBytes} bytes do not make the ${length}-byte payload`);
  const payload = bytes.subarray(TFHE_RS_FILE_HEADER_BYTES);
  const sum = createHash('sha256').update(b.subarray(0, 112)).update(payload).digest();
  if (!sum.equals(b.subarray(112, 144))) fail('SHA-256', 'checksum of the header and payload mismatch (corrupt file)');
  const writer = b.subarray(80, 96).toString('latin1').replace(/\0+$/, '');
  if (kind === 'clientKey') checkClientKey(payload, set, fail);
  if (kind === 'ciphertexts')
    for (let i = 0; i < count; i++) checkCiphertext(payload.subarray(i * itemBytes, (i + 1) * itemBytes), set, (f, m) => fail(`ciphertext ${i}: ${f}`, m));
  return { kind: kind!, payload, count, itemBytes, writer };
}

/** Fixed item sizes (docs/tfhe-rs-formats.md); keys are one item of their own length. */
function itemSize(kind: TfheRsFileKind, set: TfheParameterSet): number | undefined {
  const K = set.glweDimension * set.polynomialSize;
  if (kind === 'ciphertexts') return 8 * (K + 1) + 72;
  if (kind === 'compressedCiphertexts') return 124;
  if (kind === 'clientKey') return clientKeyBytes(set);
  return undefined;
}

/** node-tfhe 1.7's serialized shortint client key for `set` (layout: docs/tfhe-rs-formats.md). */
function clientKeyBytes(set: TfheParameterSet): number {
  const K = set.glweDimension * set.polynomialSize;
  // tag + GLWE key (len, K u64, N) + LWE key (len, n u64) + parameters (141 bytes for TUniform or Gaussian*)
  return 4 + 8 + 8 * K + 8 + 8 + 8 * set.lweDimension + paramsBytes(set);
}
function noiseBytes(kind: 'tuniform' | 'gaussian'): number {
  return kind === 'tuniform' ? 8 : 20; // u32 tag + u32 bound | u32 tag + f64 std + f64 mean
}
function paramsBytes(set: TfheParameterSet): number {
  // tag, n k N, lwe noise, glwe noise, 4 decomposition u64, message/carry/max-noise u64, log2 p_fail f64,
  // ciphertext modulus 24, key choice u32, modulus switch tag u32, wopbs Option u8
  return 4 + 24 + noiseBytes(set.lweNoise.kind) + noiseBytes(set.glweNoise.kind) + 32 + 24 + 8 + 24 + 4 + 4 + 1;
}

type Fail = (field: string, msg: string) => never;

/**
 * Structure of a node-tfhe client key against `set`, so that node-tfhe never parses a foreign or
 * mangled key. Messages name fields and positions, never key bits.
 */
function checkClientKey(p: Uint8Array, set: TfheParameterSet, fail: Fail): void {
  const b = Buffer.from(p.buffer, p.byteOffset, p.length);
  const K = set.glweDimension * set.polynomialSize;
  const n = set.lweDimension;
  let at = 0;
  const u32 = () => {
    at += 4;
    return b.readUInt32LE(at - 4);
  };
  const u64 = () => {
    at += 8;
    return Number(b.readBigUInt64LE(at - 8));
  };
  const eq = (field: string, got: number, want: number) => {
    if (got !== want) fail(`client key ${field}`, `expected ${want} (from ${set.name}), got ${got}`);
  };
  eq('atomic pattern tag', u32(), 0);
  eq('GLWE key length', u64(), K);
  at += 8 * K;
  eq('GLWE polynomial size', u64(), set.polynomialSize);
  eq('LWE key length', u64(), n);
  at += 8 * n;
  eq('parameters tag (PBS)', u32(), 0);
  eq('parameters lwe_dimension', u64(), n);
  eq('parameters glwe_dimension', u64(), set.glweDimension);
  eq('parameters polynomial_size', u64(), set.polynomialSize);
  for (const which of ['lweNoise', 'glweNoise'] as const) {
    const want = set[which];
    eq(`parameters ${which} kind`, u32(), want.kind === 'tuniform' ? 1 : 0);
    if (want.kind === 'tuniform') eq(`parameters ${which} bound_log2`, u32(), want.boundLog2);
    else at += 16;
  }
  eq('parameters pbs_base_log', u64(), set.pbs.baseLog);
  eq('parameters pbs_level', u64(), set.pbs.levelCount);
  eq('parameters ks_base_log', u64(), set.keyswitch.baseLog);
  eq('parameters ks_level', u64(), set.keyswitch.levelCount);
  eq('parameters message_modulus', u64(), 2 ** set.messageBits);
  eq('parameters carry_modulus', u64(), 1);
  at += 8 + 8; // max noise level, log2 p_fail: how the set is used, not what the keys are
  eq('parameters ciphertext modulus', Number(b.readBigUInt64LE(at)) + Number(b.readBigUInt64LE(at + 8)), 0);
  at += 16;
  eq('parameters ciphertext modulus scalar bits', u64(), 64);
  eq('parameters encryption_key_choice (Big)', u32(), 0);
  eq('parameters modulus switch noise reduction tag (Standard)', u32(), 0);
  eq('parameters wopbs (None)', b.readUInt8(at++), 0);
  eq('length', p.length, at);
}

/** Metadata of one node-tfhe Ciphertext (the server's answers declare message modulus 2p). */
function checkCiphertext(c: Uint8Array, set: TfheParameterSet, fail: Fail): void {
  const b = Buffer.from(c.buffer, c.byteOffset, c.length);
  const K = set.glweDimension * set.polynomialSize;
  const p = 2 ** set.messageBits;
  const u64 = (at: number) => b.readBigUInt64LE(at);
  if (u64(0) !== BigInt(K + 1)) fail('lwe size', `expected ${K + 1}, got ${u64(0)}`);
  const m = 8 * (K + 2);
  if (u64(m) !== 0n || u64(m + 8) !== 0n || u64(m + 16) !== 64n) fail('ciphertext modulus', 'expected the native modulus 2^64');
  const mm = Number(u64(m + 40));
  if (mm !== p && mm !== 2 * p) fail('message modulus', `expected ${p} or ${2 * p}, got ${mm}`);
  if (u64(m + 48) !== 1n) fail('carry modulus', `expected 1, got ${u64(m + 48)}`);
  if (Number(u64(m + 24)) >= mm) fail('degree', `expected < ${mm}, got ${u64(m + 24)}`);
  if (b.readUInt32LE(m + 56) !== 0 || b.readUInt32LE(m + 60) !== 0) fail('atomic pattern', 'expected Standard(KeyswitchBootstrap) (0, 0)');
}
