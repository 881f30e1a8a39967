// Thread-count choice, and the threaded wasm backend starting under Node (in a child process:
// the backend is chosen once per process) with the fused kernels on its shared memory, and the
// process exiting by itself afterwards.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import os from 'node:os';
import { AUTO_THREADS_MACS, chooseThreads, THREADS_ENV } from '@fhenet/training';

describe('wasm threads', () => {
  it('takes a requested count, then the environment variable, then the auto rule', () => {
    const saved = process.env[THREADS_ENV];
    try {
      delete process.env[THREADS_ENV];
      expect(chooseThreads(3, 1)).toEqual({ threads: 3, reason: 'requested' });
      expect(() => chooseThreads(0, 1)).toThrow(/threads: expected an integer 1\.\.8/);
      expect(chooseThreads('auto', 1e6).threads).toBe(1); // CNN6-size work stays on one thread
      expect(chooseThreads(undefined, 1e6).reason).toMatch(/below/);
      const big = chooseThreads('auto', 155e6); // full-width VGG-9
      const free = os.availableParallelism() >= 2 && (os.loadavg()[0] ?? 0) <= os.availableParallelism() - 1;
      expect(big.threads).toBe(free ? 2 : 1);
      process.env[THREADS_ENV] = '2';
      expect(chooseThreads('auto', 1)).toEqual({ threads: 2, reason: `${THREADS_ENV}=2` });
      expect(chooseThreads(1, AUTO_THREADS_MACS)).toEqual({ threads: 1, reason: 'requested' });
      process.env[THREADS_ENV] = 'two';
      expect(() => chooseThreads(undefined, 1)).toThrow(new RegExp(`${THREADS_ENV}: expected an integer`));
    } finally {
      if (saved === undefined) delete process.env[THREADS_ENV];
      else process.env[THREADS_ENV] = saved;
    }
  });

  it('starts the threaded backend in Node and exits cleanly', async () => {
    const script = `
      import * as tf from '@tensorflow/tfjs';
      import { initBackend, fusedKernels, BatchNorm } from '@fhenet/training';
      const info = await initBackend({ threads: 2 });
      const x = tf.randomNormal([16, 5, 5, 6], 3, 2, 'float32', 1);
      const bn = new BatchNorm({});
      const y = bn.apply(x, { training: true });
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      console.log(JSON.stringify({ info, fused: fusedKernels(), shared: tf.backend().wasm.wasmMemory?.buffer instanceof SharedArrayBuffer,
        mean: Math.max(...Array.from(mean.dataSync(), Math.abs)), variance: Math.min(...variance.dataSync()) }));`;
    // Not execFileSync: a worker blocked for a minute misses vitest's RPC replies (60 s timeout).
    const { stdout: out } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
      timeout: 60_000,
      encoding: 'utf8',
    });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.info).toEqual({ backend: 'wasm', threads: 2, threadsReason: 'requested' });
    expect(r.fused).toBe(true);
    expect(r.shared).toBe(true);
    expect(r.mean).toBeLessThan(1e-5); // normalised by the fused kernel on the shared heap
    expect(r.variance).toBeGreaterThan(0.99);
  }, 90_000);
});
