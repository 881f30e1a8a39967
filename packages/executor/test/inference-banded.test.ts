// The banded executor (src/inference/banded.ts, docs/streaming-plan.md option 3) against the
// whole-stage one: the same encrypted inputs through executePlan whole and in bands of 1 output
// (in memory) and 7 (cuts rows, channels and the sample boundary; spilled). Every output ciphertext must be the same bytes (PBS is deterministic
// given its input and the keys) and decrypt to the simulator's integers; spill files exist while
// the next stage reads them and are gone afterwards, also when the run fails.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '@fhenet/circuit';
import { executePlan, InferenceServer, planCircuit, repeatCsr, type StageProgress } from '@fhenet/executor';
import { InferenceClient } from '@fhenet/client';
import { assertBandOptions, bandCsr, stageBands } from '../src/bands.js';
import { ciphertextBatchBytes } from '@fhenet/engine';
import { bandedCircuit, bandedInputs } from '@fhenet/testing';

describe('banded execution', () => {
  it('band layout: contiguous output ranges, the input range each reads, its CSR rows', () => {
    const plan = planCircuit(bandedCircuit());
    const conv = plan.stages[0]!;
    const all = repeatCsr(conv.weights, 2);
    for (const size of [1, 3, 7, 8, 1000]) {
      const bands = stageBands(conv, 2, size);
      // Contiguous, in order, covering the 2 x 32 outputs, at most `size` each.
      expect(bands.map((b) => b.start)).toEqual(Array.from({ length: Math.ceil(64 / size) }, (_, i) => i * size));
      expect(bands.map((b) => b.end)).toEqual(bands.map((b) => Math.min(64, b.start + size)));
      for (const b of bands) {
        // The input range is exactly the columns the block-diagonal matrix's rows read.
        const cols = Array.from(all.indices.subarray(all.indptr[b.start]!, all.indptr[b.end]!));
        expect([b.lo, b.hi], `bands of ${size} at ${b.start}`).toEqual([Math.min(...cols), Math.max(...cols) + 1]);
        // Its CSR: those rows, columns relative to lo.
        const csr = bandCsr(conv, b, b.lo, b.hi - b.lo);
        expect(csr.rows).toBe(b.end - b.start);
        expect(Array.from(csr.indptr)).toEqual(Array.from(all.indptr.subarray(b.start, b.end + 1), (x) => x - all.indptr[b.start]!));
        expect(Array.from(csr.indices)).toEqual(cols.map((c) => c - b.lo));
        expect(Array.from(csr.values)).toEqual(Array.from(all.values.subarray(all.indptr[b.start]!, all.indptr[b.end]!)));
      }
    }
    // One output row per band (4 pixels x 2 channels) reads at most 3 input rows of 4; the band
    // across the samples (bands of 7: outputs 28..34) reads sample 0's last rows and sample 1's first.
    expect(stageBands(conv, 2, 8).every((b) => b.hi - b.lo <= 12)).toBe(true);
    const across = stageBands(conv, 2, 7)[4]!;
    expect(across.start).toBe(28);
    expect(across.lo).toBeLessThan(16);
    expect(across.hi).toBeGreaterThan(16);
    expect(() => assertBandOptions({ outputs: 2.5 })).toThrow(/bands\.outputs: expected an integer >= 1 .* got 2\.5/);
  });

  it('makes the same ciphertexts as the whole-stage executor, in memory and spilled', async () => {
    const circuit = bandedCircuit();
    const count = 2;
    const q = bandedInputs(count);
    const sim = simulate(circuit, q, count).outputs;
    const client = InferenceClient.generate(circuit);
    const { keys } = await client.generateBothEvaluationKeys();
    const server = new InferenceServer(circuit, keys);
    const plan = server.plan;
    // The picked (channel 0 only) and all-outputs extraction paths are both exercised.
    expect(plan.stages[0]!.extractions.map((e) => `${e.bit}:${e.outputs ? e.outputs.length : 'all'}`)).toEqual(['1:16', '2:all']);
    const inputs = client.encryptQuantized(q);
    const whole = await executePlan(server.engine, plan, inputs);
    const reference = whole.outputs.serialize();
    expect(Array.from(client.decode(whole.outputs).values)).toEqual(Array.from(sim));
    whole.outputs.dispose();

    const dir = mkdtempSync(join(tmpdir(), 'fhenet-banded-test-'));
    try {
      for (const [outputs, spill] of [
        [1, false],
        [7, true],
      ] as const) {
        const events: StageProgress[] = [];
        const files: { stage: number; names: string[]; bytes: number }[] = [];
        const r = await executePlan(
          server.engine,
          plan,
          inputs,
          (e) => {
            events.push(e);
            // When the pool starts, the conv's output is on disk (spilled runs), the pool's file just created.
            if (spill && e.phase === 'linear' && e.stage === 1) {
              const [folder] = readdirSync(dir);
              const names = readdirSync(join(dir, folder!));
              files.push({ stage: e.stage, names, bytes: names.reduce((s, n) => s + statSync(join(dir, folder!, n)).size, 0) });
            }
          },
          { bands: { outputs, ...(spill ? { spillDir: dir } : {}) } },
        );
        const label = `bands of ${outputs}${spill ? ', spilled' : ''}`;
        expect(r.outputs.serialize().equals(reference), label).toBe(true);
        expect(Array.from(client.decode(r.outputs).values), label).toEqual(Array.from(sim));
        // Bands per stage: ceil(outputs of the batch / band size).
        expect(
          r.stages.map((s) => s.bands),
          label,
        ).toEqual(plan.stages.map((s) => Math.ceil((s.outputSize * count) / outputs)));
        expect(
          r.stages.map((s) => s.pbsCount),
          label,
        ).toEqual(whole.stages.map((s) => s.pbsCount));
        // Every band reported its lookup over its own outputs.
        const lookups = events.filter((e) => e.phase === 'pbs' && e.done !== undefined && e.done === e.total && e.stage === 0);
        expect(
          lookups.reduce((s, e) => s + e.total!, 0),
          label,
        ).toBe(32 * count);
        if (spill) {
          const convBands = stageBands(plan.stages[0]!, count, outputs);
          const written = convBands.reduce((s, b) => s + ciphertextBatchBytes(plan.params, b.end - b.start), 0);
          expect(files, label).toEqual([{ stage: 1, names: ['stage-0-conv.bin', 'stage-1-pool.bin'], bytes: written }]);
          expect(r.stages[0]!.spilledBytes, label).toBe(written);
          expect(r.stages[2]!.spilledBytes, label).toBeUndefined(); // the result stays in memory
        }
        expect(readdirSync(dir), label).toEqual([]);
        r.outputs.dispose();
      }
      expect(inputs.disposed).toBe(false);

      // A failure mid-stage (the conv's second band's lookup) removes the spill folder being written.
      const engine = server.engine as unknown as { pbsAsync: (...a: unknown[]) => Promise<unknown> };
      const pbs = engine.pbsAsync.bind(engine);
      let calls = 0;
      engine.pbsAsync = async (...a: unknown[]) => {
        if ((a[2] as unknown[]).length === 2 && ++calls === 2) throw new Error('injected failure');
        return pbs(...a);
      };
      let seenFolder = false;
      await expect(
        executePlan(
          server.engine,
          plan,
          inputs,
          (e) => {
            if (e.band === 1) seenFolder ||= readdirSync(dir).length === 1;
          },
          { bands: { outputs: 4, spillDir: dir } },
        ),
      ).rejects.toThrow(/injected failure/);
      engine.pbsAsync = pbs;
      expect(seenFolder).toBe(true);
      expect(readdirSync(dir)).toEqual([]);

      // Bad options name the field.
      await expect(executePlan(server.engine, plan, inputs, undefined, { bands: { outputs: 0 } })).rejects.toThrow(
        /bands\.outputs: expected an integer >= 1 .* got 0/,
      );
      await expect(executePlan(server.engine, plan, inputs, undefined, { bands: { outputs: 8, spillDir: join(dir, 'missing') } })).rejects.toThrow(
        /bands\.spillDir: cannot create a spill folder in .*missing .*ENOENT.*expected an existing writable folder/,
      );
      expect(existsSync(join(dir, 'missing'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      inputs.dispose();
      server.dispose();
    }
  }, 1_500_000);
});
