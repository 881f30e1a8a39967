// The key-set envelope (docs/key-and-ciphertext-formats.md, "Key-set envelope"): every file of a
// key folder, and every ciphertext file made or answered with its keys, starts with a 48-byte
// header carrying the folder's random key-set id, then the unchanged payload (an engine blob,
// FHENETKC, or a node-tfhe container, FHENETRS). Keys and ciphertexts of two key sets cannot be
// mixed without an error naming both ids: evaluation keys from one folder with inputs encrypted by
// another decrypt to a wrong class with no other sign (issue 16, finding 6). The id is a name, not
// a secret: it tells files apart, it authenticates nothing (an editor can change it as easily as
// any byte).
import { randomBytes } from 'node:crypto';

export const KEY_SET_FILE_MAGIC = 'FHENETKS';
export const KEY_SET_FILE_VERSION = 1;
export const KEY_SET_HEADER_BYTES = 48;

/** A fresh key-set id: 128 random bits, 32 lowercase hex digits. */
export function newKeySetId(): string {
  return randomBytes(16).toString('hex');
}

export const isKeySetId = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v);

/** The header to write before a payload of `payloadBytes` bytes. */
export function keySetHeader(keySetId: string, payloadBytes: number): Buffer {
  if (!isKeySetId(keySetId)) throw new Error(`internal: key-set id ${JSON.stringify(keySetId)}`);
  const h = Buffer.alloc(KEY_SET_HEADER_BYTES);
  h.write(KEY_SET_FILE_MAGIC, 0, 'latin1');
  h.writeUInt16LE(KEY_SET_FILE_VERSION, 8);
  h.writeUInt16LE(KEY_SET_HEADER_BYTES, 10);
  h.writeUInt32LE(0, 12); // flags
  Buffer.from(keySetId, 'hex').copy(h, 16);
  h.writeBigUInt64LE(BigInt(payloadBytes), 32);
  // 40..48 reserved, zero
  return h;
}

export interface KeySetFile {
  /** The key-set id, or null for a file written before key-set ids (key folder v1/v2, node-tfhe v1). */
  readonly keySetId: string | null;
  /** What follows the envelope (the whole file when there is none). */
  readonly payload: Uint8Array;
}

/** Reads the envelope of `bytes` (every field checked; errors name the file); a file without one is returned whole. */
export function openKeySetFile(bytes: Uint8Array, file: string): KeySetFile {
  if (bytes.length < 8 || Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') !== KEY_SET_FILE_MAGIC) {
    return { keySetId: null, payload: bytes };
  }
  const fail = (field: string, msg: string): never => {
    throw new Error(`${file}: key-set envelope ${field}: ${msg}`);
  };
  if (bytes.length < KEY_SET_HEADER_BYTES) fail('header', `truncated: ${bytes.length} bytes, the header alone is ${KEY_SET_HEADER_BYTES}`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const version = b.readUInt16LE(8);
  if (version !== KEY_SET_FILE_VERSION) fail('version', `expected ${KEY_SET_FILE_VERSION}, got ${version} (written by another fhenet version?)`);
  const headerBytes = b.readUInt16LE(10);
  if (headerBytes !== KEY_SET_HEADER_BYTES) fail('header size', `expected ${KEY_SET_HEADER_BYTES}, got ${headerBytes}`);
  const flags = b.readUInt32LE(12);
  if (flags !== 0) fail('flags', `expected 0, got ${flags}`);
  if (b.readBigUInt64LE(40) !== 0n) fail('reserved bytes 40..48', 'expected zero');
  const length = b.readBigUInt64LE(32);
  const have = BigInt(bytes.length - KEY_SET_HEADER_BYTES);
  if (length !== have) fail('payload length', `header says ${length} bytes, the file holds ${have}${length > have ? ' (truncated)' : ' (trailing bytes)'}`);
  return { keySetId: b.subarray(16, 32).toString('hex'), payload: bytes.subarray(KEY_SET_HEADER_BYTES) };
}

const show = (id: string | null): string => id ?? 'none (written before key-set ids)';

/** Throws unless the two files belong to one key set; the message names both files and ids. */
export function assertSameKeySet(
  a: { readonly file: string; readonly keySetId: string | null },
  b: { readonly file: string; readonly keySetId: string | null },
): void {
  if (a.keySetId === b.keySetId) return;
  throw new Error(
    `key sets differ: ${a.file} belongs to key set ${show(a.keySetId)}, ${b.file} to key set ${show(b.keySetId)}; ` +
      'keys and ciphertexts of two key folders cannot be mixed (their secret keys differ): use files made with one folder',
  );
}
