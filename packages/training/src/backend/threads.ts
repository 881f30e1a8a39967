// wasm threads in Node: how many (chosen from the work, the machine and FHENET_WASM_THREADS) and
// the workarounds that make tfjs-backend-wasm's threaded build start at all under Node
// (docs/training.md "Threads"): tfjs hard-codes "no threads" in Node, hands Emscripten a blob:
// worker URL that Node's Worker rejects, caps threads at half the logical cores, and leaves a
// ref'd worker that keeps the process alive at exit.

import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';

/** Environment variable that sets the wasm thread count (overrides 'auto', not an explicit count). */
export const THREADS_ENV = 'FHENET_WASM_THREADS';

/**
 * Forward multiply-accumulates per sample from which 2 threads pay. Only XNNPACK convolutions and
 * matmuls run threaded (reference §4: VGG-9 1.66x, the 6-layer CNN 1.06-1.3x, LeNet 0.95x, an MLP
 * 0.65-0.75x), so 'auto' keeps small models on one thread. VGG-9 at width 0.25 is ~10 M.
 */
export const AUTO_THREADS_MACS = 5e6;

export interface ThreadChoice {
  readonly threads: number;
  readonly reason: string;
}

/** The thread count for `threads` (a count or 'auto') and a one-line reason. */
export function chooseThreads(threads: number | 'auto' | undefined, workMacs: number | undefined): ThreadChoice {
  const check = (n: number, where: string) => {
    if (!Number.isInteger(n) || n < 1 || n > 8) throw new RangeError(`${where}: expected an integer 1..8 or "auto", got ${n}`);
    return n;
  };
  if (typeof threads === 'number') return { threads: check(threads, 'threads'), reason: 'requested' };
  const env = process.env[THREADS_ENV];
  if (env !== undefined && env !== '' && env !== 'auto') return { threads: check(Number(env), THREADS_ENV), reason: `${THREADS_ENV}=${env}` };
  const cores = os.availableParallelism();
  if (cores < 2) return { threads: 1, reason: 'auto: one core' };
  if (!((workMacs ?? 0) >= AUTO_THREADS_MACS)) {
    return {
      threads: 1,
      reason: `auto: ${workMacs === undefined ? 'unknown' : `${(workMacs / 1e6).toFixed(1)} M`} MACs/sample is below ${AUTO_THREADS_MACS / 1e6} M`,
    };
  }
  const load = os.loadavg()[0] ?? 0;
  // Threads and a concurrent heavy job do not mix (2 threads measured slower under contention).
  if (load > cores - 1) return { threads: 1, reason: `auto: machine busy (load ${load.toFixed(1)} on ${cores} cores)` };
  return { threads: 2, reason: `auto: ${(workMacs! / 1e6).toFixed(0)} M MACs/sample, load ${load.toFixed(1)}` };
}

const require = createRequire(import.meta.url);

/**
 * Writes the pthread worker script Node can load, into a fresh private (0700) temporary folder of
 * this process, removed at exit: a fixed path in a shared /tmp could be swapped for another script
 * by another user between writing and loading. Returns its path.
 */
function workerScript(): string {
  const mainScript = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as { wasmWorkerContents: string };
  // Inside the worker, the main-script Blob that the backend posts must become a file path.
  const prelude = `const __fhenetMainScript = ${JSON.stringify(mainScript)};\nURL.createObjectURL = () => __fhenetMainScript;\nURL.revokeObjectURL = () => {};\n`;
  // Real newlines in the contents sit inside string literals; tfjs escapes them the same way.
  const text = prelude + wasmWorkerContents.replace(/\n/g, '\\n');
  const dir = mkdtempSync(join(os.tmpdir(), 'fhenet-wasm-threads-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  // .cjs: a .js worker inside a "type": "module" package would be parsed as ESM and fail.
  const path = join(dir, 'pthread-worker.cjs');
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/**
 * Initialises the threaded wasm backend with `threads` threads. Returns false if it did not
 * come up (the caller then falls back to one thread).
 */
export async function setThreadedWasmBackend(threads: number): Promise<boolean> {
  const worker = workerScript();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  // Emscripten caps threads at logicalCores / 2; make the cores it counts 2 * threads.
  os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0]!);
  URL.createObjectURL = (obj: Blob) => (obj instanceof Blob && obj.type === 'application/javascript' ? worker : createObjectURL(obj));
  let ok = false;
  try {
    ok = (await tf.setBackend('wasm')) && tf.getBackend() === 'wasm';
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
  if (!ok) return false;
  const wasm = (tf.backend() as unknown as { wasm: { PThread?: { runningWorkers: { unref(): void }[] } } }).wasm;
  // The worker that runs the thread pool is ref'd and would keep the process alive at exit.
  for (const w of wasm.PThread?.runningWorkers ?? []) w.unref();
  return true;
}

/** Threads the wasm backend actually runs with (tfjs-backend-wasm's count). */
export { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
