// A parameter fingerprint for file headers: two sides agree on keys and ciphertexts only if they
// agree on every field that shapes them or their security. The canonical encoding is one line of
// `key=value` pairs in a fixed order, joined by ';':
//   fhenet-params-v1;q=2^64;secret=binary;messageBits=4;lweDimension=918;glweDimension=1;
//   polynomialSize=2048;lweNoise=tuniform:45;glweNoise=tuniform:17;pbs=23/1;keyswitch=4/4
// Numbers use JavaScript's shortest round-trip decimal form (String(x)). Left out on purpose:
// name (a label), maxNu, log2PFail and modulusSwitch (how the set is used, not what keys and
// ciphertexts are), which therefore need not be present. The fingerprint is the lowercase hex SHA-256 of the UTF-8 encoding.
// SHA-256 from @noble/hashes (audited, dependency-free) rather than node:crypto: the browser page
// reads circuits and checks fingerprints too.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { CIPHERTEXT_MODULUS_LOG2 } from './distribution.js';
import type { NoiseDistribution, WopParameterSet } from './types.js';
import { assertDecompositionParams, assertKeyParameters, type KeyParameters } from './validate.js';

const FINGERPRINT_VERSION = 'fhenet-params-v1';

function encodeNoise(noise: NoiseDistribution): string {
  return noise.kind === 'tuniform' ? `tuniform:${noise.boundLog2}` : `gaussian:${String(noise.stdDevLog2)}`;
}

/** The exact string the fingerprint hashes (exported so other implementations can check theirs). */
export function canonicalParameterEncoding(set: KeyParameters): string {
  const s = assertKeyParameters(set);
  return [
    FINGERPRINT_VERSION,
    `q=2^${CIPHERTEXT_MODULUS_LOG2}`,
    'secret=binary',
    `messageBits=${s.messageBits}`,
    `lweDimension=${s.lweDimension}`,
    `glweDimension=${s.glweDimension}`,
    `polynomialSize=${s.polynomialSize}`,
    `lweNoise=${encodeNoise(s.lweNoise)}`,
    `glweNoise=${encodeNoise(s.glweNoise)}`,
    `pbs=${s.pbs.baseLog}/${s.pbs.levelCount}`,
    `keyswitch=${s.keyswitch.baseLog}/${s.keyswitch.levelCount}`,
  ].join(';');
}

/** SHA-256 (hex, 64 chars) of canonicalParameterEncoding(set). */
export function parameterFingerprint(set: KeyParameters): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalParameterEncoding(set))));
}

/**
 * Canonical encoding of a WoP set: the base encoding above, unchanged, then
 * `;circuitBootstrap=<baseLog>/<levels>;packingKeyswitch=<baseLog>/<levels>`. The PFKS keys are
 * shaped by packingKeyswitch, and a server and client must agree on circuitBootstrap to build the
 * same GGSWs from them, so both are bound; a WoP set's fingerprint therefore differs from that of
 * its base set (whose keys alone cannot serve a WoP stage), and base fingerprints stay as they were.
 */
export function canonicalWopParameterEncoding(set: KeyParameters & Pick<WopParameterSet, 'circuitBootstrap' | 'packingKeyswitch'>): string {
  const cbs = assertDecompositionParams(set.circuitBootstrap, 'circuitBootstrap');
  const pfks = assertDecompositionParams(set.packingKeyswitch, 'packingKeyswitch');
  return `${canonicalParameterEncoding(set)};circuitBootstrap=${cbs.baseLog}/${cbs.levelCount};packingKeyswitch=${pfks.baseLog}/${pfks.levelCount}`;
}

/** SHA-256 (hex, 64 chars) of canonicalWopParameterEncoding(set). */
export function wopParameterFingerprint(set: KeyParameters & Pick<WopParameterSet, 'circuitBootstrap' | 'packingKeyswitch'>): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalWopParameterEncoding(set))));
}
