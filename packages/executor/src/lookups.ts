// Where a padded stage's lookups run (its bit extractions and table lookup on a run of
// accumulators, stage-lookup.ts): in this process on the engine's evaluation keys (the default), or
// elsewhere, e.g. on a worker fleet (@fhenet/fleet) that holds the keys and sends the outputs back
// in order. The executor keeps the cheap linear maps either way; both make the same ciphertexts
// because every ciphertext's PBS depends only on it, the keys and the tables.
import type { LweCiphertextBatch, ServerEngine } from '@fhenet/engine';
import type { CircuitPlan } from './plan.js';
import { lookupOutputs, type LookupProgress, type LookupResult } from './stage-lookup.js';

export interface StageLookupRequest {
  readonly plan: CircuitPlan;
  readonly stageIndex: number;
  /** Accumulators of outputs [first, first + acc.count) of the sample-major batch (consumed: disposed by the runner). */
  readonly acc: LweCiphertextBatch;
  readonly first: number;
  readonly progress?: LookupProgress;
}

export interface StageLookups {
  /** True when the lookups use the engine's evaluation keys in this process (the executor then requires them). */
  readonly local: boolean;
  /** The stage's outputs for `r.acc`, in order (one ciphertext per accumulator). */
  run(engine: ServerEngine, r: StageLookupRequest): Promise<LookupResult>;
}

/** Runs the lookups on the engine of this process. */
export const inProcessLookups: StageLookups = {
  local: true,
  run: (engine, r) => lookupOutputs(engine, r.plan.circuit.bits, r.plan.stages[r.stageIndex]!, r.acc, r.first, r.progress),
};

/** What evaluation keys a remote runner was given: ours (seeded) or a tfhe-rs compressed server key. */
export type EvaluationKeyKind = 'engine' | 'tfhe-rs';

/** Lookups bound to one published key set, released with close(). */
export interface RemoteLookups extends StageLookups {
  close(): Promise<void>;
}

/** Publishes a key set's transfer form where the remote runners read it, and returns lookups that use it. */
export type PublishKeys = (kind: EvaluationKeyKind, bytes: Uint8Array) => Promise<RemoteLookups>;
