// Loads the compiled engine (build/Release/fhenet_tfhe.node) and types its raw surface. Nothing
// outside this package should use it directly: the classes in client.ts / server.ts own handles.
// The public surface (NativeAddon, by area as in native/bindings/: handles, engine, keys,
// ciphertexts, PBS, WoP; tfhe-rs formats in tfhers/native.ts) is apart from the test and benchmark
// hooks (NativeTesting, the addon's `testing` object), which only tests and benches import.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

/** Opaque native handle (an N-API External). */
export type NativeHandle = { readonly __native: unique symbol };

/** The parameter object the native layer parses (a TfheParameterSet has these fields). */
export interface NativeParams {
  readonly messageBits: number;
  readonly lweDimension: number;
  readonly glweDimension: number;
  readonly polynomialSize: number;
  readonly lweNoise: { readonly kind: 'tuniform'; readonly boundLog2: number } | { readonly kind: 'gaussian'; readonly stdDevLog2: number };
  readonly glweNoise: { readonly kind: 'tuniform'; readonly boundLog2: number } | { readonly kind: 'gaussian'; readonly stdDevLog2: number };
  readonly pbs: { readonly baseLog: number; readonly levelCount: number };
  readonly keyswitch: { readonly baseLog: number; readonly levelCount: number };
  /** 'centered' (default) or 'plain' rounding to 2N before blind rotation. */
  readonly modulusSwitch?: 'centered' | 'plain';
}

/**
 * A WoP-PBS parameter set (docs/crt.md section 6): the keyswitch-then-PBS set (security checked
 * natively) plus the circuit bootstrapping and packing keyswitch decompositions.
 */
export interface NativeWopParams extends NativeParams {
  readonly circuitBootstrap: { readonly baseLog: number; readonly levelCount: number };
  readonly packingKeyswitch: { readonly baseLog: number; readonly levelCount: number };
}

/** The dimensions and level counts that size a set's keys and scratch (any TfheParameterSet has them). */
export type NativeKeyShape = Pick<NativeParams, 'lweDimension' | 'glweDimension' | 'polynomialSize'> & {
  readonly pbs: { readonly levelCount: number };
  readonly keyswitch: { readonly levelCount: number };
};

export interface NativeAddon {
  dispose(h: NativeHandle): void;
  isAlive(h: NativeHandle): boolean;
  /** How the addon set up the C allocator at load (glibc mmap threshold; see bindings/addon.cc "allocator"). */
  allocatorInfo(): { source: 'fhenet' | 'env' | 'unavailable'; mmapThreshold: number };
  kernelsName(): string;
  setThreads(n: number): void;
  getThreads(): number;
  /** Structure and the 128-bit security rule (the same rule as @fhenet/params' securityCheck); throws why not. */
  validateParams(p: NativeParams): void;
  /** Batch sizes the engine picks (lwe_programmable_bootstrap.h): default and largest PBS group. */
  readonly limits: { readonly pbsDefaultGroupSize: number; readonly pbsMaxGroupSize: number };
  /** The group size of a PBS batch of `count` ciphertexts on `threads` threads when none is asked for. */
  pbsGroupSize(count: number, threads: number): number;
  /** Bytes of one pool thread's PBS scratch for groups of up to `group` ciphertexts (kept thread_local). */
  pbsThreadScratchBytes(shape: NativeKeyShape, group: number): number;
  /** Neurons per chunk of a WoP lookup of `neurons` on `threads` threads (chunk * t GGSWs held at once). */
  wopNeuronChunk(neurons: number, threads: number): number;
  clientKeyGenerate(p: NativeParams): NativeHandle;
  encrypt(ck: NativeHandle, messages: Int32Array): NativeHandle;
  decrypt(ck: NativeHandle, b: NativeHandle): Int32Array;
  decryptPhase(ck: NativeHandle, b: NativeHandle): BigUint64Array;
  batchInfo(b: NativeHandle): { count: number; dimension: number };
  add(a: NativeHandle, b: NativeHandle): NativeHandle;
  sub(a: NativeHandle, b: NativeHandle): NativeHandle;
  addClear(p: NativeParams, b: NativeHandle, values: Int32Array): NativeHandle;
  mulClear(b: NativeHandle, values: Int32Array): NativeHandle;
  gather(b: NativeHandle, indices: Uint32Array): NativeHandle;
  scatter(base: NativeHandle, indices: Uint32Array, values: NativeHandle): NativeHandle;
  concat(bs: NativeHandle[]): NativeHandle;
  dotDense(p: NativeParams, b: NativeHandle, w: Int32Array, rows: number, cols: number, bias: Int32Array | null): NativeHandle;
  dotCsr(
    p: NativeParams,
    b: NativeHandle,
    indptr: Uint32Array,
    indices: Uint32Array,
    values: Int32Array,
    rows: number,
    cols: number,
    bias: Int32Array | null,
  ): NativeHandle;
  pbs(ek: NativeHandle, b: NativeHandle, tableIndex: Uint32Array, tables: Int32Array, options?: { groupSize?: number }): NativeHandle;
  pbsAsync(
    ek: NativeHandle,
    b: NativeHandle,
    tableIndex: Uint32Array,
    tables: Int32Array,
    options?: { groupSize?: number; onProgress?: (done: number, total: number) => void },
  ): Promise<NativeHandle>;
  /**
   * Multi-value PBS: each table (p entries) packs `functions` functions of p/functions entries;
   * returns count * functions ciphertexts, [ciphertext][function] (native pbs_batch_many).
   */
  pbsMany(ek: NativeHandle, b: NativeHandle, tableIndex: Uint32Array, tables: Int32Array, functions: number, options?: { groupSize?: number }): NativeHandle;
  pbsManyAsync(
    ek: NativeHandle,
    b: NativeHandle,
    tableIndex: Uint32Array,
    tables: Int32Array,
    functions: number,
    options?: { groupSize?: number; onProgress?: (done: number, total: number) => void },
  ): Promise<NativeHandle>;
  sessionKeygen(ck: NativeHandle, wantKeys: boolean, wantSeeded: boolean): NativeHandle;
  sessionExpand(seeded: NativeHandle): NativeHandle;
  sessionSizes(s: NativeHandle): { bskUnits: number; kskUnits: number };
  sessionRun(s: NativeHandle, part: 0 | 1, start: number, end: number): Promise<void>;
  sessionTake(s: NativeHandle): { evaluationKeys?: NativeHandle; seeded?: NativeHandle };
  serializeClientKey(ck: NativeHandle, fp: Buffer): Buffer;
  serializeEvaluationKeys(ek: NativeHandle, fp: Buffer): Buffer;
  serializeSeededKeys(sk: NativeHandle, fp: Buffer): Buffer;
  serializeBatch(b: NativeHandle, fp: Buffer, p: NativeParams): Buffer;
  deserializeClientKey(bytes: Uint8Array, p: NativeParams, fp: Buffer): NativeHandle;
  deserializeEvaluationKeys(bytes: Uint8Array, p: NativeParams, fp: Buffer): NativeHandle;
  deserializeSeededKeys(bytes: Uint8Array, p: NativeParams, fp: Buffer): NativeHandle;
  deserializeBatch(bytes: Uint8Array, p: NativeParams, fp: Buffer): NativeHandle;

  // ---- WoP-PBS / CRT (native/bindings/wop.cc over algorithms/{crt_residues,wop_lookup}). Torus
  // words are u64 in BigUint64Arrays; a residue r mod p (p odd) is encoded r * round(2^64 / p),
  // no padding bit. ----
  /** Encrypts raw torus plaintexts under the big key (GLWE noise). */
  encryptTorus(ck: NativeHandle, plaintexts: BigUint64Array): NativeHandle;
  /**
   * Vertical-packing LUT (2^t words) from a table over u in [0, M), M = prod(moduli): entry
   * selector(u) = values[u], selector = bits of u mod p_1 (low), then u mod p_2, ...; others 0.
   */
  crtLut(p: NativeParams, moduli: Uint32Array, values: BigUint64Array): BigUint64Array;
  /** Adds raw torus words to the bodies (one per ciphertext, or one for all): e.g. a bias (b mod p) * round(2^64/p). */
  addTorus(b: NativeHandle, values: BigUint64Array): NativeHandle;
  /** Test polynomial (N words) of g: Z_p -> torus, values = g(0..p-1), p odd in 3..N/2. */
  residueLut(p: NativeParams, modulus: number, values: BigUint64Array): BigUint64Array;
  /** Keyswitch + PBS of residues mod `modulus`: tables = p torus words per function, tableIndex per ciphertext. */
  pbsResidue(ek: NativeHandle, b: NativeHandle, modulus: number, tableIndex: Uint32Array, tables: BigUint64Array): NativeHandle;
  /** Same on a libuv worker + the thread pool (options as pbsAsync's); same bits as pbsResidue. */
  pbsResidueAsync(
    ek: NativeHandle,
    b: NativeHandle,
    modulus: number,
    tableIndex: Uint32Array,
    tables: BigUint64Array,
    options?: { groupSize?: number; onProgress?: (done: number, total: number) => void },
  ): Promise<NativeHandle>;
  /** Packing keyswitching keys ((k+1) keys, full form) from the client key. */
  pfksKeygen(ck: NativeHandle, p: NativeWopParams): Promise<NativeHandle>;
  pfksInfo(pk: NativeHandle): { bytes: number; rows: number; keys: number };
  /** Seeded transfer form (client): GLWE bodies + public mask seed, about 1/(k+1) of the full keys. */
  pfksKeygenSeeded(ck: NativeHandle, p: NativeWopParams): Promise<NativeHandle>;
  /** Server: full packing keyswitching keys from the seeded form. */
  pfksExpand(seeded: NativeHandle): Promise<NativeHandle>;
  /** Seeded keys <-> bytes (object kind 5: header, decompositions, mask seed, bodies, checksum). */
  serializePfksSeeded(seeded: NativeHandle, fp: Buffer): Buffer;
  deserializePfksSeeded(bytes: Uint8Array, p: NativeWopParams, fp: Buffer): NativeHandle;
  /**
   * Batched lookup: residues [neuron][m], tableIndex per neuron, luts [table][output][2^t] words
   * (selector index: bits of r_1 low, then r_2, ...); returns [neuron][output] LWEs.
   */
  wopLookup(
    ek: NativeHandle,
    pk: NativeHandle,
    residues: NativeHandle,
    moduli: Uint32Array,
    tableIndex: Uint32Array,
    luts: BigUint64Array,
    outputsPerTable: number,
    options?: { onProgress?: (done: number, total: number) => void },
  ): Promise<NativeHandle>;
}

/** Test and benchmark hooks (native/bindings/testing.cc), kept off the public surface. */
export interface NativeTesting {
  /** The per-ciphertext reference loop the batched PBS must match bit for bit. */
  pbsReference(ek: NativeHandle, b: NativeHandle, tableIndex: Uint32Array, tables: Int32Array): NativeHandle;
  /** Picks the kernel variant ('generic' | 'avx2' | 'avx512'); false if this CPU lacks it. */
  selectKernels(name: string): boolean;
  fftNegacyclicProduct(a: BigInt64Array, b: Int32Array): BigInt64Array;
  benchFft(n: number, iters: number): number;
  benchKeyswitch(ek: NativeHandle, b: NativeHandle, group?: number): number;
  sampleNoise(p: NativeParams, glwe: boolean, count: number): BigInt64Array;
  /** The engine's security rule on one key: '' if secure, else why not (compared with @fhenet/params). */
  noiseSecurityProblem(dimension: number, noise: NativeParams['lweNoise']): string;
  /** CSPRNG bytes of the tfhe-rs generator from table index (aesIndex, byteIndex), AES-NI or portable AES. */
  tfhersCsprngBytes(key: Uint8Array, aesIndex: number, byteIndex: number, length: number, portableAes: boolean): Buffer;
  /** Circuit bootstrapping of one neuron's m residues (batch of m, moduli[i] for the i-th) into t Fourier GGSWs. */
  circuitBootstrap(ek: NativeHandle, pk: NativeHandle, residues: NativeHandle, moduli: Uint32Array): NativeHandle;
  /** Mean ns per circuit bootstrap of one residue mod `modulus`, by phase. */
  benchCircuitBootstrap(
    ek: NativeHandle,
    pk: NativeHandle,
    residue: NativeHandle,
    modulus: number,
    iters: number,
  ): { pbsNs: number; pfksNs: number; fourierNs: number; bits: number };
  /** Vertical packing over GGSWs [first, first+t): luts = E tables of 2^t words -> E LWEs. */
  verticalPacking(ggsws: NativeHandle, first: number, t: number, luts: BigUint64Array): NativeHandle;
}

function load(): NativeAddon & { readonly testing: NativeTesting } {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/ and dist/ both sit one level below the package root.
  const path = join(here, '..', 'build', 'Release', 'fhenet_tfhe.node');
  if (!existsSync(path)) {
    throw new Error(
      `@fhenet/engine: native engine not built (${path} missing); run \`pnpm install\` or ` +
        '`node packages/engine/scripts/build-native.cjs` (needs g++, make, python3)',
    );
  }
  return createRequire(import.meta.url)(path) as NativeAddon & { readonly testing: NativeTesting };
}

const addon = load();
export const native: NativeAddon = addon;
/** Test and benchmark hooks: for test/ and bench/ only. */
export const nativeTesting: NativeTesting = addon.testing;
