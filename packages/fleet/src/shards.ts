// How a run of accumulators is cut into shards: about `targetSeconds` of work per shard on one
// worker (the cost model's CPU time per KS+PBS, the stage's PBS per output, the worker's engine
// threads), so that queue overhead (a few ms per job) stays small, and a multiple of the fleet's
// job slots, so that the workers finish a stage together instead of waiting for a straggler.
import type { StagePlan } from '@fhenet/executor';
import { pbsCost, predictedPbsMs, type TfheParameterSet } from '@fhenet/params';

export interface ShardSizing {
  /** Work per shard on one worker (default 1 s). */
  readonly targetSeconds: number;
  /** Lookup jobs the fleet runs at once (sum of the workers' concurrency; at least 1). */
  readonly slots: number;
  /** Engine threads of a typical worker (a shard's PBS spread over them). */
  readonly threads: number;
  /** Force a shard size (outputs per shard), e.g. for tests; overrides the cost model. */
  readonly outputs?: number;
}

/** Modelled seconds of one output of `stage` on a worker with `threads` engine threads: its PBS (extractions + lookup). */
export function secondsPerOutput(stage: StagePlan, params: TfheParameterSet, threads: number): number {
  const pbsPerOutput = stage.outputSize > 0 ? stage.pbs / stage.outputSize : 0;
  return (pbsPerOutput * predictedPbsMs(pbsCost(params))) / 1000 / Math.max(1, threads);
}

/** Contiguous shards [start, end) over `count` accumulators. */
export function shardRanges(count: number, stage: StagePlan, params: TfheParameterSet, s: ShardSizing): [number, number][] {
  if (count <= 0) return [];
  let shards: number;
  if (s.outputs !== undefined) {
    if (!(Number.isInteger(s.outputs) && s.outputs >= 1)) throw new Error(`shard outputs: expected an integer >= 1, got ${s.outputs}`);
    shards = Math.ceil(count / s.outputs);
  } else {
    const perShard = Math.max(1, Math.round(s.targetSeconds / Math.max(1e-9, secondsPerOutput(stage, params, s.threads))));
    const slots = Math.max(1, s.slots);
    // Rounded up to whole rounds of the fleet's slots, so no slot idles in the stage's last round.
    shards = Math.min(count, Math.ceil(Math.ceil(count / perShard) / slots) * slots);
  }
  const size = Math.ceil(count / shards);
  const out: [number, number][] = [];
  for (let a = 0; a < count; a += size) out.push([a, Math.min(count, a + size)]);
  return out;
}
