// The published 128-bit sets of tfhe-parameters.md, as data. Nothing here is derived except the
// Gaussian sets' log2PFail, which the table does not give: those hold the noise model's
// prediction at the set's max nu (test/published.test.ts checks every one is <= -128).
import { log2PFail } from './noise.js';
import type { DecompositionParams, NoiseDistribution, TfheParameterSet } from './types.js';

const tu = (boundLog2: number): NoiseDistribution => ({ kind: 'tuniform', boundLog2 });
const gauss = (stdDevLog2: number): NoiseDistribution => ({ kind: 'gaussian', stdDevLog2 });
const dec = (baseLog: number, levelCount: number): DecompositionParams => ({ baseLog, levelCount });

/** TUniform, p_fail <= 2^-128 per PBS with the centered modulus switch (table 1). */
const TUNIFORM_2M128: readonly TfheParameterSet[] = [
  {
    name: 'TUNIFORM_2BIT_2M128',
    messageBits: 2,
    lweDimension: 879,
    glweDimension: 4,
    polynomialSize: 512,
    lweNoise: tu(46),
    glweNoise: tu(17),
    pbs: dec(23, 1),
    keyswitch: dec(5, 3),
    maxNu: 3,
    log2PFail: -144.3,
    modulusSwitch: 'centered',
  },
  {
    name: 'TUNIFORM_4BIT_2M128',
    messageBits: 4,
    lweDimension: 918,
    glweDimension: 1,
    polynomialSize: 2048,
    lweNoise: tu(45),
    glweNoise: tu(17),
    pbs: dec(23, 1),
    keyswitch: dec(4, 4),
    maxNu: 5,
    log2PFail: -129.6,
    modulusSwitch: 'centered',
  },
  {
    name: 'TUNIFORM_6BIT_2M128',
    messageBits: 6,
    lweDimension: 1077,
    glweDimension: 1,
    polynomialSize: 8192,
    lweNoise: tu(41),
    glweNoise: tu(3),
    pbs: dec(15, 2),
    keyswitch: dec(4, 5),
    maxNu: 9,
    log2PFail: -129.0,
    modulusSwitch: 'centered',
  },
  {
    name: 'TUNIFORM_8BIT_2M128',
    messageBits: 8,
    lweDimension: 1117,
    glweDimension: 1,
    polynomialSize: 65536,
    lweNoise: tu(40),
    glweNoise: tu(3),
    pbs: dec(11, 3),
    keyswitch: dec(3, 7),
    maxNu: 17,
    log2PFail: -141.6,
    modulusSwitch: 'centered',
  },
];

/**
 * The 4-bit 2^-64 example. The reference gives n, TU(46), N, PBS 23/1, KS 3/5 and the check value
 * -72.2; k = 1 and the GLWE noise TU(17) are those of the 4-bit 2^-128 set (same N, whose secure
 * minimum is TU(17)), max nu 5 is the 4-bit rating, and -72.2 is what the model gives with the
 * plain modulus switch, so the set is rated for that switch.
 */
const TUNIFORM_4BIT_2M64: TfheParameterSet = {
  name: 'TUNIFORM_4BIT_2M64',
  messageBits: 4,
  lweDimension: 879,
  glweDimension: 1,
  polynomialSize: 2048,
  lweNoise: tu(46),
  glweNoise: tu(17),
  pbs: dec(23, 1),
  keyswitch: dec(3, 5),
  maxNu: 5,
  log2PFail: -72.2,
  modulusSwitch: 'plain',
};

type GaussianRow = [
  bits: number,
  maxNu: number,
  n: number,
  k: number,
  N: number,
  lweLog2: number,
  glweLog2: number,
  pbs: DecompositionParams,
  ks: DecompositionParams,
];
/** Gaussian, p_fail <= 2^-128 (table 2; sigma is given as log2 of the integer std dev, 2 decimals). */
const GAUSSIAN_ROWS: readonly GaussianRow[] = [
  [1, 1, 747, 6, 256, 48.06, 28.42, dec(17, 1), dec(4, 3)],
  [2, 3, 837, 4, 512, 45.82, 15.68, dec(23, 1), dec(5, 3)],
  [3, 7, 885, 2, 1024, 44.63, 15.68, dec(23, 1), dec(5, 3)],
  [4, 15, 904, 1, 2048, 44.16, 15.68, dec(23, 1), dec(3, 6)],
  [5, 31, 930, 1, 4096, 43.51, 2.0, dec(15, 2), dec(3, 6)],
  [6, 63, 1011, 1, 8192, 41.49, 2.0, dec(15, 2), dec(3, 7)],
  [7, 127, 1060, 1, 16384, 40.27, 2.0, dec(11, 3), dec(2, 11)],
  [8, 255, 1104, 1, 65536, 39.18, 2.0, dec(9, 4), dec(3, 7)],
];

const GAUSSIAN_2M128: readonly TfheParameterSet[] = GAUSSIAN_ROWS.map(([bits, maxNu, n, k, N, lwe, glwe, pbs, ks]) => {
  const set: TfheParameterSet = {
    name: `GAUSSIAN_${bits}BIT_2M128`,
    messageBits: bits,
    lweDimension: n,
    glweDimension: k,
    polynomialSize: N,
    lweNoise: gauss(lwe),
    glweNoise: gauss(glwe),
    pbs,
    keyswitch: ks,
    maxNu,
    log2PFail: 0,
    modulusSwitch: 'centered',
  };
  return { ...set, log2PFail: log2PFail(set) };
});

/** Every published set. */
export const publishedSets: readonly TfheParameterSet[] = [...TUNIFORM_2M128, ...GAUSSIAN_2M128, TUNIFORM_4BIT_2M64];

export type NoiseKind = NoiseDistribution['kind'];
/** Published failure targets per PBS. */
export type PublishedFailure = '2^-128' | '2^-64';

/** The published set for `messageBits` bits; throws listing what exists if there is none. */
export function publishedSet(messageBits: number, noise: NoiseKind = 'tuniform', failure: PublishedFailure = '2^-128'): TfheParameterSet {
  const suffix = failure === '2^-128' ? '2M128' : '2M64';
  const name = `${noise.toUpperCase()}_${messageBits}BIT_${suffix}`;
  const found = publishedSets.find((s) => s.name === name);
  if (found === undefined) {
    const available = publishedSets.map((s) => s.name).join(', ');
    throw new Error(`No published ${noise} set for ${messageBits} message bits at p_fail ${failure} (${name}); available: ${available}`);
  }
  return found;
}
