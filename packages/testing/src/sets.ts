// Published parameter sets (2^-128 failure probability per PBS) from @fhenet/params.
import { publishedSet, type TfheParameterSet } from '@fhenet/params';

export type TestSet = TfheParameterSet;

export function tuniformSet(bits: 2 | 4 | 6 | 8): TestSet {
  return publishedSet(bits, 'tuniform');
}

export function gaussianSet(bits: number): TestSet {
  return publishedSet(bits, 'gaussian');
}

/**
 * GLWE dimension 2: the optimizer's set of models/mnist-fcnn-narrow-150 (n = 839, k = 2, N = 1024),
 * copied here so that engine tests do not depend on a compiled model. That circuit rounds its 7-bit
 * accumulators to their top 4 bits before each lookup, and the set is sized for that: here 4-bit
 * messages, so that fresh ciphertexts bootstrap correctly.
 */
export function glweDimension2Set(): TestSet {
  return {
    name: 'OPTIMIZED_TUNIFORM_7BIT_ROUNDED_NU21.72556098240043_2M30',
    messageBits: 4,
    lweDimension: 839,
    glweDimension: 2,
    polynomialSize: 1024,
    lweNoise: { kind: 'tuniform', boundLog2: 47 },
    glweNoise: { kind: 'tuniform', boundLog2: 17 },
    pbs: { baseLog: 15, levelCount: 2 },
    keyswitch: { baseLog: 2, levelCount: 7 },
    maxNu: 21.72556098240043,
    log2PFail: -30.490932727380475,
    modulusSwitch: 'centered',
  } as TestSet;
}
