// Published parameter sets (2^-128 failure probability per PBS) from @fhenet/params.
import { publishedSet, type TfheParameterSet } from '@fhenet/params';

export type TestSet = TfheParameterSet;

export function tuniformSet(bits: 2 | 4 | 6 | 8): TestSet {
  return publishedSet(bits, 'tuniform');
}

export function gaussianSet(bits: number): TestSet {
  return publishedSet(bits, 'gaussian');
}
