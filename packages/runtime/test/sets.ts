// Parameter sets of the reference table (tfhe-parameters.md), 2^-128 failure probability,
// constructed here until @fhenet/params exports publishedSet().
import type { EngineParameterSet } from '@fhenet/runtime';

type Row = [bits: number, n: number, k: number, N: number, lwe: number, glwe: number, pbsB: number, pbsL: number, ksB: number, ksL: number, nu: number];

const tuniformRows: Row[] = [
  [2, 879, 4, 512, 46, 17, 23, 1, 5, 3, 3],
  [4, 918, 1, 2048, 45, 17, 23, 1, 4, 4, 5],
  [6, 1077, 1, 8192, 41, 3, 15, 2, 4, 5, 9],
  [8, 1117, 1, 65536, 40, 3, 11, 3, 3, 7, 17],
];
const gaussianRows: Row[] = [
  [1, 747, 6, 256, 48.06, 28.42, 17, 1, 4, 3, 1],
  [2, 837, 4, 512, 45.82, 15.68, 23, 1, 5, 3, 3],
  [3, 885, 2, 1024, 44.63, 15.68, 23, 1, 5, 3, 7],
  [4, 904, 1, 2048, 44.16, 15.68, 23, 1, 3, 6, 15],
  [5, 930, 1, 4096, 43.51, 2.0, 15, 2, 3, 6, 31],
  [6, 1011, 1, 8192, 41.49, 2.0, 15, 2, 3, 7, 63],
  [7, 1060, 1, 16384, 40.27, 2.0, 11, 3, 2, 11, 127],
  [8, 1104, 1, 65536, 39.18, 2.0, 9, 4, 3, 7, 255],
];

export interface TestSet extends EngineParameterSet {
  readonly maxNu: number;
}

export function tuniformSet(bits: 2 | 4 | 6 | 8): TestSet {
  const r = tuniformRows.find((x) => x[0] === bits)!;
  return {
    name: `TUNIFORM_${bits}BIT_2M128`, messageBits: r[0], lweDimension: r[1], glweDimension: r[2], polynomialSize: r[3],
    lweNoise: { kind: 'tuniform', boundLog2: r[4] }, glweNoise: { kind: 'tuniform', boundLog2: r[5] },
    pbs: { baseLog: r[6], levelCount: r[7] }, keyswitch: { baseLog: r[8], levelCount: r[9] }, maxNu: r[10],
  };
}

export function gaussianSet(bits: number): TestSet {
  const r = gaussianRows.find((x) => x[0] === bits)!;
  return {
    name: `GAUSSIAN_${bits}BIT_2M128`, messageBits: r[0], lweDimension: r[1], glweDimension: r[2], polynomialSize: r[3],
    lweNoise: { kind: 'gaussian', stdDevLog2: r[4] }, glweNoise: { kind: 'gaussian', stdDevLog2: r[5] },
    pbs: { baseLog: r[6], levelCount: r[7] }, keyswitch: { baseLog: r[8], levelCount: r[9] }, maxNu: r[10],
  };
}

