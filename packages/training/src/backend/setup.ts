// Choosing and initialising the TensorFlow.js backend for training.
// Preference: tfjs-node if the user installed it, else wasm (with our gradient fixes), else cpu
// with a loud warning (15-200x slower; see the reference numbers in docs/training.md).

import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerFusedKernels } from './fused.js';
import { registerGradientFixes } from './kernels.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendOptions {
  /** Force a backend; default: tensorflow if @tensorflow/tfjs-node loads, else wasm. */
  readonly backend?: BackendName;
  /**
   * wasm threads. Only 1 is supported: the wasm package installed here ships no threaded worker
   * script, and on a shared 2-core box 2 threads measured slower anyway (reference §4).
   */
  readonly threads?: number;
  /** Where warnings go (default console.warn). */
  readonly warn?: (message: string) => void;
}

export interface BackendInfo {
  readonly backend: BackendName;
  readonly threads: number;
}

let current: BackendInfo | undefined;
let initPromise: Promise<BackendInfo> | undefined;

async function tryTfjsNode(): Promise<boolean> {
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
  const name = '@tensorflow/tfjs-node';
  try {
    await import(name);
  } catch {
    return false;
  }
  return tf.findBackend('tensorflow') !== null && (await tf.setBackend('tensorflow')) && tf.getBackend() === 'tensorflow';
}

async function init(opts: BackendOptions): Promise<BackendInfo> {
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads: expected a positive integer, got ${threads}`);
  if (threads !== 1) {
    throw new RangeError(
      `threads: only 1 is supported (got ${threads}); the installed @tensorflow/tfjs-backend-wasm has no threaded worker script for Node`,
    );
  }
  if ((opts.backend === undefined || opts.backend === 'tensorflow') && (await tryTfjsNode())) {
    return { backend: 'tensorflow', threads: 1 };
  }
  if (opts.backend === 'tensorflow') throw new Error('backend "tensorflow" requested but @tensorflow/tfjs-node is not installed or failed to load');
  if (opts.backend !== 'cpu') {
    setThreadsCount(1);
    const ok = await tf.setBackend('wasm');
    // setBackend can "succeed" silently on cpu after a failed init: check what we got.
    if (ok && tf.getBackend() === 'wasm') {
      registerGradientFixes('wasm');
      if (!registerFusedKernels()) warn('fhenet: the wasm backend exposes no memory object; fused training kernels are off (slower QAT steps).');
      return { backend: 'wasm', threads: 1 };
    }
    warn('fhenet: WARNING: the wasm backend failed to initialise; training falls back to the cpu backend, 15-200x slower.');
  }
  await tf.setBackend('cpu');
  if (tf.getBackend() !== 'cpu') throw new Error(`could not initialise any tfjs backend (got ${tf.getBackend()})`);
  registerGradientFixes('cpu');
  return { backend: 'cpu', threads: 1 };
}

/**
 * Initialises the training backend once per process and returns what was chosen. Later calls
 * return the same result (asking for a different backend afterwards is an error).
 */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  if (initPromise === undefined) {
    initPromise = init(opts).then((info) => (current = info));
  }
  const info = await initPromise;
  if (opts.backend !== undefined && opts.backend !== info.backend) {
    throw new Error(`backend already initialised as "${info.backend}"; cannot switch to "${opts.backend}" in this process`);
  }
  return info;
}

/** The backend chosen by initBackend, or undefined before it ran. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}
