// Choosing and initialising the TensorFlow.js backend for training.
// Preference: tfjs-node if the user installed it, else wasm (with our gradient fixes), else cpu
// with a loud warning (15-200x slower; see the reference numbers in docs/training.md).

import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerFusedKernels } from './fused.js';
import { registerGradientFixes } from './kernels.js';
import { chooseThreads, getThreadsCount, setThreadedWasmBackend } from './threads.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendOptions {
  /** Force a backend; default: tensorflow if @tensorflow/tfjs-node loads, else wasm. */
  readonly backend?: BackendName;
  /**
   * wasm threads: a count (1..8), or 'auto' (default): 2 when the model's convolutions are big
   * enough to pay (`workMacs`) and the machine has a free core, else 1. FHENET_WASM_THREADS sets
   * the count when this is 'auto' or absent. See threads.ts.
   */
  readonly threads?: number | 'auto';
  /** Forward multiply-accumulates per sample of the model to train (zoo's modelMacs), for 'auto'. */
  readonly workMacs?: number;
  /** Where warnings go (default console.warn). */
  readonly warn?: (message: string) => void;
}

export interface BackendInfo {
  readonly backend: BackendName;
  readonly threads: number;
  /** Why this thread count (requested, the environment variable, or the 'auto' rule). */
  readonly threadsReason: string;
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
  const choice = chooseThreads(opts.threads, opts.workMacs);
  if ((opts.backend === undefined || opts.backend === 'tensorflow') && (await tryTfjsNode())) {
    return { backend: 'tensorflow', threads: 1, threadsReason: 'tfjs-node manages its own threads' };
  }
  if (opts.backend === 'tensorflow') throw new Error('backend "tensorflow" requested but @tensorflow/tfjs-node is not installed or failed to load');
  if (opts.backend !== 'cpu') {
    let threadsReason = choice.reason;
    let ok = false;
    if (choice.threads > 1) {
      ok = await setThreadedWasmBackend(choice.threads);
      if (!ok) {
        warn(`fhenet: WARNING: the threaded wasm backend (${choice.threads} threads) failed to start; using 1 thread.`);
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        threadsReason = 'threaded start failed';
      }
    }
    if (!ok) {
      setThreadsCount(1);
      // setBackend can "succeed" silently on cpu after a failed init: check what we got.
      ok = (await tf.setBackend('wasm')) && tf.getBackend() === 'wasm';
    }
    if (ok) {
      registerGradientFixes('wasm');
      if (!registerFusedKernels()) warn('fhenet: the wasm backend exposes no memory object; fused training kernels are off (slower QAT steps).');
      return { backend: 'wasm', threads: getThreadsCount(), threadsReason };
    }
    warn('fhenet: WARNING: the wasm backend failed to initialise; training falls back to the cpu backend, 15-200x slower.');
  }
  await tf.setBackend('cpu');
  if (tf.getBackend() !== 'cpu') throw new Error(`could not initialise any tfjs backend (got ${tf.getBackend()})`);
  registerGradientFixes('cpu');
  return { backend: 'cpu', threads: 1, threadsReason: 'cpu backend' };
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
