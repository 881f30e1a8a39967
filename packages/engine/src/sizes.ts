// Exact serialized sizes of the engine's objects (docs/key-and-ciphertext-formats.md): the HTTP
// service derives its body limits from them, so a client can never make it buffer more.
import type { TfheParameterSet } from '@fhenet/params';

const HEADER = 112;
const CHECKSUM = 8;

/** Bytes of serialized seeded evaluation keys for `set` (header, seed, two lengths, bodies, checksum). */
export function seededKeyBytes(set: TfheParameterSet): number {
  const { lweDimension: n, glweDimension: k, polynomialSize: N } = set;
  const bodies = n * (k + 1) * set.pbs.levelCount * N + k * N * set.keyswitch.levelCount;
  return HEADER + 32 + 16 + bodies * 8 + CHECKSUM;
}

/** Bytes of a serialized batch of `count` big-key ciphertexts. */
export function ciphertextBatchBytes(set: TfheParameterSet, count: number): number {
  return HEADER + 16 + count * (set.glweDimension * set.polynomialSize + 1) * 8 + CHECKSUM;
}
