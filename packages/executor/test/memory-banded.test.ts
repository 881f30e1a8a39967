// The memory model of banded execution (src/inference/banded-memory.ts) against the ciphertext
// batches the banded executor really allocates: the 5-bit banded fixture run in bands of 7 and 3
// (in memory and spilled, caller's inputs held or released), every batch tracked from creation to
// dispose (test/batch-tracking.ts: engine ops, gather, scatter, concat, deserialize of spilled pieces). The model's per-stage peak
// of live ciphertext bytes must equal the tracked one exactly. The PBS is replaced by a
// same-size allocation (addClear of 0): only sizes matter here, and the real PBS runs in
// inference-banded.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '@fhenet/circuit';
import { chooseServiceExecution, createInferenceService } from '@fhenet/server';
import { executePlan, InferenceServer, planCircuit } from '@fhenet/executor';
import { InferenceClient, predict } from '@fhenet/client';
import { LweCiphertextBatch, seededKeyBytes } from '@fhenet/engine';
import { chooseBands, type ChosenBands } from '../src/choose-bands.js';
import { modelExecutionMemory } from '../src/memory.js';
import { bandedCircuit, bandedInputs, trackBatches } from '@fhenet/testing';

describe('memory model of a banded execution', () => {
  it('equals the ciphertext batches the banded executor allocates, stage by stage', async () => {
    const circuit = bandedCircuit();
    const count = 2;
    const client = InferenceClient.generate(circuit);
    const { keys } = await client.generateBothEvaluationKeys();
    const server = new InferenceServer(circuit, keys);
    const live = new Set<LweCiphertextBatch>();
    const bytesOf = (b: LweCiphertextBatch) => b.count * (b.dimension + 1) * 8;
    const liveBytes = () => [...live].reduce((s, b) => s + bytesOf(b), 0);
    let stage = -1;
    const peaks: number[] = [];
    const track = (_op: string, b: LweCiphertextBatch) => {
      live.add(b);
      const dispose = b.dispose.bind(b);
      b.dispose = () => {
        live.delete(b);
        dispose();
      };
      const s = Math.max(0, stage);
      peaks[s] = Math.max(peaks[s] ?? 0, liveBytes());
      return b;
    };
    // A PBS allocates one ciphertext per input: the same bytes as adding 0.
    const addClear = server.engine.addClear.bind(server.engine);
    const restore = trackBatches(server.engine, track, (input) => addClear(input, [0]));
    const dir = mkdtempSync(join(tmpdir(), 'fhenet-banded-memory-'));
    const ct = (circuit.parameters!.set.glweDimension * circuit.parameters!.set.polynomialSize + 1) * 8;
    try {
      const seen: Record<string, number[]> = {};
      for (const [outputs, spill, releaseInputs] of [
        [7, true, false],
        [7, false, true],
        [3, true, true],
        [3, false, false],
      ] as const) {
        const label = `bands of ${outputs}${spill ? ', spilled' : ''}${releaseInputs ? ', inputs released' : ''}`;
        const m = modelExecutionMemory(server.plan, { count, threads: 2, releaseInputs, bands: { outputs, spill } });
        live.clear();
        peaks.length = 0;
        stage = -1;
        const inputs = track('inputs', client.encryptQuantized(bandedInputs(count)));
        const r = await executePlan(
          server.engine,
          server.plan,
          inputs,
          (e) => {
            if (e.phase === 'linear' && e.band === undefined) stage = e.stage;
          },
          { releaseInputs, bands: { outputs, ...(spill ? { spillDir: dir } : {}) } },
        );
        expect(
          m.stages.map((s) => s.ciphertextPeakBytes),
          label,
        ).toEqual(peaks);
        expect(
          m.stages.map((s) => s.bands),
          label,
        ).toEqual(r.stages.map((s) => s.bands));
        expect(m.bands, label).toMatchObject({ outputs, spill, spillWrittenBytes: r.stages.reduce((t, s) => t + (s.spilledBytes ?? 0), 0) });
        // Afterwards only the result (and the caller's inputs unless released) are alive.
        expect(liveBytes(), label).toBe((releaseInputs ? 0 : bytesOf(inputs)) + bytesOf(r.outputs));
        seen[label] = peaks.slice();
        inputs.dispose();
        r.outputs.dispose();
      }
      // Spilling keeps the conv's 64 outputs out of memory while the pool runs; in memory they are
      // there (freed as the pool's bands pass them).
      expect(seen['bands of 3, spilled, inputs released']![1]!).toBeLessThan(seen['bands of 7, inputs released']![1]!);
      // The banded conv holds far less than the whole stage's 3 x 64 accumulators (its steps on all
      // outputs; the step on 32 picked outputs needs 64 + 3 x 32 at most).
      const whole = modelExecutionMemory(server.plan, { count, threads: 2, releaseInputs: true });
      expect(whole.stages[0]!.ciphertextPeakBytes).toBe(3 * 64 * ct);
      expect(seen['bands of 3, spilled, inputs released']![0]!).toBeLessThan(whole.stages[0]!.ciphertextPeakBytes / 2);
    } finally {
      restore();
      rmSync(dir, { recursive: true, force: true });
      server.dispose();
    }
  }, 900_000);

  it('refuses a bad band size', () => {
    expect(() => modelExecutionMemory(planCircuit(bandedCircuit()), { bands: { outputs: 0 } })).toThrow(/bands\.outputs must be an integer >= 1, got 0/);
  });

  it("predict's choice: whole stages when they fit, else the largest band that fits, in memory then spilled, else a refusal", () => {
    const plan = planCircuit(bandedCircuit());
    // 3000 samples: the conv's whole-stage extraction (3 x 96,000 accumulators + 48,000 picked) dominates the keys.
    const model = (b?: ChosenBands) =>
      modelExecutionMemory(plan, {
        count: 3000,
        threads: 2,
        releaseInputs: true,
        seededCopies: 1,
        ...(b ? { bands: { outputs: b.outputs, spill: !!b.spillDir } } : {}),
      });
    const need = (m: ReturnType<typeof model>) => Math.max(m.peakBytes, m.keySetupPeakBytes);
    const whole = model();
    const args = (limitBytes: number) => ({ plan, model, budget: { limitBytes, inUseBytes: 0 }, spillDir: tmpdir(), spillDirGiven: false });
    expect(chooseBands(args(need(whole))).bands).toBeUndefined();
    // Just under the whole-stage peak: in-memory bands, the largest that fits (one more does not).
    const inMemory = chooseBands(args(need(whole) - 1));
    const b = inMemory.bands!;
    expect(b.spillDir).toBeUndefined();
    expect(need(inMemory.model)).toBeLessThanOrEqual(need(whole) - 1);
    expect(need(model({ outputs: b.outputs + 1, forced: false }))).toBeGreaterThan(need(whole) - 1);
    expect(inMemory.message).toMatch(
      new RegExp(`whole stages need .* bands of ${b.outputs} output ciphertexts \\(the largest that fits; stage outputs in memory\\)`),
    );
    // Below what bands of 1 in memory need: spilled bands.
    const one = need(model({ outputs: 1, forced: false }));
    const spilled = chooseBands(args(one - 1));
    expect(spilled.bands!.spillDir).toBe(tmpdir());
    expect(need(spilled.model)).toBeLessThan(one);
    expect(spilled.message).toMatch(/stage outputs spilled to .* written per batch/);
    // Below bands of 1 spilled (but above the key setup): refused, naming the stage and the banded need.
    const spilledOne = model({ outputs: 1, spillDir: tmpdir(), forced: false });
    expect(spilledOne.keySetupPeakBytes).toBeLessThan(spilledOne.peakBytes);
    expect(() => chooseBands(args(spilledOne.peakBytes - 1))).toThrow(
      /memory budget: stage 1\/3 "conv" .*Banded execution does not fit either: even bands of 1 output with the stages' outputs spilled to disk need/,
    );
    // Forced: that band size, even when whole stages fit; a bad size names the field.
    const forced = chooseBands({ ...args(need(whole)), bandOutputs: 5 });
    expect(forced.bands).toEqual({ outputs: 5, forced: true });
    expect(() => chooseBands({ ...args(need(whole)), bandOutputs: 0 })).toThrow(/bands\.outputs: expected an integer >= 1/);
  });

  it('predict runs forced bands exactly and refuses up front when even banding cannot fit', async () => {
    const circuit = bandedCircuit();
    const lines: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'fhenet-predict-banded-'));
    try {
      const r = await predict({ circuit, images: bandedInputs(1), count: 1, bandOutputs: 5, spillDir: dir, log: (l) => lines.push(l) });
      expect(r.exact).toBe(true);
      expect(r.memory!.bands).toEqual({ outputs: 5, spillDir: dir, forced: true });
      expect(lines.some((l) => /bands: padded stages run in bands of 5 output ciphertexts \(asked for; stage outputs spilled to /.test(l))).toBe(true);
      expect(lines.some((l) => /conv: \d+ PBS in .* \(7 bands, .* spilled/.test(l))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A budget below the key setup: refused before any key (bands change the execution, not the keys).
    await expect(predict({ circuit, images: bandedInputs(1), count: 1, maxMemoryBytes: 2 ** 20 })).rejects.toThrow(/memory budget: key setup/);
  }, 900_000);

  it("the HTTP service's choice: whole stages when a registration and one full request fit, else bands; forced bands; nothing fits: whole (503 at registration)", () => {
    const plan = planCircuit(bandedCircuit());
    const maxSamples = 3000;
    const model = (b?: ChosenBands) =>
      modelExecutionMemory(plan, { count: maxSamples, threads: 2, ...(b ? { bands: { outputs: b.outputs, spill: !!b.spillDir } } : {}) });
    const seeded = seededKeyBytes(plan.params);
    const inUseBytes = 50 * 2 ** 20;
    const need = (m: ReturnType<typeof model>) => inUseBytes + seeded + Math.max(m.peakBytes, m.keySetupPeakBytes);
    const at = (limitBytes: number, more: { bandOutputs?: number; spillDir?: string } = {}) =>
      chooseServiceExecution(plan, { maxSamples, limitBytes, inUseBytes, ...more });
    const whole = model();
    expect(at(need(whole)).bands).toBeUndefined();
    const banded = at(need(whole) - 1);
    expect(banded.bands!.spillDir).toBeUndefined(); // in memory
    expect(need(banded.model)).toBeLessThanOrEqual(need(whole) - 1);
    expect(banded.message).toMatch(/bands of \d+ output ciphertexts \(the largest that fits; stage outputs in memory\)/);
    expect(at(need(whole), { bandOutputs: 5 }).bands).toEqual({ outputs: 5, forced: true });
    expect(() => at(need(whole), { bandOutputs: 0 })).toThrow(/bands\.outputs: expected an integer >= 1/);
    expect(() => at(need(whole), { bandOutputs: 5, spillDir: '/no/such/folder' })).toThrow(
      /spill folder \/no\/such\/folder: .*expected an existing writable folder/,
    );
    // Not even spilled bands of 1 fit: whole stages, the registration budget then refuses keys.
    const none = at(inUseBytes + 2 ** 20);
    expect(none.bands).toBeUndefined();
    expect(none.model.peakBytes).toBe(whole.peakBytes);
  });

  it('the HTTP service runs forced bands, spilled: decrypted outputs equal simulate(), /v1/health says how', async () => {
    const circuit = bandedCircuit();
    const dir = mkdtempSync(join(tmpdir(), 'fhenet-service-banded-'));
    const app = createInferenceService(circuit, { bandOutputs: 5, spillDir: dir, maxSamplesPerRequest: 2 });
    try {
      const health = (await app.inject({ method: 'GET', url: '/v1/health' })).json();
      expect(health.execution).toEqual({ bandOutputs: 5, spilled: true });
      const client = InferenceClient.generate(circuit);
      const keys = (await client.generateSeededEvaluationKeys()).serialize();
      const octet = { 'content-type': 'application/octet-stream' };
      const reg = await app.inject({ method: 'POST', url: '/v1/keys', headers: octet, payload: keys });
      expect(reg.statusCode).toBe(201);
      const count = 2;
      const q = bandedInputs(count);
      const inputs = client.encryptQuantized(q);
      const { keyId, token } = reg.json() as { keyId: string; token: string };
      const r = await app.inject({
        method: 'POST',
        url: `/v1/keys/${keyId}/infer`,
        headers: { ...octet, authorization: `Bearer ${token}` },
        payload: inputs.serialize(),
      });
      inputs.dispose();
      expect(r.statusCode).toBe(200);
      // The stages ran in bands (the conv's 2 x 32 outputs in bands of 5: 13), spilled.
      const timings = JSON.parse(String(r.headers['x-fhenet-stage-timings'])) as { bands?: number; spilledBytes?: number }[];
      expect(timings[0]!.bands).toBe(13);
      expect(timings[0]!.spilledBytes).toBeGreaterThan(0);
      const outputs = LweCiphertextBatch.deserialize(r.rawPayload, client.params);
      expect(Array.from(client.decode(outputs).values)).toEqual(Array.from(simulate(circuit, q, count).outputs));
      outputs.dispose();
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const whole = createInferenceService(circuit, { maxSamplesPerRequest: 2 });
    expect((await whole.inject({ method: 'GET', url: '/v1/health' })).json().execution).toEqual({ bandOutputs: null, spilled: false });
    await whole.close();
  }, 900_000);
});
