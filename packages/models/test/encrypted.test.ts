// Every published model whose compiled circuit is committed (models/<name>/circuit.json) and fits
// the engine (<= 16 bits, with parameters) classifies a real MNIST test image encrypted, bit-exact with the clear
// simulation (an approximately rounded circuit: in the class the exact rounding gives, whenever the
// noise model makes a different class unlikely; the agreement rate itself is checked on many
// lookups by packages/client/test/inference-approximate.test.ts); and every published model
// compiles from its trained graph alone. New circuits are
// picked up as they land (the wide FCNN rows with rounding, the convnets): a committed circuit
// without parameters fails here, so none is published that the engine cannot run. CI cost: one image
// per model: the FCNN rows 2-60 s each, LeNet (6,508 PBS, approximate, pools folded) ~50 s and the
// 6-layer CNN (18,936 PBS) ~2.5 min on 2 idle cores (7.5 ms wall per PBS at N = 1024, measured
// 2026-12-07), a few times that under load.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { pbsCount } from '@fhenet/compiler';
import { isApproximate, loadCircuit, MAX_CIRCUIT_BITS, predictedAgreement, type Circuit } from '@fhenet/circuit';
import { loadDataset } from '@fhenet/datasets';
import { loadModel, PUBLISHED_MODELS } from '@fhenet/models';
import { predict } from '@fhenet/client';

const ENGINE_MAX_BITS = 16; // the engine's limit; 9-bit circuits run with rounded lookups (docs/circuit-format.md)
const IMAGE = 0; // MNIST test image 0 (a 7)
// Time allowed for one encrypted image: generous per PBS (16-20 ms of CPU each, 2 cores; 60 ms leaves
// room for a loaded machine: LeNet's conv1 took 69 ms per PBS wall at load ~13), never under 15 min.
// LeNet's 6,508 PBS and the 6-layer CNN's 18,936 get 15 min and ~19 min: bounds for a hang, not
// the expected time.
const timeoutMs = (c: Circuit): number => Math.max(900_000, pbsCount(c) * 60);

const withCircuit = PUBLISHED_MODELS.map((m) => loadModel(m.name)).filter((m): m is typeof m & { circuit: Circuit } => m.circuit !== undefined);

// The built CLI in its own process, as a user runs it: the full-width VGG-9's compile is ~15 s of
// synchronous work (several times that under CI load), which in the test worker would starve
// vitest's RPC (scripts/vitest-event-loop.ts).
const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'fhenet-worst-case-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('published models: compile from the trained graph alone', () => {
  for (const m of PUBLISHED_MODELS) {
    it(`${m.name} compiles (worst-case sizing, no calibration data needed)`, async () => {
      const out = join(dir, `${m.name}.json`);
      const { stdout } = await run(process.execPath, [CLI, 'compile', m.name, '--sizing', 'worst-case', '--accuracy-count', '0', '--out', out], {
        maxBuffer: 64 * 2 ** 20,
      });
      expect(stdout).toMatch(/calibration: none \(worst-case sizing\)/);
      const circuit = loadCircuit(out); // the format's reader validates every stage and table
      expect(circuit.stages.length).toBeGreaterThan(0);
      expect(pbsCount(circuit)).toBeGreaterThan(0);
      expect(circuit.bits).toBeLessThanOrEqual(MAX_CIRCUIT_BITS);
    }, 300_000);
  }
});

describe('published models: a real test image classified encrypted', () => {
  it('at least the narrow-150 FCNN has a committed circuit', () => {
    expect(withCircuit.map((m) => m.name)).toContain('mnist-fcnn-narrow-150');
  });
  for (const m of withCircuit) {
    it(
      `${m.name}: ${m.circuit.bits}-bit circuit, ${m.circuit.stages.some(isApproximate) ? 'the class of the exact rounding' : 'decrypted == simulated'} on MNIST test image ${IMAGE}`,
      async () => {
        expect(m.circuit.bits, `${m.name}: circuit.json has ${m.circuit.bits} bits; the engine runs <= ${ENGINE_MAX_BITS}`).toBeLessThanOrEqual(
          ENGINE_MAX_BITS,
        );
        expect(m.circuit.parameters, `${m.name}: circuit.json has no TFHE parameters`).toBeDefined();
        const test = loadDataset('mnist', { split: 'test', limit: IMAGE + 1 });
        const size = test.images.length / test.count;
        const r = await predict({
          circuit: m.circuit,
          images: test.images.subarray(IMAGE * size, (IMAGE + 1) * size),
          labels: test.labels.subarray(IMAGE, IMAGE + 1),
          count: 1,
          batchSize: 1,
        });
        expect(r.samples).toHaveLength(1);
        const s = r.samples[0]!;
        const approximate = m.circuit.stages.some(isApproximate);
        if (!approximate) {
          expect(s.exact).toBe(true); // every decrypted integer equals the simulator's
        } else {
          // The simulation is the exact rounding; with its bootstrap noise simulated 64 times, this
          // image keeps that class every time, so a different encrypted class would be a < 1/64 event.
          expect(predictedAgreement(m.circuit, test.images.subarray(IMAGE * size, (IMAGE + 1) * size), 1, 64)).toBe(1);
        }
        expect(s.encrypted).toBe(s.simulated);
        expect(s.encrypted).toBe(test.labels[IMAGE]); // and this image is classified right
        console.log(
          `${m.name}: encrypted class ${s.encrypted} (label ${s.label}), ${(r.batches[0]!.wallMs / 1000).toFixed(1)} s, keygen ${r.keygenSeconds.toFixed(1)} s`,
        );
      },
      timeoutMs(m.circuit),
    );
  }
});
