// The sweep on a tiny grid (1 epoch on 300 images): result files and their shape, resumability
// (a finished point is reused, not retrained), settings mismatches refused, figures written.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, readPoint, readSweep, runSweep, type SweepGrid, type SweepSettings } from '@fhenet/experiments';

const out = mkdtempSync(join(tmpdir(), 'fhenet-sweep-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const grid: SweepGrid = { model: 'fcnn', dataset: 'mnist', active: [20, 'all'], ranges: ['narrow', 'wide'], bits: [{ weightBits: 2, actBits: 2 }] };
const settings: SweepSettings = {
  epochs: 1,
  batchSize: 64,
  learningRate: 0.005,
  seed: 1,
  trainLimit: 300,
  calibrationCount: 200,
  testLimit: 200,
  pError: 1e-6,
};

describe('runSweep on a tiny grid', () => {
  it('computes every point, writes points, sweep.json, sweep.csv and the figures; a second run reuses them all', async () => {
    const first = await runSweep({ grid, settings, out, latency: null, command: 'test', png: true });
    expect(first.computed).toEqual(['mnist-fcnn-narrow-w2a2-20', 'mnist-fcnn-wide-w2a2-20', 'mnist-fcnn-narrow-w2a2-all', 'mnist-fcnn-wide-w2a2-all']);
    expect(first.reused).toEqual([]);

    const json = readSweep(join(out, 'sweep.json'));
    expect(json.points.map((p) => p.point.key)).toEqual(first.computed);
    for (const p of json.points) {
      expect(p.circuitBits).toBeGreaterThanOrEqual(2);
      expect(p.worstCaseBits).toBeGreaterThanOrEqual(p.circuitBits); // calibration ranges sit inside the worst case
      expect(p.layers.map((l) => l.name)).toEqual(['dense1', 'dense2', 'classifier']);
      expect(p.pbsCount).toBe(384); // 192 + 192 lookups; the classifier is decoded in the clear
      expect(p.simulatedImages).toBe(200);
      expect(p.predictedLatency).toBeNull();
      expect(p.latencyNote).toMatch(/no measured inference/);
    }
    // Pruning bounds the accumulator: 20 active synapses need fewer bits than none pruned.
    const bits = (k: string) => json.points.find((p) => p.point.key === k)!.worstCaseBits;
    expect(bits('mnist-fcnn-narrow-w2a2-20')).toBeLessThan(bits('mnist-fcnn-narrow-w2a2-all'));
    expect(json.points.find((p) => p.point.key === 'mnist-fcnn-wide-w2a2-20')!.maxActiveSynapses).toBeLessThanOrEqual(20);

    const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(5);
    for (const row of csv.slice(1)) expect(row.split(',')).toHaveLength(CSV_COLUMNS.length);

    for (const f of ['accumulator-bits-vs-active.svg', 'accumulator-bits-vs-active.png', 'accuracy-vs-circuit-bits.svg', 'accuracy-vs-circuit-bits.png']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'accumulator-bits-vs-active.png')).subarray(1, 4).toString()).toBe('PNG');

    const pointFile = join(out, 'points', 'mnist-fcnn-narrow-w2a2-20.json');
    const before = statSync(pointFile).mtimeMs;
    const second = await runSweep({ grid, settings, out, latency: null, command: 'test', png: false });
    expect(second.computed).toEqual([]);
    expect(second.reused).toEqual(first.computed);
    expect(statSync(pointFile).mtimeMs).toBe(before);
    expect(readPoint(pointFile).point.key).toBe('mnist-fcnn-narrow-w2a2-20');
  }, 300_000);

  it('refuses to mix in a point computed with other settings, naming the file', async () => {
    await expect(runSweep({ grid, settings: { ...settings, epochs: 2 }, out, latency: null, command: 'test', png: false })).rejects.toThrow(
      /mnist-fcnn-narrow-w2a2-20\.json: computed with other settings/,
    );
  });
});
