// Facts the engine decides and other packages plan with (the executor's memory model): how it
// groups a batch of PBS over its threads, the per-thread scratch of a group, and how it chunks
// WoP neurons. Read from the native engine itself, never mirrored in TypeScript.
import type { TfheParameterSet } from '@fhenet/params';
import { native } from './native.js';

/** Group sizes of the batched PBS: the automatic default and the largest accepted. */
export const ENGINE_LIMITS: { readonly pbsDefaultGroupSize: number; readonly pbsMaxGroupSize: number } = native.limits;

/** The engine's automatic group size for a batch of `count` PBS on `threads` threads. */
export function pbsGroupSize(count: number, threads: number): number {
  return native.pbsGroupSize(count, threads);
}

/** Bytes of one thread's PBS scratch for groups of up to `group` ciphertexts of `set`. */
export function pbsThreadScratchBytes(set: TfheParameterSet, group: number): number {
  return native.pbsThreadScratchBytes(set, group);
}

/** Neurons per WoP job chunk for `neurons` lookups on `threads` threads. */
export function wopNeuronChunk(neurons: number, threads: number): number {
  return native.wopNeuronChunk(neurons, threads);
}
