// `fhenet train` progress output: in-epoch samples/s and ETA lines, and per-epoch speed and ETA;
// the accumulator-aware options.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadTrainedGraph } from '@fhenet/training/format';
import { buildCli } from '../src/cli.js';
import { formatDuration, parseLayerBits } from '../src/commands/train.js';
import { fhenet } from './run-cli.js';

describe('fhenet train', () => {
  it('formats durations', () => {
    expect([5, 65, 3725, -1].map(formatDuration)).toEqual(['5s', '1m 05s', '1h 02m', '?']);
  });

  it('prints samples/s and an ETA during and after each epoch', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      await buildCli(['train', '--model', 'fcnn', '--train-limit', '512', '--epochs', '2', '--batch-size', '64', '--progress-seconds', '0', '--threads', '1'])
        .exitProcess(false)
        .parseAsync();
    } finally {
      spy.mockRestore();
    }
    expect(lines[0]).toMatch(/^backend: wasm \(1 thread; requested\)/);
    const progress = lines.filter((l) => l.startsWith('  epoch '));
    expect(progress.length).toBeGreaterThanOrEqual(2 * 6); // every step but an epoch's last, 8 steps per epoch
    expect(progress[0]).toMatch(/^ {2}epoch 1\/2 {2}step 1\/8 {2}\d+ samples\/s {2}epoch ETA \d+s {2}run ETA \d+s$/);
    const epochs = lines.filter((l) => /^epoch \d/.test(l));
    expect(epochs).toHaveLength(2);
    expect(epochs[0]).toMatch(/ \d+ samples\/s {2}ETA (\d+m )?\d+s {2}active /);
    expect(epochs[1]).toMatch(/ETA done/);
    // The default re-estimation: 100 batches asked, the 8 of one pass over 512 images used.
    expect(lines.filter((l) => l.startsWith('statistics re-estimated'))).toEqual([
      expect.stringMatching(/^statistics re-estimated on 8 training batches with the final weights: test \d+\.\d\d% -> \d+\.\d\d%$/),
    ]);
  }, 60_000);

  it('--a2q-bits trains accumulator-aware layers, with per-layer budgets, and records them in the graph', async () => {
    expect(parseLayerBits('classifier=9, conv1=none')).toEqual({ classifier: 9, conv1: null });
    expect(() => parseLayerBits('classifier:9')).toThrow(/--a2q-layer-bits: expected name=bits or name=none, comma-separated .*got "classifier:9"/);
    const out = join(mkdtempSync(join(tmpdir(), 'fhenet-a2q-')), 'm');
    const run = await fhenet(
      ...['train', '--model', 'fcnn', '--train-limit', '512', '--epochs', '1', '--batch-size', '64', '--threads', '1', '--progress-seconds', '600'],
      ...['--a2q-bits', '10', '--a2q-layer-bits', 'classifier=9', '--a2q-ramp', '0.5', '--out', out],
    );
    expect(run.out.join('\n')).toMatch(/mnist-fcnn-wide-all-a2q10: test accuracy/);
    expect(run.out.join('\n')).toMatch(/classifier: .* \(\d per channel; A2Q budget 9\)/);
    const g = loadTrainedGraph(out);
    expect(g.layers.flatMap((l) => (l.type === 'dense' ? [[l.name, l.accumulatorBits]] : []))).toEqual([
      ['dense1', 10],
      ['dense2', 10],
      ['classifier', 9],
    ]);
    expect(g.training.a2q).toEqual({ accumulatorBits: 10, layers: { classifier: 9 }, rampFraction: 0.5 });
    expect(g.training.statisticsBatches).toBe(8);
    expect(typeof g.training.testAccuracyBeforeStatistics).toBe('number');
    await expect(fhenet('train', '--model', 'fcnn', '--statistics-batches', '-2')).rejects.toThrow(/--statistics-batches: expected an integer >= 0, got -2/);
  }, 60_000);
});
