// The in-process backend: keys expanded in this process, inferences run on the executor, one job
// at a time behind a bounded queue (queue.ts). How every inference runs (whole stages or bands)
// is chosen once at start from the memory limit, as `fhenet predict` chooses it.
import { tmpdir } from 'node:os';
import type { Circuit } from '@fhenet/circuit';
import {
  SeededEvaluationKeys,
  expandTfheRsServerKeyAsync,
  readTfheRsCiphertextStream,
  seededKeyBytes,
  tfheRsCiphertextBytes,
  threadCount,
  writeTfheRsCiphertextStream,
  type EvaluationKeys,
  type LweCiphertextBatch,
} from '@fhenet/engine';
import {
  InferenceServer,
  bandsModelOptions,
  chooseBands,
  ciphertextTensorBytes,
  modelExecutionMemory,
  type BandChoice,
  type ChosenBands,
  type CircuitPlan,
  type PublishKeys,
} from '@fhenet/executor';
import type { BackendAnswer, BackendKeys, BackendLog, BackendMemory, CiphertextForm, ExecutionBackend, KeyKind } from './backend.js';
import { HttpError } from './errors.js';
import { JobQueue } from './queue.js';

export interface LocalBackendOptions {
  /** Jobs (key expansions, inferences) allowed to wait behind the running one (then 503 busy). */
  readonly queueCapacity: number;
  readonly maxSamples: number;
  /** The service's memory limit, for the choice of bands. */
  readonly limitBytes: number;
  /** Resident bytes at start (the process baseline), for the choice of bands and the fixed reserve. */
  readonly baselineBytes: number;
  readonly bandOutputs?: number;
  readonly spillDir?: string;
  /**
   * A worker fleet's (docs/deployment.md): registered keys are checked here, then published to the
   * workers, which expand them and run the lookups; this process keeps the linear maps only.
   */
  readonly publishKeys?: PublishKeys;
}

class LocalKeys implements BackendKeys {
  constructor(readonly server: InferenceServer) {}
  dispose(): void {
    this.server.dispose();
  }
}

export class LocalBackend implements ExecutionBackend {
  readonly memory: BackendMemory;
  readonly queue: JobQueue;
  readonly execution: BandChoice;
  readonly #circuit: Circuit;
  readonly #plan: CircuitPlan;
  readonly #publishKeys: PublishKeys | undefined;

  constructor(circuit: Circuit, plan: CircuitPlan, o: LocalBackendOptions) {
    this.#circuit = circuit;
    this.#plan = plan;
    this.#publishKeys = o.publishKeys;
    this.queue = new JobQueue(o.queueCapacity);
    this.execution = chooseServiceExecution(plan, {
      maxSamples: o.maxSamples,
      limitBytes: o.limitBytes,
      inUseBytes: o.baselineBytes,
      ...(o.bandOutputs !== undefined ? { bandOutputs: o.bandOutputs } : {}),
      ...(o.spillDir !== undefined ? { spillDir: o.spillDir } : {}),
    });
    const m = this.execution.model;
    // Each registration has its own server and plan; with a fleet, the expanded keys live on the workers.
    const keySet = (o.publishKeys ? 0 : m.keyBytes.total) + m.planBytes;
    const ct = ciphertextTensorBytes(plan.params, 1);
    const perCiphertext = { compressed: tfheRsCiphertextBytes(plan.params, true), full: tfheRsCiphertextBytes(plan.params, false) };
    this.memory = {
      fixedBytes: o.baselineBytes + Math.max(0, m.peakBytes - m.keyBytes.total - m.planBytes),
      keySetBytes: keySet,
      // The deserialized (native) copy of the uploaded keys lives next to the body while they expand.
      registrationBytes: (_kind, body) => body,
      // The native input batch: a copy of an engine body; tfhe-rs ciphertexts decompress to full LWEs.
      inferenceBytes: (kind, body, form) => (kind === 'engine' ? body : Math.ceil(body / perCiphertext[form]) * ct),
    };
  }

  busy(): boolean {
    return this.queue.running && this.queue.waiting >= this.queue.capacity;
  }

  async register(kind: KeyKind, body: Buffer): Promise<BackendKeys> {
    if (kind === 'engine') {
      let seeded: SeededEvaluationKeys;
      try {
        seeded = SeededEvaluationKeys.deserialize(body, this.#plan.params);
      } catch (e) {
        throw new HttpError(400, 'invalid-keys', `evaluation keys refused: ${(e as Error).message}`);
      }
      const publish = this.#publishKeys;
      try {
        return new LocalKeys(
          await this.queue.submit(() =>
            publish
              ? publish('engine', body).then((lookups) => InferenceServer.remote(this.#circuit, lookups))
              : InferenceServer.fromSeeded(this.#circuit, seeded),
          ),
        );
      } finally {
        seeded.dispose();
      }
    }
    const publish = this.#publishKeys;
    // With a fleet, the workers expand (and so check) a tfhe-rs key.
    if (publish) return this.queue.submit(async () => new LocalKeys(InferenceServer.remote(this.#circuit, await publish('tfhe-rs', body))));
    return this.queue.submit(async () => {
      let keys: EvaluationKeys;
      try {
        keys = await expandTfheRsServerKeyAsync(body, this.#plan.params);
      } catch (e) {
        throw new HttpError(400, 'invalid-keys', `tfhe-rs compressed server key refused: ${(e as Error).message}`);
      }
      return new LocalKeys(new InferenceServer(this.#circuit, keys));
    });
  }

  async infer(keys: BackendKeys, kind: KeyKind, body: Buffer, form: CiphertextForm, log: BackendLog): Promise<BackendAnswer> {
    const server = (keys as LocalKeys).server;
    const params = this.#plan.params;
    let inputs: LweCiphertextBatch;
    try {
      inputs = kind === 'engine' ? server.readInputs(body) : readTfheRsCiphertextStream(body, params, { compressed: form === 'compressed' });
    } catch (e) {
      throw new HttpError(400, 'invalid-ciphertexts', `${kind === 'engine' ? 'ciphertexts' : 'tfhe-rs ciphertexts'} refused: ${(e as Error).message}`);
    }
    const bands = this.execution.bands;
    const result = await this.queue
      .submit(() =>
        server.infer(
          inputs,
          (p) => {
            if (p.phase === 'done') log.info({ stage: p.name, ...p.timing }, `stage ${p.stage + 1}/${p.stages} done`);
          },
          bands ? { bands } : {},
        ),
      )
      .finally(() => inputs.dispose());
    try {
      const out = kind === 'engine' ? result.outputs.serialize() : writeTfheRsCiphertextStream(result.outputs, params);
      return { body: out, count: result.count, totalMs: result.totalMs, stages: result.stages };
    } finally {
      result.outputs.dispose();
    }
  }

  health(): Record<string, unknown> {
    const b = this.execution.bands;
    return {
      queue: { running: this.queue.running, waiting: this.queue.waiting, capacity: this.queue.capacity },
      execution: {
        ...(b ? { bandOutputs: b.outputs, spilled: b.spillDir !== undefined } : { bandOutputs: null, spilled: false }),
        ...(this.#publishKeys ? { lookups: 'fleet' } : {}),
      },
    };
  }

  async close(): Promise<void> {}
}

export interface ServiceExecutionArgs {
  readonly maxSamples: number;
  readonly limitBytes: number;
  /** Resident now (the service adds one key set's seeded copy, as a registration holds it). */
  readonly inUseBytes: number;
  readonly bandOutputs?: number;
  readonly spillDir?: string;
}

/**
 * How every inference of a service runs: bands asked for, or chosen like predict's (chooseBands)
 * for one key set's registration (its seeded copy on top of what is resident) and one maxSamples
 * execution. When nothing fits, whole stages: registrations are then refused (503) by the memory
 * account.
 */
export function chooseServiceExecution(plan: CircuitPlan, a: ServiceExecutionArgs): BandChoice {
  const model = (b?: ChosenBands) => modelExecutionMemory(plan, { count: a.maxSamples, threads: threadCount(), ...bandsModelOptions(b) });
  const choice = { plan, model, spillDir: a.spillDir ?? tmpdir(), spillDirGiven: a.spillDir !== undefined };
  // Forced bands: validated (band size, spill folder) here; the memory account, not this choice,
  // refuses what does not fit.
  if (a.bandOutputs !== undefined) return chooseBands({ ...choice, bandOutputs: a.bandOutputs, budget: { limitBytes: Infinity, inUseBytes: 0 } });
  try {
    return chooseBands({
      ...choice,
      budget: { limitBytes: a.limitBytes, inUseBytes: a.inUseBytes + seededKeyBytes(plan.params), limitName: "the service's maxMemoryBytes" },
    });
  } catch {
    const m = model();
    return { model: m, neededBytes: m.peakBytes };
  }
}
