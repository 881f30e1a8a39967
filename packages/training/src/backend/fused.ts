// Fused training kernels for the tfjs wasm backend: fake quantizers (forward, STE/LSQ backward),
// accumulator-aware (A2Q) weights (norms, normalised truncating quantizer, and its backward),
// batch norm in training mode (statistics, normalisation, moving averages; backward through
// mean and variance) and the Adam update, each one call into kernels.wat instead of 5-40 tfjs
// kernels. The module imports the backend's own memory, so it reads and writes tensors in place.
// Registered by initBackend() on wasm; on other backends the layers use tf-op compositions with
// the same meaning (fake-quant.ts, batch-norm.ts, adam.ts), and tests compare the two.

import * as tf from '@tensorflow/tfjs';
import { KERNELS_WASM, KERNELS_WASM_SHARED } from './wasm/kernels-binary.js';

type Info = tf.TensorInfo;

// The WebAssembly API (global in Node) is not in this project's TypeScript libs; the part used here:
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: abstract new (...args: never[]) => WasmMemory;
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: unknown };
    };
  }
).WebAssembly;
type KernelArgs = Parameters<tf.KernelFunc>[0];

interface WasmBackend {
  wasm: { _malloc(bytes: number): number; _free(ptr: number): void; asm?: { memory?: unknown }; wasmMemory?: unknown };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): Info;
}

interface Exports {
  // rtz: 1 rounds toward zero, 0 half to even (kernels.wat). gain: 0, or A2Q's periodic gains.
  fq_fwd(x: number, mask: number, gain: number, out: number, n: number, L: number, s: number, zp: number, qmin: number, qmax: number, rtz: number): void;
  abs_sums(x: number, mask: number, n: number, L: number, acc: number, part: number): void;
  a2q_bwd_sums(
    x: number,
    mask: number,
    dy: number,
    n: number,
    L: number,
    s: number,
    gain: number,
    qmin: number,
    qmax: number,
    rtz: number,
    acc1: number,
    acc2: number,
    p1: number,
    p2: number,
  ): void;
  a2q_bwd_dx(x: number, mask: number, dy: number, dx: number, n: number, L: number, s: number, gain: number, dn: number, qmin: number, qmax: number): void;
  fq_lsq_bwd(
    x: number,
    mask: number,
    dy: number,
    dx: number,
    n: number,
    L: number,
    s: number,
    qmin: number,
    qmax: number,
    acc: number,
    part: number,
    rtz: number,
  ): void;
  fq_fixed_bwd(x: number, mask: number, dy: number, dx: number, n: number, L: number, s: number, zp: number, qmin: number, qmax: number, rtz: number): void;
  bn_stats(x: number, n: number, L: number, shift: number, acc1: number, acc2: number, p1: number, p2: number): void;
  bn_grad_sums(x: number, dy: number, n: number, L: number, mean: number, acc1: number, acc2: number, p1: number, p2: number): void;
  affine2(a: number, b: number, out: number, n: number, L: number, p: number, q: number, r: number): void;
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    wo: number,
    mo: number,
    vo: number,
    n: number,
    b1: number,
    omb1: number,
    b2: number,
    omb2: number,
    c1: number,
    c2: number,
    eps: number,
    neglr: number,
  ): void;
}

/** Kernel names (registered for 'wasm' only). */
const FAKE_QUANT = 'FhenetFakeQuant';
const FAKE_QUANT_GRAD = 'FhenetFakeQuantGrad';
export const A2Q_WEIGHTS = 'FhenetA2qWeights';
const A2Q_WEIGHTS_GRAD = 'FhenetA2qWeightsGrad';
export const BATCH_NORM_TRAIN = 'FhenetBatchNormTrain';
const BATCH_NORM_TRAIN_GRAD = 'FhenetBatchNormTrainGrad';
export const ADAM = 'FhenetAdam';

let kernels: { exports: Exports; memory: WasmMemory; backend: WasmBackend } | undefined;
let enabled = true;
let scratchPtr = 0;
let scratchBytes = 0;

/** True when the fused kernels run on the current backend (wasm, registered, not switched off). */
export function fusedKernels(): boolean {
  return enabled && kernels !== undefined && tf.getBackend() === 'wasm' && tf.backend() === (kernels.backend as unknown);
}

/**
 * Switches the fused kernels off (the layers then use the tf-op compositions) or back on: for
 * A/B benchmarks and the equivalence tests, not needed in normal use.
 */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

const f32 = Math.fround;
const ptr = (info: Info): number => kernels!.backend.dataIdMap.get(info.dataId).memoryOffset;
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
/**
 * The period of per-channel parameters in the kernels: a multiple of lcm(c, 4), so a block is a
 * whole number of 4-lane vectors, and at least 64 lanes, so the per-block loop overhead is small.
 */
function period(c: number): number {
  const l = c % 4 === 0 ? c : c % 2 === 0 ? 2 * c : 4 * c;
  return l * Math.ceil(64 / l);
}

/** A heap region for per-call parameters and accumulators, reused across calls. */
function scratch(bytes: number): number {
  if (bytes > scratchBytes) {
    const w = kernels!.backend.wasm;
    if (scratchPtr !== 0) w._free(scratchPtr);
    scratchBytes = Math.max(bytes, 2 * scratchBytes, 4096);
    scratchPtr = w._malloc(scratchBytes) >>> 0;
  }
  return scratchPtr;
}

/** Views of the heap; make them after every allocation (growing the memory detaches old views). */
function heap(): { f32: Float32Array; f64: Float64Array } {
  const b = kernels!.memory.buffer;
  return { f32: new Float32Array(b), f64: new Float64Array(b) };
}

/** Channel count of per-channel parameters of these sizes against x (1 = per tensor). */
function channelsOf(kernel: string, x: Info, ...params: (Info | undefined)[]): number {
  const c = x.shape[x.shape.length - 1] ?? 1;
  let per = 1;
  for (const p of params) {
    if (p === undefined) continue;
    const n = size(p.shape);
    if (n !== 1 && n !== c) throw new Error(`${kernel}: a parameter of ${n} values against ${c} channels (input [${x.shape}])`);
    if (n !== 1) per = c;
  }
  return per;
}

/** Writes `values` (1 or C of them, read through `get`) periodically into L f32 slots at byte `at`. */
function fillPeriodic(h: Float32Array, at: number, L: number, count: number, get: (c: number) => number): void {
  const base = at >>> 2;
  for (let j = 0; j < L; j++) h[base + j] = get(count === 1 ? 0 : j % count);
}

/** Sums L f64 lanes at byte `at` into C channels. */
function foldLanes(h: Float64Array, at: number, L: number, C: number): Float64Array {
  const out = new Float64Array(C);
  const base = at >>> 3;
  for (let j = 0; j < L; j++) out[j % C]! += h[base + j]!;
  return out;
}

const lsqScaleOf = (raw: number): number => Math.max(Math.abs(raw), f32(1e-8));

function fakeQuant(args: KernelArgs): Info {
  const { x, s, zp, mask } = args.inputs as Record<string, Info | undefined>;
  const { qmin, qmax, lsq, towardZero } = args.attrs as { qmin: number; qmax: number; lsq: boolean; towardZero: boolean };
  const be = kernels!.backend;
  const out = be.makeOutput(x!.shape, 'float32');
  const n = size(x!.shape);
  if (n === 0) return out;
  const C = channelsOf(FAKE_QUANT, x!, s, zp);
  const L = period(C);
  const p = scratch(8 * L);
  const { f32: h } = heap();
  const sp = ptr(s!) >>> 2;
  fillPeriodic(h, p, L, size(s!.shape), (c) => (lsq ? lsqScaleOf(h[sp + c]!) : h[sp + c]!));
  const zq = zp === undefined ? -1 : ptr(zp) >>> 2;
  fillPeriodic(h, p + 4 * L, L, zp === undefined ? 1 : size(zp.shape), (c) => (zq < 0 ? 0 : h[zq + c]!));
  kernels!.exports.fq_fwd(ptr(x!), mask ? ptr(mask) : 0, 0, ptr(out), n, L, p, p + 4 * L, qmin, qmax, towardZero ? 1 : 0);
  return out;
}

function fakeQuantGrad(args: KernelArgs): Info[] {
  const { x, s, zp, mask, dy } = args.inputs as Record<string, Info | undefined>;
  const { qmin, qmax, lsq, gradScale, towardZero } = args.attrs as { qmin: number; qmax: number; lsq: boolean; gradScale: number; towardZero: boolean };
  const rtz = towardZero ? 1 : 0;
  const be = kernels!.backend;
  const dx = be.makeOutput(x!.shape, 'float32');
  const n = size(x!.shape);
  const C = channelsOf(FAKE_QUANT_GRAD, x!, s, zp);
  const L = period(C);
  const ds = lsq ? be.makeOutput(s!.shape, 'float32') : undefined;
  // scratch: s, zp, partial sums (f32 L each), totals (f64 L)
  const p = scratch(20 * L);
  const part = p + 8 * L,
    acc = p + 12 * L;
  const { f32: h, f64 } = heap();
  const sp = ptr(s!) >>> 2;
  const sCount = size(s!.shape);
  fillPeriodic(h, p, L, sCount, (c) => (lsq ? lsqScaleOf(h[sp + c]!) : h[sp + c]!));
  if (lsq) {
    h.fill(0, part >>> 2, acc >>> 2);
    f64.fill(0, acc >>> 3, (acc >>> 3) + L);
    if (n > 0) kernels!.exports.fq_lsq_bwd(ptr(x!), mask ? ptr(mask) : 0, ptr(dy!), ptr(dx), n, L, p, qmin, qmax, acc, part, rtz);
    const perChannel = foldLanes(f64, acc, L, C);
    const dsAt = ptr(ds!) >>> 2;
    for (let c = 0; c < sCount; c++) {
      const total = sCount === 1 ? perChannel.reduce((a, b) => a + b, 0) : perChannel[c]!;
      // Chain through s_eff = max(|s|, 1e-8): d|s|/ds = sign(s) (tf's abs grad: -1 at 0), max passes where |s| >= 1e-8.
      const raw = h[sp + c]!;
      const chain = Math.abs(raw) >= f32(1e-8) ? (raw > 0 ? 1 : -1) : 0;
      h[dsAt + c] = total * gradScale * chain;
    }
    return [dx, ds!];
  }
  const zq = zp === undefined ? -1 : ptr(zp) >>> 2;
  fillPeriodic(h, p + 4 * L, L, zp === undefined ? 1 : size(zp.shape), (c) => (zq < 0 ? 0 : h[zq + c]!));
  if (n > 0) kernels!.exports.fq_fixed_bwd(ptr(x!), mask ? ptr(mask) : 0, ptr(dy!), ptr(dx), n, L, p, p + 4 * L, qmin, qmax, rtz);
  return [dx];
}

/** A2Q's per-channel terms, computed as the tf-op composition does (quant-linear.ts a2qKernel), in f32. */
interface A2qChannel {
  /** lsqScale(raw), min(|g|, B' S) and whether |g| <= B' S. */
  readonly scale: number;
  readonly t: number;
  readonly underCap: boolean;
}

function a2qChannels(h: Float32Array, s: Info, g: Info, budget: Info, C: number, margin: number): A2qChannel[] {
  const sp = ptr(s) >>> 2,
    gp = ptr(g) >>> 2;
  const bm = f32(h[ptr(budget) >>> 2]! * f32(1 - margin));
  const perTensor = size(s.shape) === 1;
  return Array.from({ length: C }, (_, c) => {
    const scale = lsqScaleOf(h[sp + (perTensor ? 0 : c)]!);
    const cap = f32(bm * scale);
    const a = Math.abs(h[gp + c]!);
    return { scale, t: Math.min(a, cap), underCap: a <= cap };
  });
}

/**
 * Accumulator-aware weights (A2Q) in two passes over the kernel: each channel's norm ||x * mask||_1
 * (abs_sums), then out = clamp(trunc(x * mask * gain / S), qmin, qmax) * S with gain = min(|g|, B' S)
 * / norm (fq_fwd with gains). Outputs [out, gain, norm]; the gradient reads the last two.
 */
function a2qWeights(args: KernelArgs): Info[] {
  const { x, mask, s, g, budget } = args.inputs as Record<string, Info>;
  const { qmin, qmax, margin } = args.attrs as { qmin: number; qmax: number; margin: number };
  const be = kernels!.backend;
  const C = x!.shape[x!.shape.length - 1]!;
  const n = size(x!.shape);
  const L = period(C);
  const out = be.makeOutput(x!.shape, 'float32');
  const gainOut = be.makeOutput([C], 'float32');
  const normOut = be.makeOutput([C], 'float32');
  // scratch: S, gain, zero points (f32 L each), partial sums (f32 L), totals (f64 L)
  const p = scratch(24 * L);
  const part = p + 12 * L,
    acc = p + 16 * L;
  let { f32: h, f64 } = heap();
  h.fill(0, part >>> 2, acc >>> 2);
  f64.fill(0, acc >>> 3, (acc >>> 3) + L);
  if (n > 0) kernels!.exports.abs_sums(ptr(x!), ptr(mask!), n, L, acc, part);
  ({ f32: h, f64 } = heap());
  const norms = foldLanes(f64, acc, L, C);
  const ch = a2qChannels(h, s!, g!, budget!, C, margin);
  const go = ptr(gainOut) >>> 2,
    no = ptr(normOut) >>> 2;
  for (let c = 0; c < C; c++) {
    const norm = Math.max(f32(norms[c]!), f32(1e-30));
    h[no + c] = norm;
    h[go + c] = f32(ch[c]!.t / norm);
  }
  fillPeriodic(h, p, L, C, (c) => ch[c]!.scale);
  fillPeriodic(h, p + 4 * L, L, C, (c) => h[go + c]!);
  h.fill(0, (p + 8 * L) >>> 2, (p + 12 * L) >>> 2);
  if (n > 0) kernels!.exports.fq_fwd(ptr(x!), ptr(mask!), p + 4 * L, ptr(out), n, L, p, p + 8 * L, qmin, qmax, 1);
  return [out, gainOut, normOut];
}

/**
 * Gradient of a2qWeights (straight-through as the composition): per channel, with u = x * mask,
 * v = u * gain / S, D = sum dy (inside ? trunc(v) - v : clamp(v)) (LSQ), A = sum (inside ? dy : 0) u:
 * d gain = A; d t = A / norm, to |g| below the cap, else to the cap B' S; d norm = -A gain / norm;
 * dS = gradScale (D + B' [over the cap] A / norm), then through lsqScale to the raw scale;
 * dx = mask ((inside ? dy : 0) gain + d norm sign(u)) (a2q_bwd_dx).
 */
function a2qWeightsGrad(args: KernelArgs): Info[] {
  const { x, mask, s, g, budget, gain, norm, dy } = args.inputs as Record<string, Info>;
  const { qmin, qmax, margin, gradScale } = args.attrs as { qmin: number; qmax: number; margin: number; gradScale: number };
  const be = kernels!.backend;
  const C = x!.shape[x!.shape.length - 1]!;
  const n = size(x!.shape);
  const L = period(C);
  const dx = be.makeOutput(x!.shape, 'float32');
  const ds = be.makeOutput(s!.shape, 'float32');
  const dg = be.makeOutput([C], 'float32');
  // scratch: S, gain, d norm (f32 L each), 2 partial sums (f32 L each), 2 totals (f64 L each)
  const p = scratch(36 * L);
  const part = p + 12 * L,
    acc1 = p + 20 * L,
    acc2 = p + 28 * L;
  let { f32: h, f64 } = heap();
  const ch = a2qChannels(h, s!, g!, budget!, C, margin);
  const gp = ptr(gain!) >>> 2,
    np = ptr(norm!) >>> 2;
  fillPeriodic(h, p, L, C, (c) => ch[c]!.scale);
  fillPeriodic(h, p + 4 * L, L, C, (c) => h[gp + c]!);
  h.fill(0, part >>> 2, acc1 >>> 2);
  f64.fill(0, acc1 >>> 3, (acc2 >>> 3) + L);
  if (n > 0) {
    kernels!.exports.a2q_bwd_sums(ptr(x!), ptr(mask!), ptr(dy!), n, L, p, p + 4 * L, qmin, qmax, 1, acc1, acc2, part, part + 4 * L);
  }
  ({ f32: h, f64 } = heap());
  const D = foldLanes(f64, acc1, L, C);
  const A = foldLanes(f64, acc2, L, C);
  const bm = f32(h[ptr(budget!) >>> 2]! * f32(1 - margin));
  const sp = ptr(s!) >>> 2,
    gq = ptr(g!) >>> 2,
    dgo = ptr(dg) >>> 2,
    dso = ptr(ds) >>> 2;
  const sCount = size(s!.shape);
  const dS = new Float64Array(sCount);
  const dn = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const nrm = h[np + c]!;
    const dt = A[c]! / nrm;
    dn[c] = nrm > f32(1e-30) ? (-A[c]! * h[gp + c]!) / nrm : 0;
    const raw = h[gq + c]!;
    h[dgo + c] = ch[c]!.underCap ? dt * (raw > 0 ? 1 : raw < 0 ? -1 : 0) : 0;
    dS[sCount === 1 ? 0 : c]! += gradScale * (D[c]! + (ch[c]!.underCap ? 0 : bm * dt));
  }
  for (let c = 0; c < sCount; c++) {
    // Chain through s_eff = max(|s|, 1e-8), as in fakeQuantGrad.
    const raw = h[sp + c]!;
    h[dso + c] = dS[c]! * (Math.abs(raw) >= f32(1e-8) ? (raw > 0 ? 1 : -1) : 0);
  }
  fillPeriodic(h, p + 8 * L, L, C, (c) => dn[c]!);
  if (n > 0) kernels!.exports.a2q_bwd_dx(ptr(x!), ptr(mask!), ptr(dy!), ptr(dx), n, L, p, p + 4 * L, p + 8 * L, qmin, qmax);
  return [dx, ds, dg];
}

function batchNormTrain(args: KernelArgs): Info[] {
  const { x, gamma, beta, movingMean, movingVariance } = args.inputs as Record<string, Info>;
  const { epsilon, momentum } = args.attrs as { epsilon: number; momentum: number };
  const be = kernels!.backend;
  const C = x!.shape[x!.shape.length - 1]!;
  const n = size(x!.shape);
  const M = n / C;
  if (M < 1) throw new Error(`${BATCH_NORM_TRAIN}: empty batch (input [${x!.shape}])`);
  const L = period(C);
  const y = be.makeOutput(x!.shape, 'float32');
  const [mean, variance, newMean, newVar] = [0, 1, 2, 3].map(() => be.makeOutput([C], 'float32')) as [Info, Info, Info, Info];
  // scratch: shift, a, k, 2 partial sums (f32 L each), 2 totals (f64 L each)
  const p = scratch(36 * L);
  const part = p + 12 * L,
    acc1 = p + 20 * L,
    acc2 = p + 28 * L;
  const { f32: h, f64 } = heap();
  const xp = ptr(x!) >>> 2;
  fillPeriodic(h, p, L, C, (c) => h[xp + c]!); // shift by the first row: sums stay small
  h.fill(0, part >>> 2, acc1 >>> 2);
  f64.fill(0, acc1 >>> 3, (acc2 >>> 3) + L);
  kernels!.exports.bn_stats(ptr(x!), n, L, p, acc1, acc2, part, part + 4 * L);
  const S = foldLanes(f64, acc1, L, C);
  const Q = foldLanes(f64, acc2, L, C);
  const g = ptr(gamma!) >>> 2,
    b = ptr(beta!) >>> 2,
    mm = ptr(movingMean!) >>> 2,
    mv = ptr(movingVariance!) >>> 2;
  const [mo, vo, nmo, nvo] = [mean, variance, newMean, newVar].map((t) => ptr(t) >>> 2) as [number, number, number, number];
  const a = new Float64Array(C),
    k = new Float64Array(C);
  const decay = f32(1 - momentum);
  for (let c = 0; c < C; c++) {
    const d = S[c]! / M;
    const mu = h[xp + c]! + d;
    const v = Math.max(Q[c]! / M - d * d, 0);
    h[mo + c] = mu;
    h[vo + c] = v;
    a[c] = h[g + c]! / Math.sqrt(v + epsilon);
    k[c] = h[b + c]! - mu * a[c]!;
    // tfjs BatchNormalization's update in f32: moving - (moving - batch) * (1 - momentum)
    h[nmo + c] = f32(h[mm + c]! - f32(f32(h[mm + c]! - h[mo + c]!) * decay));
    h[nvo + c] = f32(h[mv + c]! - f32(f32(h[mv + c]! - h[vo + c]!) * decay));
  }
  fillPeriodic(h, p + 4 * L, L, C, (c) => a[c]!);
  fillPeriodic(h, p + 8 * L, L, C, (c) => k[c]!);
  kernels!.exports.affine2(ptr(x!), 0, ptr(y), n, L, p + 4 * L, 0, p + 8 * L);
  return [y, mean, variance, newMean, newVar];
}

/**
 * Backward of training-mode batch norm, y = gamma * (x - mu) * r + beta with r = 1/sqrt(var + eps)
 * and mu, var the batch statistics (M rows per channel). With S1 = sum dy, S2 = sum dy (x - mu):
 *   dx = gamma r dy - gamma r S1 / M - gamma r^3 S2 (x - mu) / M   (+ dmu / M + 2 dvar (x - mu) / M
 *   for gradients arriving on the mean and variance outputs), dgamma = r S2, dbeta = S1.
 * dx is one affine pass p dy + q x + r0 per channel: no per-channel term is tiled.
 */
function batchNormTrainGrad(args: KernelArgs): Info[] {
  const { x, gamma, mean, variance, dy, dmean, dvar } = args.inputs as Record<string, Info>;
  const { epsilon } = args.attrs as { epsilon: number };
  const be = kernels!.backend;
  const C = x!.shape[x!.shape.length - 1]!;
  const n = size(x!.shape);
  const M = n / C;
  const L = period(C);
  const dx = be.makeOutput(x!.shape, 'float32');
  const dgamma = be.makeOutput([C], 'float32');
  const dbeta = be.makeOutput([C], 'float32');
  // scratch: mean, p, q, r, 2 partial sums (f32 L each), 2 totals (f64 L each)
  const p = scratch(40 * L);
  const part = p + 16 * L,
    acc1 = p + 24 * L,
    acc2 = p + 32 * L;
  const { f32: h, f64 } = heap();
  const mu = ptr(mean!) >>> 2,
    vr = ptr(variance!) >>> 2,
    g = ptr(gamma!) >>> 2,
    dm = ptr(dmean!) >>> 2,
    dv = ptr(dvar!) >>> 2;
  fillPeriodic(h, p, L, C, (c) => h[mu + c]!);
  h.fill(0, part >>> 2, acc1 >>> 2);
  f64.fill(0, acc1 >>> 3, (acc2 >>> 3) + L);
  kernels!.exports.bn_grad_sums(ptr(x!), ptr(dy!), n, L, p, acc1, acc2, part, part + 4 * L);
  const S1 = foldLanes(f64, acc1, L, C);
  const S2 = foldLanes(f64, acc2, L, C);
  const P = new Float64Array(C),
    Qc = new Float64Array(C),
    R = new Float64Array(C);
  const dgo = ptr(dgamma) >>> 2,
    dbo = ptr(dbeta) >>> 2;
  for (let c = 0; c < C; c++) {
    const r = 1 / Math.sqrt(h[vr + c]! + epsilon);
    const gr = h[g + c]! * r;
    const m = h[mu + c]!;
    const q = (-gr * r * r * S2[c]!) / M + (2 * h[dv + c]!) / M;
    P[c] = gr;
    Qc[c] = q;
    R[c] = (-gr * S1[c]!) / M - q * m + h[dm + c]! / M;
    h[dgo + c] = r * S2[c]!;
    h[dbo + c] = S1[c]!;
  }
  fillPeriodic(h, p + 4 * L, L, C, (c) => P[c]!);
  fillPeriodic(h, p + 8 * L, L, C, (c) => Qc[c]!);
  fillPeriodic(h, p + 12 * L, L, C, (c) => R[c]!);
  kernels!.exports.affine2(ptr(dy!), ptr(x!), ptr(dx), n, L, p + 4 * L, p + 8 * L, p + 12 * L);
  return [dx, dgamma, dbeta];
}

function adam(args: KernelArgs): Info[] {
  const { w, g, m, v, accBeta1, accBeta2 } = args.inputs as Record<string, Info>;
  const { beta1, beta2, epsilon, learningRate } = args.attrs as { beta1: number; beta2: number; epsilon: number; learningRate: number };
  const be = kernels!.backend;
  const [wo, mo, vo] = [0, 1, 2].map(() => be.makeOutput(w!.shape, 'float32')) as [Info, Info, Info];
  const { f32: h } = heap();
  // The scalars exactly as tfjs's AdamOptimizer makes them: f32 tensors of JS-double expressions,
  // and 1 - accBeta computed in f32.
  const c1 = f32(1 - h[ptr(accBeta1!) >>> 2]!);
  const c2 = f32(1 - h[ptr(accBeta2!) >>> 2]!);
  kernels!.exports.adam(
    ptr(w!),
    ptr(g!),
    ptr(m!),
    ptr(v!),
    ptr(wo),
    ptr(mo),
    ptr(vo),
    size(w!.shape),
    f32(beta1),
    f32(1 - beta1),
    f32(beta2),
    f32(1 - beta2),
    c1,
    c2,
    f32(epsilon),
    f32(-learningRate),
  );
  return [wo, mo, vo];
}

/**
 * The fake-quant kernel's name for a set of inputs: one name per input layout, since a gradient
 * config lists exactly the inputs to save (x, s, then zp for the fixed quantizer, then mask).
 */
export function fakeQuantKernel(lsq: boolean, masked: boolean): string {
  return `${FAKE_QUANT}${lsq ? 'Lsq' : 'Fixed'}${masked ? 'Masked' : ''}`;
}

function zerosFor(t: tf.Tensor | undefined): () => tf.Tensor {
  return () => tf.zerosLike(t!);
}

let gradientsRegistered = false;

function registerGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  for (const lsq of [true, false]) {
    for (const masked of [true, false]) {
      const names = ['x', 's', ...(lsq ? [] : ['zp']), ...(masked ? ['mask'] : [])];
      tf.registerGradient({
        kernelName: fakeQuantKernel(lsq, masked),
        inputsToSave: names,
        gradFunc: (dy, saved, attrs) => {
          const inputs: tf.NamedTensorMap = { dy: dy as tf.Tensor };
          names.forEach((n, i) => {
            inputs[n] = saved[i]!;
          });
          // One kernel gives dx and ds: run it once, here, and hand out its outputs.
          const [dx, ds] = tf.engine().runKernel(FAKE_QUANT_GRAD, inputs, attrs as tf.NamedAttrMap) as tf.Tensor[];
          const grads: Record<string, () => tf.Tensor> = {};
          for (const n of names) grads[n] = n === 'x' ? () => dx! : n === 's' && lsq ? () => ds! : zerosFor(inputs[n]);
          return grads;
        },
      });
    }
  }
  tf.registerGradient({
    kernelName: A2Q_WEIGHTS,
    inputsToSave: ['x', 'mask', 's', 'g', 'budget'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [x, mask, s, g, budget, gain, norm] = saved;
      const dy = (dys as tf.Tensor[])[0]!;
      const [dx, ds, dg] = tf
        .engine()
        .runKernel(
          A2Q_WEIGHTS_GRAD,
          { x: x!, mask: mask!, s: s!, g: g!, budget: budget!, gain: gain!, norm: norm!, dy },
          attrs as tf.NamedAttrMap,
        ) as tf.Tensor[];
      return { x: () => dx!, mask: zerosFor(mask), s: () => ds!, g: () => dg!, budget: zerosFor(budget) };
    },
  });
  tf.registerGradient({
    kernelName: BATCH_NORM_TRAIN,
    // Each saved tensor costs a clone; the moving statistics only need zero gradients of gamma's shape.
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true, false, false],
    gradFunc: (dys, saved, attrs) => {
      const [dy, dmean, dvar] = dys as tf.Tensor[];
      const [x, gamma, mean, variance] = saved;
      const [dx, dgamma, dbeta] = tf
        .engine()
        .runKernel(
          BATCH_NORM_TRAIN_GRAD,
          { x: x!, gamma: gamma!, mean: mean!, variance: variance!, dy: dy!, dmean: dmean!, dvar: dvar! },
          attrs as tf.NamedAttrMap,
        ) as tf.Tensor[];
      return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta!, movingMean: zerosFor(gamma), movingVariance: zerosFor(gamma) };
    },
  });
}

function memoryOf(be: WasmBackend): WasmMemory | undefined {
  for (const m of [be.wasm.asm?.memory, be.wasm.wasmMemory]) if (m instanceof WA.Memory) return m;
  return undefined;
}

/**
 * Instantiates kernels.wat against the current wasm backend's memory and registers the kernels.
 * Call after `await tf.setBackend('wasm')`. Returns false (and registers nothing) if the backend
 * does not expose its memory, in which case the layers keep using tf-op compositions.
 */
export function registerFusedKernels(): boolean {
  if (tf.getBackend() !== 'wasm') throw new Error(`registerFusedKernels: the wasm backend must be active, got ${tf.getBackend()}`);
  const be = tf.backend() as unknown as WasmBackend;
  const memory = memoryOf(be);
  if (memory === undefined) return false;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = Buffer.from(shared ? KERNELS_WASM_SHARED : KERNELS_WASM, 'base64');
  const instance = new WA.Instance(new WA.Module(bytes), { env: { memory } });
  kernels = { exports: instance.exports as unknown as Exports, memory, backend: be };
  scratchPtr = 0;
  scratchBytes = 0;
  const kernelFuncs: [string, (a: KernelArgs) => Info | Info[]][] = [
    ...[true, false].flatMap((lsq) => [true, false].map((m): [string, (a: KernelArgs) => Info] => [fakeQuantKernel(lsq, m), fakeQuant])),
    [FAKE_QUANT_GRAD, fakeQuantGrad],
    [A2Q_WEIGHTS, a2qWeights],
    [A2Q_WEIGHTS_GRAD, a2qWeightsGrad],
    [BATCH_NORM_TRAIN, batchNormTrain],
    [BATCH_NORM_TRAIN_GRAD, batchNormTrainGrad],
    [ADAM, adam],
  ];
  for (const [kernelName, kernelFunc] of kernelFuncs) {
    if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  registerGradients();
  return true;
}
