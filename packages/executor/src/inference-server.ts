// The server of encrypted inference: a circuit and evaluation keys, nothing else, or a circuit and
// remote lookup runners that hold the keys elsewhere (a worker fleet; the linear maps run here). It
// imports no client module, so it cannot hold or reach a secret key.
import type { Circuit } from '@fhenet/circuit';
import type { TfheParameterSet } from '@fhenet/params';
import {
  LweCiphertextBatch,
  ServerEngine,
  type EvaluationKeys,
  type PackingKeys,
  type ProgressCallback,
  type SeededEvaluationKeys,
  type SeededPackingKeys,
} from '@fhenet/engine';
import { executePlan, type ExecuteOptions, type ExecutionResult } from './execute.js';
import type { InferenceProgress } from './progress.js';
import type { RemoteLookups } from './lookups.js';
import { planCircuit, type CircuitPlan } from './plan.js';

export class InferenceServer {
  readonly plan: CircuitPlan;
  readonly engine: ServerEngine;
  /** Where the lookups run when not on this engine's keys (InferenceServer.remote), else null. */
  readonly lookups: RemoteLookups | null;
  /**
   * `packingKeys`: required when the circuit has CRT lookups (WoP-PBS), refused otherwise.
   * `keys` null: the lookups run on `lookups` (InferenceServer.remote).
   */
  constructor(circuit: Circuit, keys: EvaluationKeys | null, packingKeys: PackingKeys | null = null, lookups: RemoteLookups | null = null) {
    this.plan = planCircuit(circuit);
    if (!keys === !lookups) throw new Error('internal: an InferenceServer has either evaluation keys or remote lookups');
    const needs = this.plan.wopLookupsPerSample > 0;
    if (needs && lookups) throw new Error(`circuit "${circuit.name}" has CRT stages: their WoP lookups run in-process only (not on remote lookup runners)`);
    if (needs && !packingKeys) {
      throw new Error(
        `circuit "${circuit.name}" has CRT stages with WoP lookups: the server needs the client's packing keyswitching (PFKS) keys besides the evaluation keys ` +
          '(key folder v2 file pfks-keys.seeded.bin, or InferenceClient.generateSeededPackingKeys())',
      );
    }
    if (!needs && packingKeys) throw new Error(`circuit "${circuit.name}" has no WoP lookups: packing keyswitching keys are not expected`);
    // Refuses keys of another parameter set (the PFKS keys: another WoP set, by the WoP fingerprint).
    this.engine = new ServerEngine(this.plan.params, keys, packingKeys);
    this.lookups = lookups;
  }
  /** A server without keys: the circuit's linear maps run here, its lookups on `lookups` (which hold the published keys); dispose() closes them. */
  static remote(circuit: Circuit, lookups: RemoteLookups): InferenceServer {
    return new InferenceServer(circuit, null, null, lookups);
  }
  /** From the compressed transfer forms (expands the masks, converts to Fourier form). */
  static async fromSeeded(
    circuit: Circuit,
    seeded: SeededEvaluationKeys,
    onProgress?: ProgressCallback,
    seededPacking?: SeededPackingKeys | null,
  ): Promise<InferenceServer> {
    const keys = await seeded.decompress(onProgress);
    let packing: PackingKeys | null = null;
    try {
      packing = seededPacking ? await seededPacking.expand() : null;
      return new InferenceServer(circuit, keys, packing);
    } catch (e) {
      keys.dispose();
      packing?.dispose();
      throw e;
    }
  }
  get params(): TfheParameterSet {
    return this.plan.params;
  }
  /** Reads a serialized ciphertext batch, refusing other parameter sets or corrupt bytes. */
  readInputs(bytes: Uint8Array): LweCiphertextBatch {
    const batch = LweCiphertextBatch.deserialize(bytes, this.plan.params);
    if (batch.count === 0 || batch.count % this.plan.inputSize !== 0) {
      const n = batch.count;
      batch.dispose();
      throw new Error(`inputs: expected a multiple of ${this.plan.inputSize} ciphertexts (one sample each), got ${n}`);
    }
    return batch;
  }
  /** Runs the circuit on `inputs` (held by the caller); `options.bands` runs padded stages in bands. */
  infer(inputs: LweCiphertextBatch, onProgress?: InferenceProgress, options: Pick<ExecuteOptions, 'bands'> = {}): Promise<ExecutionResult> {
    return executePlan(this.engine, this.plan, inputs, onProgress, { ...options, ...(this.lookups ? { lookups: this.lookups } : {}) });
  }
  dispose(): void {
    this.engine.keys?.dispose();
    this.engine.packingKeys?.dispose();
    // Releasing the published keys is best effort: a fleet that cannot be reached keeps them until it expires them.
    this.lookups?.close().catch(() => {});
  }
}
