// `fhenet train` progress output: in-epoch samples/s and ETA lines, and per-epoch speed and ETA.
import { describe, expect, it, vi } from 'vitest';
import { buildCli } from '../src/cli.js';
import { formatDuration } from '../src/commands/train.js';

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
  }, 60_000);
});
