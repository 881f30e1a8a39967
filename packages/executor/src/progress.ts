// What an execution reports as it goes and when it ends, per stage: shared by the whole-stage
// executor (execute.ts), the banded one (banded.ts) and the lookups (stage-lookup.ts), which
// import it from here rather than from one another.
export interface StageTiming {
  readonly name: string;
  /** Ciphertexts produced by the stage (samples x outputs). */
  readonly outputs: number;
  readonly linearMs: number;
  /** Every PBS of the stage, bit extractions included; 0 for a last stage decoded in the clear. */
  readonly pbsMs: number;
  /** Of pbsMs, the bit extractions (and the linear steps between them). */
  readonly extractMs: number;
  /** Every PBS of the stage, bit extractions included. */
  readonly pbsCount: number;
  /** CRT stages: WoP lookups run (samples x outputs; 0 on a table-less last stage) and their modelled KS+PBS-equivalents. */
  readonly wopLookups?: number;
  readonly pbsEquivalents?: number;
  /** Banded stages: bands run. */
  readonly bands?: number;
  /** Banded stages with a spill folder: time writing and reading spill files (not in linearMs / pbsMs), bytes written. */
  readonly spillMs?: number;
  readonly spilledBytes?: number;
}

export interface StageProgress {
  readonly stage: number;
  readonly stages: number;
  readonly name: string;
  readonly phase: 'linear' | 'extract' | 'pbs' | 'done';
  /** The bit being extracted when phase = 'extract'. */
  readonly bit?: number;
  /**
   * Within an 'extract' or 'pbs' phase: PBS finished so far out of `total` in this batch (absent on
   * the event that opens the phase). Reported by the engine as groups finish.
   */
  readonly done?: number;
  readonly total?: number;
  /** Banded stages: the band (0-based) the event belongs to (absent on the stage's opening and closing events), and how many. */
  readonly band?: number;
  readonly bands?: number;
  /**
   * Lookups run elsewhere (ExecuteOptions.lookups, e.g. a worker fleet), phase 'pbs': shards of
   * this lookup finished so far and in all (done / total then count its outputs).
   */
  readonly shardsDone?: number;
  readonly shards?: number;
  /** Timing of the finished stage when phase = 'done'. */
  readonly timing?: StageTiming;
}

export type InferenceProgress = (p: StageProgress) => void;
