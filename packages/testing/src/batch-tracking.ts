// Routes every ciphertext batch an execution makes through a tracking function, so the memory
// tests can compare the model's live bytes with what the executors really allocate.
import type { TfheParameterSet } from '@fhenet/params';
import { LweCiphertextBatch, type ServerEngine } from '@fhenet/engine';

export type Track = (op: string, batch: LweCiphertextBatch) => LweCiphertextBatch;

/**
 * Wraps the engine's batch-making ops (dotSparse, mulClear, addClear, add, pbsAsync) and
 * LweCiphertextBatch's gather, scatter, concat and deserialize (spilled pieces read back) so that
 * each new batch goes through `track`. `pbs`, if given, replaces the PBS (its result is tracked
 * too). Returns the function that restores LweCiphertextBatch (the engine is the test's own).
 */
export function trackBatches(engine: ServerEngine, track: Track, pbs?: (input: LweCiphertextBatch) => LweCiphertextBatch): () => void {
  const e = engine as unknown as Record<string, (...a: unknown[]) => unknown>;
  const ops = Object.fromEntries(['dotSparse', 'mulClear', 'addClear', 'add', 'pbsAsync'].map((op) => [op, e[op]!.bind(engine)]));
  for (const op of ['dotSparse', 'mulClear', 'addClear', 'add']) e[op] = (...a: unknown[]) => track(op, ops[op]!(...a) as LweCiphertextBatch);
  e.pbsAsync = async (...a: unknown[]) => track('pbs', pbs ? pbs(a[0] as LweCiphertextBatch) : ((await ops.pbsAsync!(...a)) as LweCiphertextBatch));
  const proto = LweCiphertextBatch.prototype;
  const { gather, scatter } = proto;
  const { concat, deserialize } = LweCiphertextBatch;
  proto.gather = function (this: LweCiphertextBatch, i: ArrayLike<number>) {
    return track('gather', gather.call(this, i));
  };
  proto.scatter = function (this: LweCiphertextBatch, i: ArrayLike<number>, v: LweCiphertextBatch) {
    return track('scatter', scatter.call(this, i, v));
  };
  LweCiphertextBatch.concat = (bs: readonly LweCiphertextBatch[]) => track('concat', concat.call(LweCiphertextBatch, bs));
  LweCiphertextBatch.deserialize = (bytes: Uint8Array, params: TfheParameterSet) => track('deserialize', deserialize.call(LweCiphertextBatch, bytes, params));
  return () => {
    Object.assign(proto, { gather, scatter });
    Object.assign(LweCiphertextBatch, { concat, deserialize });
  };
}
