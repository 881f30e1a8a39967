// A sweep of 4 grid points (tiny FCNN trainings) run by 2 `fhenet worker` processes through Redis
// against the same sweep run locally: the same point results (all but timings and dates), the
// same trained graphs, the same aggregate CSV; a second fleet sweep reuses every point.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSweep, runSweep, type PointResult, type SweepGrid, type SweepSettings } from '@fhenet/experiments';
import { Fleet, fleetPointRunner } from '@fhenet/fleet';
import { startRedis, startWorker, type TestRedis, type TestWorker } from './processes.js';

const grid: SweepGrid = { model: 'fcnn', dataset: 'mnist', active: [20, 'all'], ranges: ['narrow', 'wide'], bits: [{ weightBits: 2, actBits: 2 }] };
const settings: SweepSettings = {
  epochs: 1,
  batchSize: 64,
  learningRate: 0.005,
  seed: 1,
  trainLimit: 200,
  calibrationCount: 100,
  testLimit: 100,
  pError: 1e-6,
};

let redis: TestRedis;
let workers: TestWorker[] = [];
let fleet: Fleet;
const dirs: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  workers = await Promise.all(['s1', 's2'].map((n) => startWorker(redis.url, n)));
  fleet = await Fleet.connect({ url: redis.url });
});

afterAll(async () => {
  await fleet?.close();
  await Promise.all(workers.map((w) => w.stop()));
  await redis?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A point's result without what depends on when and where it ran. */
const essence = (p: PointResult) => {
  const { trainSeconds: _t, date: _d, loadAverage: _l, ...rest } = p;
  return rest;
};

describe('fhenet sweep --redis', () => {
  it('4 grid points over 2 workers: the same results as the local sweep; resumable', async () => {
    const local = mkdtempSync(join(tmpdir(), 'fhenet-sweep-local-'));
    const remote = mkdtempSync(join(tmpdir(), 'fhenet-sweep-fleet-'));
    dirs.push(local, remote);
    const localRun = await runSweep({ grid, settings, out: local, latency: null, command: 'test', png: false });
    const runner = fleetPointRunner(fleet, settings, null);
    try {
      const fleetRun = await runSweep({ grid, settings, out: remote, latency: null, command: 'test', png: false, runPoint: runner.run });
      expect([...fleetRun.computed].sort()).toEqual([...localRun.computed].sort());
      const a = readSweep(join(local, 'sweep.json')).points;
      const b = readSweep(join(remote, 'sweep.json')).points;
      expect(b.map((p) => p.point.key)).toEqual(a.map((p) => p.point.key)); // grid order, whatever order they finished in
      expect(b.map(essence)).toEqual(a.map(essence));
      // The CSV too, but for its last two columns (train_seconds, load_1min).
      const csv = (dir: string) =>
        readFileSync(join(dir, 'sweep.csv'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(',').slice(0, -2).join(','));
      expect(csv(remote)).toEqual(csv(local));
      expect(csv(remote)).toHaveLength(5);
      for (const p of a) {
        const files = readdirSync(join(local, 'graphs', p.point.key)).sort();
        expect(readdirSync(join(remote, 'graphs', p.point.key)).sort()).toEqual(files);
        expect(
          readFileSync(join(remote, 'graphs', p.point.key, 'graph.bin')).equals(readFileSync(join(local, 'graphs', p.point.key, 'graph.bin'))),
          p.point.key,
        ).toBe(true);
      }
      // Both workers trained.
      const logs = workers.map((w) => w.log());
      for (const l of logs) expect(l).toMatch(/sweep point mnist-fcnn-/);
      // Resumable: every point file is there, nothing is queued again.
      const again = await runSweep({ grid, settings, out: remote, latency: null, command: 'test', png: false, runPoint: runner.run });
      expect(again.computed).toEqual([]);
      expect(again.reused).toHaveLength(4);
    } finally {
      await runner.close();
    }
  }, 900_000);
});
