// The predict loop both clients share (ours and node-tfhe's): quantize the raw samples, simulate
// them in the clear, then batch by batch encrypt, run on a session (in process or HTTP), decrypt,
// and compare every decrypted integer with the simulation.
import { argmax, decodeOutputs, isApproximate, quantizeInputs, simulate, type Circuit } from '@fhenet/circuit';
import type { InferenceProgress } from '@fhenet/executor';
import type { DecodedOutputs, EncryptedInferenceClient } from '../inference-client.js';
import type { InferenceSession, SessionAnswer, StageSummary } from './session.js';

export interface SampleResult {
  readonly index: number;
  readonly simulated: number;
  readonly encrypted: number;
  readonly label?: number;
  /** Every decrypted integer equals the simulator's. */
  readonly exact: boolean;
}

/** Per batch of an in-process run: modelled peak vs the largest resident set sampled during a stage. */
export interface StageMemoryReport {
  readonly name: string;
  /** Modelled peak of the stage, process baseline (RSS before keys) included. */
  readonly modelBytes: number;
  /** Largest RSS sampled at the stage's progress events (in-process only). */
  readonly rssBytes: number;
}

export interface BatchResult {
  readonly samples: number;
  readonly encryptMs: number;
  /** Server-side compute time. */
  readonly computeMs: number;
  readonly decryptMs: number;
  readonly wallMs: number;
  readonly stages: readonly StageSummary[];
  readonly memory?: readonly StageMemoryReport[];
}

/** Watches one batch's execution (in-process runs: memory and WoP progress lines). */
export interface BatchObserver {
  readonly onProgress: InferenceProgress;
  /** What it saw, once the batch has run. */
  memory(): StageMemoryReport[];
}

export interface LoopOptions {
  readonly circuit: Circuit;
  /** count x inputSize raw values (e.g. MNIST bytes). */
  readonly images: ArrayLike<number>;
  readonly count: number;
  readonly labels?: ArrayLike<number>;
  /** Samples per batch (default 1: per-image latency). */
  readonly batchSize?: number;
  readonly log: (line: string) => void;
  /** Stop after the batch that ends past this many seconds since `since` (benchmarks). */
  readonly budgetSeconds?: number;
  readonly since?: number;
  /** A fresh observer for each batch of `samples` samples. */
  readonly observe?: (samples: number) => BatchObserver;
}

/** Frees a client's ciphertexts when they hold native memory (our batches); bytes need nothing. */
function release(ct: unknown): void {
  (ct as { dispose?: () => void }).dispose?.();
}

export async function runPredictLoop<Ct>(
  client: EncryptedInferenceClient<Ct>,
  session: InferenceSession<Ct>,
  o: LoopOptions,
): Promise<{ samples: SampleResult[]; batches: BatchResult[] }> {
  const { circuit, count, log } = o;
  const batchSize = Math.max(1, Math.floor(o.batchSize ?? 1));
  const size = client.sampleSize;
  const q = quantizeInputs(circuit, o.images, count);
  const sim = simulate(circuit, q, count).outputs;
  const simClasses = argmax(decodeOutputs(circuit, sim, count), count);
  const samples: SampleResult[] = [];
  const batches: BatchResult[] = [];
  const since = o.since ?? performance.now();
  for (let s = 0; s < count; s += batchSize) {
    const n = Math.min(batchSize, count - s);
    const w0 = performance.now();
    const inputs = client.encryptQuantized(q.subarray(s * size, (s + n) * size));
    const w1 = performance.now();
    const observer = o.observe?.(n);
    let answer: SessionAnswer<Ct>;
    try {
      answer = await session.infer(inputs, observer?.onProgress);
    } finally {
      release(inputs);
    }
    const w2 = performance.now();
    const decoded = client.decode(answer.outputs);
    release(answer.outputs);
    const w3 = performance.now();
    samples.push(...compareWithSimulation(decoded, s, n, client.outputSize, sim, simClasses, o.labels, log, circuit.stages.some(isApproximate)));
    const memory = observer?.memory();
    batches.push({
      samples: n,
      encryptMs: w1 - w0,
      computeMs: answer.computeMs,
      decryptMs: w3 - w2,
      wallMs: w3 - w0,
      stages: answer.stages,
      ...(memory ? { memory } : {}),
    });
    log(`batch of ${n}: ${((w3 - w0) / 1000).toFixed(1)} s wall (server ${(answer.computeMs / 1000).toFixed(1)} s)`);
    if (o.budgetSeconds !== undefined && (performance.now() - since) / 1000 > o.budgetSeconds) {
      log(`time budget of ${o.budgetSeconds} s reached after ${s + n} of ${count} samples`);
      break;
    }
  }
  return { samples, batches };
}

/**
 * The n decoded samples starting at `start` against the simulation (`sim`: outSize integers per
 * sample, `simClasses` its classes), one log line each; `approximate`: the circuit rounds
 * approximately, so differing integers are expected now and then, not a mismatch.
 */
export function compareWithSimulation(
  decoded: DecodedOutputs,
  start: number,
  n: number,
  outSize: number,
  sim: ArrayLike<number>,
  simClasses: ArrayLike<number>,
  labels: ArrayLike<number> | undefined,
  log: (line: string) => void,
  approximate = false,
): SampleResult[] {
  const results: SampleResult[] = [];
  for (let i = 0; i < n; i++) {
    const idx = start + i;
    let exact = true;
    for (let k = 0; k < outSize; k++) if (decoded.values[i * outSize + k] !== sim[idx * outSize + k]) exact = false;
    const r: SampleResult = {
      index: idx,
      simulated: simClasses[idx]!,
      encrypted: decoded.classes[i]!,
      ...(labels ? { label: Number(labels[idx]) } : {}),
      exact,
    };
    results.push(r);
    // An approximately rounded circuit's integers may differ from the (noise-free, = exactly rounded) simulation near bucket edges.
    const differs = approximate ? '  (integers differ from the exact rounding: approximate)' : '  MISMATCH';
    log(`sample ${idx}: encrypted ${r.encrypted}, simulated ${r.simulated}${r.label !== undefined ? `, label ${r.label}` : ''}${exact ? '' : differs}`);
  }
  return results;
}
