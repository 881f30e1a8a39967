// The server of encrypted inference: a circuit and evaluation keys, nothing else. It imports no
// client module, so it cannot hold or reach a secret key.
import type { Circuit } from '@fhenet/compiler';
import type { TfheParameterSet } from '@fhenet/params';
import { LweCiphertextBatch } from '../ciphertext.js';
import { ServerEngine, type EvaluationKeys, type ProgressCallback, type SeededEvaluationKeys } from '../server.js';
import { executePlan, type ExecutionResult, type InferenceProgress } from './execute.js';
import { planCircuit, type CircuitPlan } from './plan.js';

export class InferenceServer {
  readonly plan: CircuitPlan;
  readonly engine: ServerEngine;
  constructor(circuit: Circuit, keys: EvaluationKeys) {
    this.plan = planCircuit(circuit);
    this.engine = new ServerEngine(this.plan.params, keys); // refuses keys of another parameter set
  }
  /** From the compressed transfer form (expands the masks, converts to Fourier form). */
  static async fromSeeded(circuit: Circuit, seeded: SeededEvaluationKeys, onProgress?: ProgressCallback): Promise<InferenceServer> {
    const keys = await seeded.decompress(onProgress);
    return new InferenceServer(circuit, keys);
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
  infer(inputs: LweCiphertextBatch, onProgress?: InferenceProgress): Promise<ExecutionResult> {
    return executePlan(this.engine, this.plan, inputs, onProgress);
  }
  dispose(): void {
    this.engine.keys?.dispose();
  }
}
