// The memory model (src/inference/memory.ts) against what an encrypted execution really allocates:
// a small 5-bit circuit (rounded conv2d, sum pool, clear-decoded dense) run on the native engine
// with every ciphertext batch the executor creates tracked until it is disposed. The model's
// per-stage tensor sizes and live peaks must equal the bytes of those batches (count x (dimension
// + 1) words, as the native side reports them), and the keys must account for the process's growth.
import { describe, expect, it } from 'vitest';
import { chooseParameters } from '@fhenet/compiler';
import type { Circuit, Conv2dOp, DenseOp, Stage, SumPoolOp } from '@fhenet/circuit';
import { createInferenceService } from '@fhenet/server';
import { executePlan, InferenceServer, planCircuit } from '@fhenet/executor';
import { InferenceClient, predict } from '@fhenet/client';
import type { LweCiphertextBatch } from '@fhenet/engine';
import { assertMemoryBudget, modelExecutionMemory, parseByteSize } from '../src/memory.js';
import { native } from '@fhenet/engine/testing';
import { trackBatches, clearTableImageCircuit, runTables, stageAnalysis } from '@fhenet/testing';

const bits = 5;
const p = 2 ** bits;

/** extractFrom: per conv channel, the first slot bit extracted (v3; 2 = channel skips bit 1). */
function circuit(extractFrom?: number[]): Circuit {
  // conv: 4x4x1 -> 2x2x2 (3x3 valid), weights in {-1, 0, 1}; rounded 2 bits (1 extraction + lookup).
  const w = Int32Array.from({ length: 3 * 3 * 1 * 2 }, (_, i) => [1, 0, -1, 1][i % 4]!);
  const conv: Conv2dOp = { kind: 'conv2d', inputShape: [4, 4, 1], outputShape: [2, 2, 2], kernelSize: [3, 3], strides: [1, 1], padBefore: [0, 0], weights: w };
  const pool: SumPoolOp = { kind: 'sumPool', inputShape: [2, 2, 2], outputShape: [1, 1, 2], poolSize: [2, 2], strides: [2, 2] };
  const dense: DenseOp = {
    kind: 'dense',
    inputSize: 2,
    outputSize: 3,
    rowPtr: Int32Array.from([0, 2, 3, 4]),
    cols: Int32Array.from([0, 1, 0, 1]),
    weights: Int32Array.from([1, -1, 2, 1]),
  };
  const stages: Stage[] = [
    {
      name: 'conv',
      linear: conv,
      offset: new Int32Array(8).fill(8),
      tables: runTables(2, 2, p),
      roundBits: 2,
      analysis: stageAnalysis(8, 2.5, p),
      ...(extractFrom ? { extractFrom: Int32Array.from(extractFrom) } : {}),
    },
    { name: 'pool', linear: pool, offset: new Int32Array(2), tables: runTables(2, 0, p), roundBits: 0, analysis: stageAnalysis(2, 2, p) },
    { name: 'out', linear: dense, offset: new Int32Array(3), tables: null, roundBits: 0, analysis: stageAnalysis(3, 2.3, p) },
  ];
  const bare = clearTableImageCircuit('memory-5bit', bits, stages, 3);
  // The set of the circuit that extracts every bit: also valid for fewer extractions, and the
  // variants then share keys.
  return { ...bare, parameters: chooseParameters({ ...bare, stages: stages.map(({ extractFrom: _, ...st }) => st) }).parameters };
}

describe('memory model of an encrypted execution', () => {
  it('equals the ciphertext tensors the executor allocates, stage by stage, and the native allocations', async () => {
    const c = circuit();
    const count = 2;
    const client = InferenceClient.generate(c);
    const before = process.memoryUsage.rss();
    const { keys, seeded } = await client.generateBothEvaluationKeys();
    const server = new InferenceServer(c, keys);
    const model = modelExecutionMemory(server.plan, { count, threads: 2 });
    // The keys (both forms) are the only big allocations that stay: the process grew by their
    // modelled size, within the heap's and allocator's slack.
    const grown = process.memoryUsage.rss() - before;
    const keyBytes = model.keyBytes.total + model.seededKeyBytes;
    console.log(`keys: model ${keyBytes} B (expanded ${model.keyBytes.total} + seeded ${model.seededKeyBytes}), RSS grew ${grown} B`);
    expect(Math.abs(grown - keyBytes)).toBeLessThan(0.05 * keyBytes + 8 * 2 ** 20);
    seeded.dispose();

    // Track every batch the engine returns until it is disposed.
    const live = new Set<LweCiphertextBatch>();
    const bytesOf = (b: LweCiphertextBatch) => b.count * (b.dimension + 1) * 8;
    const liveBytes = () => [...live].reduce((s, b) => s + bytesOf(b), 0);
    let stage = -1;
    const peaks: number[] = [];
    const created: { stage: number; op: string; bytes: number }[] = [];
    // Batches created before stage 0 (the inputs) count towards its peak.
    const track = (op: string, b: LweCiphertextBatch) => {
      live.add(b);
      const dispose = b.dispose.bind(b);
      b.dispose = () => {
        live.delete(b);
        dispose();
      };
      created.push({ stage, op, bytes: bytesOf(b) });
      peaks[Math.max(0, stage)] = Math.max(peaks[Math.max(0, stage)] ?? 0, liveBytes());
      return b;
    };
    // The partial-extraction path also gathers and scatters batches.
    const restore = trackBatches(server.engine, track);

    const ct = model.ciphertextBytes;
    expect(ct).toBe((c.parameters!.set.glweDimension * c.parameters!.set.polynomialSize + 1) * 8);
    const picked = planCircuit(circuit([1, 2])); // bit 1 extracted on channel 0 only: 4 of 8 outputs
    expect(picked.params).toEqual(server.plan.params);
    expect(picked.stages[0]!.extractions.map((e) => Array.from(e.outputs ?? []))).toEqual([[0, 2, 4, 6]]);
    for (const [plan, releaseInputs] of [
      [server.plan, false],
      [server.plan, true],
      [picked, false],
      [picked, true],
    ] as const) {
      const m = modelExecutionMemory(plan, { count, threads: 2, releaseInputs });
      live.clear();
      peaks.length = 0;
      created.length = 0;
      stage = -1;
      const inputs = client.encryptQuantized(Int32Array.from({ length: 16 * count }, (_, i) => i % 4));
      track('inputs', inputs); // released by the executor (releaseInputs) or by us below
      const result = await executePlan(
        server.engine,
        plan,
        inputs,
        (e) => {
          if (e.phase === 'linear') stage = e.stage;
        },
        { releaseInputs },
      );
      const inBytes = bytesOf(inputs);
      expect(m.stages.map((s) => s.inputBytes)).toEqual([inBytes, 8 * count * ct, 2 * count * ct]);
      // Accumulators: each stage's first allocation is its dot product.
      expect(m.stages.map((s) => s.accumulatorBytes)).toEqual([0, 1, 2].map((i) => created.find((x) => x.stage === i)!.bytes));
      // Peaks of live ciphertext bytes: the model's phases against the tracked batches.
      expect(m.stages.map((s) => s.ciphertextPeakBytes)).toEqual(peaks.slice(0, 3));
      // The conv's peak is in its bit extraction (+ the inputs unless released): 3 accumulators A,
      // or on the partial path (one step, on P = A / 2 picked outputs) w + sel + shifted + sign =
      // A + 3P, equal here to w + cleared + the scattered copy = 2A + P (gathering back from a
      // concatenation, before the scatter, made it 3A + P).
      // With the inputs released, the partial path's peak is the dot product instead: inputs + A.
      const A = 8 * count * ct;
      const extractPeak = (releaseInputs ? 0 : inBytes) + (plan === picked ? A + 3 * (A / 2) : 3 * A);
      expect(m.stages[0]!.ciphertextPeakBytes).toBe(Math.max(inBytes + A, extractPeak));
      expect(m.stages[0]!.peakPhase).toBe(extractPeak >= inBytes + A ? 'extract' : 'linear');
      // After the execution only the outputs remain (and the inputs if the caller holds them).
      expect(liveBytes()).toBe((releaseInputs ? 0 : inBytes) + bytesOf(result.outputs));
      expect(inputs.disposed).toBe(releaseInputs);
      expect(result.outputs.count).toBe(3 * count);
      expect(m.peakStage).toBe(0);
      expect(m.peakBytes).toBeGreaterThan(m.keyBytes.total + peaks[0]!);
      inputs.dispose();
      result.outputs.dispose();
    }
    restore();
    server.dispose();
  }, 120_000);

  it('refuses a bad count; key setup copies', () => {
    expect(() => modelExecutionMemory(planCircuit(circuit()), { count: 0 })).toThrow(/count must be a positive integer/);
    // Key setup: one seeded copy when the server expands the client's own object, two when it
    // arrives serialized (the bytes and their deserialized copy).
    const [one, two] = ([1, 2] as const).map((seededCopies) => modelExecutionMemory(planCircuit(circuit()), { seededCopies }));
    expect(two!.keySetupPeakBytes - one!.keySetupPeakBytes).toBe(one!.seededKeyBytes);
    expect(modelExecutionMemory(planCircuit(circuit())).keySetupPeakBytes).toBe(two!.keySetupPeakBytes);
  });

  it('budget: refuses with the stage, the bytes needed and the bytes available', () => {
    // 2000 samples: the conv's extraction (3 accumulators of 16,000 ciphertexts) outweighs the key setup.
    const m = modelExecutionMemory(planCircuit(circuit()), { count: 2000 });
    expect(m.peakBytes).toBeGreaterThan(m.keySetupPeakBytes);
    const inUse = 300 * 2 ** 20;
    expect(() => assertMemoryBudget(m, { limitBytes: inUse + m.peakBytes - 1, inUseBytes: inUse })).toThrow(
      /memory budget: stage 1\/3 "conv" \(extract: .* needs .* but only .* are available \(limit .* set by --max-memory, 300\.0 MiB already in use/,
    );
    expect(assertMemoryBudget(m, { limitBytes: inUse + m.peakBytes, inUseBytes: inUse })).toBe(m.peakBytes);
    expect(() => assertMemoryBudget(m, { limitBytes: 1000, inUseBytes: 0, limitName: 'maxMemory' })).toThrow(
      /key setup .* needs .* but only 1000 B are available .*set by maxMemory/,
    );
  });

  it('predict refuses up front (before any key) when the budget is too small', async () => {
    const lines: string[] = [];
    await expect(predict({ circuit: circuit(), images: new Uint8Array(16), count: 1, maxMemoryBytes: 2 ** 20, log: (l) => lines.push(l) })).rejects.toThrow(
      /memory budget: key setup .* needs .* \(limit 1\.0 MiB set by --max-memory/,
    );
    expect(lines.filter((l) => /keygen|keys/.test(l))).toEqual([]); // refused before any key work
  });

  it('parses sizes', () => {
    expect(parseByteSize('20G')).toBe(20 * 2 ** 30);
    expect(parseByteSize('1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(parseByteSize('800m')).toBe(800 * 2 ** 20);
    expect(parseByteSize('4096')).toBe(4096);
    expect(() => parseByteSize('lots')).toThrow(/expected a number of bytes/);
    expect(() => parseByteSize('0')).toThrow(/must be positive/);
  });

  it('HTTP key registration is refused (503) when the keys and one batch would not fit', async () => {
    const app = createInferenceService(circuit(), { maxMemoryBytes: process.memoryUsage.rss() + 2 ** 20 });
    const r = await app.inject({ method: 'POST', url: '/v1/keys', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(64, 1) });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ error: 'insufficient-memory' });
    // Admission from accounted memory (the server's memory-account.ts): the fixed reserve (baseline
    // and one execution's peak) leaves nothing for a key set.
    expect(r.json().message).toMatch(/evaluation keys needs .* but only 0 B of the service's .* are free \(.* fixed, 0 B held by 0 key set/);
    await app.close();
  });
});

describe('C allocator', () => {
  // The memory model counts live allocations; RSS follows it only if freed batches go back to the
  // OS (bindings/addon.cc "allocator": glibc's mmap threshold fixed at 1 MiB at load, unless the user set one).
  it("the addon fixed glibc's mmap threshold at 1 MiB, or left the user's MALLOC_MMAP_THRESHOLD_ in charge", () => {
    const a = native.allocatorInfo();
    const env = process.env.MALLOC_MMAP_THRESHOLD_;
    if (env !== undefined) expect(a).toEqual({ source: 'env', mmapThreshold: Number.parseInt(env, 10) });
    else if (process.report?.getReport && (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime) {
      expect(a).toEqual({ source: 'fhenet', mmapThreshold: 2 ** 20 });
    } else expect(a.source).toBe('unavailable');
  });
});
