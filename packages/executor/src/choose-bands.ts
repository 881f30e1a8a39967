// How predict runs a circuit within its memory budget: whole stages when the model says they fit
// (the fastest: one PBS batch per step), else padded stages in bands (banded.ts) of the largest
// size that fits, in memory first and then with the stages' outputs spilled to a folder
// (docs/streaming-plan.md option 3); refused, naming the stage, only when even bands of one
// output with spilling do not fit. CRT stages are never banded.
import { statfsSync } from 'node:fs';
import { assertBandOptions } from './bands.js';
import { assertMemoryBudget, formatBytes, type MemoryBudget, type MemoryModel, type MemoryModelOptions } from './memory.js';
import type { CircuitPlan } from './plan.js';

export interface ChosenBands {
  /** Output ciphertexts per band. */
  readonly outputs: number;
  /** Spill folder (absent: band outputs kept in memory). */
  readonly spillDir?: string;
  /** Asked for by the caller (bandOutputs) rather than chosen for the budget. */
  readonly forced: boolean;
}

/** The memory model's options for these bands (MemoryModelOptions.bands; none: whole stages). */
export function bandsModelOptions(bands?: ChosenBands): Pick<MemoryModelOptions, 'bands'> {
  return bands ? { bands: { outputs: bands.outputs, spill: bands.spillDir !== undefined } } : {};
}

export interface ChooseBandsArgs {
  readonly plan: CircuitPlan;
  /** The memory model of the execution with these bands (undefined: whole stages). */
  readonly model: (bands?: ChosenBands) => MemoryModel;
  readonly budget: MemoryBudget;
  /** Forced band size. */
  readonly bandOutputs?: number;
  /** Where automatic banding spills when in-memory bands do not fit. */
  readonly spillDir: string;
  /** spillDir was given by the caller: a forced band size then spills there. */
  readonly spillDirGiven: boolean;
}

export interface BandChoice {
  readonly model: MemoryModel;
  readonly bands?: ChosenBands;
  /** assertMemoryBudget's total: max(execution peak, key setup peak). */
  readonly neededBytes: number;
  /** What was chosen and why, for the log (absent for a whole-stage run). */
  readonly message?: string;
}

export function chooseBands(a: ChooseBandsArgs): BandChoice {
  const crt = a.plan.stages.some((s) => s.crt);
  if (a.bandOutputs !== undefined) {
    assertBandOptions({ outputs: a.bandOutputs });
    if (crt) throw new Error(`bandOutputs: circuit "${a.plan.circuit.name}" has CRT stages, which run whole (banded execution covers padded stages only)`);
    const bands: ChosenBands = { outputs: a.bandOutputs, ...(a.spillDirGiven ? { spillDir: a.spillDir } : {}), forced: true };
    const model = a.model(bands);
    const neededBytes = assertMemoryBudget(model, a.budget);
    if (bands.spillDir) assertSpillSpace(bands.spillDir, model);
    return { model, bands, neededBytes, message: describe(bands, model, 'asked for') };
  }
  const whole = a.model();
  try {
    return { model: whole, neededBytes: assertMemoryBudget(whole, a.budget) };
  } catch (refusal) {
    const available = a.budget.limitBytes - a.budget.inUseBytes;
    // Bands change the execution, not the keys: a key setup over budget stays refused.
    if (crt || whole.keySetupPeakBytes > available) throw refusal;
    const largest = Math.max(...a.plan.stages.map((s) => s.outputSize)) * whole.count;
    const fits = (m: MemoryModel) => Math.max(m.peakBytes, m.keySetupPeakBytes) <= available;
    let smallest: MemoryModel | null = null;
    for (const spill of [false, true]) {
      const at = (outputs: number): ChosenBands => ({ outputs, ...(spill ? { spillDir: a.spillDir } : {}), forced: false });
      smallest = a.model(at(1));
      if (!fits(smallest)) continue;
      // Largest fitting band: the peak grows with the band (more accumulators at once).
      let lo = 1;
      let hi = largest;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (fits(a.model(at(mid)))) lo = mid;
        else hi = mid - 1;
      }
      const bands = at(lo);
      const model = a.model(bands);
      if (spill) assertSpillSpace(a.spillDir, model);
      const why = `memory: whole stages need ${formatBytes(Math.max(whole.peakBytes, whole.keySetupPeakBytes))}, over the ${formatBytes(available)} available; `;
      return { model, bands, neededBytes: assertMemoryBudget(model, a.budget), message: why + describe(bands, model, 'the largest that fits') };
    }
    const s = smallest!.stages[smallest!.peakStage]!;
    throw new Error(
      `${(refusal as Error).message}. Banded execution does not fit either: even bands of 1 output with the stages' outputs spilled to disk ` +
        `need ${formatBytes(smallest!.peakBytes)} (peak at "${s.name}", ${s.peakPhase}; evaluation keys ${formatBytes(smallest!.keyBytes.total)})`,
    );
  }
}

function describe(bands: ChosenBands, model: MemoryModel, why: string): string {
  const peak = model.stages[model.peakStage]!;
  const where = bands.spillDir
    ? `stage outputs spilled to ${bands.spillDir}: ${formatBytes(model.bands!.spillWrittenBytes)} written per batch, at most ${formatBytes(model.bands!.spillPeakBytes)} on disk at once`
    : 'stage outputs in memory';
  return `bands: padded stages run in bands of ${bands.outputs} output ciphertexts (${why}; ${where}); modelled peak ${formatBytes(model.peakBytes)} at ${peak.name} (${peak.peakPhase})`;
}

/** Throws when `dir` is missing or has less free space than the model's spill files at once. */
function assertSpillSpace(dir: string, model: MemoryModel): void {
  const need = model.bands?.spillPeakBytes ?? 0;
  let free: number;
  try {
    const s = statfsSync(dir);
    free = s.bavail * s.bsize;
  } catch (e) {
    throw new Error(`spill folder ${dir}: ${(e as Error).message}; expected an existing writable folder (--spill-dir)`);
  }
  if (free < need) {
    throw new Error(
      `spill folder ${dir}: ${formatBytes(free)} free, the banded run needs ${formatBytes(need)} on disk at once (two stages' outputs); ` +
        'choose a folder on a larger disk (--spill-dir)',
    );
  }
}
